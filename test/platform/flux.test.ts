import type { FluxValues } from '../../constructs/platform/flux';
import { objectsOf } from '../support/tree';
import { findObject, referenceTree } from '../support/tree';
import { objectsUnder, releaseValues, renderWithPlatform } from '../support/platform';

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

  it('notifies prod through a generic webhook (Feishu) on errors of every Flux object', () => {
    const provider = findObject(referenceTree(), 'platform/prod/configs/flux/', 'Provider', 'prod');
    expect(provider.spec).toEqual({ type: 'generic', secretRef: { name: 'alerts-feishu' } });
    const alert = findObject(referenceTree(), 'platform/prod/configs/flux/', 'Alert', 'prod');
    expect(alert.spec).toEqual({
      providerRef: { name: 'prod' },
      eventSeverity: 'error',
      eventSources: ['Kustomization', 'GitRepository', 'HelmRelease'].map((kind) => ({
        kind,
        name: '*',
        namespace: 'flux-system',
      })),
      eventMetadata: { environment: 'prod' },
    });
  });

  it('sends info events too when a cluster asks', () => {
    const tree = renderWithPlatform('prod', { flux: { alertSeverity: 'info' } });
    expect(findObject(tree, 'platform/prod/configs/flux/', 'Alert', 'prod').spec).toMatchObject({
      eventSeverity: 'info',
    });
  });

  it('renders no Secret with data anywhere in the tree', () => {
    const secrets = objectsOf(referenceTree()).filter(({ object }) => object.kind === 'Secret');
    for (const { object } of secrets) {
      expect(object.data).toBeUndefined();
      expect(object.stringData).toBeUndefined();
    }
  });
});
