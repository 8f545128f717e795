import { APP_NAMESPACE_LABEL, STANDARD_LABELS, TEAM_LABEL } from '../../constructs/contract/labels';
import { findObject, referenceTree } from '../support/tree';
import {
  objectsUnder,
  platformError,
  releaseValues,
  renderWithPlatform,
} from '../support/platform';
import type { KyvernoValues } from '../../constructs/config/kyverno';

interface Rule {
  name: string;
  match: {
    any: { resources: { kinds: string[]; namespaceSelector?: unknown; selector?: unknown } }[];
  };
  validate?: { failureAction: string; pattern?: Record<string, unknown>; podSecurity?: unknown };
  generate?: {
    kind: string;
    namespace: string;
    synchronize: boolean;
    data: { spec: Record<string, unknown> };
  };
}

const policy = (cluster: string, name: string, tree = referenceTree()) =>
  findObject(tree, `platform/${cluster}/configs/kyverno/`, 'ClusterPolicy', name);
const rules = (cluster: string, name: string, tree = referenceTree()) =>
  (policy(cluster, name, tree).spec as { rules: Rule[] }).rules;
const appNamespaces = { matchLabels: { [APP_NAMESPACE_LABEL]: 'true' } };

describe('Kyverno', () => {
  it('runs one admission controller in dev and three in prod, with exceptions from its namespace', () => {
    expect(releaseValues<KyvernoValues>('dev', 'kyverno').admissionController.replicas).toBe(1);
    const prod = releaseValues<KyvernoValues>('prod', 'kyverno');
    expect(prod.admissionController).toEqual({ replicas: 3, serviceMonitor: { enabled: true } });
    expect(prod.features.policyExceptions).toEqual({ enabled: true, namespace: 'kyverno' });
    expect(prod.backgroundController.rbac.clusterRole.extraResources).toEqual([
      expect.objectContaining({ apiGroups: ['cilium.io'], resources: ['ciliumnetworkpolicies'] }),
    ]);
  });

  it('renders the baseline policy set in the configs layer', () => {
    const names = objectsUnder('platform/dev/configs/kyverno/', 'ClusterPolicy').map(
      (p) => p.metadata.name,
    );
    expect(names.sort()).toEqual([
      'default-deny-app-namespaces',
      'disallow-latest-tag',
      'pod-security-baseline',
      'pod-security-restricted',
      'require-labels',
      'require-requests-limits',
      'restrict-image-registries',
    ]);
  });

  it('audits in dev and enforces in prod', () => {
    for (const name of [
      'pod-security-restricted',
      'require-requests-limits',
      'disallow-latest-tag',
    ]) {
      expect(rules('dev', name).map((r) => r.validate?.failureAction)).not.toContain('Enforce');
      expect(rules('prod', name).every((r) => r.validate?.failureAction === 'Enforce')).toBe(true);
    }
  });

  it('holds app namespaces to Pod Security restricted and everyone else to baseline', () => {
    const [restricted] = rules('prod', 'pod-security-restricted');
    expect(restricted.match.any[0].resources).toEqual({
      kinds: ['Pod'],
      namespaceSelector: appNamespaces,
    });
    expect(restricted.validate?.podSecurity).toEqual({ level: 'restricted', version: 'latest' });
    const [baseline] = rules('prod', 'pod-security-baseline');
    expect(baseline.match.any[0].resources).toEqual({ kinds: ['Pod'] });
    expect(baseline.validate?.podSecurity).toEqual({ level: 'baseline', version: 'latest' });
  });

  it('applies the app rules to app namespaces only', () => {
    for (const name of [
      'require-requests-limits',
      'disallow-latest-tag',
      'restrict-image-registries',
      'require-labels',
    ]) {
      for (const rule of rules('dev', name)) {
        expect(rule.match.any[0].resources.namespaceSelector).toEqual(appNamespaces);
      }
    }
  });

  it('requires requests, a memory limit, a tag other than latest, and the labels', () => {
    const [limits] = rules('prod', 'require-requests-limits');
    expect(limits.validate?.pattern).toMatchObject({
      spec: {
        containers: [
          { resources: { requests: { cpu: '?*', memory: '?*' }, limits: { memory: '?*' } } },
        ],
      },
    });
    expect(rules('prod', 'disallow-latest-tag').map((r) => r.validate?.pattern)).toEqual([
      expect.objectContaining({
        spec: expect.objectContaining({ containers: [{ image: '*:*' }] }),
      }),
      expect.objectContaining({
        spec: expect.objectContaining({ containers: [{ image: '!*:latest' }] }),
      }),
    ]);
    const [labels] = rules('prod', 'require-labels');
    expect(labels.validate?.pattern).toEqual({
      metadata: {
        labels: {
          [STANDARD_LABELS.name]: '?*',
          [STANDARD_LABELS.instance]: '?*',
          [STANDARD_LABELS.partOf]: '?*',
          [TEAM_LABEL]: '?*',
        },
      },
    });
  });

  it('allows the registries a cluster lists', () => {
    const imageOf = (tree = referenceTree()) =>
      (
        rules('dev', 'restrict-image-registries', tree)[0].validate?.pattern as {
          spec: { containers: { image: string }[] };
        }
      ).spec.containers[0].image;
    expect(imageOf()).toBe('registry.example.com/*');
    const tree = renderWithPlatform('dev', {
      kyverno: { allowedRegistries: ['registry.example.com/', 'ghcr.io/acme/'] },
    });
    expect(imageOf(tree)).toBe('registry.example.com/* | ghcr.io/acme/*');
  });

  it('generates a synchronized default-deny CiliumNetworkPolicy in every app namespace', () => {
    const [rule] = rules('prod', 'default-deny-app-namespaces');
    expect(rule.match.any[0].resources).toEqual({ kinds: ['Namespace'], selector: appNamespaces });
    expect(rule.generate).toMatchObject({
      apiVersion: 'cilium.io/v2',
      kind: 'CiliumNetworkPolicy',
      name: 'default-deny',
      namespace: '{{request.object.metadata.name}}',
      synchronize: true,
    });
    expect(rule.generate?.data.spec).toMatchObject({ endpointSelector: {}, ingress: [{}] });
  });

  it('excepts only the node agents of enabled components from baseline', () => {
    const exceptions = objectsUnder('platform/prod/configs/kyverno/', 'PolicyException');
    const scope = exceptions.map((e) => {
      const spec = e.spec as {
        exceptions: unknown[];
        match: { any: { resources: { namespaces: string[]; names: string[] } }[] };
      };
      expect(e.metadata.namespace).toBe('kyverno');
      expect(spec.exceptions).toEqual([
        { policyName: 'pod-security-baseline', ruleNames: ['baseline'] },
      ]);
      return [spec.match.any[0].resources.namespaces, spec.match.any[0].resources.names];
    });
    expect(scope).toEqual(
      expect.arrayContaining([
        [['kube-system'], ['cilium-*', 'cilium-envoy-*']],
        // The Ceph CSI pods are named after their driver (rook-ceph.rbd.csi.ceph.com-nodeplugin-…).
        [['rook-ceph'], ['rook-ceph-*', 'rook-ceph.*.csi.ceph.com-*']],
        [['monitoring'], ['kube-prometheus-stack-prometheus-node-exporter-*']],
        [['metallb-system'], ['metallb-speaker-*', 'metallb-frr-k8s-*']],
      ]),
    );
    expect(scope).toHaveLength(4);
    const withoutMetalLb = renderWithPlatform('prod', { metallb: { enabled: false } });
    expect(
      objectsUnder('platform/prod/configs/kyverno/', 'PolicyException', withoutMetalLb),
    ).toHaveLength(3);
  });

  it('lets a cluster choose Enforce in dev', () => {
    const tree = renderWithPlatform('dev', { kyverno: { failureAction: 'Enforce' } });
    expect(rules('dev', 'require-labels', tree)[0].validate?.failureAction).toBe('Enforce');
  });

  describe('bad input', () => {
    it('refuses two admission controllers', () => {
      expect(
        platformError('prod', { kyverno: { values: { admissionController: { replicas: 2 } } } }),
      ).toBe(
        "cluster 'prod' platform.kyverno.values.admissionController.replicas: must be 1, or 3 or more for high availability (Kyverno does not support 2), got 2",
      );
    });

    it('refuses an empty or malformed registry list', () => {
      expect(platformError('dev', { kyverno: { allowedRegistries: [] } })).toBe(
        "cluster 'dev' platform.kyverno.allowedRegistries: must list at least one registry, or no app image could run",
      );
      expect(platformError('dev', { kyverno: { allowedRegistries: ['docker.io'] } })).toBe(
        "cluster 'dev' platform.kyverno.allowedRegistries[0]: must be a registry host (and optional path) ending in '/', e.g. 'ghcr.io/acme/', got 'docker.io'",
      );
    });

    it('refuses to turn PolicyExceptions off', () => {
      expect(
        platformError('prod', {
          kyverno: { values: { features: { policyExceptions: { enabled: false } } } },
        }),
      ).toBe(
        "cluster 'prod' platform.kyverno.values.features.policyExceptions.enabled: must stay true: the node agents' PolicyExceptions would be ignored and their pods rejected",
      );
    });
  });
});
