// The component contract: what every platform component renders and how it plugs into the
// cluster's Flux layers (crds -> controllers -> configs).
import type { NeededSecret } from '../contract/secrets';
import type { ApiObject, Duration } from 'cdk8s';
import { Construct } from 'constructs';
import { k8s } from 'cdk8s-plus-28';
import type { ClusterConfig, EnvironmentConfig } from '../config/types';
import { GitOpsFolder } from '../gitops-folder';
import {
  HelmRelease,
  HelmReleaseSpecChartRefKind,
  HelmReleaseSpecChartSpecSourceRefKind,
  HelmReleaseSpecInstallCrds,
  HelmReleaseSpecUpgradeCrds,
  type HelmReleaseSpecDependsOn,
} from '../imports/flux-helmrelease-helm.toolkit.fluxcd.io';
import { HelmRepository } from '../imports/flux-helmrepository-source.toolkit.fluxcd.io';
import {
  OciRepository,
  OciRepositorySpecLayerSelectorOperation,
} from '../imports/flux-ocirepository-source.toolkit.fluxcd.io';
import { GitRepository } from '../imports/flux-gitrepository-source.toolkit.fluxcd.io';
import {
  Kustomization,
  KustomizationSpecSourceRefKind,
} from '../imports/flux-kustomization-kustomize.toolkit.fluxcd.io';
import type { ChartVersion, GitManifestsVersion } from './versions';
import { FLUX_NAMESPACE } from '../contract/names';
import {
  chartSource,
  downloadSource,
  gitSource,
  imageRegistry,
  ociSource,
  type MirrorConfig,
} from '../config/mirror';
import { ConfigError } from '../errors';
import { gitopsFolders, sourceFiles } from '../contract/layout';

/** The Flux layers of a cluster's platform, applied in this order. */
/** Flux's annotation that keeps an object when it leaves Git (kustomize-controller's prune). */
export const FLUX_PRUNE_ANNOTATION = 'kustomize.toolkit.fluxcd.io/prune';

/**
 * Keeps a stateful object (a Ceph cluster, a pool, a bucket claim, their namespace) when it
 * leaves Git or its component is turned off: Flux prunes everything else of a layer, and
 * pruning these deletes data. Removing one takes a person, on purpose.
 */
export function keepOnPrune<T extends ApiObject>(object: T): T {
  object.metadata.addAnnotation(FLUX_PRUNE_ANNOTATION, 'disabled');
  return object;
}

export enum PlatformLayer {
  /**
   * CustomResourceDefinitions installed apart from any chart, and what every later layer needs
   * running first (the kubelet serving-certificate approver); applied first and awaited, never
   * pruned.
   */
  CRDS = 'crds',
  /** Namespaces, chart sources and HelmReleases; waits for every release to be Ready. */
  CONTROLLERS = 'controllers',
  /** Custom resources that need the controllers' CRDs and webhooks (issuers, pools, policies). */
  CONFIGS = 'configs',
}

/** The Pod Security Standards level a component's namespace enforces. */
export enum PodSecurityLevel {
  /** Hardened pods only; the default for every namespace. */
  RESTRICTED = 'restricted',
  /** Blocks known privilege escalations. */
  BASELINE = 'baseline',
  /** Unrestricted: only for components that manage the node (CNI, storage, node exporters). */
  PRIVILEGED = 'privileged',
}

/**
 * CEL expressions over an object (its fields at the root: `status.phase`) telling Flux whether
 * it is healthy, for kinds whose status kstatus cannot read.
 * @see https://fluxcd.io/flux/components/kustomize/kustomizations/#health-check-expressions
 */
export interface HealthExpression {
  /** True once the object is healthy. */
  readonly current: string;
  /**
   * True once the object has failed, so Flux reports it instead of waiting for the timeout.
   * @default - the object is in progress until `current` holds
   */
  readonly failed?: string;
}

