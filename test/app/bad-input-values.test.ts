// Issue #17, numbers, units and durations: every app prop and environment override that holds a
// count, a CPU or memory size, a rolling-update bound, a cron schedule or a duration is refused
// at synth with one line when Kubernetes, Argo or the platform would refuse (or throw on) it.
import { Duration } from 'cdk8s';
import {
  RolloutStrategy,
  ScheduledTask,
  Worker,
  WorkerLiveness,
  type AppDefinition,
  type ScheduledTaskProps,
} from '../../constructs/app';
import { validateCatalog } from '../../constructs/app/catalog';
import { ProblemCollector } from '../../constructs/errors';
import { checkDuration } from '../../constructs/config/quantity';
import { validateConfig } from '../../constructs/config/validate';
import type { EnvironmentConfig } from '../../constructs/config/types';
import { CLUSTERS, loadConfig } from '../../environments';
import { dev } from '../../environments/dev';
import { prod } from '../../environments/prod';
import { test as testEnv } from '../../environments/test';
import { findObject } from '../support/tree';
import { renderApps, renderError, shopWebService, thrownLines, versionsFor } from '../support/apps';

const config = loadConfig();

const web = shopWebService;

const task = (props: Partial<ScheduledTaskProps> = {}) =>
  ScheduledTask.define({
    name: 'nightly',
    team: 'web',
    image: 'registry.example.com/web/nightly',
    schedule: '0 3 * * *',
    ...props,
  });

/** The lines the app's own validation adds (empty when it passes). */
function problemsOf(app: AppDefinition): string[] {
  const problems = new ProblemCollector();
  app.validate(problems, config.environments);
  return thrownLines(() => problems.throwIfAny());
}

/** The lines validating the reference clusters with dev changed. */
function devProblems(change: Partial<EnvironmentConfig>): string[] {
  return thrownLines(() => validateConfig(CLUSTERS, [{ ...dev, ...change }, testEnv, prod]));
}

