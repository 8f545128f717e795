// Cilium's Helm values as a pure function of the cluster config. Pulumi installs Cilium with
// these values before Flux exists; Flux's HelmRelease then adopts the same release with the
// same values (ciliumReleaseValues: defaults and the cluster's overrides), so the two never
// disagree.
import type { Construct } from 'constructs';
import { k8s } from 'cdk8s-plus-28';
import { parseAddressBlock, parseIpv4, rangeContains } from '../config/net';
import { type ClusterConfig, type EnvironmentConfig } from '../config/types';
import { ProblemCollector } from '../errors';
import { Certificate } from '../imports/certmanager-certificate-cert-manager.io';
import {
  Gateway,
  GatewaySpecListenersAllowedRoutesNamespacesFrom,
  GatewaySpecListenersTlsMode,
} from '../imports/gateway-gateway-gateway.networking.k8s.io';
import { ServiceMonitor } from '../imports/prometheus-servicemonitor-monitoring.coreos.com';
import { listenerIssuerName } from './cert-manager';
import {
  PlatformComponent,
  PodSecurityLevel,
  type ComponentIdentity,
  type PlatformComponentProps,
} from './component';
import { platformRoute } from './gateway';
import { isComponentEnabled } from '../config/settings';
import { CHART_VERSIONS, GIT_VERSIONS } from './versions';
import { mergeValues } from '../config/component-settings';
import { type CiliumValues, type CiliumSettings } from '../config/cilium';
import {
  CILIUM_GATEWAY_CLASS,
  CLUSTER_GATEWAY,
  PLATFORM_LISTENER,
  environmentListener,
} from '../contract/gateway';
import { KUBEPRISM, PLATFORM_NAMESPACES } from '../contract/names';
import { APP_NAMESPACE_LABEL, ENVIRONMENT_LABEL } from '../contract/labels';

/** The Cilium values for a cluster: a pure function, shared by the Flux release and Pulumi. */
export function ciliumValues(cluster: ClusterConfig): CiliumValues {
  return {
    ipam: { mode: 'kubernetes' },
    kubeProxyReplacement: true,
    k8sServiceHost: KUBEPRISM.host,
    k8sServicePort: KUBEPRISM.port,
    securityContext: {
      capabilities: {
        ciliumAgent: [
          'CHOWN',
          'KILL',
          'NET_ADMIN',
          'NET_RAW',
          'IPC_LOCK',
          'SYS_ADMIN',
          'SYS_RESOURCE',
          'DAC_OVERRIDE',
          'FOWNER',
          'SETGID',
          'SETUID',
        ],
        cleanCiliumState: ['NET_ADMIN', 'SYS_ADMIN', 'SYS_RESOURCE'],
      },
    },
    cgroup: { autoMount: { enabled: false }, hostRoot: '/sys/fs/cgroup' },
    operator: {
      replicas: cluster.nodes.length > 1 ? 2 : 1,
      prometheus: { enabled: true, metricsService: true },
    },
    hubble: {
      enabled: true,
      relay: { enabled: true },
      ui: { enabled: true },
      metrics: { enabled: ['dns', 'drop', 'tcp', 'flow', 'icmp', 'http'] },
    },
    l2announcements: { enabled: false },
    gatewayAPI: { enabled: true },
    // The ServiceMonitor needs prometheus-operator's CRDs, which do not exist when Pulumi
    // installs Cilium; the monitoring component scrapes Cilium instead, through the metrics
    // Services the chart creates only when asked.
    prometheus: { enabled: true, metricsService: true, serviceMonitor: { enabled: false } },
  };
}

/**
 * The values the Cilium HelmRelease renders, and the values Pulumi's first install uses:
 * {@link ciliumValues} with the cluster's `platform.cilium.values` merged over them. The one
 * place the merge happens, so the release Flux adopts is the release Pulumi installed.
 */
export function ciliumReleaseValues(
  cluster: ClusterConfig,
  settings: CiliumSettings | undefined = cluster.platform?.cilium,
): CiliumValues {
  return mergeValues(ciliumValues(cluster), settings?.values);
}

/** Props of {@link Cilium}. */
export interface CiliumProps extends PlatformComponentProps {
  /**
   * The cluster's settings for Cilium. `values` merge over {@link ciliumValues} (objects key by
   * key, arrays and scalars replaced) through {@link ciliumReleaseValues}, which Pulumi's first
   * install uses too, so pass the cluster's own `platform.cilium` here (the Platform does).
   * @default {} - ciliumValues(cluster) as is
   */
  readonly settings?: CiliumSettings;
}

