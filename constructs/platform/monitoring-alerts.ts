// The platform's day-one alert rules, by rule group; the monitoring component renders each group as a PrometheusRule.
/**
 * The share of the cluster's allocatable CPU or memory that pods request (or may use, with
 * `limits`). Only Pending and
 * Running pods count: kube-state-metrics keeps exporting the requests of finished pods (Jobs,
 * Tekton task pods) until they are deleted, and those hold no capacity.
 */
export function requestedShare(
  resource: 'cpu' | 'memory',
  quantity: 'requests' | 'limits' = 'requests',
): string {
  // Nodes that take no workloads (control planes keep their NoSchedule taint where there are
  // workers) are neither capacity nor load: counting their allocatable hid a full cluster.
  const untainted = 'unless on (node) kube_node_spec_taint{effect=~"NoSchedule|NoExecute"}';
  return (
    `sum((kube_pod_container_resource_${quantity}{resource="${resource}"} ${untainted}) ` +
    `* on (namespace, pod) group_left () ` +
    `max by (namespace, pod) (kube_pod_status_phase{phase=~"Pending|Running"} == 1)) ` +
    `/ sum(kube_node_status_allocatable{resource="${resource}"} ${untainted})`
  );
}

/** One alert of the day-one rule set. */
export interface AlertRule {
  /** Alert name. */
  readonly alert: string;
  /** PromQL expression; a series means the alert is pending. */
  readonly expr: string;
  /** How long the expression must hold before the alert fires. */
  readonly for: string;
  /** Labels: severity at least. */
  readonly labels: { readonly severity: 'warning' | 'critical' };
  /** Summary (and description) shown to people; the runbook, for the alerts that have one. */
  readonly annotations: {
    readonly summary: string;
    readonly description: string;
    /** Where the README says what to do (a path and anchor in the GitOps repository). */
    readonly runbook_url?: string;
  };
}

/** The README section of an alert's runbook, relative to the repository root. */
export function runbookUrl(alert: string): string {
  return `README.md#${alert.toLowerCase()}`;
}

// A failed sync of Argo CD: the operation's phase is counted once the operation ends.
const FAILED_SYNCS = 'argocd_app_sync_total{phase=~"Error|Failed"}';

