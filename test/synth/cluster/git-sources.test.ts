// The manifests a cluster applies from Git release tags and the bootstrap's CRDs
// (synth/cluster/git-sources.ts), read from a tiny CRD mirror made in a temp folder.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  BOOTSTRAP_CRDS_FOLDERS,
  OFFLINE_GIT_MANIFESTS,
  gitManifestObjects,
} from '../../../synth/cluster/git-sources';
import type { ClusterObject, KubeObject } from '../../../synth/cluster/objects';

const temp = fs.mkdtempSync(path.join(os.tmpdir(), 'git-sources-test-'));
afterAll(() => fs.rmSync(temp, { recursive: true, force: true }));

const crd = (name: string, namespace?: string): string =>
  `apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata:\n  name: ${name}\n${
    namespace ? `  namespace: ${namespace}\n` : ''
  }`;

/** A CRD mirror: Flux's CRDs, Gateway API v1.6.1, Rook, and Cilium's (registered at run time). */
const mirror = path.join(temp, 'crds');
const MIRROR_FILES: Readonly<Record<string, string>> = {
  'flux/source-controller.yaml': crd('gitrepositories.source.toolkit.fluxcd.io'),
  'flux/helm-controller.yml': `${crd('helmreleases.helm.toolkit.fluxcd.io')}---\n${crd('helmcharts.source.toolkit.fluxcd.io')}`,
  'flux/README.md': 'not a manifest',
  'gateway-api/standard-install.yaml': crd('gateways.gateway.networking.k8s.io'),
  'rook/crds.yaml': crd('cephclusters.ceph.rook.io'),
  'rook/common.yaml': `apiVersion: v1\nkind: Namespace\nmetadata:\n  name: rook-ceph\n---\n${crd('cephblockpools.ceph.rook.io', 'rook-ceph')}`,
  'cilium/ciliumnetworkpolicies.yaml': crd('ciliumnetworkpolicies.cilium.io'),
};
for (const [file, content] of Object.entries(MIRROR_FILES)) {
  fs.mkdirSync(path.dirname(path.join(mirror, file)), { recursive: true });
  fs.writeFileSync(path.join(mirror, file), content);
}

const written = (object: KubeObject, source: string): ClusterObject => ({
  object,
  source,
  namespace: object.metadata?.namespace ?? '',
});

function gitRepository(name: string, url: string, tag: string, namespace = 'flux-system') {
  return written(
    {
      apiVersion: 'source.toolkit.fluxcd.io/v1',
      kind: 'GitRepository',
      metadata: { name, namespace },
      spec: { url, ref: { tag }, interval: '1h' },
    },
    `platform/dev/sources/${name}.yaml`,
  );
}

function kustomization(
  name: string,
  spec: Record<string, unknown>,
  apiVersion = 'kustomize.toolkit.fluxcd.io/v1',
): ClusterObject {
  return written(
    { apiVersion, kind: 'Kustomization', metadata: { name, namespace: 'flux-system' }, spec },
    `clusters/dev/${name}.yaml`,
  );
}

/** `source | kind name namespace` of each object, for comparing. */
const summary = (objects: readonly ClusterObject[]): string[] =>
  objects.map(
    ({ object, source, namespace }) =>
      `${source} | ${object.kind} ${object.metadata?.name} ${namespace || '-'}`,
  );

const BOOTSTRAP = [
  'Pulumi bootstrap: helm-controller.yml | CustomResourceDefinition helmreleases.helm.toolkit.fluxcd.io -',
  'Pulumi bootstrap: helm-controller.yml | CustomResourceDefinition helmcharts.source.toolkit.fluxcd.io -',
  'Pulumi bootstrap: source-controller.yaml | CustomResourceDefinition gitrepositories.source.toolkit.fluxcd.io -',
];

