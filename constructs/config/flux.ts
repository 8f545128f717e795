// What a cluster's `platform.flux` settings may hold: the typed chart values and options of Flux.
import type { ComponentSettings } from './component-settings';

/** Resources of one Flux controller. */
export interface FluxControllerValues {
  /** Container resources. */
  readonly resources: {
    readonly requests: { readonly cpu: string; readonly memory: string };
    readonly limits: { readonly memory: string };
  };
  /** Extra controller flags (e.g. `--concurrent=10`). */
  readonly container: { readonly additionalArgs: readonly string[] };
}

/**
 * The flux2 community chart values this platform sets (a typed subset of its values.yaml).
 * @see https://github.com/fluxcd-community/helm-charts/tree/main/charts/flux2
 */
export interface FluxValues {
  /** Log level of every controller. */
  readonly logLevel: 'debug' | 'info' | 'error';
  /** The chart installs and upgrades Flux's CRDs. */
  readonly installCRDs: boolean;
  /** Reconciles HelmReleases. */
  readonly helmController: FluxControllerValues;
  /** Applies Kustomizations (the platform layers). */
  readonly kustomizeController: FluxControllerValues;
  /** Fetches Git, Helm and OCI sources. */
  readonly sourceController: FluxControllerValues;
  /** Sends the alerts below. */
  readonly notificationController: FluxControllerValues;
  /** Image automation is not used: pipelines write image tags to Git themselves. */
  readonly imageAutomationController: { readonly create: boolean };
  /** Image reflection is not used (see imageAutomationController). */
  readonly imageReflectionController: { readonly create: boolean };
  /** A PodMonitor for every controller's metrics, where monitoring runs. */
  readonly prometheus: { readonly podMonitor: { readonly create: boolean } };
}

/** A cluster's Flux settings. */
export interface FluxSettings extends ComponentSettings<FluxValues> {
  /**
   * Lowest severity of the events sent to the environments' receivers.
   * @default 'error' - only failures
   */
  readonly alertSeverity?: 'info' | 'error';
}
