import { loadConfig } from '../../environments';
import type { PlatformConfig, ClusterConfig } from '../../constructs/config/types';
import { devCluster } from '../../environments/clusters/dev';
import { prodCluster } from '../../environments/clusters/prod';
import type { PlatformSettings } from '../../constructs/config/settings';
import type { MirrorConfig } from '../../constructs/config/mirror';

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

/** The mirror of the test configuration: every public registry the dev cluster pulls from. */
export const TEST_MIRROR: MirrorConfig = {
  registries: {
    'docker.io': 'harbor.corp.example.net/dockerhub',
    'ecr-public.aws.com': 'harbor.corp.example.net/ecr-public',
    'ghcr.io': 'harbor.corp.example.net/ghcr',
    'quay.io': 'harbor.corp.example.net/quay',
    'reg.kyverno.io': 'harbor.corp.example.net/kyverno',
    'registry.k8s.io': 'harbor.corp.example.net/k8s',
  },
  charts: 'oci://harbor.corp.example.net/charts',
  git: 'https://git.corp.example.net/mirror',
  downloads: 'https://nexus.corp.example.net/repository/raw',
  timeServers: ['ntp1.corp.example.net', '10.0.0.123'],
  internalHosts: ['registry.example.com'],
};

/**
 * The reference configuration with one cluster behind a mirror: the test configuration of an
 * air-gapped cluster.
 */
export function configWithMirror(
  clusterName: 'dev' | 'prod' = 'dev',
  mirror: MirrorConfig = TEST_MIRROR,
): PlatformConfig {
  const reference = loadConfig();
  const clusters: ClusterConfig[] = [devCluster, prodCluster].map((cluster) =>
    cluster.name === clusterName ? { ...cluster, mirror } : cluster,
  );
  return { clusters, environments: reference.environments };
}
