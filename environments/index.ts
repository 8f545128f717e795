// The reference configuration: cluster `dev` hosting environments dev and test, cluster
// `prod` hosting prod. Add a cluster or environment here (one file each) and synth picks it up.
import { devCluster } from './clusters/dev';
import { prodCluster } from './clusters/prod';
import { dev } from './dev';
import { prod } from './prod';
import { test } from './test';
import type { ClusterConfig, EnvironmentConfig, PlatformConfig } from '../constructs/config/types';
import { validateConfig } from '../constructs/config/validate';

/** Every cluster, in the order synth renders them. */
export const CLUSTERS: readonly ClusterConfig[] = [devCluster, prodCluster];

/** Every environment. */
export const ENVIRONMENTS: readonly EnvironmentConfig[] = [dev, test, prod];

/** Validates the configuration (throwing a ConfigError listing every problem) and returns it. */
export function loadConfig(
  clusters: readonly ClusterConfig[] = CLUSTERS,
  environments: readonly EnvironmentConfig[] = ENVIRONMENTS,
): PlatformConfig {
  validateConfig(clusters, environments);
  return { clusters, environments };
}
