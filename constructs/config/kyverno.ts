// What a cluster's `platform.kyverno` settings may hold: the typed chart values and options of Kyverno.
import type { ComponentSettings } from './component-settings';

/** One Kyverno controller's settings. */
export interface KyvernoControllerValues {
  /** Replicas; the admission controller runs 1 or at least 3 (Kyverno does not support 2). */
  readonly replicas: number;
  /** A ServiceMonitor for its metrics, where monitoring runs. */
  readonly serviceMonitor: { readonly enabled: boolean };
}

/**
 * The kyverno chart values this platform sets (a typed subset of its values.yaml).
 * @see https://kyverno.io/docs/installation/methods/
 */
export interface KyvernoValues {
  /** Admission webhooks (validation and mutation). */
  readonly admissionController: KyvernoControllerValues;
  /** Generation (the default-deny policies) and background scans. */
  readonly backgroundController: KyvernoControllerValues & {
    /** Lets it create the CiliumNetworkPolicies the generate rule renders. */
    readonly rbac: {
      readonly clusterRole: {
        readonly extraResources: readonly {
          readonly apiGroups: readonly string[];
          readonly resources: readonly string[];
          readonly verbs: readonly string[];
        }[];
      };
    };
  };
  /** Cleanup policies. */
  readonly cleanupController: KyvernoControllerValues;
  /** Policy reports. */
  readonly reportsController: KyvernoControllerValues;
  /** PolicyExceptions are honoured only from Kyverno's own namespace. */
  readonly features: {
    readonly policyExceptions: { readonly enabled: boolean; readonly namespace: string };
  };
}

/** A cluster's Kyverno settings. */
export interface KyvernoSettings extends ComponentSettings<KyvernoValues> {
  /**
   * Registries app images may come from, as prefixes ending in `/` (e.g. `ghcr.io/acme/`).
   * @default ['registry.example.com/'] - the team's registry
   */
  readonly allowedRegistries?: readonly string[];
  /**
   * Whether failed validations reject the object (`Enforce`) or are only reported (`Audit`).
   * @default 'Audit' on non-production clusters, 'Enforce' on production ones
   */
  readonly failureAction?: 'Audit' | 'Enforce';
}