describe('CPU and memory sizes have their own units', () => {
  it('reports a size in the wrong unit once at synth, not again as request above limit', () => {
    // 512Mi read as CPU is 536870912 cores, above every environment's CPU limit
    expect(renderError([web({ resources: { cpuRequest: '512Mi' } })])).toBe(
      "app 'shop' resources.cpuRequest: must be CPU cores like '0.5' or '2', or whole millicores like '250m' (no byte units, nothing finer than 1m), got '512Mi'",
    );
  });

  it('accepts cores, millicores, byte units and plain bytes, in the app and its overrides', () => {
    const app = web({
      resources: { cpuRequest: '250m', cpuLimit: '1', memoryRequest: '512Mi', memoryLimit: '1Gi' },
      environments: {
        test: { resources: { cpuLimit: '0.5', memoryRequest: '134217728', memoryLimit: '1.5Gi' } },
        prod: { resources: { cpuRequest: '1.25', cpuLimit: '2', memoryLimit: '2G' } },
      },
    });
    expect(problemsOf(app)).toEqual([]);
  });

  it('refuses byte units and sub-millicore precision for CPU, milli-units and fractions of a byte for memory', () => {
    const app = web({
      resources: { cpuRequest: '512Mi', memoryRequest: '512m' },
      environments: { prod: { resources: { cpuLimit: '0.0005', memoryLimit: '0.5' } } },
    });
    expect(problemsOf(app)).toEqual([
      "app 'shop' resources.cpuRequest: must be CPU cores like '0.5' or '2', or whole millicores like '250m' (no byte units, nothing finer than 1m), got '512Mi'",
      "app 'shop' resources.memoryRequest: must be bytes with a unit like '512Mi' or '1Gi', got '512m' ('m' means thousandths of a byte, not megabytes: write '512Mi')",
      "app 'shop' environments.prod.resources.cpuLimit: must be CPU cores like '0.5' or '2', or whole millicores like '250m' (no byte units, nothing finer than 1m), got '0.0005'",
      "app 'shop' environments.prod.resources.memoryLimit: must be a whole number of bytes like '512Mi' or '1Gi', got '0.5'",
    ]);
  });

  it('refuses fractional millicores and CPU in decimal byte units', () => {
    expect(problemsOf(web({ resources: { cpuRequest: '2.5m', cpuLimit: '1G' } }))).toEqual([
      "app 'shop' resources.cpuRequest: must be CPU cores like '0.5' or '2', or whole millicores like '250m' (no byte units, nothing finer than 1m), got '2.5m'",
      "app 'shop' resources.cpuLimit: must be CPU cores like '0.5' or '2', or whole millicores like '250m' (no byte units, nothing finer than 1m), got '1G'",
    ]);
  });

  it('leaves text that is no quantity at all to the quantity rule, one line per environment', () => {
    expect(problemsOf(web({ resources: { cpuRequest: 'lots' } }))).toEqual([]);
    expect(
      thrownLines(() =>
        validateCatalog(
          { apps: [web({ resources: { cpuRequest: 'lots' } })], versions: versionsFor([web()]) },
          config,
        ),
      ),
    ).toEqual(
      ['dev', 'test', 'prod'].map(
        (env) =>
          `app 'shop' env '${env}' resources.cpuRequest: must be a Kubernetes quantity like 250m or 256Mi, got 'lots'`,
      ),
    );
  });

  it("checks an environment's default sizes the same way", () => {
    expect(devProblems({})).toEqual([]);
    const defaultResources = { ...dev.defaultResources, cpuLimit: '1Gi', memoryRequest: '64m' };
    expect(devProblems({ defaultResources })).toEqual([
      "environment 'dev' defaultResources.cpuLimit: must be CPU cores like '0.5' or '2', or whole millicores like '250m' (no byte units, nothing finer than 1m), got '1Gi'",
      "environment 'dev' defaultResources.memoryRequest: must be bytes with a unit like '512Mi' or '1Gi', got '64m' ('m' means thousandths of a byte, not megabytes: write '64Mi')",
    ]);
  });
});

describe('replica counts and autoscaling are whole numbers', () => {
  const catalogLines = (app: AppDefinition) =>
    thrownLines(() => validateCatalog({ apps: [app], versions: versionsFor([app]) }, config));

  it('refuses a fractional or negative replica count, app-wide or in one environment', () => {
    expect(catalogLines(web({ replicas: 2, environments: { prod: { replicas: 3 } } }))).toEqual([]);
    expect(catalogLines(web({ environments: { prod: { replicas: 1.5 } } }))).toEqual([
      "app 'shop' env 'prod' replicas: must be a whole number of at least 1, got 1.5",
    ]);
    expect(catalogLines(web({ replicas: -1, environments: { test: { enabled: false } } }))).toEqual(
      [
        "app 'shop' env 'dev' replicas: must be a whole number of at least 1, got -1",
        "app 'shop' env 'prod' replicas: must be a whole number of at least 1, got -1",
      ],
    );
  });

  it('accepts whole maxReplicas and targetCpuPercent', () => {
    const autoscaling = { minReplicas: 2, maxReplicas: 6, targetCpuPercent: 80 };
    expect(problemsOf(web({ autoscaling, environments: { prod: { autoscaling } } }))).toEqual([]);
  });

  it('refuses fractional maxReplicas and targetCpuPercent, app-wide and per environment', () => {
    const app = web({
      autoscaling: { minReplicas: 2, maxReplicas: 6.5 },
      environments: {
        prod: { autoscaling: { minReplicas: 3, maxReplicas: 9, targetCpuPercent: 62.5 } },
      },
    });
    expect(problemsOf(app)).toEqual([
      "app 'shop' autoscaling.maxReplicas: must be a whole number, got 6.5",
      "app 'shop' environments.prod.autoscaling.targetCpuPercent: must be a whole percentage, got 62.5",
    ]);
  });
});

