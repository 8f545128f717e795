// Builds the construct tree of each cluster and renders it into the GitOps tree, in memory:
// a map from path (relative to gitops/) to file content. Writing happens elsewhere, at once.
import * as path from 'node:path';
import { ApiObject, App, Chart } from 'cdk8s';
import { APPS } from '../apps';
import { peersIn, validateCatalog, type AppCatalog } from '../constructs/app/catalog';
import { ClusterGitOps } from '../constructs/cluster/cluster-gitops';
import { ConfigError } from '../constructs/errors';
import { assertConfigShape } from '../constructs/config/known-keys';
import { checkHostFunctions } from '../constructs/app/known-keys';
import { GitOpsFolder } from '../constructs/gitops-folder';
import { checkCompatibility } from '../constructs/platform/compatibility';
import { environmentsOf, type PlatformConfig } from '../constructs/config/types';
import { appNamespace } from '../constructs/config/rules';
import { REPO_ROOT } from './paths';
import { generatedHeader, toYaml } from './serialize';
import { compareStrings } from '../constructs/order';
import { clusterOwnedPrefixes, sourceFiles } from '../constructs/contract/layout';
import { loadVersionsFiles } from './versions';
import { checkSecrets, neededSecrets, placedFileName, readSecretsTree } from './secrets/tree';
import { ProblemCollector } from '../constructs/errors';

/** A rendered GitOps tree. */
export interface RenderedTree {
  /** File path relative to the tree root (`/`-separated) to content, sorted by path. */
  readonly files: ReadonlyMap<string, string>;
  /** Number of Kubernetes objects rendered (kustomization.yaml files not counted). */
  readonly objectCount: number;
  /** Path prefixes the rendered clusters own; with `--cluster`, files outside them are kept. */
  readonly ownedPrefixes: readonly string[];
}

/** A Kubernetes object as rendered to JSON. */
interface KubeObject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: { readonly name: string; readonly namespace?: string };
}

/** Lower-cases and replaces characters file systems or kustomize dislike (e.g. `:` in RBAC names). */
function fileSafe(text: string): string {
  return text.toLowerCase().replace(/[^a-z0-9.-]/g, '-');
}

/** The file name of an object: `<kind>-<name>.yaml`, lower case. */
export function objectFileName(object: KubeObject): string {
  return `${fileSafe(object.kind)}-${fileSafe(object.metadata.name)}.yaml`;
}

/** Folders that get a kustomization.yaml: every folder two levels deep or more (`clusters/dev`). */
function withAncestors(folder: string): string[] {
  const parts = folder.split('/');
  const result: string[] = [];
  for (let depth = 2; depth <= parts.length; depth++) result.push(parts.slice(0, depth).join('/'));
  return result;
}

/** The path prefixes a cluster's output lives under. */
export function ownedPrefixes(config: PlatformConfig, clusterName: string): string[] {
  return clusterOwnedPrefixes(
    clusterName,
    environmentsOf(config, clusterName).map((environment) => environment.name),
  );
}

/** The reference apps (apps/index.ts) with the versions in environments/versions/. */
export function defaultCatalog(config: PlatformConfig): AppCatalog {
  const { versions, provenance } = loadVersionsFiles(
    config.environments,
    path.join(REPO_ROOT, sourceFiles.versionsFolder),
  );
  return { apps: APPS, versions, provenance };
}

/**
 * The construct library's "There is already a Construct with name ..." as one line naming the
 * cluster and the id: ids are made of environment, app and team names, so two inputs whose
 * names combine alike (which a rule should have refused) meet here. Undefined for other errors.
 */
function idCollision(clusterName: string, error: unknown): ConfigError | undefined {
  const match = /There is already a Construct with name '([^']*)' in (\S+) \[([^\]]*)\]/.exec(
    error instanceof Error ? error.message : '',
  );
  if (!match) return undefined;
  const [, id, type, scope] = match;
  return ConfigError.of(
    `cluster '${clusterName}'`,
    'names',
    `two objects get the construct id '${id}' in ${scope} (${type}): it is made of environment, app or team names, and two of them combine alike; rename one`,
  );
}

