// The rules of an app's CiliumNetworkPolicy, from its ports and the apps it talks to.
import { MONITORING_NAMESPACE, PLATFORM_NAMESPACES } from '../contract/names';
import type { PeerApp } from './definition';
import type { ExternalEndpoint, PortOptions } from './props';

/** What an app's network rules are made from. */
export interface NetworkPolicyInput {
  /** The app's name. */
  readonly appName: string;
  /** The app's container ports, open to its callers and dependents. */
  readonly ports: readonly PortOptions[];
  /** Ports the shared Gateway may reach (web services' HTTP port); none for other kinds. */
  readonly gatewayPorts: readonly PortOptions[];
  /**
   * The port Prometheus scrapes.
   * @default - Prometheus reaches no port
   */
  readonly metricsPort?: PortOptions;
  /**
   * Ports the Argo Rollouts controller may reach (a blue-green preview's smoke test).
   * @default []
   */
  readonly rolloutsPorts?: readonly PortOptions[];
  /**
   * Same-team apps allowed to call this one.
   * @default []
   */
  readonly callers?: readonly string[];
  /**
   * Apps this one calls.
   * @default []
   */
  readonly dependencies?: readonly string[];
  /** The apps enabled in the environment, by name; a peer missing here gets no rule. */
  readonly peers: ReadonlyMap<string, PeerApp>;
  /**
   * Destinations outside the cluster.
   * @default []
   */
  readonly external?: readonly ExternalEndpoint[];
}

/** A CiliumNetworkPolicy's ingress and egress rules. */
export interface NetworkPolicyRules {
  /** Allowed inbound traffic. */
  readonly ingress: Record<string, unknown>[];
  /** Allowed outbound traffic. */
  readonly egress: Record<string, unknown>[];
}

/**
 * Ingress from the gateway (web services), Prometheus on the metrics port, the Rollouts
 * controller on the ports it smoke-tests, declared same-team
 * callers and every app (of any team) that declares this one a dependency; egress to DNS and
 * to declared dependencies. Peers not enabled in the environment get no rule.
 */
export function networkPolicyRules(input: NetworkPolicyInput): NetworkPolicyRules {
  const tcp = (ports: readonly PortOptions[]) => [
    { ports: ports.map((port) => ({ port: String(port.port), protocol: 'TCP' })) },
  ];
  const inNamespace = (namespace: string, labels: Record<string, string> = {}) => ({
    matchLabels: { 'k8s:io.kubernetes.pod.namespace': namespace, ...labels },
  });
  const ingress: Record<string, unknown>[] = [];
  if (input.gatewayPorts.length > 0) {
    ingress.push({ fromEntities: ['ingress'], toPorts: tcp(input.gatewayPorts) });
  }
  if (input.metricsPort) {
    ingress.push({
      fromEndpoints: [
        inNamespace(MONITORING_NAMESPACE, { 'app.kubernetes.io/name': 'prometheus' }),
      ],
      toPorts: tcp([input.metricsPort]),
    });
  }
  if ((input.rolloutsPorts ?? []).length > 0) {
    ingress.push({
      fromEndpoints: [
        inNamespace(PLATFORM_NAMESPACES.argoRollouts, {
          'app.kubernetes.io/name': 'argo-rollouts',
          'app.kubernetes.io/component': 'rollouts-controller',
        }),
      ],
      toPorts: tcp(input.rolloutsPorts ?? []),
    });
  }
  const ports = input.ports;
  // A dependency's egress rule on the caller's side is useless without this ingress rule.
  const dependents = input.peers.get(input.appName)?.dependents ?? [];
  const inbound = [...new Set([...(input.callers ?? []), ...dependents])].sort();
  for (const name of inbound) {
    const peer = input.peers.get(name);
    if (!peer || ports.length === 0) continue;
    ingress.push({ fromEndpoints: [inNamespace(peer.namespace)], toPorts: tcp(ports) });
  }
  const egress: Record<string, unknown>[] = [
    {
      toEndpoints: [inNamespace(PLATFORM_NAMESPACES.cilium, { 'k8s:k8s-app': 'kube-dns' })],
      toPorts: [
        { ports: [{ port: '53', protocol: 'ANY' }], rules: { dns: [{ matchPattern: '*' }] } },
      ],
    },
  ];
  for (const dependency of [...(input.dependencies ?? [])].sort()) {
    const peer = input.peers.get(dependency);
    if (!peer || peer.ports.length === 0) continue;
    egress.push({ toEndpoints: [inNamespace(peer.namespace)], toPorts: tcp(peer.ports) });
  }
  // Outside the cluster: by name (Cilium learns the addresses from the DNS answers its proxy
  // sees, which the DNS rule above enables) or by address block.
  for (const endpoint of input.external ?? []) {
    const toPorts = [
      { ports: endpoint.ports.map((port) => ({ port: String(port), protocol: 'TCP' })) },
    ];
    if (endpoint.host !== undefined) {
      const selector = endpoint.host.startsWith('*.')
        ? { matchPattern: endpoint.host }
        : { matchName: endpoint.host };
      egress.push({ toFQDNs: [selector], toPorts });
    } else if (endpoint.cidr !== undefined) {
      egress.push({ toCIDRSet: [{ cidr: endpoint.cidr }], toPorts });
    }
  }
  return { ingress, egress };
}
