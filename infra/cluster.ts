import { ConfigError } from '../constructs/errors';
import { loadConfig } from '../environments';
import type { PlatformConfig, ClusterConfig } from '../constructs/config/types';

/**
 * The cluster a Pulumi stack provisions: the stack name is the cluster name, so cluster facts
 * live once, in environments/, and the stack files hold only secrets and operator settings.
 */
export function clusterForStack(
  stack: string,
  config: PlatformConfig = loadConfig(),
): ClusterConfig {
  const cluster = config.clusters.find((candidate) => candidate.name === stack);
  if (!cluster) {
    throw ConfigError.of(
      `stack '${stack}'`,
      'name',
      `matches no cluster in environments/; known clusters: ${config.clusters.map((c) => c.name).join(', ')} (run 'pulumi stack select <cluster>')`,
    );
  }
  return cluster;
}
