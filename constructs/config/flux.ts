// What a cluster's `platform.flux` settings may hold: typed settings of Flux's controllers, which
// the Flux component renders as patches over Flux's release manifests, and its notifications.
import type { ComponentSettings } from './component-settings';

/**
 * The controllers Flux's release manifests hold besides the four the platform always runs
 * (source, kustomize, helm and notification controllers).
 */
export type FluxExtraController =
  'image-reflector-controller' | 'image-automation-controller' | 'source-watcher';

/** Resources and concurrency of one Flux controller. */
export interface FluxControllerSettings {
  /**
   * Requests and the memory limit of the controller's container. Flux's own CPU limit (one
   * core) stays.
   * @default - requests 50m CPU; memory request = limit = 256Mi (64Mi for notification-controller)
   */
  readonly resources: {
    readonly requests: { readonly cpu: string; readonly memory: string };
    readonly limits: { readonly memory: string };
  };
  /**
   * How many objects the controller reconciles at once (`--concurrent`); a positive integer.
   * @default 10 (5 for notification-controller)
   */
  readonly concurrent: number;
}

/**
 * How Flux's controllers run: each setting becomes a patch of the Flux release manifests the
 * component applies (Flux has no chart values).
 * @see https://fluxcd.io/flux/installation/configuration/bootstrap-customization/
 */
export interface FluxInstallSettings {
  /**
   * Log level of every controller (`--log-level`).
   * @default 'info'
   */
  readonly logLevel: 'debug' | 'info' | 'error';
  /**
   * Reconciles HelmReleases.
   * @default - 256Mi, 10 at once
   */
  readonly helmController: FluxControllerSettings;
  /**
   * Applies Kustomizations (the platform layers).
   * @default - 256Mi, 10 at once
   */
  readonly kustomizeController: FluxControllerSettings;
  /**
   * Fetches Git, Helm and OCI sources.
   * @default - 256Mi, 10 at once
   */
  readonly sourceController: FluxControllerSettings;
  /**
   * Sends the environments' alerts.
   * @default - 64Mi, 5 at once
   */
  readonly notificationController: FluxControllerSettings;
  /**
   * Optional controllers to keep; the others are removed from the manifests. Image automation
   * is off by default: pipelines write image tags to Git themselves. Turning one off again
   * leaves it running until deleted by hand (Flux's own objects are never pruned).
   * @default [] - none
   */
  readonly extraControllers: readonly FluxExtraController[];
  /**
   * A PodMonitor scraping every controller's metrics. Needs the monitoring component (its CRD).
   * @default - true where monitoring runs
   */
  readonly podMonitor: boolean;
}

/** A cluster's Flux settings. */
export interface FluxSettings extends ComponentSettings<FluxInstallSettings> {
  /**
   * Lowest severity of the events sent to the environments' receivers.
   * @default 'error' - only failures
   */
  readonly alertSeverity?: 'info' | 'error';
}