/** A reference to a Kubernetes object Flux checks for readiness before the next layer. */
export interface HealthCheck {
  /** API version of the object, e.g. `helm.toolkit.fluxcd.io/v2`. */
  readonly apiVersion: string;
  /** Kind of the object. */
  readonly kind: string;
  /** Name of the object. */
  readonly name: string;
  /** Namespace of the object; omitted for cluster-scoped objects. */
  readonly namespace?: string;
  /**
   * How Flux tells the object is healthy; one per kind (Flux keys the expressions by kind).
   * @default - kstatus: Ready/Reconciling/Stalled conditions and observedGeneration
   */
  readonly expression?: HealthExpression;
}

/** A health expression for every object of one kind in a layer. */
export interface KindHealthExpression {
  /** API version of the kind, e.g. `operator.tekton.dev/v1alpha1`. */
  readonly apiVersion: string;
  /** The kind. */
  readonly kind: string;
  /** How Flux tells an object of the kind is healthy. */
  readonly expression: HealthExpression;
}

/** A HelmRelease another component's release waits for. */
export interface ReleaseReference {
  /** HelmRelease name. */
  readonly name: string;
  /** HelmRelease namespace. */
  readonly namespace: string;
  /**
   * The dependency's {@link ComponentIdentity.settleTime}.
   * @default - the dependency serves once its release is Ready
   */
  readonly settleTime?: Duration;
}

/**
 * Pods of a component that need more than Pod Security "baseline" (node agents on the host
 * network, host paths or raw devices). Kyverno's baseline policy gets an exception for exactly
 * these pods, in the component's namespace, while the component is enabled.
 */
export interface PrivilegedPods {
  /** Pod name patterns (Kyverno wildcards: `*` and `?`), e.g. `cilium-*`. */
  readonly names: readonly string[];
  /** Why they need it; the exception's description. */
  readonly why: string;
}

/** Something a component's controllers create at run time, which no chart or GitOps file holds. */
export interface RuntimeObject {
  /** Name, or a pattern with `*` (a generated suffix). */
  readonly name: string;
  /** Who creates it, e.g. `the MetalLB controller, at start`. */
  readonly createdBy: string;
}

/** What a pod created at run time needs beyond Pod Security "restricted". */
export interface OperatorPodNeeds {
  /**
   * Runs privileged containers.
   * @default false
   */
  readonly privileged?: boolean;
  /**
   * Uses the node's network namespace.
   * @default false
   */
  readonly hostNetwork?: boolean;
  /**
   * Uses the node's PID namespace.
   * @default false
   */
  readonly hostPID?: boolean;
  /**
   * Host paths it mounts.
   * @default [] - none
   */
  readonly hostPaths?: readonly string[];
  /**
   * Capabilities it adds.
   * @default [] - none
   */
  readonly capabilities?: readonly string[];
}

/**
 * A pod an operator creates at run time (Ceph daemons from the CephCluster, Ceph CSI plugins from
 * ceph-csi-operator's Driver objects). The whole-cluster checks treat it like a rendered pod:
 * its namespace's Pod Security level and the Enforce policies with their exceptions apply.
 */
export interface OperatorPod extends RuntimeObject {
  /** Its labels. */
  readonly labels: Readonly<Record<string, string>>;
  /** What it needs from the node. */
  readonly needs: OperatorPodNeeds;
}

/** What a component's controllers create at run time, so references to it count as satisfied. */
export interface RuntimeObjects {
  /**
   * Secrets created in the component's namespace.
   * @default [] - none
   */
  readonly secrets?: readonly RuntimeObject[];
  /**
   * ConfigMaps created in the component's namespace.
   * @default [] - none
   */
  readonly configMaps?: readonly RuntimeObject[];
  /**
   * StorageClass provisioners the component's operators register (CSI driver names, or a
   * provisioner that is not CSI, such as Rook's bucket provisioner).
   * @default [] - none
   */
  readonly provisioners?: readonly RuntimeObject[];
  /**
   * Folders of the CRD mirror whose CRDs the component's operator registers itself at start
   * (Cilium's operator does), so their APIs count as served.
   * @default [] - none
   */
  readonly crdsFolders?: readonly string[];
  /**
   * Pods the component's operators create.
   * @default [] - none
   */
  readonly pods?: readonly OperatorPod[];
}

