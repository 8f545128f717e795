// What a cluster's `platform.tekton` settings may hold: the typed chart values and options of Tekton.
import type { ComponentSettings, UnauthenticatedUiSettings } from './component-settings';

/**
 * Security context of every operator container (the chart's `securityContext`, applied to the
 * operator's and the webhook's containers). Typed to what Pod Security "restricted" requires,
 * so an override that would make the pods inadmissible fails `tsc`.
 * @see https://kubernetes.io/docs/concepts/security/pod-security-standards/#restricted
 */
export interface TektonContainerSecurityContext {
  /** No process gains more privileges than its parent (restricted: must be false). */
  readonly allowPrivilegeEscalation: false;
  /** Linux capabilities (restricted: drop ALL). */
  readonly capabilities: { readonly drop: readonly ['ALL'] };
}

/**
 * Security context of the operator's and the webhook's pods (the chart's `podSecurityContext`).
 * @see https://kubernetes.io/docs/concepts/security/pod-security-standards/#restricted
 */
export interface TektonPodSecurityContext {
  /** The kubelet refuses to start a container as root (restricted: must be true). */
  readonly runAsNonRoot: true;
  /** UID of every container; see {@link TEKTON_OPERATOR_USER}. */
  readonly runAsUser: number;
  /** Seccomp filter (restricted: RuntimeDefault or Localhost). */
  readonly seccompProfile: { readonly type: 'RuntimeDefault' };
}

/**
 * The tekton-operator chart values this platform sets (a typed subset of its values.yaml).
 * @see https://github.com/tektoncd/operator/blob/main/charts/tekton-operator/values.yaml
 */
export interface TektonValues {
  /** The operator's CRDs (TektonConfig, ...), installed with the chart. */
  readonly installCRDs: boolean;
  /** The operator. */
  readonly operator: {
    /**
     * Whether the operator creates a default TektonConfig at start. Off: the configs layer
     * renders the TektonConfig (see the file comment).
     */
    readonly autoInstallComponents: boolean;
    /** Where the components go; the TektonConfig's `targetNamespace` follows it. */
    readonly defaultTargetNamespace: string;
    /** Operator container resources. */
    readonly resources: {
      readonly requests: { readonly cpu: string; readonly memory: string };
      readonly limits: { readonly memory: string };
    };
  };
  /** Container security context of the operator and webhook (the chart's default is `{}`). */
  readonly securityContext: TektonContainerSecurityContext;
  /** Pod security context of the operator and webhook (the chart's default is `{}`). */
  readonly podSecurityContext: TektonPodSecurityContext;
  /** The operator's metrics Service gets a ServiceMonitor where monitoring runs. */
  readonly service: { readonly createServiceMonitor: boolean };
}

/** The pruner settings a cluster may change. */
export interface TektonPrunerSettings {
  /**
   * Runs kept of each pipeline and task.
   * @default 20
   */
  readonly keep?: number;
  /**
   * Cron schedule of the pruner job.
   * @default '0 3 * * *' - every night at 03:00
   */
  readonly schedule?: string;
}

/** A cluster's Tekton settings. */
/** Tekton's settings; `publishUi` is the Tekton Dashboard's route. */
export interface TektonSettings extends ComponentSettings<TektonValues>, UnauthenticatedUiSettings {
  /**
   * The pruner of old PipelineRuns and TaskRuns.
   * @default {} - keep 20 runs of each pipeline and task, pruned nightly
   */
  readonly pruner?: TektonPrunerSettings;
}
