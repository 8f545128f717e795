// The bundle: every artifact a cluster pulls, from where, and where its mirror must hold it.
// `npm run bundle` prints it one line per artifact (tab-separated); scripts/mirror-bundle.sh
// copies each line into the mirror.
import { chartSource, mirroredImage, type MirrorConfig } from '../../constructs/config/mirror';
import type { ClusterConfig } from '../../constructs/config/types';
import { compareStrings } from '../../constructs/order';
import { PlatformComponent, type PulledArtifact } from '../../constructs/platform/component';
import { CHART_VERSIONS } from '../../constructs/platform/versions';
import { fluxInstallUrl, gatewayApiCrdsUrl } from '../../constructs/platform/bootstrap-sources';
import { talosImages } from '../../constructs/config/talos-support';
import { ConfigError } from '../../constructs/errors';
import type { App } from 'cdk8s';

/** One artifact of the bundle. */
export interface BundleEntry {
  /** What it is: a container image, a Helm chart, an OCI artifact, a Git repository, a file. */
  readonly kind: 'image' | 'chart' | 'oci' | 'git' | 'download';
  /** The public source: image reference, chart repository, OCI URL, clone URL or file URL. */
  readonly origin: string;
  /** Chart name (charts only). */
  readonly chart?: string;
  /** Chart version, OCI tag or Git tag (none for images, whose reference holds it, and files). */
  readonly version?: string;
  /**
   * Where the cluster pulls it: the mirror's copy (image reference, chart repository, OCI URL,
   * clone URL, file URL), or the origin itself when the cluster has no mirror.
   */
  readonly target: string;
}

/**
 * The images Talos itself pulls for the cluster: those its patches pin (installer, kubelet,
 * control plane) and the release's defaults (etcd, CoreDNS, pause).
 */
export function talosImagesOf(cluster: ClusterConfig): string[] {
  const images = talosImages(cluster);
  if (images === undefined) {
    throw ConfigError.of(
      `cluster '${cluster.name}'`,
      'talosVersion',
      `Talos ${cluster.talosVersion} has no row in TALOS_DEFAULT_IMAGES (constructs/config/talos-support.ts); add the release's default etcd, CoreDNS and pause images there`,
    );
  }
  return images;
}

/** What the platform components of a built cluster make it pull. */
export function componentArtifacts(app: App): PulledArtifact[] {
  return app.node
    .findAll()
    .filter((node): node is PlatformComponent => node instanceof PlatformComponent)
    .flatMap((component) => component.artifacts);
}

/** What Pulumi's bootstrap pulls before Flux runs: Cilium's chart, the CRDs and Flux's manifest. */
export function bootstrapArtifacts(mirror: MirrorConfig | undefined): PulledArtifact[] {
  const cilium = CHART_VERSIONS.cilium;
  return [
    {
      kind: 'chart',
      origin: cilium.repository,
      chart: cilium.chart,
      version: cilium.version,
      from: chartSource(mirror, cilium).repository,
    },
    { kind: 'download', origin: gatewayApiCrdsUrl(), from: gatewayApiCrdsUrl(mirror) },
    { kind: 'download', origin: fluxInstallUrl(), from: fluxInstallUrl(mirror) },
  ];
}

/**
 * The bundle of a cluster: the images its objects and charts name (`images`, from the
 * whole-cluster render) and Talos pulls, and the charts, OCI artifacts, Git tags and files its
 * components and the bootstrap pull. Sorted by kind, then origin; no duplicates.
 */
export function clusterBundle(
  cluster: ClusterConfig,
  images: readonly string[],
  artifacts: readonly PulledArtifact[],
): BundleEntry[] {
  const mirror = cluster.mirror;
  const entries = new Map<string, BundleEntry>();
  const add = (entry: BundleEntry): void => {
    entries.set(
      [entry.kind, entry.origin, entry.chart ?? '', entry.version ?? ''].join('\t'),
      entry,
    );
  };
  for (const image of [...images, ...talosImagesOf(cluster)]) {
    const target = mirror === undefined ? image : mirroredImage(mirror, image);
    // An image from a registry the mirror does not list is the mirror check's to report; an
    // internal registry's images are not copied.
    if (target !== undefined) add({ kind: 'image', origin: image, target });
  }
  for (const artifact of artifacts) {
    add({
      kind: artifact.kind,
      origin: artifact.origin,
      ...(artifact.chart !== undefined ? { chart: artifact.chart } : {}),
      ...(artifact.version !== undefined ? { version: artifact.version } : {}),
      target: artifact.from,
    });
  }
  const order: readonly BundleEntry['kind'][] = ['image', 'chart', 'oci', 'git', 'download'];
  return [...entries.values()].sort(
    (a, b) =>
      order.indexOf(a.kind) - order.indexOf(b.kind) ||
      compareStrings(a.origin, b.origin) ||
      compareStrings(a.chart ?? '', b.chart ?? '') ||
      compareStrings(a.version ?? '', b.version ?? ''),
  );
}

/** Column names of each kind's line, after the kind. */
export const BUNDLE_COLUMNS: Readonly<Record<BundleEntry['kind'], string>> = {
  image: 'origin target',
  chart: 'repository chart version target-repository',
  oci: 'origin tag target',
  git: 'origin tag target',
  download: 'origin target',
};

/** One tab-separated line per entry, after a header naming the columns of each kind. */
export function formatBundle(cluster: string, entries: readonly BundleEntry[]): string {
  const header = [
    `# Artifacts cluster '${cluster}' pulls, one per line, tab-separated: kind, then`,
    ...Object.entries(BUNDLE_COLUMNS).map(([kind, columns]) => `#   ${kind}: ${columns}`),
    '# scripts/mirror-bundle.sh copies them into the mirror.',
  ];
  const lines = entries.map((entry) =>
    [entry.kind, entry.origin, entry.chart, entry.version, entry.target]
      .filter((column): column is string => column !== undefined)
      .join('\t'),
  );
  return `${[...header, ...lines].join('\n')}\n`;
}
