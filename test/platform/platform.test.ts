import { orderComponents, PLATFORM_COMPONENTS } from '../../constructs/platform/platform';
import { mergeValues } from '../../constructs/platform/settings';
import type { ComponentKey } from '../../constructs/platform/settings';

// orderComponents is generic over the catalog; these fake catalogs exercise the graph rules
// that the real one (one component so far) cannot.
type Catalog = Parameters<typeof orderComponents>[2];
const catalog = (graph: Record<string, string[]>) =>
  Object.fromEntries(
    Object.entries(graph).map(([key, dependsOn]) => [key, { dependsOn }]),
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

  it('the real catalog has no cycles and only known dependencies', () => {
    const keys = Object.keys(PLATFORM_COMPONENTS) as ComponentKey[];
    expect(orderComponents('dev', {})).toHaveLength(keys.length);
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
