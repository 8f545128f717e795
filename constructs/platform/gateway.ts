// The contract between the cluster's shared Gateway (rendered by the Cilium component) and
// the routes that attach to it (platform UIs, apps' HTTPRoutes, Argo Rollouts' traffic router).
import type { Construct } from 'constructs';
import { HttpRoute } from '../imports/gateway-httproute-gateway.networking.k8s.io';
import { CLUSTER_GATEWAY, PLATFORM_LISTENER } from '../contract/gateway';

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
