import { ciliumValues } from '../../constructs/platform/cilium';
import { devCluster } from '../../environments/clusters/dev';
import { prodCluster } from '../../environments/clusters/prod';
import { CILIUM_RELEASE } from '../../infra/bootstrap';
import { findObject, objectsOf, referenceTree } from '../support/tree';
import {
  objectsUnder,
  platformError,
  releaseValues,
  renderWithPlatform,
} from '../support/platform';
import { type CiliumValues } from '../../constructs/config/cilium';
import {
  CLUSTER_GATEWAY,
  PLATFORM_LISTENER,
  environmentListener,
} from '../../constructs/contract/gateway';

interface Listener {
  name: string;
  hostname: string;
  port: number;
  protocol: string;
  tls: { mode: string; certificateRefs: { kind: string; name: string }[] };
  allowedRoutes: { namespaces: { from: string } };
}

const gateway = (cluster: string, tree = referenceTree()) =>
  findObject(tree, `platform/${cluster}/configs/cilium/`, 'Gateway', CLUSTER_GATEWAY.name);
const listeners = (cluster: string) =>
  (gateway(cluster).spec as { listeners: Listener[] }).listeners;

describe('Cilium', () => {
  it('adopts the release Pulumi installs: same name, namespace and exactly ciliumValues(cluster)', () => {
    const release = findObject(
      referenceTree(),
      'platform/dev/controllers/cilium/',
      'HelmRelease',
      'cilium',
    );
    expect(release.metadata.namespace).toBe(CILIUM_RELEASE.namespace);
    expect(release.spec).toMatchObject({ releaseName: CILIUM_RELEASE.name });
    expect(releaseValues('dev', 'cilium')).toEqual(ciliumValues(devCluster));
    expect(releaseValues('prod', 'cilium')).toEqual(ciliumValues(prodCluster));
    expect(release.spec?.dependsOn).toBeUndefined();
  });

  it('replaces kube-proxy, talks to KubePrism and keeps Hubble relay and UI on', () => {
    const values = ciliumValues(devCluster);
    expect(values).toMatchObject({
      kubeProxyReplacement: true,
      k8sServiceHost: 'localhost',
      k8sServicePort: 7445,
      hubble: { enabled: true, relay: { enabled: true }, ui: { enabled: true } },
      gatewayAPI: { enabled: true },
      l2announcements: { enabled: false },
      prometheus: { enabled: true, serviceMonitor: { enabled: false } },
    });
  });

  it('runs one operator on the one-node dev cluster and two in prod', () => {
    expect(releaseValues<CiliumValues>('dev', 'cilium').operator.replicas).toBe(1);
    expect(releaseValues<CiliumValues>('prod', 'cilium').operator.replicas).toBe(2);
  });

  it('applies the Gateway API CRDs of the catalog tag in the crds layer, never pruned', () => {
    const source = findObject(
      referenceTree(),
      'platform/dev/crds/cilium/',
      'GitRepository',
      'gateway-api-crds',
    );
    expect(source.spec).toMatchObject({
      url: 'https://github.com/kubernetes-sigs/gateway-api',
      // Cilium 1.19's operator exits with Gateway API v1.5+ (constructs/platform/compatibility.ts).
      ref: { tag: 'v1.4.1' },
    });
    const apply = findObject(
      referenceTree(),
      'platform/dev/crds/cilium/',
      'Kustomization',
      'gateway-api-crds',
    );
    expect(apply.spec).toMatchObject({ path: './config/crd/standard', prune: false, wait: true });
  });

  it('gives the dev Gateway an HTTPS listener per hosted environment and the cluster domain', () => {
    expect(gateway('dev').spec).toMatchObject({
      gatewayClassName: 'cilium',
      infrastructure: { annotations: { 'metallb.io/loadBalancerIPs': '10.10.0.200' } },
    });
    expect(listeners('dev').map((l) => [l.name, l.hostname])).toEqual([
      [environmentListener('dev'), '*.dev.example.com'],
      [environmentListener('test'), '*.test.example.com'],
      [PLATFORM_LISTENER, '*.dev.platform.example.com'],
    ]);
    for (const listener of listeners('dev')) {
      expect(listener).toMatchObject({
        port: 443,
        protocol: 'HTTPS',
        tls: {
          mode: 'Terminate',
          certificateRefs: [{ kind: 'Secret', name: `${listener.name}-tls` }],
        },
        // Only the namespaces that may use the listener's hosts (gateway-routes.test.ts).
        allowedRoutes: { namespaces: { from: 'Selector' } },
      });
    }
  });

  it('gives the prod Gateway the prod environment and platform listeners on its pool address', () => {
    expect(listeners('prod').map((l) => [l.name, l.hostname])).toEqual([
      ['https-prod', '*.example.com'],
      ['https-platform', '*.prod.platform.example.com'],
    ]);
    expect(gateway('prod').spec).toMatchObject({
      infrastructure: { annotations: { 'metallb.io/loadBalancerIPs': '10.20.0.192' } },
    });
  });

  it('issues each listener certificate from the cluster issuer', () => {
    const devCerts = objectsUnder('platform/dev/configs/cilium/', 'Certificate');
    expect(devCerts.map((c) => [c.metadata.name, c.metadata.namespace, c.spec])).toEqual(
      ['https-dev', 'https-platform', 'https-test'].map((name) => [
        name,
        'gateway',
        expect.objectContaining({
          secretName: `${name}-tls`,
          issuerRef: { name: 'selfsigned', kind: 'ClusterIssuer', group: 'cert-manager.io' },
        }),
      ]),
    );
    const prodCert = findObject(
      referenceTree(),
      'platform/prod/configs/cilium/',
      'Certificate',
      'https-prod',
    );
    expect(prodCert.spec).toMatchObject({
      dnsNames: ['*.example.com', 'example.com'],
      issuerRef: { name: 'prod-ca' },
    });
  });

  it('routes Hubble UI on the platform listener only on request: it has no login', () => {
    expect(objectsUnder('platform/dev/configs/cilium/', 'HTTPRoute')).toEqual([]);
    const route = findObject(
      renderWithPlatform('dev', { cilium: { publishUi: true } }),
      'platform/dev/configs/cilium/',
      'HTTPRoute',
      'hubble',
    );
    expect(route.metadata.namespace).toBe('kube-system');
    expect(route.spec).toEqual({
      parentRefs: [{ name: 'platform', namespace: 'gateway', sectionName: PLATFORM_LISTENER }],
      hostnames: ['hubble.dev.platform.example.com'],
      rules: [{ backendRefs: [{ name: 'hubble-ui', port: 80 }] }],
    });
  });

  it('scrapes agent, operator and Hubble through ServiceMonitors in the configs layer, only with monitoring', () => {
    const names = (tree = referenceTree()) =>
      objectsUnder('platform/prod/configs/cilium/', 'ServiceMonitor', tree).map(
        (m) => m.metadata.name,
      );
    expect(names().sort()).toEqual(['cilium-agent', 'cilium-hubble', 'cilium-operator']);
    const withoutMonitoring = renderWithPlatform('prod', {
      monitoring: { enabled: false },
      loki: { enabled: false },
      alloy: { enabled: false },
    });
    expect(names(withoutMonitoring)).toEqual([]);
  });

  it('regression: asks the chart for the metrics Services its ServiceMonitors select', () => {
    // The chart renders the cilium-agent and cilium-operator Services only for its own
    // ServiceMonitor or for metricsService; without them the ServiceMonitors match nothing.
    const values = releaseValues<CiliumValues>('prod', 'cilium');
    expect(values.prometheus).toEqual({
      enabled: true,
      metricsService: true,
      serviceMonitor: { enabled: false },
    });
    expect(values.operator.prometheus).toEqual({ enabled: true, metricsService: true });
    const monitors = objectsUnder(
      'platform/prod/configs/cilium/',
      'ServiceMonitor',
      referenceTree(),
    );
    const selectors = Object.fromEntries(
      monitors.map((m) => [m.metadata.name, (m.spec as { selector: unknown }).selector]),
    );
    // The labels the chart puts on those Services (cilium-agent/service.yaml, cilium-operator/service.yaml).
    expect(selectors['cilium-agent']).toEqual({ matchLabels: { 'k8s-app': 'cilium' } });
    expect(selectors['cilium-operator']).toEqual({
      matchLabels: { 'io.cilium/app': 'operator', name: 'cilium-operator' },
    });
  });

  it('merges overrides over ciliumValues and lets a cluster choose the Gateway address', () => {
    const tree = renderWithPlatform('dev', {
      cilium: { values: { operator: { replicas: 2 } }, gatewayAddress: '10.10.0.205' },
    });
    const values = releaseValues<CiliumValues>('dev', 'cilium', tree);
    expect(values.operator.replicas).toBe(2);
    expect(values.hubble).toEqual(ciliumValues(devCluster).hubble);
    expect(gateway('dev', tree).spec).toMatchObject({
      infrastructure: { annotations: { 'metallb.io/loadBalancerIPs': '10.10.0.205' } },
    });
  });

  describe('bad input', () => {
    it('refuses Cilium L2 announcements while MetalLB announces', () => {
      expect(
        platformError('dev', { cilium: { values: { l2announcements: { enabled: true } } } }),
      ).toBe(
        "cluster 'dev' platform.cilium.values.l2announcements.enabled: MetalLB already announces the LoadBalancer addresses over L2; two announcers split the traffic, so disable platform.metallb or keep this false",
      );
    });

    it('refuses a Gateway address outside the load-balancer pool', () => {
      expect(platformError('prod', { cilium: { gatewayAddress: '10.20.0.21' } })).toBe(
        "cluster 'prod' platform.cilium.gatewayAddress: must be an IPv4 address inside loadBalancerAddresses (10.20.0.192/27), got '10.20.0.21'",
      );
    });

    it('refuses to bring kube-proxy back or turn the Gateway API off', () => {
      expect(
        platformError('dev', {
          cilium: { values: { kubeProxyReplacement: false, gatewayAPI: { enabled: false } } },
        }),
      ).toBe(
        [
          '2 problems:',
          "  - cluster 'dev' platform.cilium.values.kubeProxyReplacement: must stay true: Talos runs without kube-proxy, so Services would stop working",
          "  - cluster 'dev' platform.cilium.values.gatewayAPI.enabled: must stay true: the cluster's shared Gateway (every app and platform UI route) runs on Cilium",
        ].join('\n'),
      );
    });
  });
});

describe('regression: kube-system is not Flux’s to own', () => {
  it('renders no Namespace kube-system, so turning Cilium off never prunes or relabels it', () => {
    const namespaces = objectsOf(referenceTree())
      .filter(({ object }) => object.kind === 'Namespace')
      .map(({ object }) => object.metadata.name);
    expect(namespaces).not.toContain('kube-system');
    expect(namespaces).toContain('cert-manager');
  });
});
