// The contract between the cluster's shared Gateway (rendered by the Cilium component) and what
// attaches to it: its listeners, Argo Rollouts' traffic router and the platform UIs' host names.
import { PLATFORM_NAMESPACES } from './names';

/** The one shared Gateway per cluster. */
export const CLUSTER_GATEWAY = {
  name: 'platform',
  namespace: PLATFORM_NAMESPACES.gateway,
} as const;

/** The GatewayClass Cilium registers when its Gateway API support is on. */
export const CILIUM_GATEWAY_CLASS = 'cilium';

/** Listener (sectionName) of the HTTPS listener serving an environment's domain. */
export function environmentListener(environmentName: string): string {
  return `https-${environmentName}`;
}

/** Listener (sectionName) of the HTTPS listener serving the cluster domain (platform UIs). */
export const PLATFORM_LISTENER = 'https-platform';

/** Name of Argo Rollouts' Gateway API traffic-router plugin, as Rollouts reference it. */
export const ROLLOUTS_GATEWAY_PLUGIN = 'argoproj-labs/gatewayAPI';

/**
 * The ConfigMap the Gateway API plugin keeps its managed routes in, in each route's namespace
 * (the plugin's default; our Rollouts set no `configMap`).
 */
export const ROLLOUTS_PLUGIN_CONFIGMAP = 'argo-gatewayapi-configmap';

/** First label of Argo CD's host name: its UI answers on `argocd.<cluster domain>`. */
export const ARGOCD_HOST = 'argocd';

/** The host name of Argo CD's UI on a cluster (its route, its `global.domain`, Pulumi's output). */
export function argocdHostname(cluster: { readonly domain: string }): string {
  return `${ARGOCD_HOST}.${cluster.domain}`;
}

/** First label of Grafana's host name: its UI answers on `grafana.<cluster domain>`. */
export const GRAFANA_HOST = 'grafana';

/** The host name of Grafana's UI on a cluster (its route and Pulumi's output). */
export function grafanaHostname(cluster: { readonly domain: string }): string {
  return `${GRAFANA_HOST}.${cluster.domain}`;
}