/** What identifies a component; static, so the platform can order components before building them. */
export interface ComponentIdentity {
  /** Release, folder and (by default) namespace name; DNS-1123 label, e.g. `cert-manager`. */
  readonly name: string;
  /** Namespace the component's controllers run in. */
  readonly namespace: string;
  /** Source file that renders the component, repository-relative (named in output headers). */
  readonly sourceFile: string;
  /**
   * Pod Security level enforced on the namespace.
   * @default PodSecurityLevel.RESTRICTED
   */
  readonly podSecurity?: PodSecurityLevel;
  /**
   * The layer the component's namespace goes to, with its workloads. `PlatformLayer.CRDS` for
   * what the pods of every later layer need from the cluster before they start (the kubelet
   * serving-certificate approver): Flux applies that layer first and waits until all of it is
   * ready, but never prunes it, so an object such a component stops rendering stays in the
   * cluster until a person deletes it.
   * @default PlatformLayer.CONTROLLERS
   */
  readonly layer?: PlatformLayer.CRDS | PlatformLayer.CONTROLLERS;
  /**
   * The namespace belongs to Kubernetes itself (`kube-system`): it is not rendered, so Flux
   * never labels it or prunes it when the component is turned off.
   * @default false - the component owns its namespace and renders it
   */
  readonly systemNamespace?: boolean;
  /**
   * The component's pods that break Pod Security "baseline" by design.
   * @default - none: every pod of the component passes the baseline policy
   */
  readonly privilegedPods?: PrivilegedPods;
  /**
   * What the component's controllers create at run time (Secrets from hook Jobs, operator
   * pods, CSI drivers, self-registered CRDs): the whole-cluster checks count them as present.
   * @default - nothing: everything the component runs is rendered by its chart or in git
   */
  readonly createsAtRunTime?: RuntimeObjects;
  /**
   * Secrets the component reads that nothing in the cluster creates: each must be encrypted
   * in `secrets/<cluster>/<namespace>/` or declared external (`cluster.secrets.external`).
   * @default - none
   */
  readonly needsSecrets?: (cluster: ClusterConfig) => readonly Omit<NeededSecret, 'neededBy'>[];
  /**
   * How long the component may take to serve after its HelmRelease is Ready, when the release
   * only starts an operator that then builds the service (Rook: the Ceph cluster's mons, OSDs,
   * pools and object store come up minutes after the operator). A HelmRelease's `dependsOn`
   * sees only the other HelmRelease, so releases that depend on such a component wait this much
   * longer for their own resources on first install, and retry that install without limit.
   * @default - the component serves once its release is Ready
   */
  readonly settleTime?: Duration;
}

/** Props every platform component receives from the platform. */
export interface PlatformComponentProps {
  /** The cluster being rendered. */
  readonly cluster: ClusterConfig;
  /** The environments hosted on that cluster. */
  readonly environments: readonly EnvironmentConfig[];
  /**
   * Releases of other components this one's HelmRelease waits for (`spec.dependsOn`).
   * @default [] - installs without waiting for other releases
   */
  readonly dependsOn?: readonly ReleaseReference[];
  /**
   * Namespaces of every component on the cluster, this one's included, for components that act
   * on the whole platform (Flux's alerts watch the HelmReleases in each of them).
   * @default [] - only the component's own namespace is known
   */
  readonly platformNamespaces?: readonly string[];
}

/** Options of {@link PlatformComponent.installChart}. */
export interface InstallChartOptions {
  /**
   * Whether the chart's own CRDs are created and updated by Flux's helm-controller. Keep
   * true for charts that ship CRDs in `crds/` or behind a value, so upgrades update them.
   * @default true
   */
  readonly manageCrds?: boolean;
  /**
   * How often helm-controller reconciles the release (and corrects drift).
   * @default '30m'
   */
  readonly interval?: string;
  /**
   * Name of the release and its source, for a component that installs a second chart (Rook's
   * CSI drivers beside its operator). Such a release waits for the component's first one.
   * @default - the component's name
   */
  readonly releaseName?: string;
}

