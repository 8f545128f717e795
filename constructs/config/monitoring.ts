// What a cluster's `platform.monitoring` settings may hold: the typed chart values and options of kube-prometheus-stack.
import type { ComponentSettings } from './component-settings';
import type { AlertReceiver } from './types';

/** A persistent volume request on the Ceph block StorageClass. */
export interface VolumeValues {
  /** The claim template. */
  readonly volumeClaimTemplate: {
    readonly spec: {
      readonly storageClassName: string;
      readonly accessModes: readonly string[];
      readonly resources: { readonly requests: { readonly storage: string } };
    };
  };
}

/** One kube-state-metrics custom-resource metric family (Flux object readiness). */
export interface CustomResourceMetric {
  /** The kind it reads. */
  readonly groupVersionKind: {
    readonly group: string;
    readonly version: string;
    readonly kind: string;
  };
  /** Prefix of the metric name (`gotk` for Flux). */
  readonly metricNamePrefix: string;
  /** Metrics: an info metric labelled with readiness. */
  readonly metrics: readonly {
    readonly name: string;
    readonly help: string;
    readonly each: {
      readonly type: 'Info';
      readonly info: { readonly labelsFromPath: Readonly<Record<string, readonly string[]>> };
    };
    readonly labelsFromPath: Readonly<Record<string, readonly string[]>>;
  }[];
}

/** A Grafana data source provisioned by the chart. */
export interface DataSourceValues {
  /** Display name. */
  readonly name: string;
  /** Plugin type (`loki`, ...). */
  readonly type: string;
  /** Stable uid dashboards refer to. */
  readonly uid: string;
  /** Address. */
  readonly url: string;
  /** Proxy access (Grafana's server queries it). */
  readonly access: 'proxy';
}

/**
 * The kube-prometheus-stack chart values this platform sets (a typed subset of values.yaml).
 * @see https://github.com/prometheus-community/helm-charts/tree/main/charts/kube-prometheus-stack
 */
export interface MonitoringValues {
  /** The chart's CRDs (prometheus-operator's), installed and upgraded with it. */
  readonly crds: { readonly enabled: boolean };
  /** Prometheus. */
  readonly prometheus: {
    readonly prometheusSpec: {
      /** Prometheus replicas (each scrapes everything: HA, not sharding). */
      readonly replicas: number;
      /** How long samples are kept, e.g. `30d`. */
      readonly retention: string;
      /** Size cap of the TSDB in GB (`90GB`), below the volume so compaction has room. */
      readonly retentionSize: string;
      /**
       * Off, so Prometheus selects monitors and rules from every namespace with any labels:
       * apps ship their own ServiceMonitors, which carry no Helm release label.
       */
      readonly serviceMonitorSelectorNilUsesHelmValues: boolean;
      /** As serviceMonitorSelectorNilUsesHelmValues, for PodMonitors. */
      readonly podMonitorSelectorNilUsesHelmValues: boolean;
      /** As serviceMonitorSelectorNilUsesHelmValues, for PrometheusRules. */
      readonly ruleSelectorNilUsesHelmValues: boolean;
      /** As serviceMonitorSelectorNilUsesHelmValues, for Probes. */
      readonly probeSelectorNilUsesHelmValues: boolean;
      /** The TSDB volume. */
      readonly storageSpec: VolumeValues;
      /** Prometheus container resources. */
      readonly resources: {
        readonly requests: { readonly cpu: string; readonly memory: string };
        readonly limits: { readonly memory: string };
      };
    };
  };
  /** Alertmanager: its routes and receivers, replicas and the volume of its silences. */
  readonly alertmanager: {
    /** alertmanager.yml: each alert to the receiver of the environment it concerns. */
    readonly config?: AlertmanagerConfig;
    readonly alertmanagerSpec: {
      readonly replicas: number;
      readonly storage: VolumeValues;
      /** Secrets mounted at `/etc/alertmanager/secrets/<name>/` (the receivers' URLs). */
      readonly secrets?: readonly string[];
    };
  };
  /** Grafana. */
  readonly grafana: {
    /**
     * One, on every cluster: Grafana keeps users, sessions and annotations in a SQLite file in
     * its pod, so a second replica would have a database of its own (logins would bounce
     * between them). Dashboards and data sources are provisioned, so a restart loses nothing
     * the platform set up. More replicas need a shared database, which is not configured here.
     */
    readonly replicas: number;
    /**
     * The admin login, from a Secret encrypted in git (`secrets/<cluster>/monitoring/`), never
     * the chart's generated one: a person must be able to log in after a rebuild.
     */
    readonly admin: {
      readonly existingSecret: string;
      readonly userKey: string;
      readonly passwordKey: string;
    };
    readonly sidecar: {
      readonly dashboards: {
        readonly enabled: boolean;
        readonly label: string;
        readonly labelValue: string;
        readonly searchNamespace: 'ALL';
      };
      /** The Prometheus data source the chart provisions, with the uid the dashboards use. */
      readonly datasources: {
        readonly enabled: boolean;
        readonly defaultDatasourceEnabled: boolean;
        readonly uid: string;
      };
    };
    readonly additionalDataSources: readonly DataSourceValues[];
  };
  /** kube-state-metrics, with Flux objects' readiness as `gotk_resource_info`. */
  readonly 'kube-state-metrics': {
    readonly rbac: {
      readonly extraRules: readonly {
        readonly apiGroups: readonly string[];
        readonly resources: readonly string[];
        readonly verbs: readonly string[];
      }[];
    };
    readonly customResourceState: {
      readonly enabled: boolean;
      readonly config: { readonly spec: { readonly resources: readonly CustomResourceMetric[] } };
    };
    /**
     * Labels exported as `label_*` of `kube_<resource>_labels` (`namespaces=[a,b]`): the
     * environment and team of each app namespace, so queries can group by them.
     */
    readonly metricLabelsAllowlist: readonly string[];
  };
  /** No kube-proxy on Talos (Cilium replaces it). */
  readonly kubeProxy: { readonly enabled: boolean };
  /** Talos binds the controller manager to localhost: not scrapable from Prometheus. */
  readonly kubeControllerManager: { readonly enabled: boolean };
  /** Talos binds the scheduler to localhost: not scrapable from Prometheus. */
  readonly kubeScheduler: { readonly enabled: boolean };
  /** Talos serves etcd metrics only when configured to listen beyond localhost. */
  readonly kubeEtcd: { readonly enabled: boolean };
}