/** The alert groups, by rule group name; every expression passes `promtool check rules`. */
export const ALERT_GROUPS: Readonly<Record<string, readonly AlertRule[]>> = {
  flux: [
    {
      alert: 'FluxReconciliationFailing',
      expr: 'max by (exported_namespace, name, customresource_kind) (gotk_resource_info{ready="False", suspended!="true"}) == 1',
      for: '15m',
      labels: { severity: 'critical' },
      annotations: {
        summary:
          'Flux {{ $labels.customresource_kind }} {{ $labels.exported_namespace }}/{{ $labels.name }} is not Ready',
        description:
          'The object has failed to reconcile for 15 minutes; `flux get all -A` shows why.',
      },
    },
  ],
  argocd: [
    {
      alert: 'ArgoCdAppOutOfSync',
      // Only apps that sync by themselves: in a gated environment (prod) an app waits out of
      // sync for a person's Sync by design, and alerting on every waiting change is noise.
      expr: 'max by (namespace, name, project) (argocd_app_info{sync_status="OutOfSync",autosync_enabled="true"}) == 1',
      for: '10m',
      labels: { severity: 'warning' },
      annotations: {
        summary: 'Argo CD app {{ $labels.name }} is out of sync',
        description: 'The live state of an auto-synced app has differed from Git for 10 minutes.',
      },
    },
    {
      alert: 'ArgoSyncFailed',
      // increase() misses a counter's first sample: a series that did not exist 15 minutes ago
      // (an app's first failed sync) counts with its value.
      expr: `sum by (name, project) ((increase(${FAILED_SYNCS}[15m]) > 0) or (${FAILED_SYNCS} unless ${FAILED_SYNCS} offset 15m)) > 0`,
      for: '0m',
      labels: { severity: 'warning' },
      annotations: {
        summary: 'Argo CD could not sync {{ $labels.name }}',
        description:
          'A sync operation of the app ended in Error or Failed in the last 15 minutes; the previous version keeps running. `argocd app get {{ $labels.name }}` shows the failed resources.',
        runbook_url: runbookUrl('ArgoSyncFailed'),
      },
    },
    {
      alert: 'DeploymentLag',
      // Every app, gated ones included: there, out of sync for an hour means a version waits
      // for a person to press Sync (the hour keeps one review's wait out of it).
      expr: 'max by (name, project, autosync_enabled) (argocd_app_info{sync_status="OutOfSync"}) == 1',
      for: '1h',
      labels: { severity: 'warning' },
      annotations: {
        summary: 'Argo CD app {{ $labels.name }} has not run what Git holds for an hour',
        description:
          'A version committed to Git is not running. With autosync_enabled="false" the environment is gated and waits for a person to press Sync in Argo CD; otherwise the sync is failing (see ArgoSyncFailed).',
        runbook_url: runbookUrl('DeploymentLag'),
      },
    },
    {
      alert: 'ArgoCdAppDegraded',
      expr: 'max by (namespace, name, project, health_status) (argocd_app_info{health_status=~"Degraded|Missing"}) == 1',
      for: '10m',
      labels: { severity: 'critical' },
      annotations: {
        summary: 'Argo CD app {{ $labels.name }} is {{ $labels.health_status }}',
        description: 'The application has been unhealthy for 10 minutes.',
      },
    },
  ],
  delivery: [
    {
      alert: 'DeploymentRolloutLagging',
      expr: 'max by (namespace, deployment) (kube_deployment_spec_replicas - kube_deployment_status_replicas_updated) > 0',
      for: '15m',
      labels: { severity: 'warning' },
      annotations: {
        summary:
          'Deployment {{ $labels.namespace }}/{{ $labels.deployment }} has replicas on an old version',
        description: 'Not every replica has been updated to the current template for 15 minutes.',
      },
    },
    {
      alert: 'RolloutDegraded',
      // The controller's metrics carry the rollout's namespace; Prometheus keeps the scraped
      // pod's (argo-rollouts) as `namespace` and renames the metric's to `exported_namespace`.
      // Without this every environment's rollouts of one name would merge into one alert.
      expr: 'max by (namespace, name) (label_replace(rollout_info{phase="Degraded"}, "namespace", "$1", "exported_namespace", "(.+)")) == 1',
      for: '5m',
      labels: { severity: 'critical' },
      annotations: {
        summary: 'Rollout {{ $labels.namespace }}/{{ $labels.name }} is Degraded',
        description:
          'The rollout was aborted or cannot progress; traffic stays on the stable version.',
      },
    },
  ],
  capacity: [
    {
      alert: 'ClusterCpuOvercommitted',
      expr: `${requestedShare('cpu')} > 0.9`,
      for: '15m',
      labels: { severity: 'warning' },
      annotations: {
        summary: 'CPU requests exceed 90% of the allocatable CPU',
        description: 'New pods may not schedule, and a node loss cannot be absorbed.',
      },
    },
    {
      alert: 'ClusterMemoryOvercommitted',
      expr: `${requestedShare('memory')} > 0.9`,
      for: '15m',
      labels: { severity: 'warning' },
      annotations: {
        summary: 'Memory requests exceed 90% of the allocatable memory',
        description: 'New pods may not schedule, and a node loss cannot be absorbed.',
      },
    },
    {
      alert: 'ResourceOvercommit',
      // Limits, not requests: what the pods may use at once exceeds what the nodes have, so a
      // busy moment throttles (CPU) every pod of the cluster.
      expr: `${requestedShare('cpu', 'limits')} > 1`,
      for: '15m',
      labels: { severity: 'warning' },
      annotations: {
        summary: 'CPU limits exceed the allocatable CPU of the cluster',
        description:
          'The CPU limits of the Pending and Running pods add up to more than the schedulable nodes can give; under load they are throttled.',
        runbook_url: runbookUrl('ResourceOvercommit'),
      },
    },
  ],
  ceph: [
    {
      alert: 'CephHealthWarning',
      expr: 'max(ceph_health_status) == 1',
      for: '15m',
      labels: { severity: 'warning' },
      annotations: {
        summary: 'Ceph reports HEALTH_WARN',
        description: '`ceph health detail` in the Rook toolbox shows the cause.',
      },
    },
    {
      alert: 'CephHealthError',
      expr: 'max(ceph_health_status) == 2',
      for: '5m',
      labels: { severity: 'critical' },
      annotations: {
        summary: 'Ceph reports HEALTH_ERR',
        description: 'Volumes may be read-only or unavailable.',
      },
    },
  ],
  certificates: [
    {
      alert: 'CertificateExpiresSoon',
      expr: 'min by (namespace, name) (certmanager_certificate_expiration_timestamp_seconds - time()) < 14 * 24 * 3600',
      for: '1h',
      labels: { severity: 'warning' },
      annotations: {
        summary:
          'Certificate {{ $labels.namespace }}/{{ $labels.name }} expires in less than 14 days',
        description: 'cert-manager has not renewed it; check the Certificate and its issuer.',
      },
    },
    {
      alert: 'CertificateNotReady',
      expr: 'max by (namespace, name) (certmanager_certificate_ready_status{condition="False"}) == 1',
      for: '15m',
      labels: { severity: 'critical' },
      annotations: {
        summary: 'Certificate {{ $labels.namespace }}/{{ $labels.name }} is not Ready',
        description:
          'cert-manager cannot issue it; the listener or app serving it may have no valid certificate.',
      },
    },
  ],
};
