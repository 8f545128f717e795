import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Duration } from 'cdk8s';
import { RolloutStrategy, ScheduledTask, Worker, WorkerLiveness } from '../../constructs/app';
import type { AppDefinition } from '../../constructs/app';
import { ConfigError } from '../../constructs/errors';
import { loadConfig } from '../../environments';
import { REPO_ROOT } from '../../synth/paths';
import { renderTree } from '../../synth/render';
import { synth } from '../../synth/synth';
import { readTree } from '../../synth/tree';
import { renderApps, renderError, shopWebService, versionsFor } from '../support/apps';

const web = shopWebService;

describe('bad app input: one clear message naming app, environment, field and rule', () => {
  it('a name that is not DNS-1123', () => {
    expect(renderError([web({ name: 'Shop_API' })])).toContain(
      "app 'Shop_API' name: must be a DNS-1035 label (a lower-case letter first, then lower-case letters, digits and '-', ending in a letter or digit), got 'Shop_API'",
    );
  });

  it("a credential in plain env, the app-wide or an environment's", () => {
    expect(
      renderError([
        web({
          env: { LOG_LEVEL: 'info', DB_PASSWORD: 'hunter2' },
          environments: { prod: { env: { STRIPE_API_KEY: 'sk_live' } } },
        }),
      ]),
    ).toBe(
      [
        '2 problems:',
        "  - app 'shop' env.DB_PASSWORD: looks like a credential (its name has PASSWORD, TOKEN, SECRET, KEY or CREDENTIAL): put it in a Secret (`npm run secret -- set --app shop ...`) and reference it in secrets, not in plain env",
        "  - app 'shop' environments.prod.env.STRIPE_API_KEY: looks like a credential (its name has PASSWORD, TOKEN, SECRET, KEY or CREDENTIAL): put it in a Secret (`npm run secret -- set --app shop ...`) and reference it in secrets, not in plain env",
      ].join('\n'),
    );
    // Names that merely contain the letters pass.
    expect(() => renderApps([web({ env: { MONKEY_MODE: 'on', KEYBOARD: 'us' } })])).not.toThrow();
  });

  it('a scheduled task whose CronJob name Kubernetes would refuse (over 52 characters)', () => {
    const name = `nightly-${'x'.repeat(45)}`;
    expect(
      renderError([
        ScheduledTask.define({
          name,
          team: 'web',
          image: 'registry.example.com/web/report',
          schedule: '0 3 * * *',
        }),
      ]),
    ).toBe(
      `app '${name}' name: must be at most 52 characters for a scheduled task (its CronJob's Jobs get an 11-character suffix), got 53`,
    );
  });

  it('a port name Kubernetes refuses (all digits, a double dash) and a budget that blocks drains', () => {
    expect(
      renderError([
        web({
          ports: [
            { name: '8080', port: 8080 },
            { name: 'web--api', port: 8081 },
          ],
          metrics: { port: '8080' },
          disruptionBudget: { maxUnavailable: 0 },
        }),
      ]),
    ).toBe(
      [
        '3 problems:',
        "  - app 'shop' ports[0].name: must be an IANA service name (a DNS-1123 label of at most 15 characters with at least one letter and no '--'), got '8080'",
        "  - app 'shop' ports[1].name: must be an IANA service name (a DNS-1123 label of at most 15 characters with at least one letter and no '--'), got 'web--api'",
        "  - app 'shop' disruptionBudget.maxUnavailable: must be a whole number of at least 1 (0 blocks every node drain and every Talos upgrade), got 0",
      ].join('\n'),
    );
    expect(renderError([web({ disruptionBudget: { minAvailable: 0, maxUnavailable: 1 } })])).toBe(
      "app 'shop' disruptionBudget: give minAvailable or maxUnavailable, not both (a PodDisruptionBudget takes one)",
    );
  });

  it('a name starting with a digit, which no Service may have (DNS-1035)', () => {
    expect(renderError([web({ name: '9lives' })])).toBe(
      "app '9lives' name: must be a DNS-1035 label (a lower-case letter first, then lower-case letters, digits and '-', ending in a letter or digit), got '9lives'",
    );
  });

  it('a name too long for its derived -preview Service', () => {
    const name = 'a'.repeat(57);
    expect(renderError([web({ name, rollout: RolloutStrategy.blueGreen() })])).toBe(
      `app '${name}' name: must leave room for its Service '${name}-preview' (65 characters, at most 63); shorten the app name to at most 55 characters, got 57`,
    );
    expect(renderError([web({ name, rollout: RolloutStrategy.canary() })])).toBe(
      `app '${name}' name: must leave room for its Service '${name}-canary' (64 characters, at most 63); shorten the app name to at most 56 characters, got 57`,
    );
    // a rolling web service renders no derived Service: 57 characters fit every name
    expect(renderApps([web({ name })]).files.size).toBeGreaterThan(0);
  });

  it('a name too long for the Application name where the namespace prefix is shorter', () => {
    const name = 'a'.repeat(59);
    const reference = loadConfig();
    const config = loadConfig(
      reference.clusters,
      reference.environments.map((environment) =>
        environment.name === 'prod' ? { ...environment, namespacePrefix: 'p' } : environment,
      ),
    );
    const only = { dev: { enabled: false }, test: { enabled: false } };
    const catalog = {
      apps: [web({ name, environments: only })],
      versions: { prod: { [name]: '1.0' } },
    };
    expect(() => renderTree(config, undefined, catalog)).toThrow(
      new ConfigError([
        {
          subject: `app '${name}' env 'prod'`,
          field: 'name',
          message: `Application and instance label 'prod-${name}' is 64 characters, over the 63 a label value may have; shorten the app name`,
        },
      ]),
    );
  });

  it('a name too long for the namespace rule', () => {
    const name = 'a'.repeat(60);
    expect(renderError([web({ name })])).toContain(
      `app '${name}' env 'dev' name: namespace 'dev-${name}' is 64 characters, over the 63 a namespace may have; shorten the app name`,
    );
  });

  it('duplicate app names', () => {
    expect(renderError([web(), web({ host: (domain) => `other.${domain}` })])).toBe(
      "app 'shop' name: app name 'shop' is already used (must be unique)",
    );
  });

  it('two apps claiming the same host', () => {
    const message = renderError([
      web(),
      web({ name: 'shop-v2', host: (domain) => `shop.${domain}` }),
    ]);
    expect(message).toContain(
      "app 'shop-v2' env 'dev' host: host 'shop.dev.example.com' is already claimed by app 'shop'",
    );
    expect(message).toContain(
      "app 'shop-v2' env 'prod' host: host 'shop.example.com' is already claimed by app 'shop'",
    );
  });

  it('ports outside 1-65535 and duplicate ports', () => {
    const message = renderError([
      web({
        ports: [
          { name: 'http', port: 0 },
          { name: 'admin', port: 70000 },
          { name: 'http', port: 8081 },
        ],
      }),
    ]);
    expect(message).toContain("app 'shop' ports[0].port: must be from 1 to 65535, got 0");
    expect(message).toContain("app 'shop' ports[1].port: must be from 1 to 65535, got 70000");
    expect(message).toContain(
      "app 'shop' ports[2].name: port name 'http' is already used by ports[0] (must be unique)",
    );
  });

  it('a duplicate port number under another name', () => {
    const ports = [
      { name: 'http', port: 8080 },
      { name: 'admin', port: 8080 },
    ];
    expect(renderError([web({ ports })])).toBe(
      "app 'shop' ports[1].port: port number 8080 is already used by ports[0] (must be unique)",
    );
  });

  it('a host no Gateway listener of the environment accepts', () => {
    const message = renderError([web({ host: 'shop.other.org' })]);
    expect(message).toContain(
      "app 'shop' env 'dev' host: must be one DNS label under the environment's domain, like 'shop.dev.example.com' (the Gateway listener 'https-dev' accepts '*.dev.example.com'), got 'shop.other.org'",
    );
    expect(message).toContain("app 'shop' env 'prod' host:");
    // the certificate of *.dev.example.com covers one label, not two
    expect(renderError([web({ host: (domain) => `a.b.${domain}` })])).toContain(
      "app 'shop' env 'dev' host: must be one DNS label under the environment's domain, like 'shop.dev.example.com' (the Gateway listener 'https-dev' accepts '*.dev.example.com'), got 'a.b.dev.example.com'",
    );
  });

  it('canary weights that do not increase strictly', () => {
    const rollout = RolloutStrategy.canary({
      steps: [{ weight: 10 }, { weight: 50 }, { weight: 30 }, { weight: 100 }],
    });
    expect(renderError([web({ rollout })])).toBe(
      "app 'shop' rollout.steps: canary weights must be whole percentages that increase strictly and end at 100, got [10, 50, 30, 100]",
    );
  });

  it('canary weights that do not end at 100', () => {
    const rollout = RolloutStrategy.canary({
      steps: [{ weight: 10, pause: Duration.minutes(5) }, { weight: 50 }],
    });
    expect(renderError([web({ rollout })])).toBe(
      "app 'shop' rollout.steps: canary weights must be whole percentages that increase strictly and end at 100, got [10, 50]",
    );
  });

  it('an image with the :latest tag, or no repository', () => {
    expect(renderError([web({ image: 'registry.example.com/web/shop:latest' })])).toBe(
      "app 'shop' image: must not use the ':latest' tag (got 'registry.example.com/web/shop:latest'); give the repository only, versions come from environments/versions/<env>.json",
    );
    expect(renderError([web({ image: '' })])).toBe(
      "app 'shop' image: must be an image repository without tag or digest, like registry.example.com/team/app, got ''",
    );
    expect(renderError([web({ image: 'registry.example.com/web/shop:1.2' })])).toContain(
      "app 'shop' image: must be an image repository without tag",
    );
  });

  it('min replicas above max', () => {
    expect(renderError([web({ autoscaling: { minReplicas: 5, maxReplicas: 3 } })])).toBe(
      "app 'shop' autoscaling.maxReplicas: must not be below minReplicas (3 < 5)",
    );
  });

  it('a memory limit below its request, in the environment where it happens', () => {
    const environments = { prod: { resources: { memoryRequest: '1Gi', memoryLimit: '512Mi' } } };
    expect(renderError([web({ environments })])).toBe(
      "app 'shop' env 'prod' resources.memoryLimit: must not be below memoryRequest (512Mi < 1Gi)",
    );
  });

  it('a rollback bound over the environment limit, showing the arithmetic', () => {
    const rollout = RolloutStrategy.canary({
      steps: [{ weight: 50, pause: Duration.minutes(10) }, { weight: 100 }],
      analysis: { interval: Duration.seconds(30), failureLimit: 4 },
    });
    expect(renderError([web({ rollout })])).toBe(
      "app 'shop' env 'dev' rollout: worst-case rollback takes initialDelay 30 s + (failureLimit 4 + 1) × interval 30 s = 180 s, over the environment's limit of 120 s; shorten the analysis interval, failureLimit or initialDelay",
    );
  });

  it('a canary that finishes before its analysis can fail it', () => {
    const rollout = RolloutStrategy.canary({
      steps: [{ weight: 50, pause: Duration.seconds(10) }, { weight: 100 }],
    });
    expect(renderError([web({ rollout })])).toContain(
      "app 'shop' env 'dev' rollout: the canary reaches 100 % after 10 s of pauses, before a failing analysis can abort it",
    );
  });

  it('a blue-green scale-down delay shorter than the post-promotion analysis', () => {
    const rollout = RolloutStrategy.blueGreen({ scaleDownDelay: Duration.seconds(30) });
    expect(renderError([web({ rollout })])).toContain(
      "app 'shop' env 'dev' rollout: scaleDownDelay 30 s removes the previous version before a failing post-promotion analysis can switch back",
    );
  });

  it('an override for an environment that does not exist', () => {
    expect(renderError([web({ environments: { staging: { replicas: 2 } } })])).toBe(
      "app 'shop' environments.staging: overrides unknown environment 'staging'; known environments: dev, test, prod",
    );
  });

  it('a missing image version for an enabled environment', () => {
    const app = web({ environments: { test: { enabled: false } } });
    const versions = { dev: { shop: '1.0.0' }, test: {}, prod: {} };
    expect(renderError([app], versions)).toBe(
      'app \'shop\' env \'prod\' version: no image version in environments/versions/prod.json; add "shop": "<tag or sha256 digest>"',
    );
  });

  it('"latest" as a version, and a version for an app that does not exist', () => {
    const versions = { ...versionsFor([web()]), dev: { shop: 'latest', ghost: '1.0' } };
    const message = renderError([web()], versions);
    expect(message).toContain(
      "app 'shop' env 'dev' version: 'latest' is not a version; pin a tag or sha256 digest in environments/versions/dev.json",
    );
    expect(message).toContain(
      "environment 'dev' versions file environments/versions/dev.json: lists 'ghost', which is no app in apps/",
    );
  });

  it('callers from another team and unknown dependencies', () => {
    const worker = Worker.define({
      name: 'mailer',
      team: 'crm',
      image: 'registry.example.com/crm/mailer',
      liveness: WorkerLiveness.none('a test fixture: never runs'),
    });
    const message = renderError([web({ callers: ['mailer'], dependencies: ['billing'] }), worker]);
    expect(message).toContain(
      "app 'shop' callers: 'mailer' belongs to team 'crm', not 'web'; only same-team callers may be declared",
    );
    expect(message).toContain("app 'shop' dependencies: names unknown app 'billing'");
  });

  it('a dependency on an app that is not enabled in the environment', () => {
    const worker = Worker.define({
      name: 'mailer',
      team: 'crm',
      image: 'registry.example.com/crm/mailer',
      liveness: WorkerLiveness.none('a test fixture: never runs'),
      environments: { prod: { enabled: false } },
    });
    const versions = { ...versionsFor([web(), worker]), prod: { shop: '1.0.0' } };
    expect(renderError([web({ dependencies: ['mailer'] }), worker], versions)).toBe(
      "app 'shop' env 'prod' dependencies: 'mailer' is not enabled in prod; disable this app there too or drop the dependency",
    );
  });

  it('a blue-green analysis that can never fail: 2 measurements, failureLimit 2', () => {
    const rollout = RolloutStrategy.blueGreen({ analysis: { count: 2, failureLimit: 2 } });
    expect(renderError([web({ rollout })])).toBe(
      "app 'shop' env 'dev' rollout: the post-promotion analysis can never fail: count 2 ends the run before the 3 failed measurements (failureLimit 2 + 1) that fail it; raise count to at least 3",
    );
  });

  it('an analysis measuring before the new version can show, which fails every good release', () => {
    const rollout = RolloutStrategy.canary({ analysis: { initialDelay: Duration.seconds(10) } });
    expect(renderError([web({ rollout })])).toBe(
      "app 'shop' env 'dev' rollout: the canary analysis fails every good version: its first measurement at initialDelay 10 s comes before 2 × scrape interval 15 s = 30 s shows the new version, and no data fails; raise initialDelay to at least 30 s",
    );
  });

  it('a smoke test with a path that is not absolute, no requests or a sub-second interval', () => {
    const rollout = RolloutStrategy.blueGreen({
      smokeTest: { path: 'healthz', requests: 0, interval: Duration.millis(500) },
    });
    expect(renderError([web({ rollout })])).toBe(
      [
        '3 problems:',
        "  - app 'shop' rollout.smokeTest.path: must be an absolute path starting with '/' (a query is allowed, no spaces or '#'), got 'healthz'",
        "  - app 'shop' rollout.smokeTest.requests: must be a whole number of at least 1, got 0",
        "  - app 'shop' rollout.smokeTest.interval: must be at least 1 s, got 0.5 s",
      ].join('\n'),
    );
  });

  it('a blue-green analysis that can fail within its run is accepted', () => {
    const rollout = RolloutStrategy.blueGreen({ analysis: { count: 3, failureLimit: 2 } });
    const tree = renderApps([web({ rollout })]);
    expect(tree.files.has('apps/prod/shop/rollout-shop.yaml')).toBe(true);
  });

  it('a p95 latency ceiling of 0 and a count that is no whole number of at least 1', () => {
    const rollout = RolloutStrategy.blueGreen({
      analysis: { maxP95Latency: Duration.millis(0), count: 0 },
    });
    const message = renderError([web({ rollout })]);
    expect(message).toContain(
      "app 'shop' rollout.analysis.maxP95Latency: must be above 0, got 0 ms",
    );
    expect(message).toContain(
      "app 'shop' rollout.analysis.count: must be a whole number of at least 1, got 0",
    );
    const fractional = RolloutStrategy.blueGreen({ analysis: { count: 6.5 } });
    expect(renderError([web({ rollout: fractional })])).toBe(
      "app 'shop' rollout.analysis.count: must be a whole number of at least 1, got 6.5",
    );
  });

  it('a disruption budget that would block node drains', () => {
    expect(renderError([web({ replicas: 2, disruptionBudget: { minAvailable: 2 } })])).toContain(
      "app 'shop' env 'dev' disruptionBudget.minAvailable: 2 with as few as 2 replica(s) would block every node drain",
    );
  });

  it('a schedule that is not cron', () => {
    const task = ScheduledTask.define({
      name: 'nightly',
      team: 'web',
      image: 'registry.example.com/web/nightly',
      schedule: 'every night',
    });
    expect(renderError([task])).toBe(
      "app 'nightly' schedule: must be a five-field cron expression like '0 3 * * *', got 'every night'",
    );
  });
});

