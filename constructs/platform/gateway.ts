// The contract between the cluster's shared Gateway (rendered by the Cilium component) and
// the routes that attach to it (platform UIs, apps' HTTPRoutes, Argo Rollouts' traffic router).
import type { Construct } from 'constructs';
import { HttpRoute } from '../imports/gateway-httproute-gateway.networking.k8s.io';

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

/** Props of {@link platformRoute}. */
export interface PlatformRouteProps {
  /** The cluster domain the UI is served under. */
  readonly clusterDomain: string;
  /** Host name's first label: the UI answers on `<host>.<clusterDomain>`. */
  readonly host: string;
  /** Namespace of the UI's Service; the route lives beside it, so no ReferenceGrant is needed. */
  readonly namespace: string;
  /** The UI's Service name. */
  readonly service: string;
  /** The Service port. */
  readonly port: number;
}

/** An HTTPRoute publishing a platform UI on the shared Gateway's platform listener. */
export function platformRoute(scope: Construct, id: string, props: PlatformRouteProps): HttpRoute {
  return new HttpRoute(scope, id, {
    metadata: { name: props.host, namespace: props.namespace },
    spec: {
      parentRefs: [
        {
          name: CLUSTER_GATEWAY.name,
          namespace: CLUSTER_GATEWAY.namespace,
          sectionName: PLATFORM_LISTENER,
        },
      ],
      hostnames: [`${props.host}.${props.clusterDomain}`],
      rules: [{ backendRefs: [{ name: props.service, port: props.port }] }],
    },
  });
}