// Ports of the metrics endpoints the chart exposes when prometheus.enabled and Hubble metrics are on.
const METRICS_PORTS = [
  { id: 'agent', service: 'cilium-agent', port: 'metrics', selector: { 'k8s-app': 'cilium' } },
  {
    id: 'operator',
    service: 'cilium-operator',
    port: 'metrics',
    selector: { 'io.cilium/app': 'operator', name: 'cilium-operator' },
  },
  {
    id: 'hubble',
    service: 'hubble-metrics',
    port: 'hubble-metrics',
    selector: { 'k8s-app': 'hubble' },
  },
] as const;

function firstAddress(cluster: ClusterConfig): string | undefined {
  const block = cluster.loadBalancerAddresses[0];
  const range = block === undefined ? undefined : parseAddressBlock(block);
  if (range === undefined || typeof range === 'string') return undefined;
  return [24, 16, 8, 0].map((shift) => (range.first >>> shift) & 255).join('.');
}

/**
 * Cilium: the CNI and kube-proxy replacement (the release Pulumi installed, adopted by Flux with
 * the same values), Hubble relay and UI, and the cluster's one shared Gateway. The Gateway gets
 * an HTTPS listener per environment hosted here (`*.<environment domain>`) and one for the
 * cluster domain (platform UIs), each with a cert-manager Certificate from the cluster's issuer,
 * on a fixed MetalLB address, and accepts routes from every namespace.
 */
export class Cilium extends PlatformComponent {
  /** Name, namespace and source of the component. */
  public static readonly IDENTITY: ComponentIdentity = {
    name: 'cilium',
    namespace: PLATFORM_NAMESPACES.cilium,
    sourceFile: 'constructs/platform/cilium.ts',
    podSecurity: PodSecurityLevel.PRIVILEGED,
    privilegedPods: {
      names: ['cilium-*', 'cilium-envoy-*'],
      why: 'the CNI agent programs the host network with eBPF',
    },
    // cilium-operator registers its CRDs itself at start (the chart ships none).
    createsAtRunTime: { crdsFolders: ['cilium'] },
    // Pulumi installs Cilium into kube-system, where Flux adopts it; kube-system is not ours.
    systemNamespace: true,
  };

  /** The chart values rendered into the HelmRelease. */
  public readonly values: CiliumValues;
  /** The Gateway's LoadBalancer address. */
  public readonly gatewayAddress: string;

  public constructor(scope: Construct, id: string, props: CiliumProps) {
    super(scope, id, Cilium.IDENTITY, props);
    const { cluster } = props;
    // `?? {}`: without settings the construct renders the defaults, as documented, rather than
    // falling back to the cluster's platform.cilium (the function's default for Pulumi).
    this.values = ciliumReleaseValues(cluster, props.settings ?? {});
    this.gatewayAddress = props.settings?.gatewayAddress ?? firstAddress(cluster) ?? '';
    validate(cluster, this.values, this.gatewayAddress, props.settings?.gatewayAddress);

    this.applyCrdsFromGit('gateway-api-crds', GIT_VERSIONS.gatewayApiCrds);
    this.installChart(CHART_VERSIONS.cilium, this.values);
    this.addGateway(cluster, props.environments, props.platformNamespaces ?? [this.namespace]);
    // Hubble UI shows every flow of the cluster and has no login: routed only on request.
    if (props.settings?.publishUi === true) {
      platformRoute(this.configs, 'hubble-route', {
        clusterDomain: cluster.domain,
        host: 'hubble',
        namespace: this.namespace,
        service: 'hubble-ui',
        port: 80,
      });
    }
    if (isComponentEnabled(cluster, 'monitoring')) this.addServiceMonitors();
  }