describe('rolling-update surge and unavailable', () => {
  const rolling = (maxSurge: number | string, maxUnavailable: number | string) =>
    problemsOf(web({ rollout: RolloutStrategy.rolling({ maxSurge, maxUnavailable }) }));

  it.each([
    [1, 0],
    ['25%', 0],
    [0, 1],
    [0, '10%'],
    ['200%', '100%'],
  ])('accepts maxSurge %p with maxUnavailable %p', (surge, unavailable) => {
    expect(rolling(surge, unavailable)).toEqual([]);
  });

  it('refuses both 0, as counts or percentages', () => {
    const line =
      "app 'shop' rollout.maxUnavailable: must not be 0 when maxSurge is 0 too: Kubernetes refuses a rolling update that may neither add a pod nor take one down";
    expect(rolling(0, 0)).toEqual([line]);
    expect(rolling('0%', 0)).toEqual([line]);
  });

  it('refuses a percentage without %, a fraction, a negative count and over 100 % unavailable', () => {
    const rule = "must be a whole number of pods (at least 0) or a whole percentage like '25%'";
    expect(rolling('25', 0)).toEqual([`app 'shop' rollout.maxSurge: ${rule}, got '25'`]);
    expect(rolling(1.5, '12.5%')).toEqual([
      `app 'shop' rollout.maxSurge: ${rule}, got 1.5`,
      `app 'shop' rollout.maxUnavailable: ${rule}, got '12.5%'`,
    ]);
    expect(rolling(1, -1)).toEqual([`app 'shop' rollout.maxUnavailable: ${rule}, got -1`]);
    expect(rolling(1, '150%')).toEqual([
      "app 'shop' rollout.maxUnavailable: must not be above 100%, got '150%'",
    ]);
  });
});

describe('cron schedules of scheduled tasks', () => {
  it.each([
    '0 3 * * *',
    '*/15 * * * *',
    '0 9-17/2 * * MON-FRI',
    '5,35 0-6 1,15 jan-mar,DEC sun',
    '30 2 ? * 0',
    '0 0 1/5 * ?',
    '@hourly',
    '@daily',
    '@midnight',
    '@weekly',
    '@monthly',
    '@yearly',
    '@annually',
  ])('accepts %p', (schedule) => {
    expect(problemsOf(task({ schedule }))).toEqual([]);
  });

  it.each([
    ['61 * * * *', "minute field '61' is out of range 0-59"],
    ['0 25 * * *', "hour field '25' is out of range 0-23"],
    ['0 3 0 * *', "day-of-month field '0' is out of range 1-31"],
    ['0 3 * 13 *', "month field '13' is out of range 1-12 or JAN-DEC"],
    ['0 3 * * 7', "day-of-week field '7' is out of range 0-6 or SUN-SAT"],
    ['0 3 1,32 * *', "day-of-month field '32' is out of range 1-31"],
    ['0 20-70 * * *', "hour field '70' is out of range 0-23"],
    [
      '0 noon * * *',
      "hour field 'noon' is not a number (hour takes 0-23; names are for month and day-of-week only)",
    ],
    ['0 3 * JANUARY *', "month field 'JANUARY' is not a number or name of 1-12 or JAN-DEC"],
    ['0 3 * * MON-FRIDAY', "day-of-week field 'FRIDAY' is not a number or name of 0-6 or SUN-SAT"],
    [
      '? 3 * * *',
      "minute field '?' is not a number (minute takes 0-59; names are for month and day-of-week only)",
    ],
    ['*/0 * * * *', "minute field '*/0' has a step of 0; a step is at least 1"],
    ['0 1-5/x * * *', "hour field '1-5/x' has a step that is not a number"],
    ['0 22-2 * * *', "hour field '22-2' is a range that ends before it starts"],
    ['1,,2 * * * *', "minute field '1,,2' has an empty list item"],
    [
      '0 3 -1 * *',
      "day-of-month field '-1' must be '*', a value, a range a-b or a step */n or a-b/n",
    ],
    [
      '0 3 1-2-3 * *',
      "day-of-month field '1-2-3' must be '*', a value, a range a-b or a step */n or a-b/n",
    ],
    ['0 */2/3 * * *', "hour field '*/2/3' has more than one '/'"],
  ])('refuses %p, naming the field', (schedule, problem) => {
    expect(problemsOf(task({ schedule }))).toEqual([
      `app 'nightly' schedule: ${problem}, got '${schedule}'`,
    ]);
  });

  it('reports every wrong field of one schedule', () => {
    expect(problemsOf(task({ schedule: '60 24 * * *' }))).toEqual([
      "app 'nightly' schedule: minute field '60' is out of range 0-59, got '60 24 * * *'",
      "app 'nightly' schedule: hour field '24' is out of range 0-23, got '60 24 * * *'",
    ]);
  });

  it('leaves an unknown macro or a wrong field count to the five-field rule, once', () => {
    for (const schedule of ['@fortnightly', '0 3 * *', '@every 1h']) {
      expect(problemsOf(task({ schedule }))).toEqual([
        `app 'nightly' schedule: must be a five-field cron expression like '0 3 * * *', got '${schedule}'`,
      ]);
    }
  });
});

