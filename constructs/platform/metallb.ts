// MetalLB: hands out the cluster's LoadBalancer addresses (the shared Gateway's among them)
// and announces them over L2 (default) or BGP to typed peers. Cilium's own L2 announcer stays
// off (cilium.ts refuses both at once).
import type { Construct } from 'constructs';
import { parseIpv4 } from '../config/net';
import type { ClusterConfig } from '../config/types';
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
import { isComponentEnabled } from '../config/settings';
import { CHART_VERSIONS } from './versions';
import { mergeValues } from '../config/component-settings';
import {
  type MetalLbResources,
  type MetalLbValues,
  MetalLbAnnouncement,
  type MetalLbSettings,
} from '../config/metallb';
import { PLATFORM_NAMESPACES } from '../contract/names';

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
    namespace: PLATFORM_NAMESPACES.metallb,
    sourceFile: 'constructs/platform/metallb.ts',
    // The speaker uses the host network and NET_RAW to answer ARP; frr-k8s (BGP) the host network.
    podSecurity: PodSecurityLevel.PRIVILEGED,
    privilegedPods: {
      names: ['metallb-speaker-*', 'metallb-frr-k8s-*'],
      why: 'the speaker answers ARP, and frr-k8s (BGP only) peers with routers, on the host network',
    },
    createsAtRunTime: {
      // The speakers' memberlist key (METALLB_ML_SECRET_NAME, metallb v0.16.1 controller/main.go).
      secrets: [{ name: 'metallb-memberlist', createdBy: 'the MetalLB controller, at start' }],
    },
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
      speaker: { resources: resources('128Mi'), frr: { enabled: false } },
      frrk8s: { enabled: announcement.mode === 'bgp' },
      prometheus: {
        rbacPrometheus: true,
        serviceAccount: 'kube-prometheus-stack-prometheus',
        namespace: PLATFORM_NAMESPACES.monitoring,
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