// The bad-input list of issue 4, each run through the synth command onto an existing tree.
const badInput: [
  string,
  AppDefinition[],
  Record<string, Record<string, string>> | undefined,
  string,
][] = [
  [
    'a name that is not DNS-1123',
    [web({ name: 'Shop_API' })],
    undefined,
    "app 'Shop_API' name: must be a DNS-1035 label",
  ],
  [
    'a name too long for the namespace rule',
    [web({ name: 'a'.repeat(60) })],
    undefined,
    `app '${'a'.repeat(60)}' env 'dev' name: namespace 'dev-${'a'.repeat(60)}' is 64 characters, over the 63`,
  ],
  [
    'duplicate app names',
    [web(), web({ host: (domain) => `other.${domain}` })],
    undefined,
    "app 'shop' name: app name 'shop' is already used (must be unique)",
  ],
  [
    'two apps claiming the same host',
    [web(), web({ name: 'shop-v2', host: (domain) => `shop.${domain}` })],
    undefined,
    "app 'shop-v2' env 'dev' host: host 'shop.dev.example.com' is already claimed by app 'shop'",
  ],
  [
    'a port outside 1-65535',
    [web({ ports: [{ name: 'http', port: 65536 }] })],
    undefined,
    "app 'shop' ports[0].port: must be from 1 to 65535, got 65536",
  ],
  [
    'a duplicate port number',
    [
      web({
        ports: [
          { name: 'http', port: 8080 },
          { name: 'admin', port: 8080 },
        ],
      }),
    ],
    undefined,
    "app 'shop' ports[1].port: port number 8080 is already used by ports[0] (must be unique)",
  ],
  [
    'a duplicate port name',
    [
      web({
        ports: [
          { name: 'http', port: 8080 },
          { name: 'http', port: 8081 },
        ],
      }),
    ],
    undefined,
    "app 'shop' ports[1].name: port name 'http' is already used by ports[0] (must be unique)",
  ],
  [
    'canary weights not strictly increasing',
    [
      web({
        rollout: RolloutStrategy.canary({
          steps: [{ weight: 50 }, { weight: 50 }, { weight: 100 }],
        }),
      }),
    ],
    undefined,
    "app 'shop' rollout.steps: canary weights must be whole percentages that increase strictly and end at 100, got [50, 50, 100]",
  ],
  [
    'canary weights not ending at 100',
    [web({ rollout: RolloutStrategy.canary({ steps: [{ weight: 10 }, { weight: 90 }] }) })],
    undefined,
    "app 'shop' rollout.steps: canary weights must be whole percentages that increase strictly and end at 100, got [10, 90]",
  ],
  [
    'an image with the :latest tag',
    [web({ image: 'registry.example.com/web/shop:latest' })],
    undefined,
    "app 'shop' image: must not use the ':latest' tag (got 'registry.example.com/web/shop:latest')",
  ],
  [
    'an image without repository',
    [web({ image: ':1.0' })],
    undefined,
    "app 'shop' image: must be an image repository without tag or digest, like registry.example.com/team/app, got ':1.0'",
  ],
  [
    'min replicas above max',
    [web({ environments: { prod: { autoscaling: { minReplicas: 4, maxReplicas: 2 } } } })],
    undefined,
    "app 'shop' environments.prod.autoscaling.maxReplicas: must not be below minReplicas (2 < 4)",
  ],
  [
    'a memory limit below its request',
    [web({ resources: { memoryRequest: '512Mi', memoryLimit: '256Mi' } })],
    undefined,
    "app 'shop' env 'dev' resources.memoryLimit: must not be below memoryRequest (256Mi < 512Mi)",
  ],
  [
    'a rollback bound over the limit',
    [
      web({
        rollout: RolloutStrategy.canary({
          steps: [{ weight: 50, pause: RolloutStrategy.MANUAL }, { weight: 100 }],
          analysis: { interval: Duration.seconds(60) },
        }),
      }),
    ],
    undefined,
    "app 'shop' env 'dev' rollout: worst-case rollback takes initialDelay 30 s + (failureLimit 2 + 1) × interval 60 s = 210 s, over the environment's limit of 120 s",
  ],
  [
    'a metrics path that is no absolute path',
    [web({ metrics: { path: 'metrics' } })],
    undefined,
    "app 'shop' metrics.path: must be an absolute URL path starting with '/' (no query, no spaces), got 'metrics'",
  ],
  [
    'an override for an environment that does not exist',
    [web({ environments: { qa: { replicas: 1 } } })],
    undefined,
    "app 'shop' environments.qa: overrides unknown environment 'qa'; known environments: dev, test, prod",
  ],
  [
    'a missing image version for an enabled environment',
    [web()],
    { dev: { shop: '1.0.0' }, test: { shop: '1.0.0' } },
    "app 'shop' env 'prod' version: no image version in environments/versions/prod.json",
  ],
];

describe('bad app input writes nothing', () => {
  let workdir: string;
  beforeEach(() => {
    workdir = fs.mkdtempSync(path.join(os.tmpdir(), 'apps-'));
  });
  afterEach(() => fs.rmSync(workdir, { recursive: true, force: true }));

  it.each(badInput)(
    '%s: names app, env, field and rule; the tree stays byte-identical',
    (_case, apps, versions, expected) => {
      const out = path.join(workdir, 'gitops');
      fs.cpSync(path.join(REPO_ROOT, 'gitops'), out, { recursive: true });
      const before = readTree(out);
      const catalog = { apps, versions: versions ?? versionsFor(apps) };
      let failure: unknown;
      try {
        synth({ outDir: out, config: loadConfig(), catalog });
      } catch (error) {
        failure = error;
      }
      expect(failure).toBeInstanceOf(ConfigError);
      expect((failure as ConfigError).message).toContain(expected);
      expect(readTree(out)).toEqual(before);
      expect(fs.readdirSync(workdir)).toEqual(['gitops']);
    },
  );
});