describe('durations are validated where they enter', () => {
  it('accepts whole seconds of at least 1 s where Kubernetes and Argo need them', () => {
    expect(problemsOf(task({ timeout: Duration.minutes(5) }))).toEqual([]);
    expect(problemsOf(web({ metrics: { interval: Duration.seconds(30) } }))).toEqual([]);
    const steps = [
      { weight: 20, pause: Duration.minutes(2) },
      { weight: 50, pause: RolloutStrategy.MANUAL },
      { weight: 100 },
    ];
    const analysis = {
      interval: Duration.seconds(10),
      initialDelay: Duration.seconds(30),
      maxP95Latency: Duration.millis(250.5),
    };
    expect(problemsOf(web({ rollout: RolloutStrategy.canary({ steps, analysis }) }))).toEqual([]);
    const blueGreen = RolloutStrategy.blueGreen({ scaleDownDelay: Duration.minutes(3), analysis });
    expect(problemsOf(web({ rollout: blueGreen }))).toEqual([]);
  });

  it("refuses a scheduled task's timeout of 0 or of a fraction of a second", () => {
    expect(problemsOf(task({ timeout: Duration.seconds(0) }))).toEqual([
      "app 'nightly' timeout: must be whole seconds of at least 1 s for the Job's activeDeadlineSeconds, got 0 s",
    ]);
    expect(problemsOf(task({ timeout: Duration.millis(90500) }))).toEqual([
      "app 'nightly' timeout: must be whole seconds of at least 1 s for the Job's activeDeadlineSeconds, got 90.5 s",
    ]);
  });

  it('refuses a scrape interval of 0 or a fraction of a second', () => {
    expect(problemsOf(web({ metrics: { interval: Duration.seconds(0) } }))).toEqual([
      "app 'shop' metrics.interval: must be whole seconds of at least 1 s for the PodMonitor's scrape interval, got 0 s",
    ]);
    const worker = Worker.define({
      name: 'indexer',
      team: 'search',
      image: 'registry.example.com/search/indexer',
      liveness: WorkerLiveness.exec(['/indexer', 'healthcheck']),
      metrics: { interval: Duration.millis(1500) },
    });
    expect(problemsOf(worker)).toEqual([
      "app 'indexer' metrics.interval: must be whole seconds of at least 1 s for the PodMonitor's scrape interval, got 1.5 s",
    ]);
  });

  it('refuses canary pauses of 0, of a fraction of a second, or of anything but a Duration or MANUAL', () => {
    // 'forever' and 30 as a JavaScript caller could write them.
    const pauses = [Duration.seconds(0), Duration.millis(2500), 'forever', 30] as const;
    const steps = [
      ...pauses.map((pause, i) => ({
        weight: 10 * (i + 1),
        pause: pause as Duration | typeof RolloutStrategy.MANUAL,
      })),
      { weight: 100 },
    ];
    expect(problemsOf(web({ rollout: RolloutStrategy.canary({ steps }) }))).toEqual([
      "app 'shop' rollout.steps[0].pause: must be whole seconds of at least 1 s for an Argo Rollouts pause, got 0 s",
      "app 'shop' rollout.steps[1].pause: must be whole seconds of at least 1 s for an Argo Rollouts pause, got 2.5 s",
      "app 'shop' rollout.steps[2].pause: must be a Duration or RolloutStrategy.MANUAL ('manual'), got \"forever\"",
      "app 'shop' rollout.steps[3].pause: must be a Duration or RolloutStrategy.MANUAL ('manual'), got 30",
    ]);
  });

  it('takes fractional analysis timing without throwing while the app file loads, then refuses it', () => {
    const analysis = { interval: Duration.millis(1500), initialDelay: Duration.millis(30500) };
    const canary = () => RolloutStrategy.canary({ analysis });
    expect(canary).not.toThrow();
    expect(problemsOf(web({ rollout: canary() }))).toEqual([
      "app 'shop' rollout.analysis.interval: must be whole seconds for an AnalysisTemplate's interval, got 1.5 s",
      "app 'shop' rollout.analysis.initialDelay: must be whole seconds for an AnalysisTemplate's initialDelay, got 30.5 s",
    ]);
    const blueGreen = RolloutStrategy.blueGreen({ scaleDownDelay: Duration.millis(120500) });
    expect(problemsOf(web({ rollout: blueGreen }))).toEqual([
      "app 'shop' rollout.scaleDownDelay: must be whole seconds for Argo Rollouts' scaleDownDelaySeconds, got 120.5 s",
    ]);
  });

  it('reports an interval under 1 s once, with the analysis rule', () => {
    const rollout = RolloutStrategy.canary({ analysis: { interval: Duration.millis(500) } });
    expect(problemsOf(web({ rollout }))).toEqual([
      "app 'shop' rollout.analysis.interval: must be at least 1 s, got 0.5 s",
    ]);
  });

  it('never throws on a duration that is no Duration (a JavaScript caller, an `as` cast)', () => {
    const problems = new ProblemCollector();
    const untyped = 15 as unknown as Duration;
    checkDuration(problems, "app 'shop'", 'metrics.interval', untyped, { minSeconds: 1 });
    expect(thrownLines(() => problems.throwIfAny())).toEqual([
      "app 'shop' metrics.interval: must be a Duration like Duration.seconds(30), got 15",
    ]);
  });

  it("refuses an environment's rollback limit of 0 or of a fraction of a second", () => {
    expect(devProblems({ rollbackLimit: Duration.minutes(3) })).toEqual([]);
    expect(devProblems({ rollbackLimit: Duration.millis(90500) })).toEqual([
      "environment 'dev' rollbackLimit: must be whole seconds of at least 1 s for the rollback bound check, got 90.5 s",
    ]);
    expect(devProblems({ rollbackLimit: Duration.seconds(0) })).toEqual([
      "environment 'dev' rollbackLimit: must be whole seconds of at least 1 s for the rollback bound check, got 0 s",
    ]);
  });
});

describe('what used to throw inside cdk8s now fails synth with one line', () => {
  it('a fractional timeout: the one-line message, not a stack trace', () => {
    expect(renderError([task({ timeout: Duration.millis(1500) })])).toBe(
      "app 'nightly' timeout: must be whole seconds of at least 1 s for the Job's activeDeadlineSeconds, got 1.5 s",
    );
  });

  it('a macro schedule and a timeout render as the CronJob', () => {
    const tree = renderApps([task({ schedule: '@daily', timeout: Duration.minutes(5) })]);
    expect(findObject(tree, 'apps/dev/nightly/', 'CronJob', 'nightly').spec).toMatchObject({
      schedule: '@daily',
      jobTemplate: { spec: { activeDeadlineSeconds: 300 } },
    });
  });
});
