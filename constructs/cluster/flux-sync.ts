import { Construct } from 'constructs';
import type { ClusterConfig } from '../config/types';
import { GitOpsFolder, clusterConfigFile } from '../gitops-folder';
import { GitRepository } from '../imports/flux-gitrepository-source.toolkit.fluxcd.io';
import {
  Kustomization,
  KustomizationSpecSourceRefKind,
} from '../imports/flux-kustomization-kustomize.toolkit.fluxcd.io';

/** Namespace Flux runs in and keeps its own objects in. */
export const FLUX_NAMESPACE = 'flux-system';
/** Name of the GitRepository, its credentials Secret and the root Kustomization (as `flux bootstrap` names them). */
export const FLUX_SYNC_NAME = 'flux-system';

/** Props of {@link FluxSync}. */
export interface FluxSyncProps {
  /** The cluster whose GitOps folder Flux syncs. */
  readonly cluster: ClusterConfig;
}

/**
 * How often Flux polls the repository: a merged PR reaches the clusters within a minute, as
 * with `flux bootstrap`.
 */
const POLL_INTERVAL = '1m';

/** The repository path of a folder of the GitOps tree, as Flux wants it (`./gitops/...`). */
export function repositoryPath(cluster: ClusterConfig, folder: string): string {
  return `./${cluster.gitops.path}/${folder}`;
}

/**
 * Flux's entry point on a cluster (`clusters/<cluster>/flux-system`): the GitRepository of
 * this repo and the root Kustomization that applies `clusters/<cluster>`, which holds this
 * folder itself, so Flux keeps its own sync objects up to date. The Pulumi bootstrap applies
 * the same two objects once; the Secret `flux-system` (Git credentials) comes from Pulumi.
 */
export class FluxSync extends Construct {
  /** The folder the two objects are written to. */
  public readonly folder: GitOpsFolder;

  public constructor(scope: Construct, id: string, props: FluxSyncProps) {
    super(scope, id);
    const { cluster } = props;
    this.folder = new GitOpsFolder(this, 'folder', {
      folder: `clusters/${cluster.name}/flux-system`,
      sources: ['constructs/cluster/flux-sync.ts', clusterConfigFile(cluster.name)],
    });
    const metadata = { name: FLUX_SYNC_NAME, namespace: FLUX_NAMESPACE };
    new GitRepository(this.folder, 'repository', {
      metadata,
      spec: {
        interval: POLL_INTERVAL,
        url: cluster.gitops.url,
        ref: { branch: cluster.gitops.branch },
        secretRef: { name: FLUX_SYNC_NAME },
      },
    });
    new Kustomization(this.folder, 'root', {
      metadata,
      spec: {
        interval: '10m',
        retryInterval: '1m',
        timeout: '5m',
        path: repositoryPath(cluster, `clusters/${cluster.name}`),
        prune: true,
        sourceRef: { kind: KustomizationSpecSourceRefKind.GIT_REPOSITORY, name: FLUX_SYNC_NAME },
      },
    });
  }
}
