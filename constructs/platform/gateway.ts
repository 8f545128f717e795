// The contract between the cluster's shared Gateway (rendered by the Cilium component) and
// the routes that attach to it (platform UIs, apps' HTTPRoutes, Argo Rollouts' traffic router).

/** The one shared Gateway per cluster. */
export const CLUSTER_GATEWAY = { name: 'platform', namespace: 'gateway' } as const;

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
