// What a cluster's `platform.metallb` settings may hold: the typed chart values and options of MetalLB.
import type { ComponentSettings } from './component-settings';

/** Resource requests and limits of a MetalLB container. */
export interface MetalLbResources {
  /** Requests. */
  readonly requests: { readonly cpu: string; readonly memory: string };
  /** Limits; memory only. */
  readonly limits: { readonly memory: string };
}

/**
 * The MetalLB chart values this platform sets (a typed subset of its values.yaml).
 * @see https://metallb.universe.tf/installation/#installation-with-helm
 */
export interface MetalLbValues {
  /** The controller, which assigns addresses. */
  readonly controller: { readonly resources: MetalLbResources };
  /** The speaker DaemonSet, which announces them; FRR is needed for BGP only. */
  readonly speaker: {
    readonly resources: MetalLbResources;
    readonly frr: { readonly enabled: boolean };
  };
  /**
   * frr-k8s, the BGP daemon set MetalLB 0.16 deploys by default (host network, NET_ADMIN): on
   * only for BGP announcements, so an L2 cluster runs no pod it does not need.
   */
  readonly frrk8s: { readonly enabled: boolean };
  /** Metrics, scraped by the monitoring component's Prometheus when it runs. */
  readonly prometheus: {
    /**
     * A Role and RoleBinding letting Prometheus read the metrics endpoints in MetalLB's
     * namespace (served behind RBAC-checked HTTPS).
     */
    readonly rbacPrometheus: boolean;
    /** Prometheus's ServiceAccount, bound by that Role (kube-prometheus-stack's). */
    readonly serviceAccount: string;
    /** Namespace of that ServiceAccount (the monitoring component's). */
    readonly namespace: string;
    /** ServiceMonitors for the controller and speaker; on only where monitoring runs. */
    readonly serviceMonitor: { readonly enabled: boolean };
  };
}

/** A BGP router MetalLB peers with. */
export interface BgpPeerConfig {
  /** The router's IPv4 address. */
  readonly address: string;
  /** The router's autonomous system number (1-4294967295). */
  readonly asn: number;
}

/** How MetalLB announces the addresses it assigns. */
export class MetalLbAnnouncement {
  /** Answer ARP for the addresses from one node at a time: no router configuration needed. */
  public static l2(): MetalLbAnnouncement {
    return new MetalLbAnnouncement('l2', undefined, []);
  }

  /**
   * Announce the addresses as /32 routes to BGP routers (ECMP across nodes).
   * @param options.localAsn the cluster's autonomous system number
   * @param options.peers the routers to peer with (at least one)
   */
  public static bgp(options: {
    readonly localAsn: number;
    readonly peers: readonly BgpPeerConfig[];
  }): MetalLbAnnouncement {
    return new MetalLbAnnouncement('bgp', options.localAsn, options.peers);
  }

  private constructor(
    /** `l2` or `bgp`. */
    public readonly mode: 'l2' | 'bgp',
    /** Local ASN, for BGP. */
    public readonly localAsn: number | undefined,
    /** Peers, for BGP. */
    public readonly peers: readonly BgpPeerConfig[],
  ) {}
}

/** A cluster's MetalLB settings. */
export interface MetalLbSettings extends ComponentSettings<MetalLbValues> {
  /**
   * How addresses are announced.
   * @default MetalLbAnnouncement.l2()
   */
  readonly announcement?: MetalLbAnnouncement;
}
