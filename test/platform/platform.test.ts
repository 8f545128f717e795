import { orderComponents, PLATFORM_COMPONENTS } from '../../constructs/platform/platform';
import type { ComponentKey, PlatformSettings } from '../../constructs/config/settings';
import { objectsUnder } from '../support/platform';
import { mergeValues } from '../../constructs/config/component-settings';

// orderComponents is generic over the catalog; these fake catalogs exercise graph shapes the
// real catalog (tested below) does not contain: cycles, disabled and optional dependencies.
type Catalog = Parameters<typeof orderComponents>[2];
const catalog = (graph: Record<string, string[]>, after: Record<string, string[]> = {}) =>
  Object.fromEntries(
    Object.entries(graph).map(([key, dependsOn]) => [key, { dependsOn, after: after[key] }]),
  ) as unknown as Catalog;

describe('orderComponents', () => {
  it('orders every enabled component after the ones it depends on', () => {
    const order = orderComponents('dev', {}, catalog({ c: ['b'], b: ['a'], a: [], d: ['a'] }));
    expect(order).toEqual(['a', 'b', 'c', 'd']);
  });

  it('leaves out disabled components', () => {
    const settings = { b: { enabled: false } } as never;
    expect(orderComponents('dev', settings, catalog({ a: [], b: [] }))).toEqual(['a']);
  });

  it('refuses a disabled dependency, naming the cluster and both components', () => {
    const settings = { a: { enabled: false } } as never;
    expect(() => orderComponents('prod', settings, catalog({ a: [], b: ['a'] }))).toThrow(
      "cluster 'prod' platform.a.enabled: 'a' is disabled (or unknown), but 'b' depends on it; enable it or disable 'b'",
    );
  });

  it('refuses a dependency cycle, showing it', () => {
    expect(() => orderComponents('dev', {}, catalog({ a: ['c'], b: ['a'], c: ['b'] }))).toThrow(
      "cluster 'dev' platform: components depend on each other in a cycle: a -> c -> b -> a",
    );
  });

  it('orders after optional components when they are enabled, and ignores them when not', () => {
    const graph = catalog({ a: [], b: ['a'], m: ['a'] }, { b: ['m'] });
    expect(orderComponents('dev', {}, graph)).toEqual(['a', 'm', 'b']);
    const settings = { m: { enabled: false } } as never;
    expect(orderComponents('dev', settings, graph)).toEqual(['a', 'b']);
  });

  it('the real catalog has no cycles and only known dependencies', () => {
    const keys = Object.keys(PLATFORM_COMPONENTS) as ComponentKey[];
    expect(orderComponents('dev', {})).toHaveLength(keys.length);
  });
});

describe('per-cluster overrides', () => {
  it('are typed: a wrong key or type does not compile', () => {
    const settings: PlatformSettings = {
      // @ts-expect-error -- not a value of the Loki chart this platform sets
      loki: { values: { replicas: 3 } },
      // @ts-expect-error -- replicas are numbers
      argocd: { values: { controller: { replicas: 'two' } } },
    };
    expect(Object.keys(settings)).toEqual(['loki', 'argocd']);
  });
});

describe('mergeValues', () => {
  const defaults = { a: { b: 1, c: [1, 2], d: { e: 'x' } }, f: true };

  it('merges objects by key and replaces scalars and arrays', () => {
    expect(mergeValues(defaults, { a: { b: 2, c: [9] } })).toEqual({
      a: { b: 2, c: [9], d: { e: 'x' } },
      f: true,
    });
  });

  it('keeps the default for undefined and does not mutate its inputs', () => {
    const overrides = { a: { b: undefined }, f: false };
    expect(mergeValues(defaults, overrides)).toEqual({ ...defaults, f: false });
    expect(defaults.a.b).toBe(1);
  });
});

describe('the platform graph of the reference clusters', () => {
  // Each HelmRelease's spec.dependsOn, by release name: the graph Flux actually follows.
  const graphOf = (cluster: string) =>
    Object.fromEntries(
      objectsUnder(`platform/${cluster}/controllers/`, 'HelmRelease').map((release) => [
        release.metadata.name,
        ((release.spec?.dependsOn ?? []) as { name: string }[]).map(
          (dependency) => dependency.name,
        ),
      ]),
    );

  it.each(['dev', 'prod'])(
    '%s: Cilium first, storage before its users, monitors after monitoring',
    (cluster) => {
      expect(graphOf(cluster)).toEqual({
        cilium: [],
        'cert-manager': ['cilium'],
        metallb: ['cilium', 'kube-prometheus-stack'],
        'rook-ceph': ['cilium'],
        'ceph-csi-drivers': ['cilium', 'rook-ceph'],
        'kube-prometheus-stack': ['cilium', 'rook-ceph'],
        kyverno: ['cilium', 'kube-prometheus-stack'],
        loki: ['rook-ceph', 'kube-prometheus-stack'],
        alloy: ['loki', 'kube-prometheus-stack'],
        argocd: ['cilium', 'kube-prometheus-stack'],
        'argo-rollouts': ['cilium', 'kube-prometheus-stack'],
        'tekton-operator': ['cilium', 'kube-prometheus-stack'],
      });
    },
  );

  it('builds every component of the catalog on both clusters, in dependency order', () => {
    const order = orderComponents('prod', {});
    expect(order[0]).toBe('cilium');
    for (const [index, key] of order.entries()) {
      for (const dependency of [
        ...PLATFORM_COMPONENTS[key].dependsOn,
        ...(PLATFORM_COMPONENTS[key].after ?? []),
      ]) {
        expect(order.indexOf(dependency)).toBeLessThan(index);
      }
    }
  });

  it('puts custom resources that need a chart CRD in the configs layer', () => {
    for (const kind of [
      'ClusterPolicy',
      'PolicyException',
      'PrometheusRule',
      'IPAddressPool',
      'Gateway',
    ]) {
      expect(objectsUnder('platform/prod/controllers/', kind)).toEqual([]);
      expect(objectsUnder('platform/prod/configs/', kind).length).toBeGreaterThan(0);
    }
  });
});
