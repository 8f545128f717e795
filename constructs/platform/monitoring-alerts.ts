// The platform's day-one alert rules, by rule group; the monitoring component renders each group as a PrometheusRule.
/**
 * The share of the cluster's allocatable CPU or memory that pods request. Only Pending and
 * Running pods count: kube-state-metrics keeps exporting the requests of finished pods (Jobs,
 * Tekton task pods) until they are deleted, and those hold no capacity.
 */
export function requestedShare(resource: 'cpu' | 'memory'): string {
  // Nodes that take no workloads (control planes keep their NoSchedule taint where there are
  // workers) are neither capacity nor load: counting their allocatable hid a full cluster.
  const untainted = 'unless on (node) kube_node_spec_taint{effect=~"NoSchedule|NoExecute"}';
  return (
    `sum((kube_pod_container_resource_requests{resource="${resource}"} ${untainted}) ` +
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
  /** Summary (and description) shown to people. */
  readonly annotations: { readonly summary: string; readonly description: string };
}

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
