import { healthCheckExpressions } from '../../constructs/cluster/flux-layers';
import { loadConfig } from '../../environments';
import { objectsOf, referenceTree, type RenderedObject } from '../support/tree';

interface KustomizationSpec {
  path: string;
  dependsOn?: { name: string }[];
  sourceRef: { kind: string; name: string };
  healthChecks?: { kind: string; name: string; namespace?: string }[];
  prune: boolean;
  wait?: boolean;
  interval: string;
  retryInterval?: string;
  timeout?: string;
}

const tree = referenceTree();
const objects = objectsOf(tree);
const clusters = loadConfig().clusters;

function fluxKustomizations(cluster: string): Map<string, KustomizationSpec> {
  return new Map(
    objects
      .filter(
        ({ file, object }) =>
          file.startsWith(`clusters/${cluster}/`) &&
          object.apiVersion === 'kustomize.toolkit.fluxcd.io/v1',
      )
      .map(({ object }) => [object.metadata.name, object.spec as unknown as KustomizationSpec]),
  );
}

describe.each(clusters.map((cluster) => [cluster.name, cluster] as const))(
  'the Flux graph of cluster %s',
  (name, cluster) => {
    const kustomizations = fluxKustomizations(name);

    it('gives every Flux Kustomization of the cluster a source, a timeout and a retry interval', () => {
      // Every one, not only the layers: the CRD Kustomizations of the crds layer too.
      const all = objects.filter(
        ({ file, object }) =>
          (file.startsWith(`clusters/${name}/`) || file.startsWith(`platform/${name}/`)) &&
          object.apiVersion === 'kustomize.toolkit.fluxcd.io/v1',
      );
      const repositories = new Set(
        objects
          .filter(
            ({ file, object }) =>
              (file.startsWith(`clusters/${name}/`) || file.startsWith(`platform/${name}/`)) &&
              (object.kind === 'GitRepository' || object.kind === 'OCIRepository'),
          )
          .map(
            ({ object }) => `${object.kind}/${object.metadata.namespace}/${object.metadata.name}`,
          ),
      );
      expect(all.length).toBeGreaterThan(kustomizations.size);
      for (const { object } of all) {
        const spec = object.spec as unknown as KustomizationSpec;
        const where = `${object.metadata.namespace}/${object.metadata.name}`;
        // Git for our layers; Flux's own release artifact (OCI) for the flux Kustomization only.
        const kind = where === 'flux-system/flux' ? 'OCIRepository' : 'GitRepository';
        expect([where, spec.sourceRef.kind]).toEqual([where, kind]);
        expect([
          where,
          repositories.has(`${kind}/${object.metadata.namespace}/${spec.sourceRef.name}`),
        ]).toEqual([where, true]);
        expect([where, spec.timeout, spec.retryInterval]).toEqual([
          where,
          expect.stringMatching(/^\d+m$/),
          '1m',
        ]);
      }
    });

    it('waits on the controllers longer than the slowest release may take to install', () => {
      const minutes = (duration: string) => Number(/^(\d+)m$/.exec(duration)?.[1]);
      const releaseTimeouts = objects
        .filter(
          ({ file, object }) =>
            file.startsWith(`platform/${name}/controllers/`) && object.kind === 'HelmRelease',
        )
        .map(({ object }) => {
          const spec = object.spec as { timeout?: string; install?: { timeout?: string } };
          // helm-controller's default is 5m; install.timeout overrides it for the first install.
          return spec.install?.timeout ?? spec.timeout ?? '5m';
        });
      const slowest = Math.max(...releaseTimeouts.map(minutes));
      expect(minutes(kustomizations.get('platform-controllers')?.timeout ?? '')).toBeGreaterThan(
        slowest,
      );
    });

    it('chains the layers crds -> controllers -> configs -> apps', () => {
      const dependsOn = (layer: string) =>
        kustomizations.get(layer)?.dependsOn?.map((dependency) => dependency.name);
      expect(dependsOn('platform-crds')).toBeUndefined();
      expect(dependsOn('platform-controllers')).toEqual(['platform-crds']);
      expect(dependsOn('platform-configs')).toEqual(['platform-controllers']);
      expect(dependsOn('apps')).toEqual(['platform-configs']);
    });

    it('names only existing Kustomizations in dependsOn, without cycles', () => {
      const state = new Map<string, 'visiting' | 'done'>();
      const visit = (node: string): void => {
        expect(kustomizations.has(node)).toBe(true);
        expect(state.get(node)).not.toBe('visiting');
        if (state.get(node) === 'done') return;
        state.set(node, 'visiting');
        kustomizations.get(node)?.dependsOn?.forEach((dependency) => visit(dependency.name));
        state.set(node, 'done');
      };
      [...kustomizations.keys()].forEach(visit);
    });

    it('points every spec.path at a folder of the tree that has a kustomization.yaml', () => {
      for (const spec of kustomizations.values()) {
        const prefix = `./${cluster.gitops.path}/`;
        expect(spec.path.startsWith(prefix)).toBe(true);
        expect(tree.files.has(`${spec.path.slice(prefix.length)}/kustomization.yaml`)).toBe(true);
      }
    });

    it('syncs its own folder from the GitRepository of the cluster config', () => {
      const root = kustomizations.get('flux-system');
      expect(root?.path).toBe(`./gitops/clusters/${name}`);
      const repository = objects.find(
        ({ file, object }) =>
          file.startsWith(`clusters/${name}/flux-system/`) && object.kind === 'GitRepository',
      )?.object as RenderedObject;
      expect(repository.spec).toMatchObject({
        url: cluster.gitops.url,
        ref: { branch: cluster.gitops.branch },
        secretRef: { name: 'flux-system' },
      });
      for (const spec of kustomizations.values()) {
        expect(spec.sourceRef).toEqual({ kind: 'GitRepository', name: 'flux-system' });
      }
    });

    it('never prunes CRDs and health-checks what gates the next layer', () => {
      expect(kustomizations.get('platform-crds')).toMatchObject({ prune: false, wait: true });
      expect(kustomizations.get('platform-configs')).toMatchObject({ prune: true, wait: true });
      const releases = objects
        .filter(
          ({ file, object }) =>
            file.startsWith(`platform/${name}/controllers/`) && object.kind === 'HelmRelease',
        )
        .map(({ object }) => `${object.metadata.namespace}/${object.metadata.name}`);
      const checkedReleases = (kustomizations.get('platform-controllers')?.healthChecks ?? [])
        .filter((check) => check.kind === 'HelmRelease')
        .map((check) => `${check.namespace}/${check.name}`);
      expect(releases).toContain('cert-manager/cert-manager');
      expect(checkedReleases.sort()).toEqual(releases.sort());
      for (const spec of kustomizations.values()) {
        expect(spec.retryInterval ?? spec.interval).toMatch(/^\d+[smh]$/);
        expect(spec.timeout).toMatch(/^\d+m$/);
      }
    });

    it('renders every namespace a platform object lives in, in its layer or an earlier one', () => {
      // Regression: Tekton's dashboard route went to a namespace only its operator created later.
      const layers = ['crds', 'controllers', 'configs'];
      // Kubernetes' own, and the one the Pulumi bootstrap creates before Flux runs.
      const preexisting = new Set(['default', 'kube-system', 'flux-system']);
      const layerOf = (file: string) => layers.indexOf(file.split('/')[2]);
      const platform = objects.filter(({ file }) => file.startsWith(`platform/${name}/`));
      const firstLayer = new Map<string, number>();
      for (const { file, object } of platform) {
        if (object.kind !== 'Namespace') continue;
        const layer = layerOf(file);
        firstLayer.set(
          object.metadata.name,
          Math.min(layer, firstLayer.get(object.metadata.name) ?? layer),
        );
      }
      const early = platform
        .filter(({ file, object }) => {
          const namespace = object.metadata.namespace;
          if (namespace === undefined || preexisting.has(namespace)) return false;
          return (firstLayer.get(namespace) ?? Infinity) > layerOf(file);
        })
        .map(({ file, object }) => `${file} (namespace ${object.metadata.namespace})`);
      expect(early).toEqual([]);
    });

    it('health-checks only objects that the controllers layer renders', () => {
      for (const check of kustomizations.get('platform-controllers')?.healthChecks ?? []) {
        const found = objects.filter(
          ({ file, object }) =>
            file.startsWith(`platform/${name}/controllers/`) &&
            object.kind === check.kind &&
            object.metadata.name === check.name &&
            object.metadata.namespace === check.namespace,
        );
        expect(found).toHaveLength(1);
      }
    });
  },
);

describe('healthCheckExpressions', () => {
  const check = (name: string, current: string) => ({
    apiVersion: 'example.io/v1',
    kind: 'Thing',
    name,
    namespace: 'x',
    expression: { current },
  });

  it('renders one expression per kind, however many objects of it are checked', () => {
    expect(healthCheckExpressions('dev', [check('a', 'true'), check('b', 'true')])).toEqual([
      { apiVersion: 'example.io/v1', kind: 'Thing', current: 'true', failed: undefined },
    ]);
  });

  it('refuses two checks of a kind with different expressions (Flux takes one per kind)', () => {
    expect(() => healthCheckExpressions('dev', [check('a', 'true'), check('b', 'false')])).toThrow(
      "cluster 'dev': health checks of example.io/v1/Thing disagree on their expressions",
    );
  });
});
