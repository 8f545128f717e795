// The rollback bound: from the synthesized Rollout, AnalysisTemplate and ServiceMonitor,
// the worst-case time from a bad release first receiving traffic until traffic is back on
// the stable version. Computed from the rendered objects (not from props), so what is
// checked is exactly what the controllers will run.
import { REQUIRES_DATA } from './analysis';

/** The fields of a rendered Rollout the bound depends on. */
export interface RolloutObject {
  readonly spec: {
    readonly strategy: {
      readonly canary?: {
        readonly steps?: readonly {
          readonly setWeight?: number;
          readonly pause?: { readonly duration?: string | number };
        }[];
        readonly analysis?: { readonly templates: readonly { readonly templateName: string }[] };
      };
      readonly blueGreen?: {
        readonly scaleDownDelaySeconds?: number;
        readonly postPromotionAnalysis?: {
          readonly templates: readonly { readonly templateName: string }[];
        };
      };
    };
  };
}

/** The fields of a rendered AnalysisTemplate the bound depends on. */
export interface AnalysisTemplateObject {
  readonly metadata: { readonly name: string };
  readonly spec: {
    readonly metrics: readonly {
      readonly name: string;
      readonly interval?: string;
      readonly initialDelay?: string;
      readonly failureLimit?: number;
      readonly consecutiveErrorLimit?: number;
      readonly count?: number;
      readonly successCondition?: string;
    }[];
  };
}

/** The fields of a rendered ServiceMonitor or PodMonitor the bound depends on. */
export interface MonitorObject {
  readonly spec: {
    readonly endpoints?: readonly { readonly interval?: string }[];
    readonly podMetricsEndpoints?: readonly { readonly interval?: string }[];
  };
}

/** The worst case, with the arithmetic that produced it and any rule that makes it unbounded. */
export interface RollbackBound {
  /** Worst-case seconds from first bad traffic to traffic back on stable. */
  readonly seconds: number;
  /** The sum, spelled out, e.g. `initialDelay 0 s + 2 × scrape interval 15 s + (failureLimit 2 + 1) × interval 20 s = 90 s`. */
  readonly arithmetic: string;
  /** Why the bound does not hold at all (e.g. the old version is scaled down too early). */
  readonly problems: readonly string[];
}

// Prometheus' default scrape interval, used when the monitor does not set one.
const DEFAULT_SCRAPE_SECONDS = 30;
// Argo Rollouts' defaults for a metric without failureLimit / consecutiveErrorLimit.
const DEFAULT_FAILURE_LIMIT = 0;
const DEFAULT_CONSECUTIVE_ERROR_LIMIT = 4;

type Metric = AnalysisTemplateObject['spec']['metrics'][number];

/** Parses a Go-style duration (`90s`, `1m30s`, `2h`) or a number of seconds. */
export function parseDurationSeconds(value: string | number): number {
  if (typeof value === 'number') return value;
  if (/^\d+$/.test(value)) return Number(value);
  const match = /^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/.exec(value);
  if (!match || value === '') throw new Error(`not a duration: '${value}'`);
  return Number(match[1] ?? 0) * 3600 + Number(match[2] ?? 0) * 60 + Number(match[3] ?? 0);
}

/**
 * Seconds from the new version's first traffic until a query can see it: `rate()` over the new
 * pods' series (new series: the analysis selects them by pod template hash) needs two samples,
 * and the first scrape may come up to one interval after the traffic starts.
 */
function visibleAfter(scrapeSeconds: number): number {
  return 2 * scrapeSeconds;
}

function timing(metric: Metric): { interval: number; delay: number; limit: number; label: string } {
  const interval = metric.interval ? parseDurationSeconds(metric.interval) : 0;
  const delay = metric.initialDelay ? parseDurationSeconds(metric.initialDelay) : 0;
  const failures = metric.failureLimit ?? DEFAULT_FAILURE_LIMIT;
  const errors = metric.consecutiveErrorLimit ?? DEFAULT_CONSECUTIVE_ERROR_LIMIT;
  // A Prometheus that cannot answer errs instead of failing: whichever limit is higher decides.
  return errors > failures
    ? { interval, delay, limit: errors, label: `consecutiveErrorLimit ${errors}` }
    : { interval, delay, limit: failures, label: `failureLimit ${failures}` };
}

/**
 * How long until an analysis run can fail: the slowest of its metrics. Every measurement of a
 * bad version fails (bad data, or no data yet: {@link REQUIRES_DATA}), so the run fails at the
 * measurement after the limit, taken at initialDelay + limit × interval; one more interval
 * covers that measurement and the abort.
 */
function detection(template: AnalysisTemplateObject): {
  seconds: number;
  arithmetic: string;
} {
  let worst: ReturnType<typeof detection> | undefined;
  for (const metric of template.spec.metrics) {
    const { interval, delay, limit, label } = timing(metric);
    const seconds = delay + (limit + 1) * interval;
    const arithmetic = `initialDelay ${delay} s + (${label} + 1) × interval ${interval} s = ${seconds} s`;
    if (!worst || seconds > worst.seconds) worst = { seconds, arithmetic };
  }
  if (!worst) throw new Error(`AnalysisTemplate '${template.metadata.name}' has no metrics`);
  return worst;
}

