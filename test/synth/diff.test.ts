import { diffTrees, scopeOf } from '../../synth/diff/compare';
import {
  COMMENT_MARKER,
  GITHUB_COMMENT_LIMIT,
  formatJson,
  formatMarkdown,
  formatText,
} from '../../synth/diff/format';
import { leafChanges } from '../../synth/diff/highlights';
import { MASK, MASK_NEW, MASK_OLD } from '../../synth/diff/mask';
import { ChangeStatus, HighlightKind, type DiffResult } from '../../synth/diff/model';
import { generatedHeader, toYaml } from '../../synth/serialize';

type Obj = Record<string, unknown>;

function file(object: Obj, source = 'apps/a.ts'): string {
  return generatedHeader([source]) + toYaml(object);
}

function tree(entries: Record<string, Obj | string>): Map<string, string> {
  return new Map(
    Object.entries(entries).map(([path, value]) => [
      path,
      typeof value === 'string' ? value : file(value),
    ]),
  );
}

function deployment(name: string, namespace: string, image: string, replicas = 2): Obj {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace },
    spec: {
      replicas,
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1 } },
      template: { spec: { containers: [{ name: 'app', image }] } },
    },
  };
}

function helmRelease(values: Obj, chart: Obj = { kind: 'OCIRepository', name: 'cm' }): Obj {
  return {
    apiVersion: 'helm.toolkit.fluxcd.io/v2',
    kind: 'HelmRelease',
    metadata: { name: 'cert-manager', namespace: 'cert-manager' },
    spec: { chartRef: chart, interval: '30m', values },
  };
}

const HR = 'platform/dev/controllers/cert-manager/helmrelease-cert-manager.yaml';
const DEP = 'apps/prod/shop/deployment-shop.yaml';

function kinds(result: DiffResult): HighlightKind[] {
  return result.resources.flatMap((r) => r.highlights.map((h) => h.kind));
}

describe('identity matching', () => {
  it('matches a renamed or moved file by identity: moved, not deleted plus added', () => {
    const object = deployment('shop', 'prod-shop', 'r/shop:1');
    const result = diffTrees(
      tree({ 'apps/prod/shop/deployment-shop.yaml': object }),
      tree({ 'apps/prod/shop/sub/deploy.yaml': object }),
    );
    expect(result.resources).toHaveLength(1);
    expect(result.resources[0]).toMatchObject({
      status: ChangeStatus.MOVED,
      oldPath: 'apps/prod/shop/deployment-shop.yaml',
      newPath: 'apps/prod/shop/sub/deploy.yaml',
      hunks: [],
    });
  });

  it('reports a moved file with a changed image as one change, with its diff', () => {
    const result = diffTrees(
      tree({ [DEP]: deployment('shop', 'prod-shop', 'r/shop:1') }),
      tree({ 'apps/prod/shop/renamed.yaml': deployment('shop', 'prod-shop', 'r/shop:2') }),
    );
    expect(result.resources.map((r) => r.status)).toEqual([ChangeStatus.CHANGED]);
    const lines = result.resources[0].hunks.flatMap((h) => h.lines);
    expect(lines).toContain('-          image: r/shop:1');
    expect(lines).toContain('+          image: r/shop:2');
  });

  it('treats a namespace move as a removal and an addition (a different object)', () => {
    const result = diffTrees(
      tree({ [DEP]: deployment('shop', 'prod-shop', 'r/shop:1') }),
      tree({ [DEP]: deployment('shop', 'prod-store', 'r/shop:1') }),
    );
    expect(result.resources.map((r) => [r.status, r.id.namespace])).toEqual([
      [ChangeStatus.REMOVED, 'prod-shop'],
      [ChangeStatus.ADDED, 'prod-store'],
    ]);
  });

  it('keeps the same object in two clusters apart (scope is part of the identity)', () => {
    const release = helmRelease({ replicaCount: 1 });
    const result = diffTrees(
      tree({ [HR]: release, [HR.replace('/dev/', '/prod/')]: release }),
      tree({ [HR]: release, [HR.replace('/dev/', '/prod/')]: helmRelease({ replicaCount: 2 }) }),
    );
    expect(result.resources.map((r) => r.id.scope)).toEqual([{ type: 'cluster', name: 'prod' }]);
    expect(result.summary).toHaveLength(1);
    expect(result.summary[0]).toMatchObject({
      changed: 1,
      byKind: { HelmRelease: { changed: 1 } },
    });
  });

  it('attributes paths to clusters and environments', () => {
    expect(scopeOf('clusters/dev/flux-system/x.yaml')).toEqual({ type: 'cluster', name: 'dev' });
    expect(scopeOf('argocd/prod/application-a.yaml')).toEqual({ type: 'cluster', name: 'prod' });
    expect(scopeOf('apps/test/shop/x.yaml')).toEqual({ type: 'environment', name: 'test' });
    expect(scopeOf('stray.yaml')).toEqual({ type: 'tree', name: '' });
  });

  it('ignores the generated header and formatting: only meaning counts', () => {
    const object = deployment('shop', 'prod-shop', 'r/shop:1');
    const reformatted = JSON.stringify(object); // JSON is YAML, laid out differently
    const result = diffTrees(
      tree({ [DEP]: file(object, 'apps/old.ts') }),
      tree({ [DEP]: `# another header\n${reformatted}\n` }),
    );
    expect(result.resources).toEqual([]);
  });

  it('warns about an identity defined twice in one tree', () => {
    const object = deployment('shop', 'prod-shop', 'r/shop:1');
    const result = diffTrees(
      tree({}),
      tree({ [DEP]: object, 'apps/prod/shop/again.yaml': object }),
    );
    expect(result.resources).toHaveLength(1);
    expect(result.warnings[0]).toContain("Deployment 'shop' is defined twice");
  });
});

