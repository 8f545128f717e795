// Renders every HelmRelease of a cluster the way helm-controller installs it: `helm template`
// with the release name and namespace Flux derives, the cluster's Kubernetes version, the API
// versions of every CRD the cluster installs, and `spec.values` as written. Renders are cached
// by (chart digest, inputs), so an unchanged release costs one file read.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { compareStrings } from '../../constructs/order';
import { gitManifestObjects } from './git-sources';
import type { MirrorConfig } from '../../constructs/config/mirror';
import {
  parseObjects,
  Scopes,
  type ClusterObject,
  type KubeObject,
  type ReleaseId,
} from './objects';

const run = promisify(execFile);

/** A chart archive of the cache, unpacked. */
export interface CachedChart {
  /** Chart name. */
  readonly chart: string;
  /** Chart version. */
  readonly version: string;
  /** sha256 of the archive (part of the render cache key). */
  readonly digest: string;
  /** The unpacked chart folder (holding Chart.yaml). */
  readonly dir: string;
}

/** What {@link renderCluster} needs. */
export interface RenderOptions {
  /** The cluster's name. */
  readonly cluster: string;
  /**
   * The cluster's mirror: its Git sources are the public repositories' mirrored copies.
   * @default - none, public sources
   */
  readonly mirror?: MirrorConfig;
  /** The environments it hosts (their app folders are part of it). */
  readonly environments: readonly string[];
  /** The cluster's Kubernetes version (`v1.36.3`), passed as `--kube-version`. */
  readonly kubernetesVersion: string;
  /** The GitOps tree (`/`-separated path under `gitops/` to content). */
  readonly files: ReadonlyMap<string, string>;
  /** The charts of the cache. */
  readonly charts: readonly CachedChart[];
  /** The helm binary. */
  readonly helm: string;
  /** The CRD mirror (Git-applied CRDs are read from it). */
  readonly crdsDir: string;
  /**
   * Folders of the CRD mirror whose CRDs operators register at run time (Cilium's).
   * @default [] - none
   */
  readonly runtimeCrdsFolders?: readonly string[];
  /**
   * Where renders are cached.
   * @default - no cache: every release is rendered
   */
  readonly cacheDir?: string;
  /**
   * How many `helm template` run at once.
   * @default - the number of CPUs
   */
  readonly concurrency?: number;
}

/** One HelmRelease and what its chart renders. */
export interface RenderedRelease {
  /** The HelmRelease. */
  readonly id: ReleaseId;
  /** The HelmRelease's file in the GitOps tree. */
  readonly source: string;
  /** Helm's release name (`spec.releaseName`, else `[targetNamespace-]name`). */
  readonly releaseName: string;
  /** Namespace installed into (`spec.targetNamespace`, else the HelmRelease's). */
  readonly namespace: string;
  /** The chart rendered. */
  readonly chart: CachedChart;
  /** `spec.values`. */
  readonly values: Readonly<Record<string, unknown>>;
  /** The rendered objects (CRDs included when the release installs them). */
  readonly objects: readonly ClusterObject[];
}

/** Everything a cluster will hold. */
export interface RenderedCluster {
  /** The cluster's name. */
  readonly cluster: string;
  /** The objects written in the GitOps tree. */
  readonly written: readonly ClusterObject[];
  /** The objects applied from Git release tags and installed by the bootstrap (CRDs). */
  readonly fromGit: readonly ClusterObject[];
  /** Every HelmRelease, sorted by namespace and name. */
  readonly releases: readonly RenderedRelease[];
  /** All of the above in one list. */
  readonly objects: readonly ClusterObject[];
  /** Every CustomResourceDefinition the cluster installs. */
  readonly crds: readonly KubeObject[];
  /** Which kinds are cluster-scoped. */
  readonly scopes: Scopes;
}

interface HelmReleaseSpec {
  readonly releaseName?: string;
  readonly targetNamespace?: string;
  readonly values?: Record<string, unknown>;
  readonly install?: { readonly crds?: string };
  readonly chart?: {
    readonly spec?: { readonly chart?: string; readonly version?: string };
  };
  readonly chartRef?: {
    readonly kind?: string;
    readonly name?: string;
    readonly namespace?: string;
  };
}

interface PendingRelease {
  readonly id: ReleaseId;
  readonly source: string;
  readonly releaseName: string;
  readonly namespace: string;
  readonly chart: CachedChart;
  readonly values: Record<string, unknown>;
  readonly includeCrds: boolean;
}

