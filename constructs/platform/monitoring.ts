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
import type { MonitoringSettings, MonitoringValues, VolumeValues } from '../config/monitoring';
import { GRAFANA_HOST } from '../contract/gateway';
import { CEPH_BLOCK_STORAGE_CLASS, LOKI_URL, PLATFORM_NAMESPACES } from '../contract/names';
import { ALERT_GROUPS } from './monitoring-alerts';
import {
  GRAFANA_DASHBOARD_LABEL,
  PROMETHEUS_DATASOURCE_UID,
  DASHBOARDS,
  dashboardModel,
} from './monitoring-dashboards';
import { fluxMetrics, fluxReadRules } from './kube-state-metrics';
import {
  ALERTMANAGER_RECEIVERS_SECRET,
  alertmanagerConfig,
  platformReceiver,
} from './alert-routing';
import { ENVIRONMENT_LABEL, TEAM_LABEL } from '../contract/labels';
import { doraRecordingRules } from './dora';

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
/** Grafana's admin login: encrypted in git, so a rebuilt cluster keeps the same login. */
export const GRAFANA_ADMIN_SECRET = {
  name: 'grafana-admin',
  keys: ['admin-user', 'admin-password'],
} as const;

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
    needsSecrets: () => [
      {
        namespace: PLATFORM_NAMESPACES.monitoring,
        ...GRAFANA_ADMIN_SECRET,
        purpose: "Grafana's admin login",
      },
    ],
    createsAtRunTime: {
      // The operator's admission webhook certificate.
      secrets: [
        {
          name: `${RELEASE_NAME}-admission`,
          createdBy: `the chart's pre-install hook Job ${RELEASE_NAME}-admission-create`,
        },
      ],
    },
  };

  /** The chart values rendered into the HelmRelease. */
  public readonly values: MonitoringValues;

  public constructor(scope: Construct, id: string, props: MonitoringProps) {
    super(scope, id, Monitoring.IDENTITY, props);
    const { cluster } = props;
    const production = cluster.tier === ClusterTier.PRODUCTION;
    const platform = platformReceiver(props.settings?.alertReceiver, props.environments);
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
        ...(platform ? { config: alertmanagerConfig(props.environments, platform) } : {}),
        alertmanagerSpec: {
          replicas: production ? 3 : 1,
          storage: volume('2Gi'),
          ...(platform ? { secrets: [ALERTMANAGER_RECEIVERS_SECRET] } : {}),
        },
      },
      grafana: {
        replicas: 1,
        admin: {
          existingSecret: GRAFANA_ADMIN_SECRET.name,
          userKey: GRAFANA_ADMIN_SECRET.keys[0],
          passwordKey: GRAFANA_ADMIN_SECRET.keys[1],
        },
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
        rbac: { extraRules: fluxReadRules() },
        customResourceState: { enabled: true, config: { spec: { resources: fluxMetrics() } } },
        // kube_namespace_labels{label_nextgen_dev_environment, label_nextgen_dev_team}: what
        // per-environment and per-team queries join on.
        metricLabelsAllowlist: [`namespaces=[${ENVIRONMENT_LABEL},${TEAM_LABEL}]`],
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
    // Two DORA keys per team, environment and app, from Argo Rollouts' events.
    new PrometheusRule(this.configs, 'rules-dora', {
      metadata: { name: 'platform-dora', namespace: this.namespace },
      spec: {
        groups: [
          {
            name: 'platform.dora',
            interval: '5m',
            rules: doraRecordingRules().map((rule) => ({
              record: rule.record,
              expr: PrometheusRuleSpecGroupsRulesExpr.fromString(rule.expr),
            })),
          },
        ],
      },
    });
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
    if (isComponentEnabled(cluster, 'certManager')) this.addCertManagerMonitor();
    platformRoute(this.configs, 'grafana-route', {
      clusterDomain: cluster.domain,
      host: GRAFANA_HOST,
      namespace: this.namespace,
      service: `${this.componentName}-grafana`,
      port: 80,
    });
  }

  /** cert-manager's chart keeps its ServiceMonitor off (it installs before these CRDs exist). */
  private addCertManagerMonitor(): void {
    new ServiceMonitor(this.configs, 'cert-manager-monitor', {
      metadata: { name: 'cert-manager', namespace: this.namespace },
      spec: {
        selector: {
          matchLabels: {
            'app.kubernetes.io/name': 'cert-manager',
            'app.kubernetes.io/component': 'controller',
          },
        },
        namespaceSelector: { matchNames: [PLATFORM_NAMESPACES.certManager] },
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