/** One route of the tree (Alertmanager's `route`). */
export interface AlertRoute {
  /** Receiver name. */
  readonly receiver: string;
  /** Label matchers, all of which must hold. */
  readonly matchers?: readonly string[];
  /** Labels alerts are grouped by into one notification. */
  readonly group_by?: readonly string[];
  /** Wait before the first notification of a new group. */
  readonly group_wait?: string;
  /** Wait before notifying of new alerts in a group already notified. */
  readonly group_interval?: string;
  /** Wait before repeating a notification still firing. */
  readonly repeat_interval?: string;
  /** Child routes, first match wins. */
  readonly routes?: readonly AlertRoute[];
}

/** A receiver: one of Slack or webhook integrations, or none (drops alerts). */
export interface AlertmanagerReceiver {
  /** Name routes refer to. */
  readonly name: string;
  /** Slack incoming webhooks. */
  readonly slack_configs?: readonly Readonly<Record<string, unknown>>[];
  /** Webhooks: generic JSON, or a templated payload. */
  readonly webhook_configs?: readonly Readonly<Record<string, unknown>>[];
}

/** The Alertmanager configuration this platform writes (a typed subset of alertmanager.yml). */
export interface AlertmanagerConfig {
  /** Global settings. */
  readonly global: { readonly resolve_timeout: string };
  /** The routing tree. */
  readonly route: AlertRoute;
  /** Alerts that silence others while they fire. */
  readonly inhibit_rules: readonly {
    readonly source_matchers: readonly string[];
    readonly target_matchers: readonly string[];
    readonly equal?: readonly string[];
  }[];
  /** Every receiver a route names. */
  readonly receivers: readonly AlertmanagerReceiver[];
}

/** A cluster's monitoring settings. */
export interface MonitoringSettings extends ComponentSettings<MonitoringValues> {
  /**
   * Where platform alerts go: every alert that is not about an environment's apps (nodes,
   * Ceph, Flux, certificates, the platform's own components).
   * @default - the receiver of the cluster's first environment
   */
  readonly alertReceiver?: AlertReceiver;
}
