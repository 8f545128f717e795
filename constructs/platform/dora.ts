// Recording rules for two of the DORA keys, per team, environment and app, from what Argo
// Rollouts counts: a deployment is a rollout that completed (every pod on the new version, all
// traffic on it), a failed change one that was aborted (a failed analysis, or a person), its
// traffic back on the stable version. Both are the controller's events, counted in
// `rollout_events_total{reason}` (argo-rollouts v1.9 controller/metrics).

/** One recording rule. */
export interface RecordingRule {
  /** The recorded series' name, `level:metric:operations`. */
  readonly record: string;
  /** Its PromQL. */
  readonly expr: string;
}

/** The windows each key is recorded over. */
export const DORA_WINDOWS = { '1d': 1, '7d': 7, '30d': 30 } as const;

/** The aggregation level of every DORA series. */
const LEVEL = 'team_environment_app';

/**
 * The events of a reason in a window, per rollout, exactly: the counter now less the counter a
 * window ago (increase() extrapolates, so five deployments could read 5.2). A counter that did
 * not exist a window ago, or restarted from zero within it (the controller counts from its
 * start), counts with its value.
 */
function eventsIn(reason: string, window: string): string {
  const events = `rollout_events_total{reason="${reason}"}`;
  return `((${events} - ${events} offset ${window} >= 0) or ${events})`;
}

/**
 * Per team, environment and app: the controller's `exported_namespace` (the Rollout's) and
 * `name`, joined with the namespace's environment and team labels (kube-state-metrics
 * exports them: monitoring.ts).
 */
function byApp(expr: string): string {
  const rollout = `label_replace(label_replace(${expr}, "namespace", "$1", "exported_namespace", "(.+)"), "app", "$1", "name", "(.+)")`;
  const namespaceLabels =
    'label_replace(label_replace(kube_namespace_labels, "environment", "$1", "label_nextgen_dev_environment", "(.+)"), "team", "$1", "label_nextgen_dev_team", "(.+)")';
  return `sum by (team, environment, app) (${rollout} * on (namespace) group_left (team, environment) max by (namespace, team, environment) (${namespaceLabels}))`;
}

/** The recording rules of the DORA group, for every window. */
export function doraRecordingRules(): RecordingRule[] {
  return Object.entries(DORA_WINDOWS).flatMap(([window, days]) => {
    const deployments = `${LEVEL}:dora_deployments:count${window}`;
    const failed = `${LEVEL}:dora_failed_deployments:count${window}`;
    return [
      { record: deployments, expr: byApp(eventsIn('RolloutCompleted', window)) },
      { record: failed, expr: byApp(eventsIn('RolloutAborted', window)) },
      // Changes that reached the environment (completed or aborted): the failed share.
      {
        record: `${LEVEL}:dora_change_failure_rate:ratio${window}`,
        expr: `(${failed} or ${deployments} * 0) / (${deployments} + ${failed} or ${deployments} or ${failed})`,
      },
      {
        record: `${LEVEL}:dora_deployment_frequency:per_day${window}`,
        expr: `${deployments} / ${days}`,
      },
    ];
  });
}