  private addGateway(
    cluster: ClusterConfig,
    environments: readonly EnvironmentConfig[],
    platformNamespaces: readonly string[],
  ): void {
    new k8s.KubeNamespace(this.configs, 'gateway-namespace', {
      metadata: {
        name: CLUSTER_GATEWAY.namespace,
        labels: {
          'app.kubernetes.io/part-of': 'platform',
          'pod-security.kubernetes.io/enforce': PodSecurityLevel.RESTRICTED,
        },
      },
    });
    // Each listener takes routes only from the namespaces that may use its hosts: an
    // environment's from that environment's app namespaces, the platform's from the platform's
    // own (Tekton's Dashboard runs in the namespace its operator installs into). Otherwise any
    // team could publish a route for another team's host, or for Argo CD's.
    const routeNamespaces = [
      ...new Set([
        ...platformNamespaces,
        ...(isComponentEnabled(cluster, 'tekton') ? [PLATFORM_NAMESPACES.tektonPipelines] : []),
      ]),
    ].sort();
    const listeners = [
      ...environments.map((env) => ({
        environment: env.name as string | undefined,
        name: environmentListener(env.name),
        domain: env.domain,
        selector: { matchLabels: { [ENVIRONMENT_LABEL]: env.name, [APP_NAMESPACE_LABEL]: 'true' } },
      })),
      {
        environment: undefined,
        name: PLATFORM_LISTENER,
        domain: cluster.domain,
        selector: {
          matchExpressions: [
            { key: 'kubernetes.io/metadata.name', operator: 'In', values: routeNamespaces },
          ],
        },
      },
    ];

    // Without cert-manager the listeners' Secrets are provided out of band, under the same names.
    const certificates = isComponentEnabled(cluster, 'certManager') ? listeners : [];
    for (const listener of certificates) {
      new Certificate(this.configs, `certificate-${listener.name}`, {
        metadata: { name: listener.name, namespace: CLUSTER_GATEWAY.namespace },
        spec: {
          secretName: `${listener.name}-tls`,
          dnsNames: [`*.${listener.domain}`, listener.domain],
          issuerRef: {
            name: listenerIssuerName(cluster, listener.environment),
            kind: 'ClusterIssuer',
            group: 'cert-manager.io',
          },
        },
      });
    }
    new Gateway(this.configs, 'gateway', {
      metadata: { name: CLUSTER_GATEWAY.name, namespace: CLUSTER_GATEWAY.namespace },
      spec: {
        gatewayClassName: CILIUM_GATEWAY_CLASS,
        // Cilium copies these annotations to the Gateway's LoadBalancer Service; MetalLB then
        // assigns exactly this address, so DNS can point at it before the Gateway exists.
        infrastructure: { annotations: { 'metallb.io/loadBalancerIPs': this.gatewayAddress } },
        listeners: listeners.map((listener) => ({
          name: listener.name,
          hostname: `*.${listener.domain}`,
          port: 443,
          protocol: 'HTTPS',
          tls: {
            mode: GatewaySpecListenersTlsMode.TERMINATE,
            certificateRefs: [{ kind: 'Secret', name: `${listener.name}-tls` }],
          },
          allowedRoutes: {
            namespaces: {
              from: GatewaySpecListenersAllowedRoutesNamespacesFrom.SELECTOR,
              selector: listener.selector,
            },
          },
        })),
      },
    });
  }

  // Rendered here rather than by the chart: the chart's values are shared with Pulumi, which
  // installs Cilium before prometheus-operator's CRDs exist. The configs layer applies after them.
  private addServiceMonitors(): void {
    for (const target of METRICS_PORTS) {
      new ServiceMonitor(this.configs, `service-monitor-${target.id}`, {
        metadata: { name: `cilium-${target.id}`, namespace: this.namespace },
        spec: {
          selector: { matchLabels: { ...target.selector } },
          namespaceSelector: { matchNames: [this.namespace] },
          endpoints: [{ port: target.port, interval: '30s', honorLabels: true }],
        },
      });
    }
  }
}

function validate(
  cluster: ClusterConfig,
  values: CiliumValues,
  gatewayAddress: string,
  chosen: string | undefined,
): void {
  const problems = new ProblemCollector();
  const subject = `cluster '${cluster.name}'`;
  problems.check(
    values.kubeProxyReplacement,
    subject,
    'platform.cilium.values.kubeProxyReplacement',
    'must stay true: Talos runs without kube-proxy, so Services would stop working',
  );
  problems.check(
    !(values.l2announcements.enabled && isComponentEnabled(cluster, 'metallb')),
    subject,
    'platform.cilium.values.l2announcements.enabled',
    'MetalLB already announces the LoadBalancer addresses over L2; two announcers split the traffic, so disable platform.metallb or keep this false',
  );
  problems.check(
    values.gatewayAPI.enabled,
    subject,
    'platform.cilium.values.gatewayAPI.enabled',
    "must stay true: the cluster's shared Gateway (every app and platform UI route) runs on Cilium",
  );
  const address = parseIpv4(gatewayAddress);
  const inPool = cluster.loadBalancerAddresses.some((block) => {
    const range = parseAddressBlock(block);
    return address !== undefined && typeof range !== 'string' && rangeContains(range, address);
  });
  problems.check(
    inPool,
    subject,
    'platform.cilium.gatewayAddress',
    `must be an IPv4 address inside loadBalancerAddresses (${cluster.loadBalancerAddresses.join(', ')}), got '${chosen ?? gatewayAddress}'`,
  );
  problems.throwIfAny();
}
