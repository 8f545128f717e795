// What a cluster's `platform.cilium` settings may hold: the typed chart values and options of Cilium.
import type { ComponentSettings, UnauthenticatedUiSettings } from './component-settings';

/**
 * The Cilium chart values this platform sets (a typed subset of the chart's values.yaml).
 * @see https://docs.cilium.io/en/stable/helm-reference/
 */
export interface CiliumValues {
  /** Pod IPs from the node's PodCIDR, allocated by Kubernetes. */
  readonly ipam: { readonly mode: 'kubernetes' | 'cluster-pool' };
  /** Cilium replaces kube-proxy (Talos runs without it). */
  readonly kubeProxyReplacement: boolean;
  /** API server address Cilium talks to before it has a service network (KubePrism on Talos). */
  readonly k8sServiceHost: string;
  /** API server port. */
  readonly k8sServicePort: number;
  /** Talos mounts cgroup v2 itself and forbids SYS_MODULE: capabilities are listed explicitly. */
  readonly securityContext: {
    readonly capabilities: {
      readonly ciliumAgent: readonly string[];
      readonly cleanCiliumState: readonly string[];
    };
  };
  /** Use the host's cgroup v2 mount instead of mounting one. */
  readonly cgroup: { readonly autoMount: { readonly enabled: boolean }; readonly hostRoot: string };
  /** cilium-operator: replicas (2 when there is more than one node to spread them over), metrics. */
  readonly operator: {
    readonly replicas: number;
    /**
     * Operator metrics; `metricsService` makes the chart create the `cilium-operator` Service
     * the ServiceMonitor selects (without it, or the chart's own ServiceMonitor, there is none).
     */
    readonly prometheus: { readonly enabled: boolean; readonly metricsService: boolean };
  };
  /** Hubble flow visibility with relay and UI. */
  readonly hubble: {
    readonly enabled: boolean;
    readonly relay: { readonly enabled: boolean };
    readonly ui: { readonly enabled: boolean };
    readonly metrics: { readonly enabled: readonly string[] };
  };
  /**
   * Cilium's own L2 announcements of LoadBalancer addresses. Off: MetalLB announces them, and
   * two announcers answering ARP for one address split the traffic.
   */
  readonly l2announcements: { readonly enabled: boolean };
  /** Gateway API implementation (the cluster's north-south entry point). */
  readonly gatewayAPI: { readonly enabled: boolean };
  /**
   * Agent metrics. `metricsService` makes the chart create the headless `cilium-agent` Service
   * that the monitoring layer's ServiceMonitor selects; the chart's own ServiceMonitor stays off.
   */
  readonly prometheus: {
    readonly enabled: boolean;
    readonly metricsService: boolean;
    readonly serviceMonitor: { readonly enabled: boolean };
  };
}

/** A cluster's Cilium settings. */
/** Cilium's settings; `publishUi` is Hubble UI's route. */
export interface CiliumSettings extends ComponentSettings<CiliumValues>, UnauthenticatedUiSettings {
  /**
   * The LoadBalancer address of the shared Gateway (DNS for every environment and the cluster
   * domain points here); must lie in the cluster's `loadBalancerAddresses`.
   * @default the first address of the cluster's first `loadBalancerAddresses` block
   */
  readonly gatewayAddress?: string;
}