/**
 * What keeps a metric from meaning what the bound assumes: one that passes on no data lets a
 * bad version through, one measuring before the new version can show fails a good one, and a
 * count too small to reach the limit can never fail.
 */
function metricProblems(metric: Metric, scrapeSeconds: number, phase: string): string[] {
  const problems: string[] = [];
  const { interval, delay, limit, label } = timing(metric);
  if (!(metric.successCondition ?? '').startsWith(REQUIRES_DATA)) {
    problems.push(
      `metric '${metric.name}' of the ${phase} analysis passes when Prometheus has no data, so a broken scrape lets a bad version through; its success condition must start with '${REQUIRES_DATA} &&'`,
    );
  }
  const visible = visibleAfter(scrapeSeconds);
  if (delay < visible) {
    problems.push(
      `the ${phase} analysis fails every good version: its first measurement at initialDelay ${delay} s comes before 2 × scrape interval ${scrapeSeconds} s = ${visible} s shows the new version, and no data fails; raise initialDelay to at least ${visible} s`,
    );
  }
  if (metric.count !== undefined && metric.count < limit + 1) {
    problems.push(
      `the ${phase} analysis can never fail: count ${metric.count} ends the run before the ${limit + 1} failed measurements (${label} + 1) that fail it; raise count to at least ${limit + 1}`,
    );
  }
  if (metric.count === undefined && interval === 0) {
    problems.push(
      `the ${phase} analysis measures once: set an interval so it keeps measuring while the new version serves`,
    );
  }
  return problems;
}

/** Every metric's problems; metrics of one template usually share their timing: each once. */
function uniqueProblems(
  templates: readonly AnalysisTemplateObject[],
  scrapeSeconds: number,
  phase: string,
): string[] {
  const found = templates.flatMap((template) =>
    template.spec.metrics.flatMap((metric) => metricProblems(metric, scrapeSeconds, phase)),
  );
  return [...new Set(found)];
}

function scrapeInterval(monitor: MonitorObject | undefined): number {
  const endpoint = monitor?.spec.endpoints?.[0] ?? monitor?.spec.podMetricsEndpoints?.[0];
  return endpoint?.interval ? parseDurationSeconds(endpoint.interval) : DEFAULT_SCRAPE_SECONDS;
}

function findTemplate(
  templates: readonly AnalysisTemplateObject[],
  name: string,
): AnalysisTemplateObject {
  const template = templates.find((candidate) => candidate.metadata.name === name);
  if (!template)
    throw new Error(`the Rollout references AnalysisTemplate '${name}', which is not rendered`);
  return template;
}

/**
 * Computes the rollback bound of a rendered Rollout. Returns undefined for a Rollout without
 * automated analysis (nothing rolls back by itself; a rolling Deployment has no bound).
 */
export function rollbackBound(
  rollout: RolloutObject,
  templates: readonly AnalysisTemplateObject[],
  monitor: MonitorObject | undefined,
): RollbackBound | undefined {
  const scrape = scrapeInterval(monitor);
  const { canary, blueGreen } = rollout.spec.strategy;

  if (canary?.analysis) {
    const used = canary.analysis.templates.map((ref) => findTemplate(templates, ref.templateName));
    const worst = used.map(detection).reduce((a, b) => (b.seconds > a.seconds ? b : a));
    // Abort sets the canary weight to 0 at once, so traffic is back when detection fires,
    // provided the canary is still running then: its pauses must outlast detection.
    const problems = uniqueProblems(used, scrape, 'canary');
    const pauses = (canary.steps ?? []).map((step) => step.pause);
    const manual = pauses.some((pause) => pause !== undefined && pause.duration === undefined);
    const paused = pauses.reduce(
      (sum, pause) =>
        sum + (pause?.duration !== undefined ? parseDurationSeconds(pause.duration) : 0),
      0,
    );
    if (!manual && paused < worst.seconds) {
      problems.push(
        `the canary reaches 100 % after ${paused} s of pauses, before a failing analysis can abort it ` +
          `(${worst.arithmetic}); lengthen the pauses to at least ${worst.seconds} s in total`,
      );
    }
    return { seconds: worst.seconds, arithmetic: worst.arithmetic, problems };
  }

  if (blueGreen?.postPromotionAnalysis) {
    // Users reach the new version only at promotion; after it, the post-promotion analysis
    // must fail while the previous version still runs, so the switch back is instant.
    const used = blueGreen.postPromotionAnalysis.templates.map((ref) =>
      findTemplate(templates, ref.templateName),
    );
    const worst = used.map(detection).reduce((a, b) => (b.seconds > a.seconds ? b : a));
    const problems = uniqueProblems(used, scrape, 'post-promotion');
    const scaleDown = blueGreen.scaleDownDelaySeconds ?? 30;
    if (scaleDown < worst.seconds) {
      problems.push(
        `scaleDownDelay ${scaleDown} s removes the previous version before a failing ` +
          `post-promotion analysis can switch back (${worst.arithmetic}); raise it to at least ${worst.seconds} s`,
      );
    }
    return { seconds: worst.seconds, arithmetic: worst.arithmetic, problems };
  }
  return undefined;
}
