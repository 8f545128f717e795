// Flux: the controllers Pulumi bootstrapped from Flux's release manifests, adopted here from the
// same release's OCI artifact so their settings live in Git, and the notifications that tell
// each environment's receiver when reconciliation fails.
import { ApiObject } from 'cdk8s';
import type { Construct } from 'constructs';
import type { AlertReceiver, ClusterConfig, EnvironmentConfig } from '../config/types';
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
  OciRepository,
  OciRepositorySpecVerifyProvider,
} from '../imports/flux-ocirepository-source.toolkit.fluxcd.io';
import {
  Kustomization,
  KustomizationSpecSourceRefKind,
  type KustomizationSpecPatches,
} from '../imports/flux-kustomization-kustomize.toolkit.fluxcd.io';
import { PodMonitor } from '../imports/prometheus-podmonitor-monitoring.coreos.com';
import {
  PlatformComponent,
  type ComponentIdentity,
  type PlatformComponentProps,
} from './component';
import { compareStrings } from '../order';
import { isComponentEnabled } from '../config/settings';
import { FLUX_DISTRIBUTION } from './versions';
import { mergeValues } from '../config/component-settings';
import type {
  FluxControllerSettings,
  FluxExtraController,
  FluxInstallSettings,
  FluxSettings,
} from '../config/flux';
import { ProblemCollector } from '../errors';
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

/** The controllers the platform always runs, by Deployment name, with their settings' key. */
const CORE_CONTROLLERS = {
  'source-controller': 'sourceController',
  'kustomize-controller': 'kustomizeController',
  'helm-controller': 'helmController',
  'notification-controller': 'notificationController',
} as const satisfies Record<string, keyof FluxInstallSettings>;

/** Flux's optional controllers, in the order their patches render. */
export const FLUX_EXTRA_CONTROLLERS: readonly FluxExtraController[] = [
  'image-reflector-controller',
  'image-automation-controller',
  'source-watcher',
];

/**
 * The label Flux's release manifests put on every object of a controller (its Deployment,
 * ServiceAccount, Service and CRDs), valued with the controller's name.
 */
export const FLUX_COMPONENT_LABEL = 'app.kubernetes.io/component';

/** Name of the OCIRepository of Flux's release manifests. */
const FLUX_MANIFESTS_SOURCE = 'flux-manifests';

const controller = (memory: string, concurrent: number): FluxControllerSettings => ({
  resources: { requests: { cpu: '50m', memory }, limits: { memory } },
  concurrent,
});

// The controllers' only container is the first; JSON patch paths address it by index.
const CONTAINER = '/spec/template/spec/containers/0';

// Patches are JSON (a subset of YAML, every string quoted for kustomize's reader): one JSON
// patch operation per line, strategic merge patches indented.
const patchText = (patch: object): string =>
  Array.isArray(patch)
    ? `[\n${patch.map((op) => `  ${JSON.stringify(op)}`).join(',\n')}\n]`
    : JSON.stringify(patch, null, 2);

const deployment = (name: string) => ({ group: 'apps', version: 'v1', kind: 'Deployment', name });

/**
 * JSON patch of one controller: flags appended (the controllers take the last value of a flag
 * given twice, so these override Flux's own `--log-level`), requests replaced, the memory limit
 * set beside Flux's CPU limit.
 */
function controllerPatch(
  name: string,
  logLevel: FluxInstallSettings['logLevel'],
  settings?: FluxControllerSettings,
): KustomizationSpecPatches {
  const args = [
    ...(settings ? [`--concurrent=${settings.concurrent}`] : []),
    `--log-level=${logLevel}`,
  ];
  const ops = [
    ...args.map((value) => ({ op: 'add', path: `${CONTAINER}/args/-`, value })),
    ...(settings
      ? [
          {
            op: 'add',
            path: `${CONTAINER}/resources/requests`,
            value: settings.resources.requests,
          },
          {
            op: 'add',
            path: `${CONTAINER}/resources/limits/memory`,
            value: settings.resources.limits.memory,
          },
        ]
      : []),
  ];
  return { target: deployment(name), patch: patchText(ops) };
}