/** The chart a HelmRelease installs: `spec.chart.spec`, or the OCIRepository `spec.chartRef` names. */
function chartOf(
  release: KubeObject,
  spec: HelmReleaseSpec,
  written: readonly ClusterObject[],
): { chart: string; version: string } {
  if (spec.chart?.spec?.chart && spec.chart.spec.version) {
    return { chart: spec.chart.spec.chart, version: spec.chart.spec.version };
  }
  const ref = spec.chartRef;
  const namespace = ref?.namespace ?? release.metadata?.namespace;
  const source = written.find(
    ({ object }) =>
      object.kind === ref?.kind &&
      object.metadata?.name === ref?.name &&
      object.metadata?.namespace === namespace,
  );
  const oci = source?.object.spec as { url?: string; ref?: { tag?: string } } | undefined;
  if (!oci?.url || !oci.ref?.tag) {
    throw new Error(
      `HelmRelease ${release.metadata?.namespace}/${release.metadata?.name}: spec.chartRef names ${ref?.kind} ${namespace}/${ref?.name}, which the cluster does not hold with a url and ref.tag`,
    );
  }
  return { chart: oci.url.split('/').pop() ?? '', version: oci.ref.tag };
}

/** How helm-controller installs a HelmRelease: release name, namespace, values, CRDs. */
export function releaseTarget(release: KubeObject): {
  readonly releaseName: string;
  readonly namespace: string;
  readonly values: Record<string, unknown>;
  readonly includeCrds: boolean;
} {
  const spec = (release.spec ?? {}) as HelmReleaseSpec;
  const name = release.metadata?.name ?? '';
  return {
    releaseName:
      spec.releaseName ?? (spec.targetNamespace ? `${spec.targetNamespace}-${name}` : name),
    namespace: spec.targetNamespace ?? release.metadata?.namespace ?? '',
    values: spec.values ?? {},
    // helm-controller installs CRDs unless told to skip them.
    includeCrds: spec.install?.crds !== 'Skip',
  };
}

function pendingReleases(
  written: readonly ClusterObject[],
  charts: readonly CachedChart[],
): PendingRelease[] {
  return written
    .filter(({ object }) => object.kind === 'HelmRelease')
    .map(({ object, source }) => {
      const spec = (object.spec ?? {}) as HelmReleaseSpec;
      const id = { namespace: object.metadata?.namespace ?? '', name: object.metadata?.name ?? '' };
      const wanted = chartOf(object, spec, written);
      const chart = charts.find((c) => c.chart === wanted.chart && c.version === wanted.version);
      if (!chart) {
        throw new Error(
          `HelmRelease ${id.namespace}/${id.name} (${source}): chart ${wanted.chart} ${wanted.version} is not in the chart cache; run "npm run charts" (it reads NEXTGEN_CHART_MIRROR, else ../shared/charts, else pulls with helm)`,
        );
      }
      return { id, source, chart, ...releaseTarget(object) };
    })
    .sort((a, b) =>
      compareStrings(`${a.id.namespace}/${a.id.name}`, `${b.id.namespace}/${b.id.name}`),
    );
}

