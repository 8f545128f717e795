// Manifests the cluster applies from Git at a release tag (CRDs that ship apart from charts) and
// the ones the Pulumi bootstrap installs, mapped to their offline copies in the CRD mirror, so
// the whole-cluster checks know every API the cluster serves without the network.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { FLUX_SYNC_NAME } from '../../constructs/contract/names';
import { compareStrings } from '../../constructs/order';
import { parseObjects, type ClusterObject, type KubeObject } from './objects';
import { gitSource, type MirrorConfig } from '../../constructs/config/mirror';

/** A Git source of manifests and the CRD mirror folder holding the same files. */
export interface OfflineGitManifests {
  /** Clone URL, as the GitRepository spells it. */
  readonly repository: string;
  /** Release tag. */
  readonly tag: string;
  /** Folder the Flux Kustomization applies. */
  readonly path: string;
  /** Folder of the CRD mirror (`../shared/crds/<folder>`) with the files at that tag. */
  readonly crdsFolder: string;
}

/** Every Git manifest source the platform may use, with where its files are kept offline. */
export const OFFLINE_GIT_MANIFESTS: readonly OfflineGitManifests[] = [
  {
    repository: 'https://github.com/kubernetes-sigs/gateway-api',
    tag: 'v1.6.1',
    path: './config/crd/standard',
    crdsFolder: 'gateway-api',
  },
  {
    repository: 'https://github.com/kubernetes-sigs/gateway-api',
    tag: 'v1.4.1',
    path: './config/crd/standard',
    crdsFolder: 'gateway-api-v1.4.1',
  },
  {
    repository: 'https://github.com/rook/rook',
    tag: 'v1.20.6',
    path: './deploy/examples',
    crdsFolder: 'rook',
  },
];

/** The CRD mirror folder of the CRDs the Pulumi bootstrap installs with Flux itself (install.yaml). */
export const BOOTSTRAP_CRDS_FOLDERS: readonly string[] = ['flux'];

interface GitRepositorySpec {
  readonly url?: string;
  readonly ref?: { readonly tag?: string };
}

interface KustomizationSpec {
  readonly path?: string;
  readonly sourceRef?: {
    readonly kind?: string;
    readonly name?: string;
    readonly namespace?: string;
  };
}

/** The objects of every file of a mirror folder, each naming where it comes from. */
function folderObjects(crdsDir: string, folder: string, origin: string): ClusterObject[] {
  const dir = path.join(crdsDir, folder);
  if (!fs.existsSync(dir)) {
    throw new Error(
      `${origin}: the CRD mirror has no folder '${folder}' (looked in ${crdsDir}); run "npm run crds" or set NEXTGEN_CRDS_DIR`,
    );
  }
  return fs
    .readdirSync(dir)
    .filter((file) => /\.ya?ml$/.test(file))
    .sort(compareStrings)
    .flatMap((file) =>
      parseObjects(fs.readFileSync(path.join(dir, file), 'utf8'), `${folder}/${file}`).map(
        (object: KubeObject) => ({
          object,
          source: `${origin}: ${file}`,
          namespace: object.metadata?.namespace ?? '',
        }),
      ),
    );
}

/**
 * The objects the cluster's Flux Kustomizations apply from Git release tags, read from the CRD
 * mirror, plus the CRDs the bootstrap installs. A Git source with no offline copy is an error
 * naming the table to extend, so no API the cluster serves goes unseen.
 */
export function gitManifestObjects(
  written: readonly ClusterObject[],
  crdsDir: string,
  runtimeCrdsFolders: readonly string[] = [],
  mirror?: MirrorConfig,
): ClusterObject[] {
  const repositories = new Map<string, KubeObject>();
  for (const { object } of written) {
    if (object.kind === 'GitRepository') {
      repositories.set(`${object.metadata?.namespace}/${object.metadata?.name}`, object);
    }
  }
  const objects: ClusterObject[] = [
    ...BOOTSTRAP_CRDS_FOLDERS.flatMap((folder) =>
      folderObjects(crdsDir, folder, 'Pulumi bootstrap'),
    ),
    ...runtimeCrdsFolders
      .map((folder) => folderObjects(crdsDir, folder, 'an operator at run time'))
      .flat(),
  ];
  for (const { object, source } of written) {
    if (object.kind !== 'Kustomization' || !object.apiVersion?.startsWith('kustomize.toolkit')) {
      continue;
    }
    const spec = object.spec as KustomizationSpec;
    // The cluster's own GitOps repository is read as files (gitopsObjects).
    if (spec.sourceRef?.kind !== 'GitRepository' || spec.sourceRef.name === FLUX_SYNC_NAME)
      continue;
    const namespace = spec.sourceRef.namespace ?? object.metadata?.namespace;
    const repository = repositories.get(`${namespace}/${spec.sourceRef.name}`);
    if (!repository) {
      throw new Error(
        `${source}: its GitRepository ${namespace}/${spec.sourceRef.name} is not in the cluster`,
      );
    }
    const git = repository.spec as GitRepositorySpec;
    const offline = OFFLINE_GIT_MANIFESTS.find(
      (entry) =>
        // A mirrored cluster clones the same repository from its Git mirror.
        (entry.repository === git.url || gitSource(mirror, entry.repository) === git.url) &&
        entry.tag === git.ref?.tag &&
        entry.path === spec.path,
    );
    const origin = `Kustomization ${namespace}/${object.metadata?.name}`;
    if (!offline) {
      throw new Error(
        `${source}: ${origin} applies ${git.url}@${git.ref?.tag} ${spec.path}, which has no offline copy: add it to OFFLINE_GIT_MANIFESTS in synth/cluster/git-sources.ts`,
      );
    }
    objects.push(...folderObjects(crdsDir, offline.crdsFolder, origin));
  }
  return objects;
}
