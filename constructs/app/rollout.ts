// Rollout templates: how a new version of an app reaches its users. Built with static
// factories (`RolloutStrategy.canary({...})`); rendered into Argo Rollouts objects (or a plain
// Deployment for `rolling`) by the app constructs.
import { Duration } from 'cdk8s';

/** Automated analysis of a new version against Prometheus: success rate and p95 latency. */
export interface AnalysisOptions {
  /**
   * Minimum share of requests that must not answer 5xx, from 0 to 1.
   * @default 0.99
   */
  readonly minSuccessRate?: number;
  /**
   * Highest acceptable 95th-percentile request latency, above 0.
   * @default Duration.millis(500)
   */
  readonly maxP95Latency?: Duration;
  /**
   * Time between two measurements.
   * @default Duration.seconds(20)
   */
  readonly interval?: Duration;
  /**
   * Failed measurements tolerated; one more fails the analysis and aborts the rollout.
   * @default 2
   */
  readonly failureLimit?: number;
  /**
   * Wait before the first measurement. A measurement without data fails, and the new pods'
   * series need two scrapes before `rate()` has a value, so this must be at least two scrape
   * intervals; raise it further for pods that take long to become ready.
   * @default - two scrape intervals of the app's metrics (30 s with the 15 s default)
   */
  readonly initialDelay?: Duration;
  /**
   * Measurements a blue-green post-promotion analysis takes, a whole number (canary analysis
   * runs in the background until the rollout completes). At least failureLimit + 1, or the
   * analysis could never fail.
   * @default 5
   */
  readonly count?: number;
  /**
   * Counter of HTTP requests with a `code` label (status code), as the app exposes it.
   * @default 'http_requests_total'
   */
  readonly requestsMetric?: string;
  /**
   * Histogram (the `_bucket` series) of request durations in seconds.
   * @default 'http_request_duration_seconds_bucket'
   */
  readonly latencyHistogram?: string;
}

/** Analysis options with every default applied. */
export interface ResolvedAnalysis {
  /** Minimum success rate, 0..1. */
  readonly minSuccessRate: number;
  /** p95 latency ceiling in seconds. */
  readonly maxP95LatencySeconds: number;
  /** Seconds between measurements. */
  readonly intervalSeconds: number;
  /** Failed measurements tolerated. */
  readonly failureLimit: number;
  /** Seconds before the first measurement; undefined: two scrape intervals. */
  readonly initialDelaySeconds?: number;
  /** Measurements per blue-green post-promotion run. */
  readonly count: number;
  /** Request counter metric. */
  readonly requestsMetric: string;
  /** Latency histogram metric. */
  readonly latencyHistogram: string;
}

/** One canary step: send `weight` percent of traffic to the new version, then pause. */
export interface CanaryStep {
  /** Percentage of traffic for the new version, 1..100. */
  readonly weight: number;
  /**
   * How long to hold this weight before the next step.
   * @default - no pause after the step (the final 100 % step needs none); use
   *   `RolloutStrategy.MANUAL` to wait for a person to promote
   */
  readonly pause?: Duration | typeof MANUAL_PROMOTION;
}

/**
 * Options of the canary template. Fixed: after an abort the canary pods keep running 30 s
 * (abortScaleDownDelaySeconds 30), so requests in flight on them finish before they go.
 */
export interface CanaryOptions {
  /**
   * Traffic steps; weights must increase strictly and end at 100.
   * @default 10 % for 30 s, 25 % for 30 s, 50 % for 30 s, then 100 %
   */
  readonly steps?: readonly CanaryStep[];
  /**
   * Background analysis, running from the first step until the rollout completes.
   * @default the AnalysisOptions defaults
   */
  readonly analysis?: AnalysisOptions;
}

/** The requests a blue-green preview must answer before promotion. */
export interface SmokeTestOptions {
  /**
   * Path requested on the preview Service's HTTP port; every answer must be 2xx.
   * @default - the readiness probe's path
   */
  readonly path?: string;
  /**
   * How many requests, a whole number of at least 1.
   * @default 6
   */
  readonly requests?: number;
  /**
   * Time between two requests, whole seconds of at least 1.
   * @default Duration.seconds(5)
   */
  readonly interval?: Duration;
}

/** Smoke test options with every default but the path applied. */
export interface ResolvedSmokeTest {
  /** Path, if not the readiness path. */
  readonly path?: string;
  /** Requests per run. */
  readonly requests: number;
  /** Seconds between requests. */
  readonly intervalSeconds: number;
}

/** Options of the blue-green template. */
export interface BlueGreenOptions {
  /**
   * Analysis after promotion, against the new active version while the previous one is kept
   * for an instant switch back (the preview gets no user traffic to analyse before it).
   * @default the AnalysisOptions defaults
   */
  readonly analysis?: AnalysisOptions;
  /**
   * Requests the preview must answer before promotion (the pre-promotion analysis).
   * @default 6 requests to the readiness path, 5 s apart
   */
  readonly smokeTest?: SmokeTestOptions;
  /**
   * How long the previous version keeps running after promotion; must cover the
   * post-promotion analysis, or there is nothing to switch back to.
   * @default Duration.seconds(120)
   */
  readonly scaleDownDelay?: Duration;
  /**
   * Promote automatically when the pre-promotion analysis passes.
   * @default true
   */
  readonly autoPromotion?: boolean;
}

