// The platform's Grafana dashboards (one time-series panel per query) and how Grafana finds them.
import { requestedShare } from './monitoring-alerts';

/** Label (and value) that makes Grafana's sidecar load a ConfigMap as a dashboard. */
export const GRAFANA_DASHBOARD_LABEL = { key: 'grafana_dashboard', value: '1' } as const;

/** The uid of Grafana's Prometheus data source, which the platform dashboards query. */
export const PROMETHEUS_DATASOURCE_UID = 'prometheus';

/** A dashboard panel: one time series query. */
interface Panel {
  /** Panel title shown above the graph. */
  readonly title: string;
  /** PromQL query of the one series (or set of series) drawn; valid for `promtool`. */
  readonly expr: string;
  /**
   * Grafana unit id of the values, e.g. `percentunit` (0-1 shown as %), `short`, `s`, `ops`.
   * @see https://grafana.com/docs/grafana/latest/panels-visualizations/configure-standard-options/#unit
   */
  readonly unit: string;
}

/** The dashboards shipped with the platform, by file stem. */
export const DASHBOARDS: Readonly<
  Record<string, { readonly title: string; readonly panels: readonly Panel[] }>
> = {
  'platform-overview': {
    title: 'Platform overview',
    panels: [
      {
        title: 'CPU requested / allocatable',
        expr: requestedShare('cpu'),
        unit: 'percentunit',
      },
      {
        title: 'Memory requested / allocatable',
        expr: requestedShare('memory'),
        unit: 'percentunit',
      },
      {
        title: 'Pods not ready, by namespace',
        expr: 'sum by (namespace) (kube_pod_status_ready{condition="false"})',
        unit: 'short',
      },
      {
        title: 'Ceph health (0 ok, 1 warn, 2 error)',
        expr: 'max(ceph_health_status)',
        unit: 'short',
      },
    ],
  },
  flux: {
    title: 'Flux',
    panels: [
      {
        title: 'Objects not Ready, by kind',
        expr: 'sum by (customresource_kind) (gotk_resource_info{ready="False"})',
        unit: 'short',
      },
      {
        title: 'Reconcile duration p95, by controller',
        expr: 'histogram_quantile(0.95, sum by (le, controller) (rate(controller_runtime_reconcile_time_seconds_bucket{namespace="flux-system"}[5m])))',
        unit: 's',
      },
      {
        title: 'Reconcile errors, by controller',
        expr: 'sum by (controller) (rate(controller_runtime_reconcile_errors_total{namespace="flux-system"}[5m]))',
        unit: 'ops',
      },
    ],
  },
  argocd: {
    title: 'Argo CD',
    panels: [
      {
        title: 'Apps by sync status',
        expr: 'sum by (sync_status) (argocd_app_info)',
        unit: 'short',
      },
      {
        title: 'Apps by health status',
        expr: 'sum by (health_status) (argocd_app_info)',
        unit: 'short',
      },
      {
        title: 'Syncs, by phase',
        expr: 'sum by (phase) (increase(argocd_app_sync_total[1h]))',
        unit: 'short',
      },
    ],
  },
  rollouts: {
    title: 'Argo Rollouts',
    panels: [
      { title: 'Rollouts by phase', expr: 'sum by (phase) (rollout_info)', unit: 'short' },
      {
        title: 'Analysis runs by phase',
        expr: 'sum by (phase) (analysis_run_info)',
        unit: 'short',
      },
      {
        title: 'Reconcile errors',
        expr: 'sum(rate(controller_clientset_k8s_request_total{namespace="argo-rollouts", status_code=~"5.."}[5m]))',
        unit: 'ops',
      },
    ],
  },
};

/** A Grafana dashboard model with one time-series panel per query, on the Prometheus source. */
export function dashboardModel(uid: string, title: string, panels: readonly Panel[]): object {
  return {
    uid,
    title,
    tags: ['platform'],
    schemaVersion: 39,
    time: { from: 'now-6h', to: 'now' },
    panels: panels.map((panel, i) => ({
      id: i + 1,
      type: 'timeseries',
      title: panel.title,
      datasource: { type: 'prometheus', uid: PROMETHEUS_DATASOURCE_UID },
      gridPos: { h: 8, w: 12, x: (i % 2) * 12, y: Math.floor(i / 2) * 8 },
      fieldConfig: { defaults: { unit: panel.unit }, overrides: [] },
      targets: [{ refId: 'A', expr: panel.expr }],
    })),
  };
}