/**
 * Deletes every object of an optional controller. kustomize applies a targeted patch to each
 * object its target selects, with that object's kind and name, so the Deployment named in the
 * body stands for all of them (ServiceAccount, Service and CRDs included).
 */
function removalPatch(name: FluxExtraController): KustomizationSpecPatches {
  return {
    target: { labelSelector: `${FLUX_COMPONENT_LABEL}=${name}` },
    patch: patchText({
      $patch: 'delete',
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name },
    }),
  };
}

const PROVIDER_TYPES: Readonly<Record<AlertReceiver['type'], ProviderSpecType>> = {
  slack: ProviderSpecType.SLACK,
  lark: ProviderSpecType.LARK,
  generic: ProviderSpecType.GENERIC,
};

/**
 * The Flux objects an environment's Alert watches. An event source matches one namespace only
 * (`namespace: '*'` is not valid), so: the Kustomizations, GitRepositories and Flux's own
 * OCIRepository, which live in flux-system, and the HelmReleases in every component's namespace, where each component
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
    // Flux's own manifests: a failed pull or signature check stops Flux upgrades.
    { kind: AlertSpecEventSourcesKind.OCI_REPOSITORY, name: '*', namespace: FLUX_NAMESPACE },
    ...releaseNamespaces.map((namespace) => ({
      kind: AlertSpecEventSourcesKind.HELM_RELEASE,
      name: '*',
      namespace,
    })),
  ];
}

/**
 * Flux. Adopts the controllers Pulumi installed from Flux's `install.yaml`: a Kustomization
 * applies the same release's manifests from their OCI artifact, with the cluster's settings as
 * patches, so controller settings and Flux upgrades are reviewed like any other change. Renders a
 * PodMonitor where monitoring runs, and one notification Provider and Alert per environment
 * hosted on the cluster, to that environment's receiver. The webhook address stays in the Secret
 * the receiver names (created out of band in flux-system); only its name appears here.
 */
export class Flux extends PlatformComponent {
  /** Name, namespace and source of the component. */
  public static readonly IDENTITY: ComponentIdentity = {
    name: 'flux',
    namespace: FLUX_NAMESPACE,
    sourceFile: 'constructs/platform/flux.ts',
  };

  /** The controller settings the Kustomization's patches carry. */
  public readonly values: FluxInstallSettings;

  public constructor(scope: Construct, id: string, props: FluxProps) {
    super(scope, id, Flux.IDENTITY, props);
    // Pruning flux-system (e.g. after turning this component off) would delete Flux itself.
    ApiObject.of(this.controllers.node.findChild('namespace')).metadata.addAnnotation(
      'kustomize.toolkit.fluxcd.io/prune',
      'disabled',
    );
    const monitoring = isComponentEnabled(props.cluster, 'monitoring');
    const defaults: FluxInstallSettings = {
      logLevel: 'info',
      helmController: controller('256Mi', 10),
      kustomizeController: controller('256Mi', 10),
      sourceController: controller('256Mi', 10),
      notificationController: controller('64Mi', 5),
      extraControllers: [],
      podMonitor: monitoring,
    };
    this.values = mergeValues(defaults, props.settings?.values);
    validate(props.cluster, this.values, monitoring);
    this.adoptFlux();
    if (this.values.podMonitor) this.addPodMonitor();
    const severity =
      props.settings?.alertSeverity === 'info'
        ? AlertSpecEventSeverity.INFO
        : AlertSpecEventSeverity.ERROR;
    const sources = alertEventSources(props.platformNamespaces ?? []);
    for (const environment of props.environments) this.addAlert(environment, severity, sources);
  }

  /** The Deployments of the controllers that run, core ones first. */
  private runningControllers(): string[] {
    return [
      ...Object.keys(CORE_CONTROLLERS),
      ...FLUX_EXTRA_CONTROLLERS.filter((name) => this.values.extraControllers.includes(name)),
    ];
  }