describe('highlights', () => {
  it('image and replica changes', () => {
    const result = diffTrees(
      tree({ [DEP]: deployment('shop', 'prod-shop', 'r/shop:1', 2) }),
      tree({ [DEP]: deployment('shop', 'prod-shop', 'r/shop:2', 4) }),
    );
    expect(result.resources[0].highlights).toEqual([
      { kind: HighlightKind.IMAGE, message: 'container app (r/shop): 1 → 2' },
      { kind: HighlightKind.REPLICAS, message: 'replicas: 2 → 4' },
    ]);
  });

  it('an image moving to a digest or another repository, and containers added or removed', () => {
    const digest = `sha256:${'a'.repeat(64)}`;
    const result = diffTrees(
      tree({ [DEP]: deployment('shop', 'prod-shop', 'r/shop:1') }),
      tree({ [DEP]: deployment('shop', 'prod-shop', `r/shop@${digest}`) }),
    );
    expect(result.resources[0].highlights[0].message).toBe(`container app (r/shop): 1 → ${digest}`);
    const moved = diffTrees(
      tree({ [DEP]: deployment('shop', 'prod-shop', 'r/shop:1') }),
      tree({ [DEP]: deployment('shop', 'prod-shop', 'mirror:5000/shop:1') }),
    );
    expect(moved.resources[0].highlights[0].message).toBe(
      'container app: r/shop:1 → mirror:5000/shop:1',
    );
  });

  it('HelmRelease values (by path) and chart changes, and an OCIRepository version', () => {
    const oci = (tag: string) => ({
      apiVersion: 'source.toolkit.fluxcd.io/v1',
      kind: 'OCIRepository',
      metadata: { name: 'cert-manager', namespace: 'cert-manager' },
      spec: { url: 'oci://quay.io/jetstack/charts/cert-manager', ref: { tag } },
    });
    const OCI = 'platform/dev/controllers/cert-manager/ocirepository-cert-manager.yaml';
    const result = diffTrees(
      tree({ [HR]: helmRelease({ a: { replicaCount: 1 }, gone: true }), [OCI]: oci('v1.0.0') }),
      tree({
        [HR]: helmRelease({ a: { replicaCount: 3 } }, { kind: 'HelmChart', name: 'cm' }),
        [OCI]: oci('v1.1.0'),
      }),
    );
    const byKind = Object.fromEntries(
      result.resources.flatMap((r) => r.highlights.map((h) => [h.kind, h.message])),
    );
    expect(byKind[HighlightKind.HELM_VALUES]).toBe('a.replicaCount: 1 → 3; -gone: true');
    expect(result.resources.flatMap((r) => r.highlights).map((h) => h.message)).toEqual(
      expect.arrayContaining([
        'chartRef.kind: "OCIRepository" → "HelmChart"',
        'ref.tag: "v1.0.0" → "v1.1.0"',
      ]),
    );
  });

  it('a Rollout switching from canary to blue-green, and a changed canary step', () => {
    const rollout = (strategy: Obj) => ({
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'Rollout',
      metadata: { name: 'shop', namespace: 'dev-shop' },
      spec: { strategy },
    });
    const path = 'apps/dev/shop/rollout-shop.yaml';
    const canary = (weight: number) => ({ canary: { steps: [{ setWeight: weight }] } });
    const switched = diffTrees(
      tree({ [path]: rollout(canary(10)) }),
      tree({ [path]: rollout({ blueGreen: { activeService: 'shop' } }) }),
    );
    expect(switched.resources[0].highlights).toEqual([
      { kind: HighlightKind.ROLLOUT_STRATEGY, message: 'strategy canary → blueGreen' },
    ]);
    const step = diffTrees(
      tree({ [path]: rollout(canary(10)) }),
      tree({ [path]: rollout(canary(20)) }),
    );
    expect(step.resources[0].highlights).toEqual([
      {
        kind: HighlightKind.ROLLOUT_STRATEGY,
        message: 'strategy.canary.steps[0].setWeight: 10 → 20',
      },
    ]);
  });

  it('RBAC and network policies, added, changed or removed', () => {
    const role = (verbs: string[]) => ({
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRole',
      metadata: { name: 'reader' },
      rules: [{ apiGroups: [''], resources: ['pods'], verbs }],
    });
    const cnp = {
      apiVersion: 'cilium.io/v2',
      kind: 'CiliumNetworkPolicy',
      metadata: { name: 'shop', namespace: 'dev-shop' },
      spec: { endpointSelector: {}, ingress: [] },
    };
    const netpol = {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: { name: 'deny', namespace: 'dev-shop' },
      spec: { podSelector: {} },
    };
    const result = diffTrees(
      tree({
        'platform/dev/configs/x/clusterrole-reader.yaml': role(['get']),
        'apps/dev/shop/np.yaml': netpol,
      }),
      tree({
        'platform/dev/configs/x/clusterrole-reader.yaml': role(['get', 'delete']),
        'apps/dev/shop/cnp.yaml': cnp,
      }),
    );
    const messages = result.resources.flatMap((r) =>
      r.highlights.map((h) => `${h.kind}: ${h.message}`),
    );
    expect(messages).toEqual(
      expect.arrayContaining([
        'rbac: +rules[0].verbs[1]: "delete"',
        'network-policy: CiliumNetworkPolicy added',
        'network-policy: NetworkPolicy removed',
      ]),
    );
  });

  it('deletions in production only', () => {
    const object = deployment('shop', 'x', 'r/shop:1');
    const result = diffTrees(
      tree({ 'apps/prod/shop/d.yaml': object, 'apps/dev/shop/d.yaml': object }),
      tree({}),
    );
    expect(kinds(result)).toEqual([HighlightKind.PRODUCTION_DELETION]);
    expect(result.resources.find((r) => r.highlights.length > 0)?.id.scope.name).toBe('prod');
    const custom = diffTrees(tree({ 'apps/dev/shop/d.yaml': object }), tree({}), {
      isProduction: (scope) => scope.name === 'dev',
    });
    expect(kinds(custom)).toEqual([HighlightKind.PRODUCTION_DELETION]);
  });

  it('describes leaves of named lists by name', () => {
    expect(
      leafChanges(
        { c: [{ name: 'a', v: 1 }] },
        {
          c: [
            { name: 'b', v: 1 },
            { name: 'a', v: 2 },
          ],
        },
      ),
    ).toEqual([
      { path: 'c[name=b].name', after: '"b"' },
      { path: 'c[name=b].v', after: '1' },
      { path: 'c[name=a].v', before: '1', after: '2' },
    ]);
  });
});

