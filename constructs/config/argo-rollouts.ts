// What a cluster's `platform.argoRollouts` settings may hold: the typed chart values and options of Argo Rollouts.
import type { ComponentSettings, UnauthenticatedUiSettings } from './component-settings';

/** The traffic providers the argo-rollouts chart can grant RBAC for (chart 2.41 values.yaml). */
export type TrafficProvider =
  | 'istio'
  | 'smi'
  | 'ambassador'
  | 'awsLoadBalancerController'
  | 'awsAppMesh'
  | 'traefik'
  | 'apisix'
  | 'contour'
  | 'glooPlatform'
  | 'gatewayAPI';

/** A traffic-router plugin entry of the controller's configuration. */
export interface TrafficRouterPlugin {
  /** The name Rollouts reference under `trafficRouting.plugins`. */
  readonly name: string;
  /** Where the controller downloads the plugin binary. */
  readonly location: string;
}

/**
 * The argo-rollouts chart values this platform sets (a typed subset of its values.yaml).
 * @see https://github.com/argoproj/argo-helm/tree/main/charts/argo-rollouts
 */
export interface ArgoRolloutsValues {
  /** Rollout CRDs, installed and upgraded with the chart. */
  readonly installCRDs: boolean;
  /** The controller. */
  readonly controller: {
    /** Replicas (leader election picks one active). */
    readonly replicas: number;
    /** Traffic routers loaded as plugins. */
    readonly trafficRouterPlugins: readonly TrafficRouterPlugin[];
    /** Metrics and, where monitoring runs, a ServiceMonitor. */
    readonly metrics: {
      readonly enabled: boolean;
      readonly serviceMonitor: { readonly enabled: boolean };
    };
  };
  /**
   * Notifications to each environment's receiver (argo-rollouts-notification-configmap): the
   * webhook services, templates and triggers; the Secret comes from git, encrypted.
   */
  readonly notifications: {
    readonly secret: { readonly create: boolean };
    readonly notifiers: Readonly<Record<string, string>>;
    readonly templates: Readonly<Record<string, string>>;
    readonly triggers: Readonly<Record<string, string>>;
  };
  /** The dashboard (UI of every rollout), routed on the cluster domain. */
  /**
   * The chart's extra RBAC for traffic providers. All off: the platform routes only through the
   * Gateway API plugin, whose rules the component grants itself, scoped (the chart's would let
   * the controller create and update every ConfigMap in the cluster).
   */
  readonly providerRBAC: {
    readonly enabled: boolean;
    readonly providers: Readonly<Record<TrafficProvider, boolean>>;
  };
  readonly dashboard: {
    readonly enabled: boolean;
    /**
     * Read-only ClusterRole for the dashboard. True on every cluster: the dashboard has no
     * login, so anyone who reaches its route could otherwise promote, abort or restart any
     * rollout. Set false only where something in front of the route authenticates people.
     */
    readonly readonly: boolean;
    /**
     * The dashboard container's securityContext. The chart sets none (its controller gets the
     * restricted set), and the namespace enforces Pod Security "restricted".
     */
    readonly containerSecurityContext: RestrictedContainerSecurityContext;
  };
}

/** The container securityContext Pod Security "restricted" asks for. */
export interface RestrictedContainerSecurityContext {
  readonly allowPrivilegeEscalation: false;
  readonly readOnlyRootFilesystem: boolean;
  readonly capabilities: { readonly drop: readonly ['ALL'] };
  readonly seccompProfile: { readonly type: 'RuntimeDefault' };
}

/** A cluster's Argo Rollouts settings. */
/** Argo Rollouts' settings; `publishUi` is the Rollouts dashboard's route. */
export interface ArgoRolloutsSettings
  extends ComponentSettings<ArgoRolloutsValues>, UnauthenticatedUiSettings {}
