// The GitOps tree's layout: every folder synth writes and every source file a generated file's
// header names. Synth, the cluster layers, components, apps, the diff and the Pulumi program
// read paths here; nothing else spells one out.

/** Top-level folders of the GitOps tree, each holding one subfolder per cluster or environment. */
export const GITOPS_ROOTS = {
  /** `clusters/<cluster>`: Flux's entry point (its sync objects and the layer Kustomizations). */
  clusters: 'clusters',
  /** `platform/<cluster>/<layer>/<component>`: the platform components, by layer. */
  platform: 'platform',
  /** `argocd/<cluster>`: the Argo CD projects and Applications of the cluster's apps. */
  argocd: 'argocd',
  /** `apps/<environment>/<app>`: each app's objects in each environment. */
  apps: 'apps',
} as const;

/** The roots whose second path segment names a cluster (the others name an environment). */
export const CLUSTER_ROOTS: readonly string[] = [
  GITOPS_ROOTS.clusters,
  GITOPS_ROOTS.platform,
  GITOPS_ROOTS.argocd,
];

/** Folders of the GitOps tree, relative to its root (`gitops/`), `/`-separated. */
export const gitopsFolders = {
  /** `clusters/<cluster>`: the root Kustomization applies it. */
  cluster: (cluster: string): string => `${GITOPS_ROOTS.clusters}/${cluster}`,
  /** `clusters/<cluster>/flux-system`: Flux's own GitRepository and root Kustomization. */
  fluxSync: (cluster: string): string => `${gitopsFolders.cluster(cluster)}/flux-system`,
  /** `platform/<cluster>`. */
  platform: (cluster: string): string => `${GITOPS_ROOTS.platform}/${cluster}`,
  /** `platform/<cluster>/<layer>`: one Flux Kustomization per layer. */
  platformLayer: (cluster: string, layer: string): string =>
    `${gitopsFolders.platform(cluster)}/${layer}`,
  /** `platform/<cluster>/<layer>/<component>`. */
  component: (cluster: string, layer: string, component: string): string =>
    `${gitopsFolders.platformLayer(cluster, layer)}/${component}`,
  /** `argocd/<cluster>`: the cluster's Argo CD registrations. */
  argocd: (cluster: string): string => `${GITOPS_ROOTS.argocd}/${cluster}`,
  /** `apps/<environment>`. */
  environment: (environment: string): string => `${GITOPS_ROOTS.apps}/${environment}`,
  /** `apps/<environment>/<app>`. */
  app: (environment: string, app: string): string =>
    `${gitopsFolders.environment(environment)}/${app}`,
} as const;

/** The folders (with a trailing `/`) a cluster's output lives under, given its environments. */
export function clusterOwnedPrefixes(cluster: string, environments: readonly string[]): string[] {
  return [
    `${gitopsFolders.cluster(cluster)}/`,
    `${gitopsFolders.platform(cluster)}/`,
    `${gitopsFolders.argocd(cluster)}/`,
    ...environments.map((environment) => `${gitopsFolders.environment(environment)}/`),
  ];
}

/**
 * A folder of the GitOps tree as a path in the repository, the way Flux's Kustomizations and
 * the Pulumi bootstrap want it (`./gitops/clusters/dev`).
 */
export function repositoryPath(gitopsPath: string, folder: string): string {
  return `./${gitopsPath}/${folder}`;
}

/** Source files (repository-relative) people edit instead of the output, by convention. */
export const sourceFiles = {
  /** A cluster's configuration. */
  clusterConfig: (cluster: string): string => `environments/clusters/${cluster}.ts`,
  /** The versions file an environment's apps read (pipelines bump it). */
  versions: (environment: string): string => `environments/versions/${environment}.json`,
  /** The folder of the versions files. */
  versionsFolder: 'environments/versions',
  /** An app's definition. */
  app: (app: string): string => `apps/${app}.ts`,
  /** The list of every app. */
  appIndex: 'apps/index.ts',
} as const;