describe('secret masking', () => {
  const secret = (data: Obj, stringData?: Obj) => ({
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: 'db', namespace: 'prod-shop' },
    data,
    ...(stringData ? { stringData } : {}),
  });
  const path = 'apps/prod/shop/secret-db.yaml';

  it('never prints a value, yet shows which key changed', () => {
    const result = diffTrees(
      tree({ [path]: secret({ user: 'YWRtaW4=', pass: 'b2xkcGFzcw==' }, { token: 'old-token' }) }),
      tree({ [path]: secret({ user: 'YWRtaW4=', pass: 'bmV3cGFzcw==' }, { token: 'new-token' }) }),
    );
    const sides = { base: 'a', head: 'b' };
    for (const text of [
      formatText(result, sides),
      formatMarkdown(result, sides),
      formatJson(result, sides),
    ]) {
      for (const secretValue of [
        'YWRtaW4=',
        'b2xkcGFzcw==',
        'bmV3cGFzcw==',
        'old-token',
        'new-token',
      ]) {
        expect(text).not.toContain(secretValue);
      }
    }
    const lines = result.resources[0].hunks.flatMap((h) => h.lines);
    const unquoted = lines.map((line) => line.replace(/"/g, ''));
    expect(unquoted).toEqual(
      expect.arrayContaining([
        `-  pass: ${MASK_OLD}`,
        `+  pass: ${MASK_NEW}`,
        `   user: ${MASK}`,
        `-  token: ${MASK_OLD}`,
        `+  token: ${MASK_NEW}`,
      ]),
    );
  });

  it('regression: a Secret that is not valid YAML is reported by position, never quoted', () => {
    const broken =
      generatedHeader(['apps/a.ts']) +
      'apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\ndata:\n  pass: c3VwZXJzZWNyZXQ=\n   : [\n';
    const result = diffTrees(tree({}), tree({ [path]: broken }));
    expect(result.warnings).toHaveLength(1);
    expect(result.warnings[0]).toMatch(
      /^head apps\/prod\/shop\/secret-db\.yaml: not valid YAML \(\w+ at line \d+, column \d+\)$/,
    );
    for (const text of [
      formatText(result, { base: 'a', head: 'b' }),
      formatMarkdown(result, { base: 'a', head: 'b' }),
      formatJson(result, { base: 'a', head: 'b' }),
    ]) {
      expect(text).not.toContain('c3VwZXJzZWNyZXQ=');
    }
  });

  it('masks an added and a removed Secret entirely', () => {
    const added = diffTrees(tree({}), tree({ [path]: secret({ k: 'c2VjcmV0' }) }));
    const removed = diffTrees(tree({ [path]: secret({ k: 'c2VjcmV0' }) }), tree({}));
    for (const result of [added, removed]) {
      const text = formatText(result, { base: 'a', head: 'b' });
      expect(text).not.toContain('c2VjcmV0');
      expect(text).toContain(MASK);
    }
  });
});

describe('kustomization.yaml files', () => {
  const k = (resources: string[], extra: Obj = {}) => ({
    apiVersion: 'kustomize.config.k8s.io/v1beta1',
    kind: 'Kustomization',
    resources,
    ...extra,
  });
  const path = 'apps/dev/shop/kustomization.yaml';

  it('are not resources, and a reordering is no difference', () => {
    const result = diffTrees(
      tree({ [path]: k(['a.yaml', 'b.yaml']) }),
      tree({ [path]: k(['b.yaml', 'a.yaml']) }),
    );
    expect(result).toMatchObject({ resources: [], kustomizations: [] });
  });

  it('list entries added and removed, and other field changes', () => {
    const result = diffTrees(
      tree({ [path]: k(['a.yaml', 'b.yaml']) }),
      tree({ [path]: k(['a.yaml', 'c.yaml'], { namespace: 'x' }) }),
    );
    expect(result.resources).toEqual([]);
    expect(result.kustomizations).toEqual([
      {
        path,
        scope: { type: 'environment', name: 'dev' },
        status: ChangeStatus.CHANGED,
        addedEntries: ['c.yaml'],
        removedEntries: ['b.yaml'],
        otherFieldsChanged: true,
      },
    ]);
  });
});

describe('Markdown', () => {
  const sides = { base: 'origin/main', head: 'this change' };

  it('starts with the marker, a summary table, highlights and one <details> per resource', () => {
    const result = diffTrees(
      tree({
        [DEP]: deployment('shop', 'prod-shop', 'r/shop:1'),
        [HR]: helmRelease({ replicaCount: 1 }),
      }),
      tree({
        [DEP]: deployment('shop', 'prod-shop', 'r/shop:2'),
        [HR]: helmRelease({ replicaCount: 2 }),
      }),
    );
    const markdown = formatMarkdown(result, sides);
    expect(markdown.startsWith(`${COMMENT_MARKER}\n`)).toBe(true);
    expect(markdown).toContain('| cluster dev | 0 | 1 | 0 | 0 | ~1 HelmRelease |');
    expect(markdown).toContain('| environment prod | 0 | 1 | 0 | 0 | ~1 Deployment |');
    expect(markdown).toContain(
      '- **image** environment prod <code>Deployment prod-shop/shop</code>: container app (r/shop): 1 → 2',
    );
    expect(markdown).toContain(
      '- **helm values** cluster dev <code>HelmRelease cert-manager/cert-manager</code>: replicaCount: 1 → 2',
    );
    expect(markdown.match(/<details><summary>/g)).toHaveLength(2);
    expect(markdown).toContain('-    replicaCount: 1\n+    replicaCount: 2');
  });

  it('says so when nothing differs', () => {
    const markdown = formatMarkdown(diffTrees(tree({}), tree({})), sides);
    expect(markdown).toContain('No differences');
  });

  it('stays under the cap, showing highlighted resources first and naming what was cut', () => {
    const before: Record<string, Obj> = {};
    const after: Record<string, Obj> = {};
    for (let i = 0; i < 400; i++) {
      const name = `app-${String(i).padStart(3, '0')}`;
      const env = { [`env-${i}`]: 'x'.repeat(200) };
      before[`apps/dev/${name}/cm.yaml`] = {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name, namespace: 'n' },
        data: {},
      };
      after[`apps/dev/${name}/cm.yaml`] = {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name, namespace: 'n' },
        data: env,
      };
    }
    after[DEP] = deployment('shop', 'prod-shop', 'r/shop:2');
    before[DEP] = deployment('shop', 'prod-shop', 'r/shop:1');
    const result = diffTrees(tree(before), tree(after));
    const markdown = formatMarkdown(result, sides);
    expect(markdown.length).toBeLessThanOrEqual(65000);
    expect(markdown.length).toBeLessThan(GITHUB_COMMENT_LIMIT);
    const shown = markdown.match(/<details><summary>[+~-] <code>/g)?.length ?? 0;
    expect(shown).toBeGreaterThan(10);
    expect(shown).toBeLessThan(401);
    // The highlighted Deployment (last by name) is shown first, not cut.
    expect(markdown.indexOf('Deployment prod-shop/shop</code> · environment prod')).toBeGreaterThan(
      0,
    );
    expect(markdown).toContain(`**${401 - shown} more resource(s) not shown`);
    const note = markdown.slice(markdown.indexOf('more resource(s) not shown'));
    const firstCut = `app-${String(shown - 1).padStart(3, '0')}`;
    expect(note).toContain(`- ~ environment dev ConfigMap n/${firstCut}`);
    expect(note).toMatch(/- … and \d+ more\n$/);

    const small = formatMarkdown(result, sides, { maxChars: 5000 });
    expect(small.length).toBeLessThanOrEqual(5000);
  });

  it('cuts an over-long resource diff and fences YAML containing backticks safely', () => {
    const data = Object.fromEntries(Array.from({ length: 500 }, (_, i) => [`k${i}`, `v${i}`]));
    const result = diffTrees(
      tree({}),
      tree({
        'apps/dev/a/cm.yaml': {
          apiVersion: 'v1',
          kind: 'ConfigMap',
          metadata: { name: 'a' },
          data: { t: '```', ...data },
        },
      }),
    );
    const markdown = formatMarkdown(result, sides, { maxChars: 65000 });
    expect(markdown).toMatch(/… \d+ more lines cut/);
    expect(markdown).toContain('````diff');
  });
});