// The OCI layer that holds a Helm chart; Flux copies it as the chart archive.
const HELM_CHART_LAYER = 'application/vnd.cncf.helm.chart.content.v1.tar+gzip';

// helm-controller's default wait for a release's resources (`spec.timeout`), in minutes.
const HELM_TIMEOUT_MINUTES = 5;

// Install remediation retries: a few for ordinary releases, unlimited (a negative number) for
// releases waiting on a dependency that settles after its own release is Ready.
const INSTALL_RETRIES = 3;
const UNLIMITED_RETRIES = -1;

/** Something a component makes the cluster pull: its public origin, and where it is pulled from. */
export interface PulledArtifact {
  /** A Helm chart, an OCI artifact (not a chart), a Git repository at a tag, or a plain file. */
  readonly kind: 'chart' | 'oci' | 'git' | 'download';
  /** Public URL: the chart's repository, the artifact, the clone URL or the file. */
  readonly origin: string;
  /** The chart's name (charts only). */
  readonly chart?: string;
  /** Chart version, artifact or Git tag; none for a download. */
  readonly version?: string;
  /** Where the cluster pulls it from: the origin, or its place on the cluster's mirror. */
  readonly from: string;
}

/**
 * Base of every platform component. A subclass passes its identity, then calls
 * {@link installChart} with typed values and adds custom resources to {@link configs} (or
 * CRDs to {@link crds}). The base renders the namespace, the chart source and the
 * HelmRelease into the controllers layer and records what Flux health-checks.
 */
export abstract class PlatformComponent extends Construct {
  /** Release and folder name. */
  public readonly componentName: string;
  /** Namespace of the component's controllers. */
  public readonly namespace: string;
  /** The layer of its namespace and workloads ({@link ComponentIdentity.layer}). */
  public readonly layer: PlatformLayer.CRDS | PlatformLayer.CONTROLLERS;

  private readonly identity: ComponentIdentity;
  private readonly props: PlatformComponentProps;
  private readonly checks: HealthCheck[] = [];
  private readonly configsExpressions: KindHealthExpression[] = [];
  private readonly pulled: PulledArtifact[] = [];
  private crdsFolder?: GitOpsFolder;
  private controllersFolder?: GitOpsFolder;
  private configsFolder?: GitOpsFolder;

  protected constructor(
    scope: Construct,
    id: string,
    identity: ComponentIdentity,
    props: PlatformComponentProps,
  ) {
    super(scope, id);
    this.identity = identity;
    this.props = props;
    this.componentName = identity.name;
    this.namespace = identity.namespace;
    this.layer = identity.layer ?? PlatformLayer.CONTROLLERS;
    const home = this.layer === PlatformLayer.CRDS ? this.crds : this.controllers;

    if (identity.systemNamespace) return;
    const level = identity.podSecurity ?? PodSecurityLevel.RESTRICTED;
    new k8s.KubeNamespace(home, 'namespace', {
      metadata: {
        name: identity.namespace,
        labels: {
          'app.kubernetes.io/part-of': 'platform',
          'pod-security.kubernetes.io/enforce': level,
          'pod-security.kubernetes.io/warn': level,
        },
      },
    });
  }

  /** Objects Flux must see healthy before it applies the next layer. */
  public get healthChecks(): readonly HealthCheck[] {
    return [...this.checks];
  }

  /**
   * Folder of the controllers layer (`platform/<cluster>/controllers/<name>`); created on first
   * use (at construction, unless the component lives in the crds layer).
   */
  public get controllers(): GitOpsFolder {
    this.controllersFolder ??= this.folder(PlatformLayer.CONTROLLERS);
    return this.controllersFolder;
  }

