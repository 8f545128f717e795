// Cilium's Helm values as a pure function of the cluster config. Pulumi installs Cilium with
// these values before Flux exists; Flux's HelmRelease then adopts the same release with the
// same values, so the two never disagree.
import { NodeRole, type ClusterConfig } from '../../environments/types';

/** Talos's KubePrism: a local, highly available proxy to the API server on every node. */
export const KUBEPRISM = { host: 'localhost', port: 7445 } as const;

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
  /** cilium-operator replicas (2 when there is more than one node to spread them over). */
  readonly operator: { readonly replicas: number };
  /** Hubble flow visibility with relay and UI. */
  readonly hubble: {
    readonly enabled: boolean;
    readonly relay: { readonly enabled: boolean };
    readonly ui: { readonly enabled: boolean };
    readonly metrics: { readonly enabled: readonly string[] };
  };
  /** Gateway API implementation (the cluster's north-south entry point). */
  readonly gatewayAPI: { readonly enabled: boolean };
  /** Agent metrics. */
  readonly prometheus: {
    readonly enabled: boolean;
    readonly serviceMonitor: { readonly enabled: boolean };
  };
}

/** The Cilium values for a cluster: a pure function, shared by the Flux release and Pulumi. */
export function ciliumValues(cluster: ClusterConfig): CiliumValues {
  return {
    ipam: { mode: 'kubernetes' },
    kubeProxyReplacement: true,
    k8sServiceHost: KUBEPRISM.host,
    k8sServicePort: KUBEPRISM.port,
    securityContext: {
      capabilities: {
        ciliumAgent: [
          'CHOWN',
          'KILL',
          'NET_ADMIN',
          'NET_RAW',
          'IPC_LOCK',
          'SYS_ADMIN',
          'SYS_RESOURCE',
          'DAC_OVERRIDE',
          'FOWNER',
          'SETGID',
          'SETUID',
        ],
        cleanCiliumState: ['NET_ADMIN', 'SYS_ADMIN', 'SYS_RESOURCE'],
      },
    },
    cgroup: { autoMount: { enabled: false }, hostRoot: '/sys/fs/cgroup' },
    operator: { replicas: cluster.nodes.length > 1 ? 2 : 1 },
    hubble: {
      enabled: true,
      relay: { enabled: true },
      ui: { enabled: true },
      metrics: { enabled: ['dns', 'drop', 'tcp', 'flow', 'icmp', 'http'] },
    },
    gatewayAPI: { enabled: true },
    // The ServiceMonitor needs prometheus-operator's CRDs, which do not exist when Pulumi
    // installs Cilium; the monitoring component scrapes Cilium instead.
    prometheus: { enabled: true, serviceMonitor: { enabled: false } },
  };
}

/** Whether a node runs the control plane (exported for the Talos and Cilium code alike). */
export function isControlPlane(node: { readonly role: NodeRole }): boolean {
  return node.role === NodeRole.CONTROL_PLANE;
}
