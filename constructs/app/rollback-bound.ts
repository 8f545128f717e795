// The rollback bound: from the synthesized Rollout, AnalysisTemplate and ServiceMonitor,
// the worst-case time from a bad release first receiving traffic until traffic is back on
// the stable version. Computed from the rendered objects (not from props), so what is
// checked is exactly what the controllers will run.

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
      readonly count?: number;
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
// Argo Rollouts' defaults for a metric without interval / failureLimit.
const DEFAULT_FAILURE_LIMIT = 0;

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

/**
 * How long until an analysis run can fail: the slowest of its metrics. A metric fails the run
 * after failureLimit + 1 failed measurements; bad data becomes visible two scrape intervals
 * after the bad traffic, and the measurement that sees it may be up to one interval away.
 */
function detection(
  template: AnalysisTemplateObject,
  scrapeSeconds: number,
): {
  seconds: number;
  arithmetic: string;
  metric: AnalysisTemplateObject['spec']['metrics'][number];
} {
  let worst: ReturnType<typeof detection> | undefined;
  for (const metric of template.spec.metrics) {
    const interval = metric.interval ? parseDurationSeconds(metric.interval) : 0;
    const delay = metric.initialDelay ? parseDurationSeconds(metric.initialDelay) : 0;
    const limit = metric.failureLimit ?? DEFAULT_FAILURE_LIMIT;
    const seconds = delay + visibleAfter(scrapeSeconds) + (limit + 1) * interval;
    const arithmetic =
      `initialDelay ${delay} s + 2 × scrape interval ${scrapeSeconds} s + ` +
      `(failureLimit ${limit} + 1) × interval ${interval} s = ${seconds} s`;
    if (!worst || seconds > worst.seconds) worst = { seconds, arithmetic, metric };
  }
  if (!worst) throw new Error(`AnalysisTemplate '${template.metadata.name}' has no metrics`);
  return worst;
}

/**
 * Why an analysis with a fixed count can end its run before it fails a bad version, if it can.
 * Measurements are taken at initialDelay + k × interval (k = 0 .. count − 1); one taken before
 * two scrapes of the new version finds no data for it and passes, so the failureLimit + 1
 * failures needed must all fall at or after the first measurement that can see the new one.
 */
function neverFails(
  metric: AnalysisTemplateObject['spec']['metrics'][number],
  scrapeSeconds: number,
): string | undefined {
  if (metric.count === undefined) return undefined;
  const count = metric.count;
  const interval = metric.interval ? parseDurationSeconds(metric.interval) : 0;
  const delay = metric.initialDelay ? parseDurationSeconds(metric.initialDelay) : 0;
  const limit = metric.failureLimit ?? DEFAULT_FAILURE_LIMIT;
  const prefix = `the post-promotion analysis can never fail: failing takes failureLimit ${limit} + 1 = ${limit + 1} failed measurements`;
  const visible = visibleAfter(scrapeSeconds);
  const blind = Math.max(0, visible - delay);
  if (blind > 0 && interval === 0) {
    return `${prefix}, but every measurement is at initialDelay ${delay} s, before 2 × scrape interval ${scrapeSeconds} s = ${visible} s shows the new version; set an interval or an initialDelay of at least ${visible} s`;
  }
  const first = blind === 0 ? 0 : Math.ceil(blind / interval);
  const needed = first + limit + 1;
  if (count >= needed) return undefined;
  const firstAt = delay + first * interval;
  return (
    `${prefix}, the first that can see the new version being at initialDelay ${delay} s + ${first} × interval ${interval} s = ${firstAt} s ` +
    `(after 2 × scrape interval ${scrapeSeconds} s = ${visible} s), so the last is at ${firstAt} s + ${limit} × ${interval} s = ${firstAt + limit * interval} s, ` +
    `but count ${count} ends the run at ${delay} s + (${count} − 1) × ${interval} s = ${delay + (count - 1) * interval} s; ` +
    `raise count to at least ${needed}`
  );
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
    const worst = canary.analysis.templates
      .map((ref) => detection(findTemplate(templates, ref.templateName), scrape))
      .reduce((a, b) => (b.seconds > a.seconds ? b : a));
    // Abort sets the canary weight to 0 at once, so traffic is back when detection fires,
    // provided the canary is still running then: its pauses must outlast detection.
    const problems: string[] = [];
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
    const worst = blueGreen.postPromotionAnalysis.templates
      .map((ref) => detection(findTemplate(templates, ref.templateName), scrape))
      .reduce((a, b) => (b.seconds > a.seconds ? b : a));
    const problems: string[] = [];
    for (const ref of blueGreen.postPromotionAnalysis.templates) {
      for (const metric of findTemplate(templates, ref.templateName).spec.metrics) {
        // Metrics of one template usually share their timing: report each finding once.
        const problem = neverFails(metric, scrape);
        if (problem && !problems.includes(problem)) problems.push(problem);
      }
    }
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
