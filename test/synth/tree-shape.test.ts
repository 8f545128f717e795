import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parse } from 'yaml';
import { PlatformComponent } from '../../constructs/platform/component';
import { loadConfig } from '../../environments';
import { buildCluster } from '../../synth/render';
import { REPO_ROOT } from '../../synth/paths';
import { writeTreeAtomically } from '../../synth/tree';
import { isKustomization, objectsOf, referenceTree } from '../support/tree';

const tree = referenceTree();
/** A Secret synth copied from secrets/ (SOPS-encrypted), not one it rendered. */
const isEncryptedCopy = (file: string): boolean =>
  path.posix.basename(file).startsWith('secret-') && /\nsops:\n/.test(tree.files.get(file) ?? '');
const files = [...tree.files.keys()];
const folders = [...new Set(files.map((file) => path.posix.dirname(file)))].sort();

/** The components a cluster runs, as the Platform construct builds them: `<layer>/<name>`. */
function componentsOf(cluster: string): string[] {
  const app = buildCluster(loadConfig(), cluster);
  return app.node
    .findAll()
    .filter((construct): construct is PlatformComponent => construct instanceof PlatformComponent)
    .map((component) => `${component.layer}/${component.componentName}`);
}

describe('the GitOps tree of both clusters', () => {
  it.each(['dev', 'prod'])('has the layout of DESIGN.md for cluster %s', (cluster) => {
    const components = componentsOf(cluster);
    expect(components).toContain('controllers/cert-manager');
    const own = folders.filter((folder) => folder.split('/')[1] === cluster);
    expect(own).toEqual(
      expect.arrayContaining([
        `argocd/${cluster}`,
        `clusters/${cluster}`,
        `clusters/${cluster}/flux-system`,
        `platform/${cluster}`,
        `platform/${cluster}/configs`,
        `platform/${cluster}/controllers`,
        `platform/${cluster}/crds`,
        // Each component's namespace and workloads, in its layer (controllers, or crds for the
        // kubelet serving-certificate approver).
        ...components.map((component) => `platform/${cluster}/${component}`),
      ]),
    );
    // below a layer, only one folder per component
    for (const folder of own.filter((f) => f.startsWith('platform/') && f.split('/').length > 3)) {
      expect(folder).toMatch(
        new RegExp(`^platform/${cluster}/(crds|controllers|configs)/[a-z0-9-]+$`),
      );
    }
    expect(files.filter((file) => file.startsWith(`clusters/${cluster}/`))).toEqual([
      `clusters/${cluster}/flux-system/gitrepository-flux-system.yaml`,
      `clusters/${cluster}/flux-system/kustomization-flux-system.yaml`,
      `clusters/${cluster}/flux-system/kustomization.yaml`,
      `clusters/${cluster}/kustomization-apps.yaml`,
      `clusters/${cluster}/kustomization-platform-configs.yaml`,
      `clusters/${cluster}/kustomization-platform-controllers.yaml`,
      `clusters/${cluster}/kustomization-platform-crds.yaml`,
      `clusters/${cluster}/kustomization.yaml`,
    ]);
  });

  it.each(folders)(
    'folder %s has a kustomization.yaml listing exactly its files and subfolders',
    (folder) => {
      const kustomization = parse(tree.files.get(`${folder}/kustomization.yaml`) ?? 'null') as {
        kind: string;
        resources: string[];
      };
      expect(kustomization?.kind).toBe('Kustomization');
      const ownFiles = files
        .filter((file) => path.posix.dirname(file) === folder && !isKustomization(file))
        .map((file) => path.posix.basename(file));
      const subfolders = folders
        .filter((other) => path.posix.dirname(other) === folder)
        .map((other) => path.posix.basename(other));
      expect(kustomization.resources).toEqual([...ownFiles, ...subfolders].sort());
    },
  );

  it('names every object file <kind>-<name>.yaml in lower case, one object per file', () => {
    for (const { file, object } of objectsOf(tree)) {
      // Encrypted Secrets carry their namespace too: apps' Secrets share one folder.
      const name = isEncryptedCopy(file)
        ? `${object.metadata.namespace}-${object.metadata.name}`
        : object.metadata.name;
      expect(path.posix.basename(file)).toBe(
        `${object.kind.toLowerCase()}-${name.toLowerCase()}.yaml`,
      );
      expect(tree.files.get(file)?.includes('\n---')).toBe(false);
    }
  });

  it('copies each encrypted Secret byte for byte from secrets/<cluster>/, without a header', () => {
    const copies = [...tree.files.keys()].filter(isEncryptedCopy);
    expect(copies.length).toBeGreaterThan(0);
    for (const file of copies) {
      const [root, cluster] = file.split('/');
      expect(['platform', 'argocd']).toContain(root);
      const object = parse(tree.files.get(file)!) as {
        metadata: { namespace: string; name: string };
      };
      const source = path.join(
        REPO_ROOT,
        'secrets',
        cluster,
        object.metadata.namespace,
        `${object.metadata.name}.yaml`,
      );
      // A header would be a plain comment in a SOPS file: the copy stays exactly what was encrypted.
      expect(tree.files.get(file)).toBe(fs.readFileSync(source, 'utf8'));
    }
  });

  it('starts every file with a generated header naming the source to edit', () => {
    for (const [file, content] of tree.files) {
      if (isEncryptedCopy(file)) continue;
      const [first, second] = content.split('\n');
      expect(first).toBe('# Generated by `npm run synth`. Do not edit this file:');
      expect(second).toMatch(
        /^# change (constructs|synth|apps|environments)\/\S+\.(ts|json)( or (constructs|synth|apps|environments)\/\S+\.(ts|json))*, then re-run/,
      );
      if (file.startsWith('platform/dev/') || file.startsWith('clusters/dev/')) {
        expect(second).toContain('environments/clusters/dev.ts');
      }
    }
  });

  it('names only source files that exist in every header, so a moved file cannot leave it stale', () => {
    const named = new Set<string>();
    for (const content of tree.files.values()) {
      const edit = /^# change (.+), then re-run/.exec(content.split('\n')[1])?.[1] ?? '';
      edit.split(' or ').forEach((source) => named.add(source));
    }
    const root = path.resolve(__dirname, '..', '..');
    const missing = [...named].filter((source) => !fs.existsSync(path.join(root, source)));
    expect(named.size).toBeGreaterThan(10);
    expect(missing).toEqual([]);
  });

  it('puts cert-manager in the controllers layer and its issuers in the configs layer', () => {
    const certManager = objectsOf(tree).filter(
      ({ file }) => file.startsWith('platform/prod/') && file.split('/')[3] === 'cert-manager',
    );
    const layerOf = (kind: string) =>
      certManager
        .filter(({ object }) => object.kind === kind)
        .map(({ file }) => file.split('/')[2]);
    expect(layerOf('HelmRelease')).toEqual(['controllers']);
    expect(layerOf('OCIRepository')).toEqual(['controllers']);
    expect(layerOf('Namespace')).toEqual(['controllers']);
    expect(layerOf('ClusterIssuer')).toEqual(['configs', 'configs']);
    expect(layerOf('Certificate')).toEqual(['configs']);
  });
});

describe('kustomize builds every folder', () => {
  let root: string;
  beforeAll(() => {
    root = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'kustomize-')), 'gitops');
    writeTreeAtomically(root, tree.files);
  });
  afterAll(() => fs.rmSync(path.dirname(root), { recursive: true, force: true }));

  it.each(folders)('kubectl kustomize %s renders every object below it', (folder) => {
    const output = execFileSync('kubectl', ['kustomize', path.join(root, folder)], {
      encoding: 'utf8',
    });
    const built = output.trim() === '' ? [] : output.split(/^---$/m);
    const below = objectsOf(tree).filter(({ file }) => file.startsWith(`${folder}/`));
    expect(built).toHaveLength(below.length);
  });
});