  private adoptFlux(): void {
    const metadata = { name: FLUX_MANIFESTS_SOURCE, namespace: this.namespace };
    new OciRepository(this.controllers, 'manifests-source', {
      metadata,
      spec: {
        interval: '12h',
        url: this.ociArtifact(
          FLUX_DISTRIBUTION.manifestsRepository,
          FLUX_DISTRIBUTION.version,
          "Flux's own manifests",
        ),
        ref: { tag: FLUX_DISTRIBUTION.version },
        // Flux's release workflow signs the artifact keyless from its GitHub Actions workflow.
        verify: {
          provider: OciRepositorySpecVerifyProvider.COSIGN,
          matchOidcIdentity: [
            {
              issuer: '^https://token\\.actions\\.githubusercontent\\.com$',
              subject:
                '^https://github\\.com/fluxcd/flux2/\\.github/workflows/release\\.yaml@refs/tags/v.+$',
            },
          ],
        },
      },
    });
    const { logLevel, extraControllers } = this.values;
    const patches: KustomizationSpecPatches[] = [
      ...Object.entries(CORE_CONTROLLERS).map(([name, key]) =>
        controllerPatch(name, logLevel, this.values[key]),
      ),
      ...FLUX_EXTRA_CONTROLLERS.map((name) =>
        extraControllers.includes(name) ? controllerPatch(name, logLevel) : removalPatch(name),
      ),
      // The namespace has one owner, this component's (never pruned); the artifact's copy would
      // fight it over labels and annotations.
      {
        target: { version: 'v1', kind: 'Namespace', name: this.namespace },
        patch: patchText({
          $patch: 'delete',
          apiVersion: 'v1',
          kind: 'Namespace',
          metadata: { name: this.namespace },
        }),
      },
    ];
    new Kustomization(this.controllers, 'manifests', {
      metadata: { name: this.componentName, namespace: this.namespace },
      spec: {
        interval: '1h',
        retryInterval: '1m',
        timeout: '5m',
        path: './',
        // Never prune: the inventory is Flux itself. Deleting this Kustomization (turning the
        // component off) would otherwise uninstall Flux, and its CRDs with every Flux object.
        prune: false,
        // Ready only once every controller has rolled out with the new settings.
        wait: true,
        sourceRef: {
          kind: KustomizationSpecSourceRefKind.OCI_REPOSITORY,
          name: FLUX_MANIFESTS_SOURCE,
        },
        patches,
      },
    });
    this.addHealthCheck({
      apiVersion: Kustomization.GVK.apiVersion,
      kind: Kustomization.GVK.kind,
      name: this.componentName,
      namespace: this.namespace,
    });
  }

  // Flux's manifests ship no PodMonitor; it needs prometheus-operator's CRD, so configs layer.
  private addPodMonitor(): void {
    new PodMonitor(this.configs, 'pod-monitor', {
      metadata: { name: this.componentName, namespace: this.namespace },
      spec: {
        namespaceSelector: { matchNames: [this.namespace] },
        selector: {
          matchExpressions: [
            { key: FLUX_COMPONENT_LABEL, operator: 'In', values: this.runningControllers() },
          ],
        },
        podMetricsEndpoints: [{ port: 'http-prom' }],
      },
    });
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

function validate(cluster: ClusterConfig, values: FluxInstallSettings, monitoring: boolean): void {
  const problems = new ProblemCollector();
  const subject = `cluster '${cluster.name}'`;
  for (const key of Object.values(CORE_CONTROLLERS)) {
    const { concurrent } = values[key];
    problems.check(
      Number.isInteger(concurrent) && concurrent > 0,
      subject,
      `platform.flux.values.${key}.concurrent`,
      `must be a positive integer, got ${concurrent}`,
    );
  }
  problems.check(
    !values.extraControllers.includes('image-automation-controller') ||
      values.extraControllers.includes('image-reflector-controller'),
    subject,
    'platform.flux.values.extraControllers',
    "lists 'image-automation-controller' without 'image-reflector-controller', whose ImagePolicies it reads",
  );
  problems.check(
    !values.podMonitor || monitoring,
    subject,
    'platform.flux.values.podMonitor',
    'must be false while monitoring is disabled: the PodMonitor CRD comes with it',
  );
  problems.throwIfAny();
}
