// The AnalysisTemplates of canary and blue-green rollouts: Prometheus success rate and p95
// latency of the new version's pods, with thresholds from the app's analysis options, and the
// smoke test a blue-green preview gets before promotion.
import type { Construct } from 'constructs';
import { AnalysisTemplate } from '../imports/rollouts-analysistemplate-argoproj.io';
import { POD_TEMPLATE_HASH_LABEL } from './app-construct';
import type { ResolvedAnalysis, ResolvedSmokeTest } from './rollout';
import { JsonObject } from '../json-object';
import { MONITORING_NAMESPACE } from '../contract/names';

/** Prometheus as every cluster's monitoring component exposes it (the operator's service). */
export const PROMETHEUS_URL = `http://prometheus-operated.${MONITORING_NAMESPACE}.svc:9090`;

/**
 * The guard every Prometheus success condition starts with: a measurement without data (no
 * series, or 0/0) fails. Passing it would let a broken scrape, or a version nobody can reach,
 * through; an inconclusive result would pause the rollout with the new version still serving,
 * for as long as nobody looks. The rollback bound relies on it.
 */
export const REQUIRES_DATA = 'len(result) > 0 && !isNaN(result[0])';

/** Props of {@link renderAnalysisTemplate}. */
export interface AnalysisTemplateProps {
  /** Template name (the app's name). */
  readonly name: string;
  /** Metadata shared with the app's objects. */
  readonly metadata: { readonly namespace?: string; readonly labels: Record<string, string> };
  /** Thresholds and timing. */
  readonly analysis: ResolvedAnalysis;
  /** Seconds between two scrapes of the app's pods (the initial delay's default is two). */
  readonly scrapeIntervalSeconds: number;
  /**
   * Measurements per run: set for blue-green post-promotion runs; left out for canary
   * background analysis, which runs until the rollout completes.
   */
  readonly count?: number;
  /** Annotations (the sync wave that creates it before the Rollout). */
  readonly annotations: Record<string, string>;
}

/** Analysis argument holding the new ReplicaSet's pod template hash. */
export const LATEST_HASH_ARG = 'latest-hash';

/** The initial delay an analysis gets: as configured, else two scrapes (what `rate()` needs). */
export function initialDelaySeconds(analysis: ResolvedAnalysis, scrapeSeconds: number): number {
  return analysis.initialDelaySeconds ?? 2 * scrapeSeconds;
}

/**
 * Renders the template. Its arguments `namespace` and `latest-hash` (the Rollout passes the
 * new ReplicaSet's `podTemplateHashValue: Latest`) select the series of the new version's pods
 * only. Selecting by the canary or preview Service instead would also count, for a whole rate
 * window, the stable pods that Service selected until the rollout started, diluting the new
 * version's errors and latency. No data fails a measurement ({@link REQUIRES_DATA}), and so
 * does a Prometheus that cannot answer, as often as a bad result may.
 */
export function renderAnalysisTemplate(scope: Construct, props: AnalysisTemplateProps): JsonObject {
  const { analysis } = props;
  // Every series is the new version's pods' (scraped once each by the app's PodMonitor), so
  // the result judges the new version alone.
  const hashLabel = POD_TEMPLATE_HASH_LABEL.replace(/-/g, '_');
  const selector = `namespace="{{args.namespace}}",${hashLabel}="{{args.${LATEST_HASH_ARG}}}"`;
  const window = `${Math.max(60, 2 * analysis.intervalSeconds)}s`;
  const timing = {
    interval: `${analysis.intervalSeconds}s`,
    initialDelay: `${initialDelaySeconds(analysis, props.scrapeIntervalSeconds)}s`,
    failureLimit: analysis.failureLimit,
    consecutiveErrorLimit: analysis.failureLimit,
    ...(props.count !== undefined ? { count: props.count } : {}),
  };
  const requests = (matcher: string) =>
    `sum(rate(${analysis.requestsMetric}{${selector}${matcher}}[${window}]))`;
  return new JsonObject(scope, 'analysis-template', {
    ...AnalysisTemplate.GVK,
    metadata: { name: props.name, ...props.metadata, annotations: props.annotations },
    spec: {
      args: [{ name: 'namespace' }, { name: LATEST_HASH_ARG }],
      metrics: [
        {
          name: 'success-rate',
          ...timing,
          successCondition: `${REQUIRES_DATA} && result[0] >= ${analysis.minSuccessRate}`,
          provider: {
            prometheus: {
              address: PROMETHEUS_URL,
              // Counting errors, not successes: when every request fails there is no
              // non-5xx series at all, and a ratio of successes would have no data.
              query: `1 - ((${requests(',code=~"5.."')} or vector(0)) / ${requests('')})`,
            },
          },
        },
        {
          name: 'latency-p95',
          ...timing,
          successCondition: `${REQUIRES_DATA} && result[0] <= ${analysis.maxP95LatencySeconds}`,
          provider: {
            prometheus: {
              address: PROMETHEUS_URL,
              query: `histogram_quantile(0.95, sum by (le) (rate(${analysis.latencyHistogram}{${selector}}[${window}])))`,
            },
          },
        },
      ],
    },
  });
}

/** Props of {@link renderSmokeTemplate}. */
export interface SmokeTemplateProps {
  /** Template name. */
  readonly name: string;
  /** Metadata shared with the app's objects. */
  readonly metadata: { readonly namespace?: string; readonly labels: Record<string, string> };
  /** The preview Service's URL, path included. */
  readonly url: string;
  /** Requests and their spacing. */
  readonly smokeTest: ResolvedSmokeTest;
  /** Annotations (the sync wave that creates it before the Rollout). */
  readonly annotations: Record<string, string>;
}

/**
 * The pre-promotion analysis of a blue-green rollout: the preview receives no user traffic, so
 * Prometheus has nothing to judge it by. Instead the Rollouts controller itself sends requests
 * to the preview Service (the `web` provider) and every one must answer 2xx (a non-2xx answer
 * is a measurement error; a second one in a row fails the run and aborts the rollout).
 */
export function renderSmokeTemplate(scope: Construct, props: SmokeTemplateProps): JsonObject {
  return new JsonObject(scope, 'smoke-template', {
    ...AnalysisTemplate.GVK,
    metadata: { name: props.name, ...props.metadata, annotations: props.annotations },
    spec: {
      metrics: [
        {
          name: 'smoke',
          interval: `${props.smokeTest.intervalSeconds}s`,
          count: props.smokeTest.requests,
          consecutiveErrorLimit: 1,
          provider: { web: { url: props.url, timeoutSeconds: 5 } },
        },
      ],
    },
  });
}
