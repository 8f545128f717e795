import { Construct } from 'constructs';
import type { ClusterConfig } from '../config/types';
import { GitOpsFolder } from '../gitops-folder';
import { GitRepository } from '../imports/flux-gitrepository-source.toolkit.fluxcd.io';
import {
  Kustomization,
  KustomizationSpecSourceRefKind,
} from '../imports/flux-kustomization-kustomize.toolkit.fluxcd.io';
import { FLUX_NAMESPACE, FLUX_SYNC_NAME } from '../contract/names';
import { gitopsFolders, repositoryPath, sourceFiles } from '../contract/layout';

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
      folder: gitopsFolders.fluxSync(cluster.name),
      sources: ['constructs/cluster/flux-sync.ts', sourceFiles.clusterConfig(cluster.name)],
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
        path: repositoryPath(cluster.gitops.path, gitopsFolders.cluster(cluster.name)),
        prune: true,
        sourceRef: { kind: KustomizationSpecSourceRefKind.GIT_REPOSITORY, name: FLUX_SYNC_NAME },
      },
    });
  }
}
