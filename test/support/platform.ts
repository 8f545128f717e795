import type { PlatformSettings } from '../../constructs/config/settings';
import type { ClusterConfig, PlatformConfig } from '../../constructs/config/types';
import { loadConfig } from '../../environments';
import { renderTree, type RenderedTree } from '../../synth/render';
import { configWithPlatform } from './config';
import { findObject, objectsOf, referenceTree, type RenderedObject } from './tree';

/** The values of a component's HelmRelease on a cluster. */
export function releaseValues<T>(
  cluster: string,
  release: string,
  tree: RenderedTree = referenceTree(),
): T {
  const object = findObject(tree, `platform/${cluster}/controllers/`, 'HelmRelease', release);
  return (object.spec as { values: T }).values;
}

/** The objects of a kind under a folder prefix of the tree. */
export function objectsUnder(
  prefix: string,
  kind: string,
  tree: RenderedTree = referenceTree(),
): RenderedObject[] {
  return objectsOf(tree)
    .filter(({ file, object }) => file.startsWith(prefix) && object.kind === kind)
    .map(({ object }) => object);
}

/** The reference configuration rendered with one cluster's platform settings replaced. */
export function renderWithPlatform(
  cluster: 'dev' | 'prod',
  platform: PlatformSettings,
): RenderedTree {
  return renderTree(configWithPlatform(cluster, platform));
}

/** The reference configuration with one cluster changed. */
export function configWithCluster(
  cluster: 'dev' | 'prod',
  change: (config: ClusterConfig) => ClusterConfig,
): PlatformConfig {
  const reference = loadConfig();
  return {
    clusters: reference.clusters.map((config) =>
      config.name === cluster ? change(config) : config,
    ),
    environments: reference.environments,
  };
}

/** The message synth fails with for a configuration (validation first, as synth does). */
export function renderError(config: PlatformConfig): string {
  try {
    renderTree(loadConfig(config.clusters, config.environments));
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error('expected the configuration to be rejected');
}

/** The message rendering fails with when one cluster gets these platform settings. */
export function platformError(cluster: 'dev' | 'prod', platform: PlatformSettings): string {
  return renderError(configWithPlatform(cluster, platform));
}
