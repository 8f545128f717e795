import { Construct } from 'constructs';
import type { ClusterConfig, EnvironmentConfig } from '../../environments/types';
import { GitOpsFolder, clusterConfigFile } from '../gitops-folder';
import { PlatformLayer } from '../platform/component';
import { Platform } from '../platform/platform';
import { FluxLayers } from './flux-layers';
import { FluxSync } from './flux-sync';

/** Props of {@link ClusterGitOps}. */
export interface ClusterGitOpsProps {
  /** The cluster to render. */
  readonly cluster: ClusterConfig;
  /** The environments hosted on it. */
  readonly environments: readonly EnvironmentConfig[];
}

/**
 * Everything synth writes for one cluster: Flux's sync objects and layer chain under
 * `clusters/<cluster>`, the platform components under `platform/<cluster>/<layer>`, and the
 * (for now empty) Argo CD registrations folder `argocd/<cluster>` the apps layer applies.
 */
export class ClusterGitOps extends Construct {
  /** The platform components of the cluster. */
  public readonly platform: Platform;
  /** The Flux layer chain. */
  public readonly layers: FluxLayers;

  public constructor(scope: Construct, id: string, props: ClusterGitOpsProps) {
    super(scope, id);
    const { cluster } = props;
    const sources = ['constructs/cluster/cluster-gitops.ts', clusterConfigFile(cluster.name)];

    new FluxSync(this, 'flux-sync', { cluster });
    this.platform = new Platform(this, 'platform', props);
    // Each layer folder exists even when no component adds to it, so every Flux path resolves.
    new GitOpsFolder(this, 'platform-root', { folder: `platform/${cluster.name}`, sources });
    for (const layer of Object.values(PlatformLayer)) {
      new GitOpsFolder(this, `layer-${layer}`, {
        folder: `platform/${cluster.name}/${layer}`,
        sources,
      });
    }
    const appsFolder = new GitOpsFolder(this, 'argocd', {
      folder: `argocd/${cluster.name}`,
      sources,
    });
    this.layers = new FluxLayers(this, 'flux-layers', {
      cluster,
      controllerHealthChecks: this.platform.healthChecks,
      appsFolder: appsFolder.folder,
    });
  }
}
