import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseAllDocuments, stringify } from 'yaml';
import { FLUX_DISTRIBUTION } from '../../constructs/platform/versions';
import { PLATFORM_NAMESPACES } from '../../constructs/contract/names';
import { objectsOf, findObject, referenceTree, type RenderedObject } from '../support/tree';
import { objectsUnder, platformError, renderWithPlatform } from '../support/platform';
import type { RenderedTree } from '../../synth/render';

interface Patch {
  patch: string;
  target: {
    group?: string;
    version?: string;
    kind?: string;
    name?: string;
    labelSelector?: string;
  };
}

const CORE = [
  'source-controller',
  'kustomize-controller',
  'helm-controller',
  'notification-controller',
];
const EXTRA = ['image-reflector-controller', 'image-automation-controller', 'source-watcher'];

const fluxKustomization = (cluster: string, tree: RenderedTree = referenceTree()) =>
  findObject(tree, `platform/${cluster}/controllers/flux/`, 'Kustomization', 'flux');

const patchesOf = (cluster: string, tree?: RenderedTree): Patch[] =>
  (fluxKustomization(cluster, tree).spec as { patches: Patch[] }).patches;

/** The JSON patch operations aimed at one controller's Deployment. */
function controllerOps(cluster: string, name: string, tree?: RenderedTree): unknown[] {
  const found = patchesOf(cluster, tree).filter(
    (p) => p.target.kind === 'Deployment' && p.target.name === name,
  );
  expect(found).toHaveLength(1);
  expect(found[0].target).toEqual({ group: 'apps', version: 'v1', kind: 'Deployment', name });
  return JSON.parse(found[0].patch) as unknown[];
}

const removals = (cluster: string, tree?: RenderedTree) =>
  patchesOf(cluster, tree)
    .filter((p) => p.target.labelSelector !== undefined)
    .map((p) => p.target.labelSelector);

const args = (...values: string[]) =>
  values.map((value) => ({ op: 'add', path: '/spec/template/spec/containers/0/args/-', value }));

