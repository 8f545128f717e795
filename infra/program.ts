import * as pulumi from '@pulumi/pulumi';
import { apiEndpoint, clusterForStack } from './cluster';

/** What a stack exports. */
export interface StackOutputs {
  /** The cluster this stack provisions. */
  readonly clusterName: string;
  /** Kubernetes API URL on the control-plane VIP. */
  readonly apiEndpoint: string;
  /** The folder Flux syncs on this cluster, relative to the repository root. */
  readonly fluxPath: string;
}

/**
 * The Pulumi program of one cluster stack. Resolves the cluster from the stack name and
 * exports its facts; Talos provisioning, the Cilium install and the Flux bootstrap build on
 * this (they are the Pulumi-stacks issue).
 */
export function defineStack(stack: string = pulumi.getStack()): StackOutputs {
  const cluster = clusterForStack(stack);
  return {
    clusterName: cluster.name,
    apiEndpoint: apiEndpoint(cluster),
    fluxPath: `./${cluster.gitops.path}/clusters/${cluster.name}`,
  };
}