/** Builds one cluster's construct tree (validation of its settings happens here). */
export function buildCluster(
  config: PlatformConfig,
  clusterName: string,
  catalog?: AppCatalog,
): App {
  const cluster = config.clusters.find((candidate) => candidate.name === clusterName);
  if (!cluster) {
    throw ConfigError.of(
      `cluster '${clusterName}'`,
      'name',
      `is not defined; known clusters: ${config.clusters.map((c) => c.name).join(', ')}`,
    );
  }
  const app = new App({ outdir: 'unused' });
  try {
    new ClusterGitOps(app, cluster.name, {
      cluster,
      environments: environmentsOf(config, cluster.name),
      catalog,
    });
  } catch (error) {
    const collision = idCollision(cluster.name, error);
    if (collision) throw collision;
    // A bug, or input no rule refuses yet: the one line synth prints names the cluster at least.
    if (error instanceof Error && !(error instanceof ConfigError)) {
      error.message = `cluster '${cluster.name}': ${error.message}`;
    }
    throw error;
  }
  const errors = app.node.validate();
  if (errors.length > 0) {
    throw new Error(`cluster '${cluster.name}': ${errors.join('; ')}`);
  }
  return app;
}

/**
 * Checks each rendered cluster's encrypted Secrets (`secrets/<cluster>/`) against what it
 * needs, and copies each, byte for byte, into the GitOps folder that creates its namespace:
 * the Flux Kustomization applying that folder decrypts it. Returns how many it placed.
 */
function placeSecrets(
  config: PlatformConfig,
  names: readonly string[],
  catalog: AppCatalog,
  root: string,
  files: Map<string, string>,
  addEntry: (folder: string, entry: string) => void,
): number {
  const problems = new ProblemCollector();
  const encrypted = readSecretsTree(root, problems);
  const known = new Set(config.clusters.map((cluster) => cluster.name));
  for (const secret of encrypted) {
    if (!known.has(secret.cluster)) {
      problems.add(
        `secret file ${secret.path}`,
        '(folder)',
        `names cluster '${secret.cluster}', which the configuration does not have`,
      );
    }
  }
  let placed = 0;
  for (const name of names) {
    const cluster = config.clusters.find((c) => c.name === name);
    if (!cluster) continue;
    const own = encrypted.filter((secret) => secret.cluster === name);
    checkSecrets(
      cluster,
      neededSecrets(cluster, environmentsOf(config, name), catalog),
      own,
      problems,
    );
    // Not the apps' folders: Argo CD applies those, and it cannot decrypt.
    const prefixes = clusterOwnedPrefixes(name, []);
    // Each namespace's folder, found once: a lookup per Secret, not a scan of every file.
    const namespaceFolders = new Map<string, string>();
    if (own.length > 0) {
      for (const file of files.keys()) {
        const base = file.slice(file.lastIndexOf('/') + 1);
        if (!base.startsWith('namespace-') || !prefixes.some((prefix) => file.startsWith(prefix))) {
          continue;
        }
        namespaceFolders.set(base.slice('namespace-'.length, -'.yaml'.length), file);
      }
    }
    for (const secret of own) {
      const namespaceFile = namespaceFolders.get(secret.namespace);
      // A namespace the cluster does not create (its component is off): nothing applies the
      // file; `npm run secret -- list` shows it as unused.
      if (!namespaceFile) continue;
      const folder = namespaceFile.slice(0, namespaceFile.lastIndexOf('/'));
      files.set(`${folder}/${placedFileName(secret)}`, secret.text);
      addEntry(folder, placedFileName(secret));
      placed++;
    }
  }
  problems.throwIfAny();
  return placed;
}

/** A folder's kustomization.yaml: every file and sub-folder in it, sorted. */
function kustomizationFile(
  entries: Iterable<string>,
  sources: readonly string[] = ['synth/render.ts'],
): string {
  const kustomization = {
    apiVersion: 'kustomize.config.k8s.io/v1beta1',
    kind: 'Kustomization',
    resources: [...entries].sort(),
  };
  return generatedHeader(sources) + toYaml(kustomization);
}

/**
 * The files of one app in one environment (its folder, `apps/<env>/<app>/`), exactly as
 * {@link renderTree} writes them, built alone: what a new version of the app changes, without
 * rendering the rest of its cluster. The catalog is validated whole first, as synth does.
 */