  /** Folder of the configs layer; created on first use. */
  protected get configs(): GitOpsFolder {
    this.configsFolder ??= this.folder(PlatformLayer.CONFIGS);
    return this.configsFolder;
  }

  /** Folder of the crds layer; created on first use. */
  protected get crds(): GitOpsFolder {
    this.crdsFolder ??= this.folder(PlatformLayer.CRDS);
    return this.crdsFolder;
  }

  /** Adds an object Flux health-checks after applying the controllers layer. */
  protected addHealthCheck(check: HealthCheck): void {
    this.checks.push(check);
  }

  /**
   * How Flux judges this component's objects of a kind in the configs layer, where it waits
   * for every object it applies (and the apps layer waits for it). For kinds whose Ready
   * means more than the apps need.
   */
  protected addConfigsHealthExpression(check: KindHealthExpression): void {
    this.configsExpressions.push(check);
  }

  /** The configs layer's expressions of this component (see addConfigsHealthExpression). */
  public get configsHealthExpressions(): readonly KindHealthExpression[] {
    return [...this.configsExpressions];
  }

  /**
   * Installs a chart from the versions catalog with typed values: its Flux source
   * (OCIRepository for `oci://`, HelmRepository otherwise) and its HelmRelease, which waits
   * for the releases this component depends on and is health-checked before configs apply.
   */
  protected installChart<TValues extends object>(
    version: ChartVersion,
    values: TValues,
    options: InstallChartOptions = {},
  ): HelmRelease {
    const name = options.releaseName ?? this.componentName;
    // A second release's objects get their own construct ids.
    const id = (base: string): string => (name === this.componentName ? base : `${base}-${name}`);
    const metadata = { name, namespace: this.namespace };
    const crds = options.manageCrds ?? true;
    const dependsOn: HelmReleaseSpecDependsOn[] = [
      ...(this.props.dependsOn ?? []).map((ref) => ({ name: ref.name, namespace: ref.namespace })),
      ...(name === this.componentName
        ? []
        : [{ name: this.componentName, namespace: this.namespace }]),
    ];
    // On a first boot a dependency such as Rook is Ready long before its Ceph cluster serves,
    // and this release's volumes and buckets stay pending until it does: wait that much longer
    // for the first install, and keep retrying it rather than stall after a few attempts.
    // Upgrades keep the defaults: by then the dependency serves.
    const settle = Math.max(
      0,
      ...(this.props.dependsOn ?? []).map((ref) => ref.settleTime?.toMinutes() ?? 0),
    );
    const common = {
      interval: options.interval ?? '30m',
      releaseName: name,
      dependsOn: dependsOn.length > 0 ? dependsOn : undefined,
      install: {
        crds: crds ? HelmReleaseSpecInstallCrds.CREATE_REPLACE : HelmReleaseSpecInstallCrds.SKIP,
        timeout: settle > 0 ? `${HELM_TIMEOUT_MINUTES + settle}m` : undefined,
        remediation: { retries: settle > 0 ? UNLIMITED_RETRIES : INSTALL_RETRIES },
      },
      upgrade: {
        crds: crds ? HelmReleaseSpecUpgradeCrds.CREATE_REPLACE : HelmReleaseSpecUpgradeCrds.SKIP,
        cleanupOnFail: true,
        remediation: { retries: 3 },
      },
      values,
    };

    // A mirrored cluster pulls every chart from the mirror's chart base.
    const source = chartSource(this.props.cluster.mirror, version);
    this.pulled.push({
      kind: 'chart',
      origin: version.repository,
      chart: version.chart,
      version: version.version,
      from: source.repository,
    });
    let release: HelmRelease;
    if (source.repository.startsWith('oci://')) {
      new OciRepository(this.controllers, id('source'), {
        metadata,
        spec: {
          interval: '12h',
          url: `${source.repository}/${source.chart}`,
          ref: { tag: source.version },
          layerSelector: {
            mediaType: HELM_CHART_LAYER,
            operation: OciRepositorySpecLayerSelectorOperation.COPY,
          },
        },
      });
      release = new HelmRelease(this.controllers, id('release'), {
        metadata,
        spec: { ...common, chartRef: { kind: HelmReleaseSpecChartRefKind.OCI_REPOSITORY, name } },
      });
    } else {
      new HelmRepository(this.controllers, id('source'), {
        metadata,
        spec: { interval: '12h', url: source.repository },
      });
      release = new HelmRelease(this.controllers, id('release'), {
        metadata,
        spec: {
          ...common,
          chart: {
            spec: {
              chart: version.chart,
              version: version.version,
              sourceRef: { kind: HelmReleaseSpecChartSpecSourceRefKind.HELM_REPOSITORY, name },
            },
          },
        },
      });
    }
    this.addHealthCheck({
      apiVersion: HelmRelease.GVK.apiVersion,
      kind: HelmRelease.GVK.kind,
      name,
      namespace: this.namespace,
    });
    return release;
  }

