import { loadConfig } from '../../environments';
import type { PlatformConfig, ClusterConfig } from '../../constructs/config/types';
import { devCluster } from '../../environments/clusters/dev';
import { prodCluster } from '../../environments/clusters/prod';
import type { PlatformSettings } from '../../constructs/config/settings';

/** The reference configuration with one cluster's platform settings replaced. */
export function configWithPlatform(
  clusterName: 'dev' | 'prod',
  platform: PlatformSettings,
): PlatformConfig {
  const reference = loadConfig();
  const clusters: ClusterConfig[] = [devCluster, prodCluster].map((cluster) =>
    cluster.name === clusterName ? { ...cluster, platform } : cluster,
  );
  return { clusters, environments: reference.environments };
}
