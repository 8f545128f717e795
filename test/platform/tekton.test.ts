import { findObject, objectsOf, referenceTree } from '../support/tree';
import {
  objectsUnder,
  platformError,
  releaseValues,
  renderWithPlatform,
} from '../support/platform';
import type { TektonValues } from '../../constructs/config/tekton';

const SEMVER = /^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$/;

describe('Tekton', () => {
  it('installs the operator chart from its OCI artifact at a semver version Helm accepts', () => {
    const source = findObject(
      referenceTree(),
      'platform/dev/controllers/tekton-operator/',
      'OCIRepository',
      'tekton-operator',
    );
    expect(source.spec).toMatchObject({
      url: 'oci://ghcr.io/tektoncd/operator/charts/tekton-operator',
      ref: { tag: '0.80.0' },
    });
    expect((source.spec as { ref: { tag: string } }).ref.tag).toMatch(SEMVER);
    const release = findObject(
      referenceTree(),
      'platform/dev/controllers/tekton-operator/',
      'HelmRelease',
      'tekton-operator',
    );
    expect(release.spec).toMatchObject({
      chartRef: { kind: 'OCIRepository', name: 'tekton-operator' },
      install: { crds: 'CreateReplace' },
    });
    // Regression: the chart in the operator's Git tree says `version: devel`, which Helm rejects.
    expect(objectsUnder('platform/dev/controllers/tekton-operator/', 'GitRepository')).toEqual([]);
  });

  it.each(['dev', 'prod'])(
    'runs the operator pods as Pod Security "restricted" requires on %s',
    (cluster) => {
      const values = releaseValues<TektonValues>(cluster, 'tekton-operator');
      // Each rule of the restricted profile the chart's empty defaults ({}) break.
      expect(values.securityContext.allowPrivilegeEscalation).toBe(false);
      expect(values.securityContext.capabilities.drop).toEqual(['ALL']);
      expect(values.podSecurityContext.runAsNonRoot).toBe(true);
      expect(values.podSecurityContext.runAsUser).toBeGreaterThan(0);
      expect(values.podSecurityContext.seccompProfile).toEqual({ type: 'RuntimeDefault' });
      const namespace = findObject(
        referenceTree(),
        `platform/${cluster}/controllers/tekton-operator/`,
        'Namespace',
        'tekton-operator',
      );
      expect(namespace.metadata.labels?.['pod-security.kubernetes.io/enforce']).toBe('restricted');
    },
  );

  it('configures the components with one TektonConfig in the configs layer, not auto-install', () => {
    const config = findObject(
      referenceTree(),
      'platform/prod/configs/tekton-operator/',
      'TektonConfig',
      'config',
    );
    expect(config.apiVersion).toBe('operator.tekton.dev/v1alpha1');
    expect(config.metadata.namespace).toBeUndefined();
    expect(config.spec).toEqual({
      profile: 'all',
      targetNamespace: 'tekton-pipelines',
      pruner: {
        disabled: false,
        schedule: '0 3 * * *',
        resources: ['pipelinerun', 'taskrun'],
        keep: 20,
        'prune-per-resource': true,
      },
      // `options` is required by the operator chart's TektonConfig CRD.
      dashboard: { readonly: true, options: {} },
    });
    expect(releaseValues<TektonValues>('prod', 'tekton-operator')).toMatchObject({
      installCRDs: true,
      operator: { autoInstallComponents: false, defaultTargetNamespace: 'tekton-pipelines' },
      service: { createServiceMonitor: true },
    });
  });

  it.each(['dev', 'prod'])('pins the Dashboard read-only on %s (it has no login)', (cluster) => {
    const configs = objectsOf(referenceTree()).filter(
      ({ file, object }) =>
        file.startsWith(`platform/${cluster}/`) && object.kind === 'TektonConfig',
    );
    expect(configs.map(({ object }) => (object.spec as { dashboard?: unknown }).dashboard)).toEqual(
      [{ readonly: true, options: {} }],
    );
  });

  it('keeps a slow or broken Tekton install from holding back the apps layer', () => {
    // platform-configs waits for everything it applies and the apps layer waits for it; for
    // the TektonConfig it is enough that the operator has taken it.
    const configsLayer = (tree = referenceTree()) =>
      findObject(tree, 'clusters/prod/', 'Kustomization', 'platform-configs').spec as {
        wait: boolean;
        healthCheckExprs?: { apiVersion: string; kind: string; current: string }[];
      };
    expect(configsLayer().wait).toBe(true);
    expect(configsLayer().healthCheckExprs).toEqual([
      {
        apiVersion: 'operator.tekton.dev/v1alpha1',
        kind: 'TektonConfig',
        current: 'has(status.conditions)',
      },
    ]);
    const withoutTekton = renderWithPlatform('prod', { tekton: { enabled: false } });
    expect(configsLayer(withoutTekton).healthCheckExprs).toBeUndefined();
  });

  it("scrapes the Pipelines controller's metrics where monitoring runs, for the delivery board", () => {
    const monitor = findObject(
      referenceTree(),
      'platform/dev/configs/tekton-operator/',
      'ServiceMonitor',
      'tekton-pipelines-controller',
    );
    expect(monitor.metadata.namespace).toBe('tekton-pipelines');
    // The Service the operator creates from Pipelines' config/controller.yaml.
    expect(monitor.spec).toEqual({
      selector: {
        matchLabels: {
          'app.kubernetes.io/name': 'controller',
          'app.kubernetes.io/component': 'controller',
          'app.kubernetes.io/part-of': 'tekton-pipelines',
        },
      },
      endpoints: [{ port: 'http-metrics', interval: '30s' }],
    });
    const unmonitored = renderWithPlatform('dev', { monitoring: { enabled: false } });
    expect(
      objectsUnder('platform/dev/configs/tekton-operator/', 'ServiceMonitor', unmonitored),
    ).toEqual([]);
  });

  describe('bad input', () => {
    it('refuses a pruner that keeps no runs, or a fraction of one', () => {
      for (const keep of [0, 1.5]) {
        expect(platformError('dev', { tekton: { pruner: { keep } } })).toBe(
          `cluster 'dev' platform.tekton.pruner.keep: must be a whole number of at least 1 (runs kept per pipeline or task), got ${keep}`,
        );
      }
    });

    it('refuses a pruner schedule that is not a five-field cron expression', () => {
      expect(platformError('prod', { tekton: { pruner: { schedule: 'daily' } } })).toBe(
        "cluster 'prod' platform.tekton.pruner.schedule: must be a cron schedule of five fields like '0 3 * * *', got 'daily'",
      );
    });
  });

  it('lets a cluster tune the pruner', () => {
    const tree = renderWithPlatform('dev', {
      tekton: { pruner: { keep: 5, schedule: '*/30 * * * *' } },
    });
    const config = findObject(
      tree,
      'platform/dev/configs/tekton-operator/',
      'TektonConfig',
      'config',
    );
    expect((config.spec as { pruner?: unknown }).pruner).toMatchObject({
      keep: 5,
      schedule: '*/30 * * * *',
    });
  });

  it('renders the components namespace beside the route that needs it, restricted', () => {
    // Regression: the route was applied before the operator had created tekton-pipelines.
    const prefix = 'platform/dev/configs/tekton-operator/';
    // The Dashboard has no login: no route unless a cluster asks for one.
    expect(objectsUnder(prefix, 'HTTPRoute')).toEqual([]);
    const published = renderWithPlatform('dev', { tekton: { publishUi: true } });
    const route = findObject(published, prefix, 'HTTPRoute', 'tekton');
    expect(route.metadata.namespace).toBe('tekton-pipelines');
    const namespace = findObject(published, prefix, 'Namespace', 'tekton-pipelines');
    expect(namespace.metadata.labels).toMatchObject({
      'pod-security.kubernetes.io/enforce': 'restricted',
      'pod-security.kubernetes.io/warn': 'restricted',
    });
    expect(route.spec).toMatchObject({
      hostnames: ['tekton.dev.platform.example.com'],
      rules: [{ backendRefs: [{ name: 'tekton-dashboard', port: 9097 }] }],
    });
  });
});
