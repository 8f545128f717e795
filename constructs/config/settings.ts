// Per-cluster settings of platform components: on/off and typed overrides of chart values.
import type { AlloySettings } from './alloy';
import type { ArgoRolloutsSettings } from './argo-rollouts';
import type { ArgoCdSettings } from './argocd';
import type { CertManagerSettings } from './cert-manager';
import type { CiliumSettings } from './cilium';
import type { FluxSettings } from './flux';
import type { KubeletServingCertApproverSettings } from './kubelet-serving-cert-approver';
import type { KyvernoSettings } from './kyverno';
import type { LokiSettings } from './loki';
import type { MetalLbSettings } from './metallb';
import type { MetricsServerSettings } from './metrics-server';
import type { MonitoringSettings } from './monitoring';
import type { RookCephSettings } from './rook-ceph';
import type { TektonSettings } from './tekton';

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
  /**
   * The kubelet serving-certificate approver: approves the kubelets' serving-certificate
   * requests, so the kubelets serve certificates of the cluster CA (logs, exec, metrics).
   */
  readonly kubeletServingCertApprover?: KubeletServingCertApproverSettings;
  /** metrics-server: the resource metrics API HorizontalPodAutoscalers and `kubectl top` read. */
  readonly metricsServer?: MetricsServerSettings;
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
export function isComponentEnabled(
  cluster: { readonly platform?: PlatformSettings },
  key: ComponentKey,
): boolean {
  return cluster.platform?.[key]?.enabled !== false;
}