export function renderAppFolder(
  config: PlatformConfig,
  catalog: AppCatalog,
  environmentName: string,
  appName: string,
): { readonly folder: string; readonly files: ReadonlyMap<string, string> } {
  assertConfigShape(config);
  validateCatalog(catalog, config);
  const environment = config.environments.find(({ name }) => name === environmentName);
  const definition = catalog.apps.find(({ name }) => name === appName);
  const cluster = config.clusters.find(({ name }) => name === environment?.cluster);
  if (!environment || !definition || !cluster) {
    throw new Error(`no app '${appName}' in environment '${environmentName}'`);
  }
  const app = new App({ outdir: 'unused' });
  const provenance = catalog.provenance?.[environment.name]?.[definition.name];
  const built = definition.build(app, {
    environment,
    cluster,
    namespace: appNamespace(environment, definition.name),
    version: catalog.versions[environment.name]?.[definition.name] ?? '',
    ...(provenance ? { provenance } : {}),
    peers: peersIn(catalog, environment),
  });
  const folder = built.folder.folder;
  const files = new Map<string, string>();
  const entries = new Set<string>();
  for (const construct of app.node.findAll()) {
    if (!(construct instanceof ApiObject)) continue;
    const chart = Chart.of(construct);
    if (!GitOpsFolder.isGitOpsFolder(chart) || chart.folder !== folder) {
      throw new Error(`object ${construct.node.path} is outside the app's folder ${folder}`);
    }
    const object = construct.toJson() as KubeObject;
    const fileName = objectFileName(object);
    files.set(`${folder}/${fileName}`, generatedHeader(chart.sources) + toYaml(object));
    entries.add(fileName);
  }
  files.set(`${folder}/kustomization.yaml`, kustomizationFile(entries, built.folder.sources));
  return { folder, files };
}

/**
 * Renders the given clusters (all by default) into files. Objects are collected in one pass
 * over each tree, so the cost grows linearly with the number of objects.
 */
export function renderTree(
  config: PlatformConfig,
  clusterNames?: readonly string[],
  catalog: AppCatalog = defaultCatalog(config),
  secretsRoot: string = REPO_ROOT,
): RenderedTree {
  assertConfigShape(config);
  checkCompatibility();
  const hosts = new ProblemCollector();
  checkHostFunctions(catalog.apps, config.environments, hosts);
  hosts.throwIfAny();
  validateCatalog(catalog, config);
  const names = clusterNames ?? config.clusters.map((cluster) => cluster.name);
  const files = new Map<string, string>();
  const folderEntries = new Map<string, Set<string>>();
  const folderSources = new Map<string, readonly string[]>();
  let objectCount = 0;

  const addEntry = (folder: string, entry: string): void => {
    let entries = folderEntries.get(folder);
    if (!entries) folderEntries.set(folder, (entries = new Set()));
    entries.add(entry);
  };

  for (const name of names) {
    const app = buildCluster(config, name, catalog);
    for (const folder of GitOpsFolder.all(app)) {
      if (folderSources.has(folder.folder)) {
        throw ConfigError.of(
          `cluster '${name}'`,
          'names',
          `two constructs write the folder '${folder.folder}' (${folder.node.path}): its name is made of environment, app or team names; rename one`,
        );
      }
      folderSources.set(folder.folder, folder.sources);
      const chain = withAncestors(folder.folder);
      chain.forEach((ancestor, i) => {
        if (!folderEntries.has(ancestor)) folderEntries.set(ancestor, new Set());
        if (i > 0) addEntry(chain[i - 1], ancestor.slice(chain[i - 1].length + 1));
      });
    }
    for (const construct of app.node.findAll()) {
      if (!(construct instanceof ApiObject)) continue;
      const chart = Chart.of(construct);
      if (!GitOpsFolder.isGitOpsFolder(chart)) {
        throw new Error(`object ${construct.node.path} is not inside a GitOpsFolder`);
      }
      const object = construct.toJson() as KubeObject;
      const fileName = objectFileName(object);
      const path = `${chart.folder}/${fileName}`;
      if (files.has(path)) {
        throw ConfigError.of(
          `cluster '${name}'`,
          'names',
          `two objects render to ${path} (${object.kind} '${object.metadata.name}'): their names are made of environment, app or team names; rename one`,
        );
      }
      files.set(path, generatedHeader(chart.sources) + toYaml(object));
      addEntry(chart.folder, fileName);
      objectCount++;
    }
  }

  objectCount += placeSecrets(config, names, catalog, secretsRoot, files, addEntry);

  for (const [folder, entries] of folderEntries) {
    files.set(
      `${folder}/kustomization.yaml`,
      kustomizationFile(entries, folderSources.get(folder)),
    );
  }

  const sorted = new Map([...files.entries()].sort(([a], [b]) => compareStrings(a, b)));
  return {
    files: sorted,
    objectCount,
    ownedPrefixes: names.flatMap((name) => ownedPrefixes(config, name)),
  };
}
