// The AnalysisTemplate of canary and blue-green rollouts: Prometheus success rate and p95
// latency of the Service under test, with thresholds from the app's analysis options.
import type { Construct } from 'constructs';
import { AnalysisTemplate } from '../imports/rollouts-analysistemplate-argoproj.io';
import { MONITORING_NAMESPACE } from './app-construct';
import type { ResolvedAnalysis } from './rollout';
import { JsonObject } from '../json-object';

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

/**
 * Renders the template. Its arguments `service` and `namespace` select the series the
 * Rollout is judging (the canary or preview Service's pods). No traffic yet (an empty or NaN
 * result) passes: an idle preview must not block a promotion.
 */
export function renderAnalysisTemplate(scope: Construct, props: AnalysisTemplateProps): JsonObject {
  const { analysis } = props;
  const selector = 'namespace="{{args.namespace}}",service="{{args.service}}"';
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
      args: [{ name: 'service' }, { name: 'namespace' }],
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
