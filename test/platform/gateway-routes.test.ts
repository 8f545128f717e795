// Which routes the shared Gateway takes: each listener admits routes only from the namespaces
// that may use its hosts, and every route the platform and the apps render is still admitted.
import { objectsOf, referenceTree } from '../support/tree';

interface Selector {
  matchLabels?: Record<string, string>;
  matchExpressions?: { key: string; operator: string; values?: string[] }[];
}
interface Listener {
  name: string;
  allowedRoutes: { namespaces: { from: string; selector?: Selector } };
}

/** A label selector on a namespace's labels (In and the equality map, what the Gateway uses). */
function matches(selector: Selector, labels: Record<string, string>): boolean {
  const equal = Object.entries(selector.matchLabels ?? {}).every(([k, v]) => labels[k] === v);
  const expressions = (selector.matchExpressions ?? []).every(({ key, operator, values }) => {
    if (operator !== 'In') throw new Error(`operator ${operator} not modelled`);
    return (values ?? []).includes(labels[key]);
  });
  return equal && expressions;
}

describe.each(['dev', 'prod'])('the shared Gateway of cluster %s', (cluster) => {
  const objects = objectsOf(referenceTree()).filter(
    ({ file }) =>
      file.startsWith(`platform/${cluster}/`) ||
      file.startsWith(`argocd/${cluster}/`) ||
      file.startsWith('apps/'),
  );
  const gateway = objects.find(({ object }) => object.kind === 'Gateway')!.object;
  const listeners = (gateway.spec as { listeners: Listener[] }).listeners;
  /** Labels of a namespace as the API server holds them (it adds kubernetes.io/metadata.name). */
  const labelsOf = (namespace: string): Record<string, string> => {
    const object = objects.find(
      ({ object }) => object.kind === 'Namespace' && object.metadata.name === namespace,
    );
    return { ...(object?.object.metadata.labels ?? {}), 'kubernetes.io/metadata.name': namespace };
  };
  const admits = (listener: string, namespace: string): boolean => {
    const { from, selector } = listeners.find(({ name }) => name === listener)!.allowedRoutes
      .namespaces;
    expect(from).toBe('Selector');
    return matches(selector!, labelsOf(namespace));
  };

  it('admits every route the tree renders on the listener it names', () => {
    const routes = objects.filter(({ object }) => object.kind === 'HTTPRoute');
    const ownNamespaces = new Set(
      objects
        .filter(({ object }) => object.kind === 'Namespace')
        .map(({ object }) => object.metadata.name),
    );
    let checked = 0;
    for (const { file, object } of routes) {
      const namespace = object.metadata.namespace!;
      // apps/<env>/ of another cluster's environments are not on this Gateway.
      if (file.startsWith('apps/') && !ownNamespaces.has(namespace)) continue;
      for (const parent of (object.spec as { parentRefs: { sectionName?: string }[] }).parentRefs) {
        expect([file, parent.sectionName, admits(parent.sectionName!, namespace)]).toEqual([
          file,
          parent.sectionName,
          true,
        ]);
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(3);
  });

  it("refuses a route for another environment's or the platform's hosts", () => {
    const appNamespace = cluster === 'dev' ? 'dev-checkout-api' : 'prod-checkout-api';
    expect(admits('https-platform', appNamespace)).toBe(false);
    if (cluster === 'dev') expect(admits('https-test', 'dev-checkout-api')).toBe(false);
    expect(admits(`https-${cluster === 'dev' ? 'dev' : 'prod'}`, 'argocd')).toBe(false);
    expect(admits('https-platform', 'argocd')).toBe(true);
  });
});