/** Options of the rolling template (a plain Deployment). */
export interface RollingOptions {
  /**
   * Extra pods allowed during an update, a count or a percentage.
   * @default '25%'
   */
  readonly maxSurge?: number | string;
  /**
   * Pods allowed to be unavailable during an update.
   * @default 0 - capacity never drops during a rollout
   */
  readonly maxUnavailable?: number | string;
}

/** Marker for a canary pause that waits for a person to promote. */
export const MANUAL_PROMOTION = 'manual' as const;

const DEFAULT_STEPS: readonly CanaryStep[] = [
  { weight: 10, pause: Duration.seconds(30) },
  { weight: 25, pause: Duration.seconds(30) },
  { weight: 50, pause: Duration.seconds(30) },
  { weight: 100 },
];

/** Applies the analysis defaults. */
export function resolveAnalysis(options: AnalysisOptions = {}): ResolvedAnalysis {
  return {
    minSuccessRate: options.minSuccessRate ?? 0.99,
    // Fractions convert instead of throwing as the app file loads; validateAppValues refuses
    // those that cannot render (whole seconds).
    maxP95LatencySeconds:
      (options.maxP95Latency ?? Duration.millis(500)).toMilliseconds({ integral: false }) / 1000,
    intervalSeconds: (options.interval ?? Duration.seconds(20)).toSeconds({ integral: false }),
    failureLimit: options.failureLimit ?? 2,
    ...(options.initialDelay !== undefined
      ? { initialDelaySeconds: options.initialDelay.toSeconds({ integral: false }) }
      : {}),
    count: options.count ?? 5,
    requestsMetric: options.requestsMetric ?? 'http_requests_total',
    latencyHistogram: options.latencyHistogram ?? 'http_request_duration_seconds_bucket',
  };
}

/** A rolling update (Deployment). */
export interface RollingStrategy {
  /** Discriminator. */
  readonly kind: 'rolling';
  /** Max surge. */
  readonly maxSurge: number | string;
  /** Max unavailable. */
  readonly maxUnavailable: number | string;
}

/** A canary rollout (Argo Rollouts) with traffic split on the HTTPRoute. */
export interface CanaryStrategy {
  /** Discriminator. */
  readonly kind: 'canary';
  /** The steps. */
  readonly steps: readonly CanaryStep[];
  /** The background analysis. */
  readonly analysis: ResolvedAnalysis;
}

/** A blue-green rollout (Argo Rollouts) with preview and active Services. */
export interface BlueGreenStrategy {
  /** Discriminator. */
  readonly kind: 'blueGreen';
  /** Post-promotion analysis. */
  readonly analysis: ResolvedAnalysis;
  /** Pre-promotion smoke test of the preview. */
  readonly smokeTest: ResolvedSmokeTest;
  /** Seconds the previous version keeps running after promotion. */
  readonly scaleDownDelaySeconds: number;
  /** Whether promotion is automatic. */
  readonly autoPromotion: boolean;
}

/** One of the rollout templates; build it with the static factories of {@link RolloutStrategy}. */
export type RolloutTemplate = RollingStrategy | CanaryStrategy | BlueGreenStrategy;

/** The rollout templates an app chooses from. */
export class RolloutStrategy {
  /** Pause value that waits for a person (`kubectl argo rollouts promote`). */
  public static readonly MANUAL = MANUAL_PROMOTION;

  /** A plain Deployment with a rolling update: no analysis, no traffic split. */
  public static rolling(options: RollingOptions = {}): RolloutTemplate {
    return {
      kind: 'rolling',
      maxSurge: options.maxSurge ?? '25%',
      maxUnavailable: options.maxUnavailable ?? 0,
    };
  }

  /**
   * Weighted canary: traffic shifts step by step on the app's HTTPRoute (Argo Rollouts'
   * Gateway API plugin) while a background analysis watches success rate and latency; a
   * failed analysis aborts and sends all traffic back to the stable version.
   */
  public static canary(options: CanaryOptions = {}): RolloutTemplate {
    return {
      kind: 'canary',
      steps: options.steps ?? DEFAULT_STEPS,
      analysis: resolveAnalysis(options.analysis),
    };
  }

  /**
   * Blue-green: the new version starts behind a preview Service, must answer a smoke test
   * there, is promoted to active on success, analysed against its real traffic, and the
   * previous version is kept running for the scale-down delay so an abort switches back
   * instantly.
   */
  public static blueGreen(options: BlueGreenOptions = {}): RolloutTemplate {
    const smoke = options.smokeTest ?? {};
    return {
      kind: 'blueGreen',
      analysis: resolveAnalysis(options.analysis),
      smokeTest: {
        ...(smoke.path !== undefined ? { path: smoke.path } : {}),
        requests: smoke.requests ?? 6,
        intervalSeconds: (smoke.interval ?? Duration.seconds(5)).toSeconds({ integral: false }),
      },
      scaleDownDelaySeconds: (options.scaleDownDelay ?? Duration.seconds(120)).toSeconds({
        integral: false,
      }),
      autoPromotion: options.autoPromotion ?? true,
    };
  }

  private constructor() {}
}
