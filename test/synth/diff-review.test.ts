// The acceptance scenario of the manifest diff: a PR that bumps one app's image in prod and
// one HelmRelease value on dev must show exactly those two changes, readable at a glance.
import { loadConfig } from '../../environments';
import { devCluster } from '../../environments/clusters/dev';
import { prodCluster } from '../../environments/clusters/prod';
import { ENVIRONMENTS } from '../../environments';
import { productionScopes } from '../../synth/diff/cli';
import { diffTrees } from '../../synth/diff/compare';
import { formatMarkdown } from '../../synth/diff/format';
import { HighlightKind } from '../../synth/diff/model';
import { defaultCatalog, renderTree } from '../../synth/render';

describe('a PR changing one image and one HelmRelease value', () => {
  const config = loadConfig();
  const catalog = defaultCatalog(config);
  const before = renderTree(config, undefined, catalog).files;

  const changedConfig = loadConfig(
    [
      {
        ...devCluster,
        platform: { ...devCluster.platform, certManager: { values: { replicaCount: 2 } } },
      },
      prodCluster,
    ],
    ENVIRONMENTS,
  );
  const after = renderTree(changedConfig, undefined, {
    ...catalog,
    versions: { ...catalog.versions, prod: { ...catalog.versions.prod, 'checkout-api': '1.7.4' } },
  }).files;
  const result = diffTrees(before, after, { isProduction: productionScopes(config) });

  it('finds exactly the Rollout in prod and the HelmRelease on dev', () => {
    expect(
      result.resources.map((r) => `${r.status} ${r.id.scope.type} ${r.id.scope.name} ${r.id.kind}`),
    ).toEqual(['changed cluster dev HelmRelease', 'changed environment prod Rollout']);
    expect(result.kustomizations).toEqual([]);
  });

  it('highlights the image and the value, and nothing else', () => {
    expect(result.resources.flatMap((r) => r.highlights)).toEqual([
      { kind: HighlightKind.HELM_VALUES, message: 'replicaCount: 1 → 2' },
      {
        kind: HighlightKind.IMAGE,
        message:
          'container checkout-api (registry.example.com/payments/checkout-api): 1.7.3 → 1.7.4',
      },
    ]);
  });

  it('renders a short comment: two highlights, two sections', () => {
    const markdown = formatMarkdown(result, { base: 'origin/main', head: 'this PR' });
    expect(markdown).toContain('**0 added, 2 changed, 0 removed**');
    expect(markdown.match(/^- \*\*/gm)).toHaveLength(2);
    expect(markdown.match(/<details>/g)).toHaveLength(2);
    expect(markdown.length).toBeLessThan(3000);
  });
});
