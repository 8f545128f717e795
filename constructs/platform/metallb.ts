// MetalLB: hands out the cluster's LoadBalancer addresses (the shared Gateway's among them)
// and announces them over L2 (default) or BGP to typed peers. Cilium's own L2 announcer stays
// off (cilium.ts refuses both at once).
import type { Construct } from 'constructs';
import { parseIpv4 } from '../../environments/net';
import type { ClusterConfig } from '../../environments/types';
import { ProblemCollector } from '../errors';
import { BgpAdvertisement } from '../imports/metallb-bgpadvertisement-metallb.io';
import { BgpPeerV1Beta2 } from '../imports/metallb-bgppeer-metallb.io';
import { IpAddressPool } from '../imports/metallb-ipaddresspool-metallb.io';
import { L2Advertisement } from '../imports/metallb-l2advertisement-metallb.io';
import {
  PlatformComponent,
  PodSecurityLevel,
  type ComponentIdentity,
  type PlatformComponentProps,
} from './component';
import { isComponentEnabled, mergeValues, type ComponentSettings } from './settings';
import { CHART_VERSIONS } from './versions';

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

/** Props of {@link MetalLb}. */
export interface MetalLbProps extends PlatformComponentProps {
  /**
   * The cluster's settings for MetalLB. `values` merge over the defaults: objects key by key,
   * arrays and scalars replaced, left-out keys keep the default.
   * @default {} - L2 announcement of the cluster's loadBalancerAddresses
   */
  readonly settings?: MetalLbSettings;
}

const POOL_NAME = 'default';
const MAX_ASN = 4294967295;

const resources = (memory: string): MetalLbResources => ({
  requests: { cpu: '20m', memory },
  limits: { memory },
});

/**
 * MetalLB: controller and speaker, one IPAddressPool with the cluster's `loadBalancerAddresses`
 * (validated against node IPs and the VIP with the cluster config), and an L2Advertisement, or
 * BGPPeers and a BGPAdvertisement when BGP is chosen.
 */
export class MetalLb extends PlatformComponent {
  /** Name, namespace and source of the component. */
  public static readonly IDENTITY: ComponentIdentity = {
    name: 'metallb',
    namespace: 'metallb-system',
    sourceFile: 'constructs/platform/metallb.ts',
    // The speaker uses the host network and NET_RAW to answer ARP.
    podSecurity: PodSecurityLevel.PRIVILEGED,
  };

  /** The chart values rendered into the HelmRelease. */
  public readonly values: MetalLbValues;

  public constructor(scope: Construct, id: string, props: MetalLbProps) {
    super(scope, id, MetalLb.IDENTITY, props);
    const { cluster } = props;
    const announcement = props.settings?.announcement ?? MetalLbAnnouncement.l2();
    validate(cluster, announcement);
    const defaults: MetalLbValues = {
      controller: { resources: resources('64Mi') },
      speaker: { resources: resources('128Mi'), frr: { enabled: announcement.mode === 'bgp' } },
      prometheus: {
        rbacPrometheus: true,
        serviceAccount: 'kube-prometheus-stack-prometheus',
        namespace: 'monitoring',
        serviceMonitor: { enabled: isComponentEnabled(cluster, 'monitoring') },
      },
    };
    this.values = mergeValues(defaults, props.settings?.values);
    this.installChart(CHART_VERSIONS.metallb, this.values);

    new IpAddressPool(this.configs, 'pool', {
      metadata: { name: POOL_NAME, namespace: this.namespace },
      spec: { addresses: [...cluster.loadBalancerAddresses], autoAssign: true },
    });
    if (announcement.mode === 'l2') {
      new L2Advertisement(this.configs, 'l2', {
        metadata: { name: POOL_NAME, namespace: this.namespace },
        spec: { ipAddressPools: [POOL_NAME] },
      });
      return;
    }
    announcement.peers.forEach((peer, i) => {
      // v1beta2 is BGPPeer's storage version; v1beta1 is deprecated and served only through
      // the conversion webhook.
      new BgpPeerV1Beta2(this.configs, `peer-${i}`, {
        metadata: { name: `peer-${i + 1}`, namespace: this.namespace },
        spec: { myAsn: announcement.localAsn ?? 0, peerAsn: peer.asn, peerAddress: peer.address },
      });
    });
    new BgpAdvertisement(this.configs, 'bgp', {
      metadata: { name: POOL_NAME, namespace: this.namespace },
      spec: { ipAddressPools: [POOL_NAME] },
    });
  }
}

function validAsn(asn: number | undefined): boolean {
  return asn !== undefined && Number.isInteger(asn) && asn >= 1 && asn <= MAX_ASN;
}

function validate(cluster: ClusterConfig, announcement: MetalLbAnnouncement): void {
  const problems = new ProblemCollector();
  const subject = `cluster '${cluster.name}'`;
  const field = 'platform.metallb.announcement';
  if (announcement.mode === 'bgp') {
    problems.check(
      validAsn(announcement.localAsn),
      subject,
      `${field}.localAsn`,
      `must be an AS number from 1 to ${MAX_ASN}, got ${announcement.localAsn}`,
    );
    problems.check(
      announcement.peers.length > 0,
      subject,
      `${field}.peers`,
      'BGP needs at least one peer',
    );
    announcement.peers.forEach((peer, i) => {
      problems.check(
        parseIpv4(peer.address) !== undefined,
        subject,
        `${field}.peers[${i}].address`,
        `must be an IPv4 address, got '${peer.address}'`,
      );
      problems.check(
        validAsn(peer.asn),
        subject,
        `${field}.peers[${i}].asn`,
        `must be an AS number from 1 to ${MAX_ASN}, got ${peer.asn}`,
      );
    });
  }
  problems.throwIfAny();
}
