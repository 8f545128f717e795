// Monitoring: kube-prometheus-stack (Prometheus, Alertmanager, Grafana, kube-state-metrics,
// node-exporter) on Ceph volumes, Grafana dashboards as labelled ConfigMaps, and the alert rules
// people need on day one.
import type { Construct } from 'constructs';
import { k8s } from 'cdk8s-plus-28';
import { ClusterTier, type ClusterConfig } from '../config/types';
import { ProblemCollector } from '../errors';
import {
  PrometheusRule,
  PrometheusRuleSpecGroupsRulesExpr,
} from '../imports/prometheus-prometheusrule-monitoring.coreos.com';
import {
  ServiceMonitor,
  ServiceMonitorSpecEndpointsTargetPort,
} from '../imports/prometheus-servicemonitor-monitoring.coreos.com';
import { parseQuantity } from '../config/quantity';
import {
  PlatformComponent,
  PodSecurityLevel,
  type ComponentIdentity,
  type PlatformComponentProps,
} from './component';
import { platformRoute } from './gateway';
import { isComponentEnabled } from '../config/settings';
import { CHART_VERSIONS } from './versions';
import { mergeValues } from '../config/component-settings';
import {
  VolumeValues,
  CustomResourceMetric,
  MonitoringValues,
  MonitoringSettings,
} from '../config/monitoring';
import { GRAFANA_HOST } from '../contract/gateway';
import { CEPH_BLOCK_STORAGE_CLASS, PLATFORM_NAMESPACES } from '../contract/names';
import { LOKI_URL } from '../contract/names';

/** Label (and value) that makes Grafana's sidecar load a ConfigMap as a dashboard. */
export const GRAFANA_DASHBOARD_LABEL = { key: 'grafana_dashboard', value: '1' } as const;

/** The uid of Grafana's Prometheus data source, which the platform dashboards query. */
export const PROMETHEUS_DATASOURCE_UID = 'prometheus';

/** Props of {@link Monitoring}. */
export interface MonitoringProps extends PlatformComponentProps {
  /**
   * The cluster's settings for monitoring. `values` merge over the defaults: objects key by key,
   * arrays and scalars replaced, left-out keys keep the default.
   * @default {} - single replicas and 7 days in dev, HA and 30 days in prod
   */
  readonly settings?: MonitoringSettings;
}

const volume = (size: string): VolumeValues => ({
  volumeClaimTemplate: {
    spec: {
      storageClassName: CEPH_BLOCK_STORAGE_CLASS,
      accessModes: ['ReadWriteOnce'],
      resources: { requests: { storage: size } },
    },
  },
});

const FLUX_KINDS = [
  ['kustomize.toolkit.fluxcd.io', 'v1', 'Kustomization', 'kustomizations'],
  ['helm.toolkit.fluxcd.io', 'v2', 'HelmRelease', 'helmreleases'],
  ['source.toolkit.fluxcd.io', 'v1', 'GitRepository', 'gitrepositories'],
  ['source.toolkit.fluxcd.io', 'v1', 'HelmRepository', 'helmrepositories'],
  ['source.toolkit.fluxcd.io', 'v1', 'OCIRepository', 'ocirepositories'],
] as const;

function fluxMetrics(): CustomResourceMetric[] {
  return FLUX_KINDS.map(([group, version, kind]) => ({
    groupVersionKind: { group, version, kind },
    metricNamePrefix: 'gotk',
    metrics: [
      {
        name: 'resource_info',
        help: `The current state of a Flux ${kind}.`,
        each: { type: 'Info', info: { labelsFromPath: { name: ['metadata', 'name'] } } },
        labelsFromPath: {
          exported_namespace: ['metadata', 'namespace'],
          ready: ['status', 'conditions', '[type=Ready]', 'status'],
          suspended: ['spec', 'suspend'],
        },
      },
    ],
  }));
}

/**
 * The share of the cluster's allocatable CPU or memory that pods request. Only Pending and
 * Running pods count: kube-state-metrics keeps exporting the requests of finished pods (Jobs,
 * Tekton task pods) until they are deleted, and those hold no capacity.
 */