describe('gitManifestObjects', () => {
  it("holds the bootstrap's CRDs (YAML files of its folder, by name) when the cluster applies nothing from Git", () => {
    expect(BOOTSTRAP_CRDS_FOLDERS).toEqual(['flux']);
    expect(summary(gitManifestObjects([], mirror))).toEqual(BOOTSTRAP);
  });

  it('adds the CRDs operators register at run time, naming them so', () => {
    expect(summary(gitManifestObjects([], mirror, ['cilium']))).toEqual([
      ...BOOTSTRAP,
      'an operator at run time: ciliumnetworkpolicies.yaml | CustomResourceDefinition ciliumnetworkpolicies.cilium.io -',
    ]);
  });

  it("reads a Kustomization's Git release tag from its offline copy, with the objects' namespaces", () => {
    const objects = [
      gitRepository('rook', 'https://github.com/rook/rook', 'v1.20.6'),
      kustomization('rook-crds', {
        path: './deploy/examples',
        sourceRef: { kind: 'GitRepository', name: 'rook' },
      }),
      gitRepository(
        'gateway-api',
        'https://github.com/kubernetes-sigs/gateway-api',
        'v1.6.1',
        'infra',
      ),
      kustomization('gateway-api', {
        path: './config/crd/standard',
        sourceRef: { kind: 'GitRepository', name: 'gateway-api', namespace: 'infra' },
      }),
    ];
    expect(summary(gitManifestObjects(objects, mirror))).toEqual([
      ...BOOTSTRAP,
      'Kustomization flux-system/rook-crds: common.yaml | Namespace rook-ceph -',
      'Kustomization flux-system/rook-crds: common.yaml | CustomResourceDefinition cephblockpools.ceph.rook.io rook-ceph',
      'Kustomization flux-system/rook-crds: crds.yaml | CustomResourceDefinition cephclusters.ceph.rook.io -',
      'Kustomization infra/gateway-api: standard-install.yaml | CustomResourceDefinition gateways.gateway.networking.k8s.io -',
    ]);
  });

  it("skips the cluster's own GitOps repository, other sources and kustomize's own Kustomization kind", () => {
    const objects = [
      gitRepository('flux-system', 'ssh://git@example.com/gitops.git', 'v0.0.1'),
      kustomization('platform', {
        path: './platform/dev',
        sourceRef: { kind: 'GitRepository', name: 'flux-system' },
      }),
      kustomization('charts', {
        path: './',
        sourceRef: { kind: 'OCIRepository', name: 'charts' },
      }),
      kustomization('local', { resources: ['a.yaml'] }, 'kustomize.config.k8s.io/v1beta1'),
    ];
    expect(summary(gitManifestObjects(objects, mirror))).toEqual(BOOTSTRAP);
  });

  it('refuses a Kustomization whose GitRepository the cluster does not hold', () => {
    const objects = [
      gitRepository('rook', 'https://github.com/rook/rook', 'v1.20.6', 'other'),
      kustomization('rook-crds', {
        path: './deploy/examples',
        sourceRef: { kind: 'GitRepository', name: 'rook' },
      }),
    ];
    expect(() => gitManifestObjects(objects, mirror)).toThrow(
      'clusters/dev/rook-crds.yaml: its GitRepository flux-system/rook is not in the cluster',
    );
  });

  it.each([
    ['another tag', 'https://github.com/rook/rook', 'v1.19.0', './deploy/examples'],
    ['another path', 'https://github.com/rook/rook', 'v1.20.6', './deploy/charts'],
    ['another repository', 'https://github.com/example/rook', 'v1.20.6', './deploy/examples'],
  ])(
    'refuses a Git source with no offline copy (%s), naming the table to extend',
    (_, url, tag, at) => {
      const objects = [
        gitRepository('rook', url, tag),
        kustomization('rook-crds', {
          path: at,
          sourceRef: { kind: 'GitRepository', name: 'rook' },
        }),
      ];
      expect(() => gitManifestObjects(objects, mirror)).toThrow(
        `clusters/dev/rook-crds.yaml: Kustomization flux-system/rook-crds applies ${url}@${tag} ${at}, which has no offline copy: add it to OFFLINE_GIT_MANIFESTS in synth/cluster/git-sources.ts`,
      );
    },
  );

  it('refuses a mirror missing a folder, saying how to fill it', () => {
    const empty = path.join(temp, 'empty');
    fs.mkdirSync(path.join(empty, 'flux'), { recursive: true });
    expect(() => gitManifestObjects([], path.join(temp, 'nowhere'))).toThrow(
      `Pulumi bootstrap: the CRD mirror has no folder 'flux' (looked in ${path.join(temp, 'nowhere')}); run "npm run crds" or set NEXTGEN_CRDS_DIR`,
    );
    expect(gitManifestObjects([], empty)).toEqual([]);
    expect(() => gitManifestObjects([], empty, ['cilium'])).toThrow(
      `an operator at run time: the CRD mirror has no folder 'cilium' (looked in ${empty}); run "npm run crds" or set NEXTGEN_CRDS_DIR`,
    );
  });
});

describe('OFFLINE_GIT_MANIFESTS', () => {
  it('maps each (repository, tag, path) to one mirror folder', () => {
    const keys = OFFLINE_GIT_MANIFESTS.map(
      ({ repository, tag, path: at }) => `${repository}@${tag} ${at}`,
    );
    expect(new Set(keys).size).toBe(keys.length);
    const folders = OFFLINE_GIT_MANIFESTS.map(({ crdsFolder }) => crdsFolder);
    expect(new Set(folders).size).toBe(folders.length);
  });
});