describe('Markdown escaping', () => {
  it('regression: a wildcard host in a highlight reads as written, not as emphasis', () => {
    const result = diffTrees(
      tree({
        [HR]: helmRelease({ hosts: { web: '*.dev.example.com', api: '*.api.example.com' } }),
      }),
      tree({ [HR]: helmRelease({ hosts: { web: '*.example.com', api: '*.api.example.com' } }) }),
    );
    const markdown = formatMarkdown(result, { base: 'a', head: 'b' });
    const line = markdown.split('\n').find((l) => l.startsWith('- **helm values**')) ?? '';
    expect(line).toContain('hosts.web: "&#42;.dev.example.com" → "&#42;.example.com"');
    expect(line).not.toMatch(/[*_]\.?(dev\.)?example/);
  });

  it('cuts a header longer than the limit at a line, closing what it opened', () => {
    const before: Record<string, Obj> = {};
    const after: Record<string, Obj> = {};
    for (let i = 0; i < 300; i++) {
      after[`apps/dev/a/kustomization-${i}.yaml`] = {
        apiVersion: 'kustomize.config.k8s.io/v1beta1',
        kind: 'Kustomization',
        resources: [`file-${'x'.repeat(40)}-${i}.yaml`],
      };
    }
    const result = diffTrees(tree(before), tree(after));
    const markdown = formatMarkdown(result, { base: 'a', head: 'b' }, { maxChars: 2000 });
    expect(markdown.length).toBeLessThanOrEqual(2000);
    expect(markdown.endsWith('… cut at the size limit\n')).toBe(true);
    const opened = markdown.match(/<details>/g)?.length ?? 0;
    expect(markdown.match(/<\/details>/g)?.length ?? 0).toBe(opened);
  });
});