/** Runs tasks with at most `limit` in flight, keeping the results in order. */
async function inParallel<T, R>(
  items: readonly T[],
  limit: number,
  task: (item: T) => Promise<R>,
): Promise<R[]> {
  const results: R[] = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const index = next++;
      results[index] = await task(items[index]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

/** What `helm template` needs of a release. */
export interface TemplateInputs {
  /** Helm's release name. */
  readonly releaseName: string;
  /** The unpacked chart. */
  readonly chartDir: string;
  /** Namespace installed into. */
  readonly namespace: string;
  /** Whether the chart's `crds/` are installed (helm-controller's default). */
  readonly includeCrds: boolean;
}

/** The arguments of `helm template` as helm-controller would install the release. */
export function helmTemplateArgs(
  release: TemplateInputs,
  kubernetesVersion: string,
  valuesFile: string,
  apiVersions: readonly string[],
): string[] {
  return [
    'template',
    release.releaseName,
    release.chartDir,
    '--namespace',
    release.namespace,
    '--kube-version',
    kubernetesVersion.replace(/^v/, ''),
    '--values',
    valuesFile,
    '--skip-tests',
    ...(release.includeCrds ? ['--include-crds'] : []),
    ...apiVersions.flatMap((version) => ['--api-versions', version]),
  ];
}

/** Where a render records the APIs its cluster serves, for `npm run diff` to render alike. */
export function apiVersionsFile(cacheDir: string, cluster: string): string {
  return path.join(cacheDir, `api-versions-${cluster}.json`);
}

/** `helm template` of one release, or its cached output. */
async function template(
  release: PendingRelease,
  options: RenderOptions,
  apiVersions: readonly string[],
): Promise<string> {
  const inputs = JSON.stringify({
    digest: release.chart.digest,
    releaseName: release.releaseName,
    namespace: release.namespace,
    kubernetesVersion: options.kubernetesVersion,
    apiVersions,
    includeCrds: release.includeCrds,
    values: release.values,
  });
  const key = createHash('sha256').update(inputs).digest('hex');
  const cached = options.cacheDir ? path.join(options.cacheDir, `${key}.yaml`) : undefined;
  if (cached && fs.existsSync(cached)) return fs.readFileSync(cached, 'utf8');

  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'nextgen-render-'));
  try {
    const valuesFile = path.join(work, 'values.json');
    fs.writeFileSync(valuesFile, JSON.stringify(release.values));
    const args = helmTemplateArgs(
      { ...release, chartDir: release.chart.dir },
      options.kubernetesVersion,
      valuesFile,
      apiVersions,
    );
    const { stdout } = await run(options.helm, args, { maxBuffer: 256 * 1024 * 1024 }).catch(
      (error: { stderr?: string; message: string }) => {
        throw new Error(
          `HelmRelease ${release.id.namespace}/${release.id.name} (${release.source}): helm template of ${release.chart.chart} ${release.chart.version} failed: ${(error.stderr ?? error.message).trim()}`,
        );
      },
    );
    if (cached) {
      fs.mkdirSync(path.dirname(cached), { recursive: true });
      const partial = `${cached}.${process.pid}.tmp`;
      fs.writeFileSync(partial, stdout);
      fs.renameSync(partial, cached);
    }
    return stdout;
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

const TEMPLATE_SOURCE = /^# Source: (.+)$/m;

/**
 * Splits helm's output into objects, each naming its chart template. Both passes render mostly
 * the same documents, so each document's text is parsed once (`parsed` is shared).
 */
function releaseObjects(
  release: PendingRelease,
  output: string,
  parsed: Map<string, KubeObject[]>,
  scopes?: Scopes,
): ClusterObject[] {
  const origin = `HelmRelease ${release.id.namespace}/${release.id.name}`;
  return output.split(/^---\s*$/m).flatMap((document) => {
    const template = TEMPLATE_SOURCE.exec(document)?.[1] ?? release.chart.chart;
    const source = `${origin}: ${template}`;
    let objects = parsed.get(document);
    if (!objects) {
      objects = parseObjects(document, source);
      parsed.set(document, objects);
    }
    return objects.map((object) => ({
      object,
      source,
      namespace:
        object.metadata?.namespace ??
        (scopes?.isClusterScoped(object.kind) ? '' : release.namespace),
      release: release.id,
    }));
  });
}

/** `group/version` and `group/version/Kind` of every version a CRD serves. */
function apiVersionsOf(crds: readonly KubeObject[]): string[] {
  const versions = new Set<string>();
  for (const crd of crds) {
    const spec = crd.spec as {
      group?: string;
      names?: { kind?: string };
      versions?: { name: string; served?: boolean }[];
    };
    for (const version of spec.versions ?? []) {
      if (version.served === false) continue;
      versions.add(`${spec.group}/${version.name}`);
      versions.add(`${spec.group}/${version.name}/${spec.names?.kind}`);
    }
  }
  return [...versions].sort(compareStrings);
}

const isCrd = (object: KubeObject): boolean => object.kind === 'CustomResourceDefinition';

/**
 * Renders the cluster: its GitOps objects, the CRDs it applies from Git, and every HelmRelease.
 * Charts gate objects on the APIs the cluster serves (`.Capabilities.APIVersions`), and the
 * cluster's CRDs come from the charts themselves, so releases render twice: once to collect the
 * CRDs, once with every API the cluster will serve. Both renders are cached.
 */
export async function renderCluster(
  written: readonly ClusterObject[],
  options: RenderOptions,
): Promise<RenderedCluster> {
  const fromGit = gitManifestObjects(
    written,
    options.crdsDir,
    options.runtimeCrdsFolders,
    options.mirror,
  );
  const parsed = new Map<string, KubeObject[]>();
  const pending = pendingReleases(written, options.charts);
  const concurrency = options.concurrency ?? Math.max(1, os.cpus().length);

  const firstPass = await inParallel(pending, concurrency, (release) =>
    template(release, options, []),
  );
  const declared = [...written, ...fromGit].map(({ object }) => object).filter(isCrd);
  const rendered = pending.flatMap((release, i) =>
    releaseObjects(release, firstPass[i], parsed).map(({ object }) => object),
  );
  const firstCrds = [...declared, ...rendered.filter(isCrd)];
  const scopes = new Scopes(firstCrds);
  const apiVersions = apiVersionsOf(firstCrds);
  if (options.cacheDir) {
    fs.mkdirSync(options.cacheDir, { recursive: true });
    fs.writeFileSync(
      apiVersionsFile(options.cacheDir, options.cluster),
      JSON.stringify(apiVersions),
    );
  }
  const outputs = await inParallel(pending, concurrency, (release) =>
    template(release, options, apiVersions),
  );
  const releases: RenderedRelease[] = pending.map((release, i) => ({
    id: release.id,
    source: release.source,
    releaseName: release.releaseName,
    namespace: release.namespace,
    chart: release.chart,
    values: release.values,
    objects: releaseObjects(release, outputs[i], parsed, scopes),
  }));
  const writtenScoped = written.map((entry) => ({
    ...entry,
    namespace: scopes.isClusterScoped(entry.object.kind) ? '' : entry.namespace,
  }));
  return {
    cluster: options.cluster,
    written: writtenScoped,
    fromGit,
    releases,
    objects: [...writtenScoped, ...fromGit, ...releases.flatMap((release) => release.objects)],
    crds: [
      ...declared,
      ...releases.flatMap((release) => release.objects.map(({ object }) => object)).filter(isCrd),
    ],
    scopes,
  };
}
