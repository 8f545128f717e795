// The AnalysisTemplate of canary and blue-green rollouts: Prometheus success rate and p95
// latency of the new version's pods, with thresholds from the app's analysis options.
import type { Construct } from 'constructs';
import { AnalysisTemplate } from '../imports/rollouts-analysistemplate-argoproj.io';
import { POD_TEMPLATE_HASH_LABEL } from './app-construct';
import type { ResolvedAnalysis } from './rollout';
import { JsonObject } from '../json-object';
import { MONITORING_NAMESPACE } from '../contract/names';

/** Prometheus as every cluster's monitoring component exposes it (the operator's service). */
export const PROMETHEUS_URL = `http://prometheus-operated.${MONITORING_NAMESPACE}.svc:9090`;

/** Props of {@link renderAnalysisTemplate}. */
export interface AnalysisTemplateProps {
  /** Template name (the app's name). */
  readonly name: string;
  /** Metadata shared with the app's objects. */
  readonly metadata: { readonly namespace?: string; readonly labels: Record<string, string> };
  /** Thresholds and timing. */
  readonly analysis: ResolvedAnalysis;
  /**
   * Measurements per run: set for blue-green pre/post-promotion runs; left out for canary
   * background analysis, which runs until the rollout completes.
   */
  readonly count?: number;
  /** Annotations (the sync wave that creates it before the Rollout). */
  readonly annotations: Record<string, string>;
}

/** Analysis argument holding the new ReplicaSet's pod template hash. */
export const LATEST_HASH_ARG = 'latest-hash';

/**
 * Renders the template. Its arguments `namespace` and `latest-hash` (the Rollout passes the
 * new ReplicaSet's `podTemplateHashValue: Latest`) select the series of the new version's pods
 * only. Selecting by the canary or preview Service instead would also count, for a whole rate
 * window, the stable pods that Service selected until the rollout started, diluting the new
 * version's errors and latency. No traffic yet (an empty or NaN result) passes: an idle
 * preview must not block a promotion.
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
    initialDelay: `${analysis.initialDelaySeconds}s`,
    failureLimit: analysis.failureLimit,
    ...(props.count !== undefined ? { count: props.count } : {}),
  };
  const noData = 'len(result) == 0 || isNaN(result[0])';
  return new JsonObject(scope, 'analysis-template', {
    ...AnalysisTemplate.GVK,
    metadata: { name: props.name, ...props.metadata, annotations: props.annotations },
    spec: {
      args: [{ name: 'namespace' }, { name: LATEST_HASH_ARG }],
      metrics: [
        {
          name: 'success-rate',
          ...timing,
          successCondition: `${noData} || result[0] >= ${analysis.minSuccessRate}`,
          provider: {
            prometheus: {
              address: PROMETHEUS_URL,
              query:
                `sum(rate(${analysis.requestsMetric}{${selector},code!~"5.."}[${window}])) / ` +
                `sum(rate(${analysis.requestsMetric}{${selector}}[${window}]))`,
            },
          },
        },
        {
          name: 'latency-p95',
          ...timing,
          successCondition: `${noData} || result[0] <= ${analysis.maxP95LatencySeconds}`,
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