describe('text and JSON', () => {
  const result = diffTrees(
    tree({ [DEP]: deployment('shop', 'prod-shop', 'r/shop:1') }),
    tree({ [DEP]: deployment('shop', 'prod-shop', 'r/shop:2') }),
  );
  const sides = { base: 'a', head: 'b' };

  it('prints the summary before the diffs, coloured only when asked', () => {
    const plain = formatText(result, sides);
    expect(plain).not.toContain('\u001b[');
    expect(plain.indexOf('environment prod')).toBeLessThan(plain.indexOf('@@'));
    expect(plain).toContain('[image] environment prod: Deployment prod-shop/shop');
    const coloured = formatText(result, sides, { color: true });
    expect(coloured).toContain('\u001b[31m-          image: r/shop:1\u001b[0m');
    expect(coloured).toContain('\u001b[32m+          image: r/shop:2\u001b[0m');
  });

  it('JSON carries the same facts', () => {
    const json = JSON.parse(formatJson(result, sides)) as {
      differences: boolean;
      resources: { status: string; highlights: { kind: string }[] }[];
    };
    expect(json.differences).toBe(true);
    expect(json.resources[0].status).toBe('changed');
    expect(json.resources[0].highlights.map((h) => h.kind)).toEqual(['image']);
  });

  it('JSON carries the unified hunks with the changed image lines', () => {
    const json = JSON.parse(formatJson(result, sides)) as {
      summary: { scope: { type: string; name: string }; changed: number }[];
      resources: { hunks: { lines: string[] }[] }[];
    };
    expect(json.summary).toEqual([
      expect.objectContaining({ scope: { type: 'environment', name: 'prod' }, changed: 1 }),
    ]);
    const lines = json.resources[0].hunks.flatMap((hunk) => hunk.lines);
    expect(lines).toContain('-          image: r/shop:1');
    expect(lines).toContain('+          image: r/shop:2');
  });
});