describe('Flux', () => {
  it('adopts Flux from the manifests of the catalog release, signed by Flux’s release workflow', () => {
    expect(FLUX_DISTRIBUTION.version).toBe('v2.9.4');
    const source = findObject(
      referenceTree(),
      'platform/dev/controllers/flux/',
      'OCIRepository',
      'flux-manifests',
    );
    expect(source.metadata.namespace).toBe('flux-system');
    expect(source.spec).toEqual({
      interval: '12h',
      url: 'oci://ghcr.io/fluxcd/flux-manifests',
      ref: { tag: 'v2.9.4' },
      verify: {
        provider: 'cosign',
        matchOIDCIdentity: [
          {
            issuer: '^https://token\\.actions\\.githubusercontent\\.com$',
            subject:
              '^https://github\\.com/fluxcd/flux2/\\.github/workflows/release\\.yaml@refs/tags/v.+$',
          },
        ],
      },
    });
    const identity = (source.spec as { verify: { matchOIDCIdentity: { subject: string }[] } })
      .verify.matchOIDCIdentity[0].subject;
    expect(
      new RegExp(identity).test(
        'https://github.com/fluxcd/flux2/.github/workflows/release.yaml@refs/tags/v2.9.4',
      ),
    ).toBe(true);
    expect(new RegExp(identity).test('https://github.com/fluxcd/flux2-fork/x@refs/tags/v2')).toBe(
      false,
    );
    const kustomization = fluxKustomization('dev');
    expect(kustomization.metadata.namespace).toBe('flux-system');
    expect(kustomization.spec).toMatchObject({
      sourceRef: { kind: 'OCIRepository', name: 'flux-manifests' },
      path: './',
      prune: false,
      wait: true,
      timeout: '5m',
      retryInterval: '1m',
    });
    // No chart any more: the flux2 chart has no release of Flux v2.9.
    expect(objectsUnder('platform/dev/controllers/flux/', 'HelmRelease')).toEqual([]);
    expect(objectsUnder('platform/dev/controllers/flux/', 'HelmRepository')).toEqual([]);
  });

  it('keeps flux-system protected from pruning and owned by this component alone', () => {
    const namespace = findObject(
      referenceTree(),
      'platform/dev/controllers/flux/',
      'Namespace',
      'flux-system',
    );
    expect((namespace.metadata as { annotations?: Record<string, string> }).annotations).toEqual({
      'kustomize.toolkit.fluxcd.io/prune': 'disabled',
    });
    const namespacePatch = patchesOf('dev').find((p) => p.target.kind === 'Namespace');
    expect(namespacePatch?.target).toEqual({
      version: 'v1',
      kind: 'Namespace',
      name: 'flux-system',
    });
    expect(JSON.parse(namespacePatch?.patch ?? '')).toMatchObject({ $patch: 'delete' });
  });

  it('gates the next layer on the Kustomization being Ready', () => {
    const layer = findObject(
      referenceTree(),
      'clusters/prod/',
      'Kustomization',
      'platform-controllers',
    );
    const checks = (layer.spec as { healthChecks: { kind: string; name: string }[] }).healthChecks;
    expect(checks).toContainEqual({
      apiVersion: 'kustomize.toolkit.fluxcd.io/v1',
      kind: 'Kustomization',
      name: 'flux',
      namespace: 'flux-system',
    });
    expect(checks.filter((check) => check.kind === 'HelmRelease' && check.name === 'flux')).toEqual(
      [],
    );
  });

  it('patches each controller: concurrency, log level, requests and memory limit', () => {
    const resources = (memory: string) => [
      {
        op: 'add',
        path: '/spec/template/spec/containers/0/resources/requests',
        value: { cpu: '50m', memory },
      },
      {
        op: 'add',
        path: '/spec/template/spec/containers/0/resources/limits/memory',
        value: memory,
      },
    ];
    for (const name of ['source-controller', 'kustomize-controller', 'helm-controller']) {
      expect(controllerOps('prod', name)).toEqual([
        ...args('--concurrent=10', '--log-level=info'),
        ...resources('256Mi'),
      ]);
    }
    expect(controllerOps('prod', 'notification-controller')).toEqual([
      ...args('--concurrent=5', '--log-level=info'),
      ...resources('64Mi'),
    ]);
  });

  it('removes the image automation controllers and source-watcher, every object of each', () => {
    expect(removals('prod')).toEqual(EXTRA.map((name) => `app.kubernetes.io/component=${name}`));
    for (const patch of patchesOf('prod').filter((p) => p.target.labelSelector)) {
      expect(JSON.parse(patch.patch)).toMatchObject({ $patch: 'delete' });
    }
  });

  it('merges a cluster’s overrides: a field set, its siblings kept, the log level everywhere', () => {
    const tree = renderWithPlatform('prod', {
      flux: {
        values: {
          logLevel: 'debug',
          kustomizeController: { concurrent: 20, resources: { limits: { memory: '1Gi' } } },
          extraControllers: ['source-watcher'],
        },
      },
    });
    expect(controllerOps('prod', 'kustomize-controller', tree)).toEqual([
      ...args('--concurrent=20', '--log-level=debug'),
      {
        op: 'add',
        path: '/spec/template/spec/containers/0/resources/requests',
        value: { cpu: '50m', memory: '256Mi' },
      },
      { op: 'add', path: '/spec/template/spec/containers/0/resources/limits/memory', value: '1Gi' },
    ]);
    expect(controllerOps('prod', 'helm-controller', tree).slice(0, 2)).toEqual(
      args('--concurrent=10', '--log-level=debug'),
    );
    // A kept optional controller gets the log level only; the other two stay removed.
    expect(controllerOps('prod', 'source-watcher', tree)).toEqual(args('--log-level=debug'));
    expect(removals('prod', tree)).toEqual([
      'app.kubernetes.io/component=image-reflector-controller',
      'app.kubernetes.io/component=image-automation-controller',
    ]);
    const monitor = findObject(tree, 'platform/prod/configs/flux/', 'PodMonitor', 'flux');
    expect(monitor.spec).toMatchObject({
      selector: { matchExpressions: [{ values: [...CORE, 'source-watcher'] }] },
    });
  });

  it('scrapes the controllers with a PodMonitor in the configs layer where monitoring runs', () => {
    const monitor = findObject(
      referenceTree(),
      'platform/prod/configs/flux/',
      'PodMonitor',
      'flux',
    );
    expect(monitor.metadata.namespace).toBe('flux-system');
    expect(monitor.spec).toEqual({
      namespaceSelector: { matchNames: ['flux-system'] },
      selector: {
        matchExpressions: [{ key: 'app.kubernetes.io/component', operator: 'In', values: CORE }],
      },
      podMetricsEndpoints: [{ port: 'http-prom' }],
    });
    expect(objectsUnder('platform/prod/controllers/', 'PodMonitor')).toEqual([]);
    const without = renderWithPlatform('dev', { monitoring: { enabled: false } });
    expect(objectsUnder('platform/dev/', 'PodMonitor', without)).toEqual([]);
    // Control: the same cluster with monitoring has it.
    expect(objectsUnder('platform/dev/configs/flux/', 'PodMonitor')).toHaveLength(1);
  });

  it('rejects a PodMonitor without monitoring, a bad concurrency and image automation alone', () => {
    expect(
      platformError('dev', {
        monitoring: { enabled: false },
        flux: { values: { podMonitor: true } },
      }),
    ).toBe(
      "cluster 'dev' platform.flux.values.podMonitor: must be false while monitoring is disabled: the PodMonitor CRD comes with it",
    );
    expect(
      platformError('prod', { flux: { values: { sourceController: { concurrent: 0 } } } }),
    ).toBe(
      "cluster 'prod' platform.flux.values.sourceController.concurrent: must be a positive integer, got 0",
    );
    expect(
      platformError('prod', {
        flux: { values: { extraControllers: ['image-automation-controller'] } },
      }),
    ).toBe(
      "cluster 'prod' platform.flux.values.extraControllers: lists 'image-automation-controller' without 'image-reflector-controller', whose ImagePolicies it reads",
    );
  });

  describe('applied by kustomize to manifests shaped like Flux’s', () => {
    // A stand-in for the artifact's gotk-components.yaml: the labels, container and flags the
    // patches rely on, not Flux's content.
    const controller = (name: string) => [
      {
        apiVersion: 'v1',
        kind: 'ServiceAccount',
        metadata: {
          name,
          namespace: 'flux-system',
          labels: { 'app.kubernetes.io/component': name },
        },
      },
      {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: {
          name,
          namespace: 'flux-system',
          labels: { 'app.kubernetes.io/component': name },
        },
        spec: {
          template: {
            spec: {
              containers: [
                {
                  name: 'manager',
                  args: ['--watch-all-namespaces=true', '--log-level=info'],
                  resources: {
                    limits: { cpu: '1000m', memory: '1Gi' },
                    requests: { cpu: '50m', memory: '64Mi' },
                  },
                },
              ],
            },
          },
        },
      },
    ];
    const crd = (name: string, component: string) => ({
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'CustomResourceDefinition',
      metadata: { name, labels: { 'app.kubernetes.io/component': component } },
    });
    const standIn = [
      { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'flux-system' } },
      crd('gitrepositories.source.toolkit.fluxcd.io', 'source-controller'),
      crd('imagepolicies.image.toolkit.fluxcd.io', 'image-reflector-controller'),
      crd('artifactgenerators.source.extensions.fluxcd.io', 'source-watcher'),
      ...[...CORE, ...EXTRA].flatMap(controller),
    ];

    let built: RenderedObject[];
    beforeAll(() => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flux-patches-'));
      try {
        fs.writeFileSync(
          path.join(dir, 'gotk-components.yaml'),
          standIn.map((object) => stringify(object)).join('---\n'),
        );
        // What kustomize-controller generates for a path without a kustomization.yaml.
        fs.writeFileSync(
          path.join(dir, 'kustomization.yaml'),
          stringify({
            apiVersion: 'kustomize.config.k8s.io/v1beta1',
            kind: 'Kustomization',
            resources: ['gotk-components.yaml'],
            patches: patchesOf('prod'),
          }),
        );
        const output = execFileSync('kubectl', ['kustomize', dir], { encoding: 'utf8' });
        built = parseAllDocuments(output).map((document) => document.toJS() as RenderedObject);
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });

    const deploymentOf = (name: string) =>
      built.find((object) => object.kind === 'Deployment' && object.metadata.name === name);
    const container = (name: string) =>
      (
        deploymentOf(name)?.spec as {
          template: { spec: { containers: { args: string[]; resources: unknown }[] } };
        }
      ).template.spec.containers[0];

    it('keeps the core controllers, with the flags appended and the sizes set', () => {
      expect(container('kustomize-controller')).toMatchObject({
        args: [
          '--watch-all-namespaces=true',
          '--log-level=info',
          '--concurrent=10',
          '--log-level=info',
        ],
        // Flux's CPU limit stays; requests and the memory limit are the platform's.
        resources: {
          limits: { cpu: '1000m', memory: '256Mi' },
          requests: { cpu: '50m', memory: '256Mi' },
        },
      });
      expect(container('notification-controller').resources).toEqual({
        limits: { cpu: '1000m', memory: '64Mi' },
        requests: { cpu: '50m', memory: '64Mi' },
      });
    });

    it('drops every object of the optional controllers and the namespace, nothing else', () => {
      const names = built.map((object) => `${object.kind}/${object.metadata.name}`).sort();
      expect(names).toEqual(
        [
          'CustomResourceDefinition/gitrepositories.source.toolkit.fluxcd.io',
          ...CORE.flatMap((name) => [`Deployment/${name}`, `ServiceAccount/${name}`]),
        ].sort(),
      );
    });
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
        ...new Set([
          ...objectsUnder(`platform/${cluster}/controllers/`, 'HelmRelease').map(
            (release) => release.metadata.namespace,
          ),
          // Flux itself has no HelmRelease any more; flux-system is still watched.
          'flux-system',
          // Components rendered without a chart have no HelmRelease; their namespaces are
          // platform namespaces all the same (watched, with nothing to report until one has).
          PLATFORM_NAMESPACES.kubeletServingCertApprover,
          PLATFORM_NAMESPACES.metricsServer,
        ]),
      ];
      // Regression: the Alert watched flux-system only, where only Flux's own release lived.
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
        // Flux's own manifests: a failed pull or signature check is reported too.
        expect(watched('OCIRepository')).toEqual(['flux-system']);
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

  it('renders no Secret value in the clear anywhere in the tree', () => {
    const objects = objectsOf(referenceTree());
    // Guard against a vacuous pass: the scan must have seen the whole tree.
    expect(objects.length).toBeGreaterThan(200);
    const secrets = objects.filter(({ object }) => object.kind === 'Secret');
    expect(secrets.length).toBeGreaterThan(0);
    for (const { object } of secrets) {
      // Every Secret is a SOPS file from secrets/<cluster>/: Flux decrypts it.
      expect(object).toHaveProperty('sops.mac');
      const values = { ...(object.data ?? {}), ...(object.stringData ?? {}) } as Record<
        string,
        string
      >;
      for (const value of Object.values(values)) expect(value).toMatch(/^ENC\[AES256_GCM,/);
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