export function requestedShare(resource: 'cpu' | 'memory'): string {
  return (
    `sum(kube_pod_container_resource_requests{resource="${resource}"} ` +
    `* on (namespace, pod) group_left () ` +
    `max by (namespace, pod) (kube_pod_status_phase{phase=~"Pending|Running"} == 1)) ` +
    `/ sum(kube_node_status_allocatable{resource="${resource}"})`
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
      expr: 'max by (namespace, name, project) (argocd_app_info{sync_status="OutOfSync"}) == 1',
      for: '10m',
      labels: { severity: 'warning' },
      annotations: {
        summary: 'Argo CD app {{ $labels.name }} is out of sync',
        description:
          'The live state has differed from Git for 10 minutes (gated environments wait for a Sync).',
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
      expr: 'max by (namespace, name) (rollout_info{phase="Degraded"}) == 1',
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

/** Release name; the chart prefixes its objects' and pods' names with it. */
const RELEASE_NAME = 'kube-prometheus-stack';

/**
 * kube-prometheus-stack. Prometheus selects ServiceMonitors, PodMonitors, Probes and
 * PrometheusRules from every namespace (apps ship their own), keeps its data on Ceph volumes,
 * Grafana loads dashboards from labelled ConfigMaps in any namespace and gets Loki as a data
 * source where Loki runs. Components with ServiceMonitors in their chart values install after
 * this release, whose CRDs they need.
 */
export class Monitoring extends PlatformComponent {
  /** Name, namespace and source of the component. */
  public static readonly IDENTITY: ComponentIdentity = {
    name: RELEASE_NAME,
    namespace: PLATFORM_NAMESPACES.monitoring,
    sourceFile: 'constructs/platform/monitoring.ts',
    // node-exporter reads the host's /proc and /sys with the host's network and PID namespaces.
    podSecurity: PodSecurityLevel.PRIVILEGED,
    privilegedPods: {
      names: [`${RELEASE_NAME}-prometheus-node-exporter-*`],
      why: "node-exporter reads the host's /proc and /sys in its network and PID namespaces",
    },
  };

  /** The chart values rendered into the HelmRelease. */
  public readonly values: MonitoringValues;

  public constructor(scope: Construct, id: string, props: MonitoringProps) {
    super(scope, id, Monitoring.IDENTITY, props);
    const { cluster } = props;
    const production = cluster.tier === ClusterTier.PRODUCTION;
    const defaults: MonitoringValues = {
      crds: { enabled: true },
      prometheus: {
        prometheusSpec: {
          replicas: production ? 2 : 1,
          retention: production ? '30d' : '7d',
          retentionSize: production ? '90GB' : '18GB',
          serviceMonitorSelectorNilUsesHelmValues: false,
          podMonitorSelectorNilUsesHelmValues: false,
          ruleSelectorNilUsesHelmValues: false,
          probeSelectorNilUsesHelmValues: false,
          storageSpec: volume(production ? '100Gi' : '20Gi'),
          resources: {
            requests: { cpu: production ? '500m' : '200m', memory: production ? '4Gi' : '1Gi' },
            limits: { memory: production ? '8Gi' : '2Gi' },
          },
        },
      },
      alertmanager: {
        alertmanagerSpec: { replicas: production ? 3 : 1, storage: volume('2Gi') },
      },
      grafana: {
        replicas: 1,
        admin: { existingSecret: 'grafana-admin' },
        sidecar: {
          dashboards: {
            enabled: true,
            label: GRAFANA_DASHBOARD_LABEL.key,
            labelValue: GRAFANA_DASHBOARD_LABEL.value,
            searchNamespace: 'ALL',
          },
          datasources: {
            enabled: true,
            defaultDatasourceEnabled: true,
            uid: PROMETHEUS_DATASOURCE_UID,
          },
        },
        additionalDataSources: isComponentEnabled(cluster, 'loki')
          ? [{ name: 'Loki', type: 'loki', uid: 'loki', url: LOKI_URL, access: 'proxy' }]
          : [],
      },
      'kube-state-metrics': {
        rbac: {
          extraRules: [...new Set(FLUX_KINDS.map(([group]) => group))].map((group) => ({
            apiGroups: [group],
            resources: FLUX_KINDS.filter(([g]) => g === group).map(([, , , plural]) => plural),
            verbs: ['list', 'watch'],
          })),
        },
        customResourceState: { enabled: true, config: { spec: { resources: fluxMetrics() } } },
      },
      kubeProxy: { enabled: false },
      kubeControllerManager: { enabled: false },
      kubeScheduler: { enabled: false },
      kubeEtcd: { enabled: false },
    };
    this.values = mergeValues(defaults, props.settings?.values);
    validate(cluster, this.values);
    this.installChart(CHART_VERSIONS.monitoring, this.values);

    for (const [group, rules] of Object.entries(ALERT_GROUPS)) {
      new PrometheusRule(this.configs, `rules-${group}`, {
        metadata: { name: `platform-${group}`, namespace: this.namespace },
        spec: {
          groups: [
            {
              name: `platform.${group}`,
              rules: rules.map((rule) => ({
                ...rule,
                expr: PrometheusRuleSpecGroupsRulesExpr.fromString(rule.expr),
              })),
            },
          ],
        },
      });
    }
    for (const [stem, dashboard] of Object.entries(DASHBOARDS)) {
      new k8s.KubeConfigMap(this.configs, `dashboard-${stem}`, {
        metadata: {
          name: `dashboard-${stem}`,
          namespace: this.namespace,
          labels: { [GRAFANA_DASHBOARD_LABEL.key]: GRAFANA_DASHBOARD_LABEL.value },
        },
        data: {
          [`${stem}.json`]: JSON.stringify(
            dashboardModel(`platform-${stem}`, dashboard.title, dashboard.panels),
          ),
        },
      });
    }
    if (isComponentEnabled(cluster, 'certManager')) {
      // cert-manager's chart keeps its ServiceMonitor off (it installs before these CRDs exist).
      new ServiceMonitor(this.configs, 'cert-manager-monitor', {
        metadata: { name: 'cert-manager', namespace: this.namespace },
        spec: {
          selector: {
            matchLabels: {
              'app.kubernetes.io/name': 'cert-manager',
              'app.kubernetes.io/component': 'controller',
            },
          },
          namespaceSelector: { matchNames: ['cert-manager'] },
          endpoints: [
            {
              targetPort: ServiceMonitorSpecEndpointsTargetPort.fromNumber(9402),
              path: '/metrics',
              interval: '60s',
            },
          ],
        },
      });
    }
    platformRoute(this.configs, 'grafana-route', {
      clusterDomain: cluster.domain,
      host: GRAFANA_HOST,
      namespace: this.namespace,
      service: `${this.componentName}-grafana`,
      port: 80,
    });
  }
}

function validate(cluster: ClusterConfig, values: MonitoringValues): void {
  const problems = new ProblemCollector();
  const subject = `cluster '${cluster.name}'`;
  const spec = values.prometheus.prometheusSpec;
  for (const key of [
    'serviceMonitorSelectorNilUsesHelmValues',
    'podMonitorSelectorNilUsesHelmValues',
    'ruleSelectorNilUsesHelmValues',
  ] as const) {
    problems.check(
      !spec[key],
      subject,
      `platform.monitoring.values.prometheus.prometheusSpec.${key}`,
      "must stay false: apps ship ServiceMonitors, PodMonitors and rules without the chart's release label",
    );
  }
  problems.check(
    values.grafana.replicas === 1,
    subject,
    'platform.monitoring.values.grafana.replicas',
    `must be 1: each Grafana replica keeps its own SQLite database (users, sessions), and no shared database is configured, got ${values.grafana.replicas}`,
  );
  const size = parseQuantity(spec.storageSpec.volumeClaimTemplate.spec.resources.requests.storage);
  const retained = /^(\d+)GB$/.exec(spec.retentionSize);
  problems.check(
    size !== undefined && retained !== null && Number(retained[1]) * 1e9 < size,
    subject,
    'platform.monitoring.values.prometheus.prometheusSpec.retentionSize',
    `must be a size in GB smaller than the volume (${spec.storageSpec.volumeClaimTemplate.spec.resources.requests.storage}), or Prometheus fills the disk and stops, got '${spec.retentionSize}'`,
  );
  problems.throwIfAny();
}
