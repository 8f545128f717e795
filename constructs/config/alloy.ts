// What a cluster's `platform.alloy` settings may hold: the typed chart values and options of Grafana Alloy.
import type { ComponentSettings } from './component-settings';

/**
 * The alloy chart values this platform sets (a typed subset of its values.yaml).
 * @see https://grafana.com/docs/alloy/latest/configure/kubernetes/
 */
export interface AlloyValues {
  /** One Alloy per node, each tailing the pods on its node. */
  readonly controller: { readonly type: 'daemonset' | 'deployment' };
  /** Alloy's configuration, in Alloy syntax, and host mounts (none: logs come from the API). */
  readonly alloy: {
    readonly configMap: { readonly create: boolean; readonly content: string };
    readonly mounts: { readonly varlog: boolean; readonly dockercontainers: boolean };
    readonly resources: {
      readonly requests: { readonly cpu: string; readonly memory: string };
      readonly limits: { readonly memory: string };
    };
  };
  /** Alloy's own metrics, where monitoring runs. */
  readonly serviceMonitor: { readonly enabled: boolean };
}

/** A cluster's Alloy settings. */
export type AlloySettings = ComponentSettings<AlloyValues>;
