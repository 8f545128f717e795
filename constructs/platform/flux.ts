// Flux: the controllers Pulumi bootstrapped (adopted here so their settings live in Git) and
// the notifications that tell each environment's receiver when reconciliation fails.
import { ApiObject } from 'cdk8s';
import type { Construct } from 'constructs';
import type { AlertReceiver, EnvironmentConfig } from '../config/types';
import {
  Alert,
  AlertSpecEventSeverity,
  AlertSpecEventSourcesKind,
} from '../imports/flux-alert-notification.toolkit.fluxcd.io';
import {
  Provider,
  ProviderSpecType,
} from '../imports/flux-provider-notification.toolkit.fluxcd.io';
import {
  PlatformComponent,
  type ComponentIdentity,
  type PlatformComponentProps,
} from './component';
import { compareStrings } from '../order';
import { isComponentEnabled } from '../config/settings';
import { CHART_VERSIONS } from './versions';
import { mergeValues } from '../config/component-settings';
import { type FluxControllerValues, type FluxValues, type FluxSettings } from '../config/flux';
import { FLUX_NAMESPACE } from '../contract/names';

/** Props of {@link Flux}. */
export interface FluxProps extends PlatformComponentProps {
  /**
   * The cluster's settings for Flux. `values` merge over the defaults: objects key by key,
   * arrays and scalars replaced, left-out keys keep the default.
   * @default {} - defaults sized for the cluster
   */
  readonly settings?: FluxSettings;
}

const controller = (memory: string, concurrency: number): FluxControllerValues => ({
  resources: { requests: { cpu: '50m', memory }, limits: { memory } },
  container: { additionalArgs: [`--concurrent=${concurrency}`] },
});

const PROVIDER_TYPES: Readonly<Record<AlertReceiver['type'], ProviderSpecType>> = {
  slack: ProviderSpecType.SLACK,
  lark: ProviderSpecType.LARK,
  generic: ProviderSpecType.GENERIC,
};

/**
 * The Flux objects an environment's Alert watches. An event source matches one namespace only
 * (`namespace: '*'` is not valid), so: the Kustomizations and GitRepositories, which all live
 * in flux-system, and the HelmReleases in every component's namespace, where each component
 * keeps its own release (a failing release only fails platform-controllers' health checks
 * after their timeout; its own events name the release and the Helm error at once).
 */
export function alertEventSources(
  platformNamespaces: readonly string[],
): { kind: AlertSpecEventSourcesKind; name: string; namespace: string }[] {
  const releaseNamespaces = [...new Set([FLUX_NAMESPACE, ...platformNamespaces])].sort(
    compareStrings,
  );
  return [
    { kind: AlertSpecEventSourcesKind.KUSTOMIZATION, name: '*', namespace: FLUX_NAMESPACE },
    { kind: AlertSpecEventSourcesKind.GIT_REPOSITORY, name: '*', namespace: FLUX_NAMESPACE },
    ...releaseNamespaces.map((namespace) => ({
      kind: AlertSpecEventSourcesKind.HELM_RELEASE,
      name: '*',
      namespace,
    })),
  ];
}

/**
 * Flux. Adopts the `flux` release Pulumi installed (same chart, same name) so controller
 * settings are reviewed like any other change, and renders one notification Provider and Alert
 * per environment hosted on the cluster, to that environment's receiver. The webhook address
 * stays in the Secret the receiver names (created out of band in flux-system); only its name
 * appears here.
 */
export class Flux extends PlatformComponent {
  /** Name, namespace and source of the component. */
  public static readonly IDENTITY: ComponentIdentity = {
    name: 'flux',
    namespace: FLUX_NAMESPACE,
    sourceFile: 'constructs/platform/flux.ts',
  };

  /** The chart values rendered into the HelmRelease. */
  public readonly values: FluxValues;

  public constructor(scope: Construct, id: string, props: FluxProps) {
    super(scope, id, Flux.IDENTITY, props);
    // Pruning flux-system (e.g. after turning this component off) would delete Flux itself.
    ApiObject.of(this.controllers.node.findChild('namespace')).metadata.addAnnotation(
      'kustomize.toolkit.fluxcd.io/prune',
      'disabled',
    );
    const defaults: FluxValues = {
      logLevel: 'info',
      installCRDs: true,
      helmController: controller('256Mi', 10),
      kustomizeController: controller('256Mi', 10),
      sourceController: controller('256Mi', 10),
      notificationController: controller('64Mi', 5),
      imageAutomationController: { create: false },
      imageReflectionController: { create: false },
      prometheus: { podMonitor: { create: isComponentEnabled(props.cluster, 'monitoring') } },
    };
    this.values = mergeValues(defaults, props.settings?.values);
    this.installChart(CHART_VERSIONS.flux, this.values);
    const severity =
      props.settings?.alertSeverity === 'info'
        ? AlertSpecEventSeverity.INFO
        : AlertSpecEventSeverity.ERROR;
    const sources = alertEventSources(props.platformNamespaces ?? []);
    for (const environment of props.environments) this.addAlert(environment, severity, sources);
  }

  private addAlert(
    environment: EnvironmentConfig,
    severity: AlertSpecEventSeverity,
    eventSources: ReturnType<typeof alertEventSources>,
  ): void {
    const receiver = environment.alertReceiver;
    const metadata = { name: environment.name, namespace: this.namespace };
    new Provider(this.configs, `provider-${environment.name}`, {
      metadata,
      spec: {
        type: PROVIDER_TYPES[receiver.type],
        channel: receiver.channel,
        secretRef: { name: receiver.secretName },
      },
    });
    new Alert(this.configs, `alert-${environment.name}`, {
      metadata,
      spec: {
        providerRef: { name: environment.name },
        eventSeverity: severity,
        eventSources,
        eventMetadata: { environment: environment.name },
      },
    });
  }
}
