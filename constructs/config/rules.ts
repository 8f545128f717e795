// Facts derived from a configuration, one function per rule, so every reader (validation, the
// constructs, the Pulumi program) applies the same one.
import { NodeRole, type ClusterConfig, type EnvironmentConfig } from './types';

/** Whether a node runs the control plane. */
export function isControlPlane(node: { readonly role: NodeRole }): boolean {
  return node.role === NodeRole.CONTROL_PLANE;
}

/** The Kubernetes API server port on the control-plane VIP; 6443 unless the cluster says. */
export function apiPort(cluster: Pick<ClusterConfig, 'apiPort'>): number {
  return cluster.apiPort ?? 6443;
}

/** The Kubernetes API URL of a cluster (its control-plane VIP and API port). */
export function apiEndpoint(cluster: Pick<ClusterConfig, 'controlPlaneVip' | 'apiPort'>): string {
  return `https://${cluster.controlPlaneVip}:${apiPort(cluster)}`;
}

/** The namespace prefix an environment's apps use: its `namespacePrefix`, else its name. */
export function namespacePrefix(environment: EnvironmentConfig): string {
  return environment.namespacePrefix ?? environment.name;
}

/** The namespace of an app in an environment: `<prefix>-<app>`. */
export function appNamespace(environment: EnvironmentConfig, appName: string): string {
  return `${namespacePrefix(environment)}-${appName}`;
}