  /**
   * Applies a folder of upstream manifests (CRDs shipped apart from a chart) in the crds layer:
   * a Flux GitRepository at the release tag and a Kustomization of that folder, which never
   * prunes (removing a CRD deletes every object of its kind). `ignore` (gitignore syntax)
   * narrows the artifact when the folder holds more than the CRDs.
   */
  protected applyCrdsFromGit(id: string, version: GitManifestsVersion, ignore?: string): void {
    const metadata = { name: id, namespace: FLUX_NAMESPACE };
    const url = gitSource(this.mirror, version.repository);
    this.pulled.push({ kind: 'git', origin: version.repository, version: version.tag, from: url });
    new GitRepository(this.crds, `${id}-source`, {
      metadata,
      spec: {
        interval: '12h',
        url,
        ref: { tag: version.tag },
        ignore,
      },
    });
    new Kustomization(this.crds, id, {
      metadata,
      spec: {
        interval: '1h',
        // A failed apply (the source not fetched yet) is retried within a minute, not an hour.
        retryInterval: '1m',
        timeout: '5m',
        path: version.path,
        prune: false,
        wait: true,
        sourceRef: { kind: KustomizationSpecSourceRefKind.GIT_REPOSITORY, name: id },
      },
    });
  }

  /** The cluster's mirror ({@link ClusterConfig.mirror}), if it has one. */
  protected get mirror(): MirrorConfig | undefined {
    return this.props.cluster.mirror;
  }

  /** Where the cluster downloads a public file (a plugin, an extension) from. */
  protected download(url: string): string {
    const from = downloadSource(this.mirror, url);
    this.pulled.push({ kind: 'download', origin: url, from });
    return from;
  }

  /** What the component makes the cluster pull (charts, Git tags, OCI artifacts, downloads). */
  public get artifacts(): readonly PulledArtifact[] {
    return [...this.pulled];
  }

  /**
   * Where the cluster pulls an OCI artifact (`oci://registry/path`) from; fails synth, naming
   * the cluster and `mirror.registries`, when the mirror has no location for its registry.
   */
  protected ociArtifact(url: string, tag: string, what: string): string {
    const source = ociSource(this.mirror, url);
    if (source !== undefined) {
      this.pulled.push({ kind: 'oci', origin: url, version: tag, from: source });
      return source;
    }
    const registry = imageRegistry(url.replace(/^oci:\/\//, ''));
    throw ConfigError.of(
      `cluster '${this.props.cluster.name}'`,
      'mirror.registries',
      `has no location for '${registry}', where ${what} comes from (${url}); add '${registry}' to it`,
    );
  }

  private folder(layer: PlatformLayer): GitOpsFolder {
    const cluster = this.props.cluster.name;
    return new GitOpsFolder(this, layer, {
      folder: gitopsFolders.component(cluster, layer, this.componentName),
      sources: [this.identity.sourceFile, sourceFiles.clusterConfig(cluster)],
    });
  }
}
