import type { TektonValues } from '../../constructs/platform/tekton';
import { findObject, referenceTree } from '../support/tree';
import { releaseValues } from '../support/platform';

describe('Tekton', () => {
  it('builds the Tekton Operator chart from its repository at the release tag', () => {
    const source = findObject(
      referenceTree(),
      'platform/dev/controllers/tekton-operator/',
      'GitRepository',
      'tekton-operator',
    );
    expect(source.spec).toMatchObject({
      url: 'https://github.com/tektoncd/operator',
      ref: { tag: 'v0.78.1' },
    });
    const release = findObject(
      referenceTree(),
      'platform/dev/controllers/tekton-operator/',
      'HelmRelease',
      'tekton-operator',
    );
    expect(release.spec).toMatchObject({
      chart: {
        spec: {
          chart: './charts/tekton-operator',
          sourceRef: { kind: 'GitRepository', name: 'tekton-operator' },
        },
      },
      install: { crds: 'CreateReplace' },
    });
  });

  it('lets the operator install Pipelines, Triggers and Dashboard into tekton-pipelines', () => {
    expect(releaseValues<TektonValues>('prod', 'tekton-operator')).toMatchObject({
      installCRDs: true,
      operator: { autoInstallComponents: true, defaultTargetNamespace: 'tekton-pipelines' },
      service: { createServiceMonitor: true },
    });
  });

  it('routes the dashboard on the platform listener', () => {
    const route = findObject(
      referenceTree(),
      'platform/dev/configs/tekton-operator/',
      'HTTPRoute',
      'tekton',
    );
    expect(route.metadata.namespace).toBe('tekton-pipelines');
    expect(route.spec).toMatchObject({
      hostnames: ['tekton.dev.platform.example.com'],
      rules: [{ backendRefs: [{ name: 'tekton-dashboard', port: 9097 }] }],
    });
  });
});
