import * as k8s from '@pulumi/kubernetes';
import * as pulumi from '@pulumi/pulumi';
import {
  bootstrapFlux,
  installCilium,
  installGatewayApiCrds,
  type GatewayApiCrds,
  type FluxBootstrap,
} from './bootstrap';
import { clusterForStack } from './cluster';
import { readStackSettings, type ConfigSource } from './stack-config';
import { TalosCluster } from './talos/provision';
import { argocdHostname, grafanaHostname } from '../constructs/contract/gateway';
import { gitopsFolders, repositoryPath } from '../constructs/contract/layout';
import { apiEndpoint } from '../constructs/config/rules';
import type { ClusterConfig } from '../constructs/config/types';

/** What a stack exports. */
export interface StackOutputs {
  /** The cluster this stack provisions. */
  readonly clusterName: string;
  /** Kubernetes API URL on the control-plane VIP. */
  readonly apiEndpoint: string;
  /** The folder Flux syncs on this cluster, relative to the repository root. */
  readonly fluxPath: string;
  /** Argo CD's UI on the cluster domain. */
  readonly argocdUrl: string;
  /** Grafana's UI on the cluster domain. */
  readonly grafanaUrl: string;
  /** Admin kubeconfig, secret. */
  readonly kubeconfig: pulumi.Output<string>;
  /** Admin talosconfig, secret. */
  readonly talosconfig: pulumi.Output<string>;
}

/** Everything a stack declares, for callers (tests) that inspect the resources. */
export interface ClusterStack {
  /** The stack's outputs. */
  readonly outputs: StackOutputs;
  /** The Talos resources. */
  readonly talos: TalosCluster;
  /** Provider for the new cluster (from the read-back kubeconfig). */
  readonly provider: k8s.Provider;
  /** The Gateway API CRDs, installed before Cilium. */
  readonly gatewayApiCrds: GatewayApiCrds;
  /** The Cilium release. */
  readonly cilium: k8s.helm.v3.Release;
  /** The Flux resources. */
  readonly flux: FluxBootstrap;
}

/** Options of {@link defineStack}. */
export interface DefineStackOptions {
  /**
   * Where stack settings are read from.
   * @default the stack's Pulumi configuration
   */
  readonly config?: ConfigSource;
  /**
   * The cluster to provision, for a configuration other than the reference one (tests of a
   * mirrored cluster); its name need not be the stack's.
   * @default the cluster of environments/ named like the stack
   */
  readonly cluster?: ClusterConfig;
}

/**
 * The Pulumi program of one cluster stack: resolve the cluster from the stack name, validate
 * the stack settings, then Talos (secrets, configs, apply per node, bootstrap, kubeconfig),
 * the Gateway API CRDs, Cilium, and Flux with its Secrets and sync objects, each step after the one before.
 */
export function defineStack(
  stack: string = pulumi.getStack(),
  options: DefineStackOptions = {},
): ClusterStack {
  const cluster = options.cluster ?? clusterForStack(stack);
  const settings = readStackSettings(cluster, options.config);

  const talos = new TalosCluster({
    cluster,
    vipLinks: settings.vipLinks,
    registryCredentials: settings.registryCredentials,
  });
  const provider = new k8s.Provider(
    cluster.name,
    { kubeconfig: talos.kubeconfig },
    { dependsOn: [talos.kubeconfigCommand] },
  );
  const gatewayApiCrds = installGatewayApiCrds({
    cluster,
    provider,
    dependsOn: [talos.kubeconfigCommand],
  });
  const cilium = installCilium({ cluster, provider, dependsOn: gatewayApiCrds.crds });
  const flux = bootstrapFlux({
    cluster,
    provider,
    dependsOn: [cilium],
    git: settings.git,
    sopsAgeKey: settings.sopsAgeKey,
  });

  return {
    outputs: {
      clusterName: cluster.name,
      apiEndpoint: apiEndpoint(cluster),
      fluxPath: repositoryPath(cluster.gitops.path, gitopsFolders.cluster(cluster.name)),
      // The host names the platform's HTTPRoutes answer on (HTTPS on the shared Gateway).
      argocdUrl: `https://${argocdHostname(cluster)}`,
      grafanaUrl: `https://${grafanaHostname(cluster)}`,
      kubeconfig: talos.kubeconfig,
      talosconfig: talos.talosconfig,
    },
    talos,
    provider,
    gatewayApiCrds,
    cilium,
    flux,
  };
}
