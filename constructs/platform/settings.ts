// Per-cluster settings of platform components: on/off and typed overrides of chart values.
import type { ClusterConfig } from '../../environments/types';
import type { AlloySettings } from './alloy';
import type { ArgoCdSettings } from './argocd';
import type { ArgoRolloutsSettings } from './argo-rollouts';
import type { CertManagerSettings } from './cert-manager';
import type { CiliumSettings } from './cilium';
import type { FluxSettings } from './flux';
import type { KyvernoSettings } from './kyverno';
import type { LokiSettings } from './loki';
import type { MetalLbSettings } from './metallb';
import type { MonitoringSettings } from './monitoring';
import type { RookCephSettings } from './rook-ceph';
import type { TektonSettings } from './tekton';

/**
 * A recursive partial of chart values: any subset of the keys, at any depth. Arrays are
 * replaced whole (see {@link mergeValues}).
 */
export type DeepPartial<T> = {
  readonly [K in keyof T]?: T[K] extends readonly unknown[]
    ? T[K]
    : T[K] extends object
      ? DeepPartial<T[K]>
      : T[K];
};

/** What every component accepts in a cluster's `platform` settings. */
export interface ComponentSettings<TValues> {
  /**
   * Whether the component runs on the cluster. Turning off a component that another enabled
   * component depends on fails synth, naming both.
   * @default true
   */
  readonly enabled?: boolean;
  /**
   * Chart values merged over the component's defaults for this cluster. Merge rule: objects
   * merge key by key, recursively; arrays and scalars replace the default whole; a key left
   * out (or `undefined`) keeps the default.
   * @default {} - the component's defaults
   */
  readonly values?: DeepPartial<TValues>;
}

/** The platform components a cluster can run, by key; each key's settings are typed. */
export interface PlatformSettings {
  /** cert-manager: certificates and cluster issuers. */
  readonly certManager?: CertManagerSettings;
  /** Cilium: CNI, kube-proxy replacement, Hubble and the cluster's shared Gateway. */
  readonly cilium?: CiliumSettings;
  /** MetalLB: LoadBalancer addresses from the cluster's pool, announced over L2 or BGP. */
  readonly metallb?: MetalLbSettings;
  /** Rook-Ceph: the Ceph cluster on the nodes' storage devices, block pool and StorageClass. */
  readonly rookCeph?: RookCephSettings;
  /** Flux: its controllers' settings and notifications to each environment's receiver. */
  readonly flux?: FluxSettings;
  /** Kyverno: the policy engine and the baseline policy set. */
  readonly kyverno?: KyvernoSettings;
  /** kube-prometheus-stack: Prometheus, Alertmanager, Grafana, dashboards and alert rules. */
  readonly monitoring?: MonitoringSettings;
  /** Loki: log storage, with Grafana data source. */
  readonly loki?: LokiSettings;
  /** Grafana Alloy: ships every pod's logs to Loki. */
  readonly alloy?: AlloySettings;
  /** Argo CD: syncs the apps' manifests. */
  readonly argocd?: ArgoCdSettings;
  /** Argo Rollouts: canary and blue-green releases, traffic split on HTTPRoutes. */
  readonly argoRollouts?: ArgoRolloutsSettings;
  /** Tekton: Pipelines, Triggers and Dashboard through the Tekton Operator. */
  readonly tekton?: TektonSettings;
}

/** The keys of {@link PlatformSettings}, one per component. */
export type ComponentKey = keyof PlatformSettings;

/** Whether a component runs on the cluster (every component does unless turned off). */
export function isComponentEnabled(cluster: ClusterConfig, key: ComponentKey): boolean {
  return cluster.platform?.[key]?.enabled !== false;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Merges overrides over defaults without mutating either: objects merge recursively, arrays and
 * scalars in the overrides replace the defaults, `undefined` keeps the default.
 */
export function mergeValues<T>(defaults: T, overrides: DeepPartial<T> | undefined): T {
  if (overrides === undefined) return defaults;
  if (!isPlainObject(defaults) || !isPlainObject(overrides)) return overrides as T;
  const merged: Record<string, unknown> = { ...defaults };
  for (const [key, value] of Object.entries(overrides)) {
    if (value === undefined) continue;
    merged[key] =
      isPlainObject(value) && isPlainObject(merged[key])
        ? mergeValues(merged[key], value as DeepPartial<unknown>)
        : value;
  }
  return merged as T;
}
