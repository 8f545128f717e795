import { objectsOf, findObject, referenceTree } from '../support/tree';
import { objectsUnder, releaseValues, renderWithPlatform } from '../support/platform';
import type { FluxValues } from '../../constructs/config/flux';

describe('Flux', () => {
  it('adopts the flux release Pulumi installs, in flux-system, protected from pruning', () => {
    const release = findObject(
      referenceTree(),
      'platform/dev/controllers/flux/',
      'HelmRelease',
      'flux',
    );
    expect(release.metadata.namespace).toBe('flux-system');
    expect(release.spec).toMatchObject({
      releaseName: 'flux',
      chart: { spec: { chart: 'flux2', version: '2.19.0' } },
    });
    const namespace = findObject(
      referenceTree(),
      'platform/dev/controllers/flux/',
      'Namespace',
      'flux-system',
    );
    expect((namespace.metadata as { annotations?: Record<string, string> }).annotations).toEqual({
      'kustomize.toolkit.fluxcd.io/prune': 'disabled',
    });
  });

  it('sets the controllers: concurrency, resources, no image automation, PodMonitors', () => {
    const values = releaseValues<FluxValues>('prod', 'flux');
    expect(values.helmController.container.additionalArgs).toEqual(['--concurrent=10']);
    expect(values.kustomizeController.resources.limits).toEqual({ memory: '256Mi' });
    expect(values.imageAutomationController).toEqual({ create: false });
    expect(values.prometheus.podMonitor.create).toBe(true);
  });

  it('notifies each dev-cluster environment on Slack, its channel, through a Secret named only', () => {
    const providers = objectsUnder('platform/dev/configs/flux/', 'Provider');
    expect(providers.map((p) => [p.metadata.name, p.spec])).toEqual([
      ['dev', { type: 'slack', channel: '#alerts-dev', secretRef: { name: 'alerts-slack' } }],
      ['test', { type: 'slack', channel: '#alerts-test', secretRef: { name: 'alerts-slack' } }],
    ]);
  });

  it('notifies prod through the Lark provider (Feishu bots reject generic JSON)', () => {
    const provider = findObject(referenceTree(), 'platform/prod/configs/flux/', 'Provider', 'prod');
    expect(provider.spec).toEqual({ type: 'lark', secretRef: { name: 'alerts-feishu' } });
  });

  it.each(['dev', 'prod'])(
    'alerts on errors of the HelmReleases in every component namespace of %s',
    (cluster) => {
      const releaseNamespaces = [
        ...new Set(
          objectsUnder(`platform/${cluster}/controllers/`, 'HelmRelease').map(
            (release) => release.metadata.namespace,
          ),
        ),
      ];
      // Regression: the Alert watched flux-system only, where only Flux's own release lives.
      expect(releaseNamespaces.length).toBeGreaterThan(5);
      for (const alert of objectsUnder(`platform/${cluster}/configs/flux/`, 'Alert')) {
        const spec = alert.spec as {
          eventSeverity: string;
          eventSources: { kind: string; name: string; namespace: string }[];
        };
        expect(spec.eventSeverity).toBe('error');
        const watched = (kind: string) =>
          spec.eventSources
            .filter((source) => source.kind === kind && source.name === '*')
            .map((source) => source.namespace);
        expect(watched('HelmRelease').sort()).toEqual(releaseNamespaces.sort());
        expect(watched('Kustomization')).toEqual(['flux-system']);
        expect(watched('GitRepository')).toEqual(['flux-system']);
        // Flux rejects a '*' namespace: every source names one.
        expect(spec.eventSources.every((source) => source.namespace !== '*')).toBe(true);
      }
    },
  );

  it('labels each prod alert with its environment', () => {
    const alert = findObject(referenceTree(), 'platform/prod/configs/flux/', 'Alert', 'prod');
    expect(alert.spec).toMatchObject({
      providerRef: { name: 'prod' },
      eventMetadata: { environment: 'prod' },
    });
  });

  it('stops watching the namespace of a component a cluster turns off', () => {
    const tree = renderWithPlatform('dev', { tekton: { enabled: false } });
    const alert = findObject(tree, 'platform/dev/configs/flux/', 'Alert', 'dev');
    const namespaces = (alert.spec as { eventSources: { namespace: string }[] }).eventSources.map(
      (source) => source.namespace,
    );
    expect(namespaces).not.toContain('tekton-operator');
    expect(namespaces).toContain('argocd');
  });

  it('sends info events too when a cluster asks', () => {
    const tree = renderWithPlatform('prod', { flux: { alertSeverity: 'info' } });
    expect(findObject(tree, 'platform/prod/configs/flux/', 'Alert', 'prod').spec).toMatchObject({
      eventSeverity: 'info',
    });
  });

  it('renders no Secret with data anywhere in the tree', () => {
    const objects = objectsOf(referenceTree());
    // Guard against a vacuous pass: the scan must have seen the whole tree.
    expect(objects.length).toBeGreaterThan(200);
    const secrets = objects.filter(({ object }) => object.kind === 'Secret');
    for (const { object } of secrets) {
      expect(object.data).toBeUndefined();
      expect(object.stringData).toBeUndefined();
    }
    // Webhook URLs are referenced by Secret name only, and no manifest embeds one.
    const providers = objects.filter(({ object }) => object.kind === 'Provider');
    expect(providers.length).toBeGreaterThan(0);
    for (const { object } of providers) {
      expect((object.spec as { secretRef?: { name: string } }).secretRef?.name).toMatch(/^alerts-/);
      expect(object.spec).not.toHaveProperty('address');
    }
  });
});
