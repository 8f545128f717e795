// Argo Rollouts: the controller that runs canary and blue-green releases, splitting canary
// traffic on the apps' HTTPRoutes through the Gateway API traffic-router plugin, and its dashboard.
import type { Construct } from 'constructs';
import { k8s } from 'cdk8s-plus-28';
import { ClusterTier } from '../config/types';
import {
  PlatformComponent,
  type ComponentIdentity,
  type PlatformComponentProps,
} from './component';
import { platformRoute } from './gateway';
import { isComponentEnabled } from '../config/settings';
import { ARTIFACT_VERSIONS, CHART_VERSIONS } from './versions';
import { mergeValues } from '../config/component-settings';
import { type ArgoRolloutsValues, type ArgoRolloutsSettings } from '../config/argo-rollouts';
import { ROLLOUTS_GATEWAY_PLUGIN, ROLLOUTS_PLUGIN_CONFIGMAP } from '../contract/gateway';
import { PLATFORM_NAMESPACES } from '../contract/names';
import { argocdHostname } from '../contract/gateway';
import {
  ROLLOUT_EVENTS,
  clusterReceivers,
  notificationValues,
  rolloutFields,
} from './notifications';

/** Props of {@link ArgoRollouts}. */
export interface ArgoRolloutsProps extends PlatformComponentProps {
  /**
   * The cluster's settings for Argo Rollouts. `values` merge over the defaults: objects key by
   * key, arrays (e.g. the plugin list) and scalars replaced, left-out keys keep the default.
   * @default {} - one controller in dev, two in prod, Gateway API plugin, read-only dashboard
   */
  readonly settings?: ArgoRolloutsSettings;
}

/**
 * Argo Rollouts with the Gateway API traffic-router plugin under {@link ROLLOUTS_GATEWAY_PLUGIN},
 * and the RBAC the plugin needs: it rewrites backend weights on the apps' HTTPRoutes and keeps
 * its state in a ConfigMap beside each Rollout, neither of which the chart's role grants.
 */
export class ArgoRollouts extends PlatformComponent {
  /** Name, namespace and source of the component. */
  public static readonly IDENTITY: ComponentIdentity = {
    name: 'argo-rollouts',
    namespace: PLATFORM_NAMESPACES.argoRollouts,
    sourceFile: 'constructs/platform/argo-rollouts.ts',
  };

  /** The chart values rendered into the HelmRelease. */
  public readonly values: ArgoRolloutsValues;

  public constructor(scope: Construct, id: string, props: ArgoRolloutsProps) {
    super(scope, id, ArgoRollouts.IDENTITY, props);
    const { cluster } = props;
    const defaults: ArgoRolloutsValues = {
      installCRDs: true,
      controller: {
        replicas: cluster.tier === ClusterTier.PRODUCTION ? 2 : 1,
        trafficRouterPlugins: [
          {
            name: ROLLOUTS_GATEWAY_PLUGIN,
            location: this.download(ARTIFACT_VERSIONS.rolloutsGatewayPlugin),
          },
        ],
        metrics: {
          enabled: true,
          serviceMonitor: { enabled: isComponentEnabled(cluster, 'monitoring') },
        },
      },
      notifications: notificationValues(
        clusterReceivers(props.environments),
        ROLLOUT_EVENTS,
        rolloutFields(
          isComponentEnabled(cluster, 'argocd') ? `https://${argocdHostname(cluster)}` : undefined,
        ),
      ),
      providerRBAC: {
        enabled: false,
        providers: {
          istio: false,
          smi: false,
          ambassador: false,
          awsLoadBalancerController: false,
          awsAppMesh: false,
          traefik: false,
          apisix: false,
          contour: false,
          glooPlatform: false,
          gatewayAPI: false,
        },
      },
      dashboard: {
        enabled: true,
        readonly: true,
        containerSecurityContext: {
          allowPrivilegeEscalation: false,
          readOnlyRootFilesystem: true,
          capabilities: { drop: ['ALL'] },
          seccompProfile: { type: 'RuntimeDefault' },
        },
      },
    };
    this.values = mergeValues(defaults, props.settings?.values);
    this.installChart(CHART_VERSIONS.argoRollouts, this.values);

    const roleName = `${this.componentName}-gateway-api`;
    new k8s.KubeClusterRole(this.controllers, 'gateway-role', {
      metadata: { name: roleName },
      rules: [
        {
          apiGroups: ['gateway.networking.k8s.io'],
          resources: ['httproutes', 'grpcroutes'],
          verbs: ['get', 'list', 'watch', 'update', 'patch'],
        },
        // The plugin keeps the rules it added in one ConfigMap per route namespace; it may read
        // and change that one only, never another ConfigMap (Argo CD's RBAC lives in one).
        {
          apiGroups: [''],
          resources: ['configmaps'],
          resourceNames: [ROLLOUTS_PLUGIN_CONFIGMAP],
          verbs: ['get', 'update', 'patch'],
        },
        // RBAC cannot name an object that does not exist yet: creating it stays unscoped, and
        // creating a ConfigMap changes none that exists.
        {
          apiGroups: [''],
          resources: ['configmaps'],
          verbs: ['create'],
        },
      ],
    });
    new k8s.KubeClusterRoleBinding(this.controllers, 'gateway-role-binding', {
      metadata: { name: roleName },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: roleName },
      subjects: [{ kind: 'ServiceAccount', name: this.componentName, namespace: this.namespace }],
    });
    // The dashboard has no login: routed only on request (kubectl port-forward otherwise).
    if (props.settings?.publishUi === true) {
      platformRoute(this.configs, 'dashboard-route', {
        clusterDomain: cluster.domain,
        host: 'rollouts',
        namespace: this.namespace,
        service: `${this.componentName}-dashboard`,
        port: 3100,
      });
    }
  }
}
