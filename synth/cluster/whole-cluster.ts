// The whole cluster, end to end: render a cluster from the GitOps tree and the chart cache, and
// run every whole-cluster check on it.
import * as path from 'node:path';
import type { AppDefinition } from '../../constructs/app';
import {
  environmentsOf,
  type ClusterConfig,
  type EnvironmentConfig,
  type PlatformConfig,
} from '../../constructs/config/types';
import { loadChartLock } from './charts';
import { checkApis } from './check-apis';
import { checkImages, imageUses } from './check-images';
import { checkPodSecurity } from './check-pod-security';
import { checkReferences } from './check-references';
import { checkValues } from './check-values';
import { crdsDir } from './crds';
import { declaredFor, type Declared } from './declared';
import { helmBinary } from './helm';
import { gitopsObjects } from './objects';
import type { ClusterProblem } from './problems';
import { checkMirror, ownHosts, pullReferences } from './pulls';
import { renderCluster, type CachedChart, type RenderedCluster } from './render';

/** Where rendered charts are cached, by (chart digest, inputs). */
export const RENDER_CACHE_DIR = '.cache/render';

/** A rendered cluster and what its code declares beyond the rendered objects. */
export interface ClusterUnderTest {
  /** Everything rendered. */
  readonly rendered: RenderedCluster;
  /** What components, bootstrap and people provide at run time. */
  readonly declared: Declared;
  /** The CRD mirror used. */
  readonly crdsDir: string;
  /** The cluster's configuration. */
  readonly cluster: ClusterConfig;
  /** The environments on the cluster. */
  readonly environments: readonly EnvironmentConfig[];
}

/** What {@link loadCluster} reads. */
export interface LoadClusterOptions {
  /** The repository root (chart cache, helm binary, render cache). */
  readonly root: string;
  /** The configuration. */
  readonly config: PlatformConfig;
  /** The apps (their Secrets by reference are declared as made by people). */
  readonly apps: readonly AppDefinition[];
  /** The cluster's name. */
  readonly cluster: string;
  /** The GitOps tree (`/`-separated path under `gitops/` to content). */
  readonly files: ReadonlyMap<string, string>;
  /**
   * Where rendered charts are cached.
   * @default `.cache/render` under the root
   */
  readonly cacheDir?: string;
}

/** The charts of the cache, as the renderer takes them; throws naming `npm run charts` when stale. */
export function cachedCharts(root: string): CachedChart[] {
  const lock = loadChartLock(root);
  return Object.values(lock.charts).map((entry) => ({
    chart: entry.chart,
    version: entry.version,
    digest: entry.digest,
    dir: path.resolve(root, entry.dir),
  }));
}

/** Renders one cluster of the configuration from its GitOps tree. */
export async function loadCluster(options: LoadClusterOptions): Promise<ClusterUnderTest> {
  const cluster = options.config.clusters.find(({ name }) => name === options.cluster);
  if (!cluster) {
    const known = options.config.clusters.map(({ name }) => name).join(', ');
    throw new Error(`unknown cluster '${options.cluster}' (known: ${known})`);
  }
  const environments = environmentsOf(options.config, cluster.name);
  const declared = declaredFor(cluster, environments, options.apps);
  const mirror = crdsDir(options.root);
  const written = gitopsObjects(
    options.files,
    cluster.name,
    environments.map(({ name }) => name),
  );
  const rendered = await renderCluster(written, {
    cluster: cluster.name,
    mirror: cluster.mirror,
    environments: environments.map(({ name }) => name),
    kubernetesVersion: cluster.kubernetesVersion,
    files: options.files,
    charts: cachedCharts(options.root),
    helm: helmBinary(options.root),
    crdsDir: mirror,
    runtimeCrdsFolders: declared.crdsFolders,
    cacheDir: options.cacheDir ?? path.join(options.root, RENDER_CACHE_DIR),
  });
  return { rendered, declared, crdsDir: mirror, cluster, environments };
}

/** Every whole-cluster check's problems, in check order. */
export function checkCluster(cluster: ClusterUnderTest): ClusterProblem[] {
  const { rendered, declared } = cluster;
  return [
    ...checkValues(rendered.releases),
    ...checkReferences(rendered.objects, declared.provided),
    ...checkPodSecurity(rendered.objects, declared.pods),
    ...checkApis(rendered.objects, rendered.crds, cluster.crdsDir),
    ...checkImages(imageUses(rendered.objects)),
    ...(cluster.cluster.mirror === undefined
      ? []
      : checkMirror(
          cluster.cluster.mirror,
          ownHosts(cluster.cluster, cluster.environments, rendered.objects),
          pullReferences(rendered.objects),
        )),
  ];
}
