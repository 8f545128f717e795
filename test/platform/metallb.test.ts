import { sharedValidator } from '../../synth/cluster/schema';
import { findObject, referenceTree } from '../support/tree';
import {
  configWithCluster,
  objectsUnder,
  platformError,
  releaseValues,
  renderError,
  renderWithPlatform,
} from '../support/platform';
import { MetalLbAnnouncement, type MetalLbValues } from '../../constructs/config/metallb';

describe('MetalLB', () => {
  it('installs controller and speaker after Cilium, in a privileged namespace for the speaker', () => {
    const release = findObject(
      referenceTree(),
      'platform/dev/controllers/metallb/',
      'HelmRelease',
      'metallb',
    );
    expect(release.spec?.dependsOn).toEqual([
      { name: 'cilium', namespace: 'kube-system' },
      { name: 'kube-prometheus-stack', namespace: 'monitoring' },
    ]);
    const namespace = findObject(
      referenceTree(),
      'platform/dev/controllers/metallb/',
      'Namespace',
      'metallb-system',
    );
    expect(namespace.metadata.labels?.['pod-security.kubernetes.io/enforce']).toBe('privileged');
  });

  it('hands out exactly the cluster pool: a range in dev, a CIDR in prod', () => {
    const pool = (cluster: string) =>
      findObject(
        referenceTree(),
        `platform/${cluster}/configs/metallb/`,
        'IPAddressPool',
        'default',
      ).spec;
    expect(pool('dev')).toEqual({ addresses: ['10.10.0.200-10.10.0.220'], autoAssign: true });
    expect(pool('prod')).toEqual({ addresses: ['10.20.0.192/27'], autoAssign: true });
  });

  it('announces over L2 by default, without FRR', () => {
    const l2 = findObject(
      referenceTree(),
      'platform/prod/configs/metallb/',
      'L2Advertisement',
      'default',
    );
    expect(l2.spec).toEqual({ ipAddressPools: ['default'] });
    expect(objectsUnder('platform/prod/configs/metallb/', 'BGPPeer')).toEqual([]);
    expect(releaseValues<MetalLbValues>('prod', 'metallb').speaker.frr.enabled).toBe(false);
    // L2 needs no BGP daemon: frr-k8s (on by default in the chart) stays off.
    expect(releaseValues<MetalLbValues>('prod', 'metallb').frrk8s.enabled).toBe(false);
  });

  it('scrapes its metrics where monitoring runs', () => {
    expect(releaseValues<MetalLbValues>('dev', 'metallb').prometheus).toMatchObject({
      serviceAccount: 'kube-prometheus-stack-prometheus',
      namespace: 'monitoring',
      serviceMonitor: { enabled: true },
    });
  });

  it('peers with typed BGP routers when BGP is chosen', () => {
    const tree = renderWithPlatform('prod', {
      metallb: {
        announcement: MetalLbAnnouncement.bgp({
          localAsn: 64512,
          peers: [
            { address: '10.20.0.1', asn: 64500 },
            { address: '10.20.0.2', asn: 64500 },
          ],
        }),
      },
    });
    const peers = objectsUnder('platform/prod/configs/metallb/', 'BGPPeer', tree);
    // Regression: peers were rendered as the deprecated metallb.io/v1beta1.
    expect(peers.map((peer) => peer.apiVersion)).toEqual([
      'metallb.io/v1beta2',
      'metallb.io/v1beta2',
    ]);
    for (const peer of peers) {
      expect(sharedValidator().validate(peer)).toEqual([]);
      expect(sharedValidator().isDeprecated(peer)).toBe(false);
    }
    expect(sharedValidator().isDeprecated({ ...peers[0], apiVersion: 'metallb.io/v1beta1' })).toBe(
      true,
    );
    expect(peers.map((peer) => [peer.metadata.name, peer.spec])).toEqual([
      ['peer-1', { myASN: 64512, peerASN: 64500, peerAddress: '10.20.0.1' }],
      ['peer-2', { myASN: 64512, peerASN: 64500, peerAddress: '10.20.0.2' }],
    ]);
    expect(objectsUnder('platform/prod/configs/metallb/', 'L2Advertisement', tree)).toEqual([]);
    expect(objectsUnder('platform/prod/configs/metallb/', 'BGPAdvertisement', tree)).toHaveLength(
      1,
    );
    // BGP runs in frr-k8s (MetalLB 0.16's default BGP backend), not in the speaker's FRR mode.
    expect(releaseValues<MetalLbValues>('prod', 'metallb', tree).frrk8s.enabled).toBe(true);
    expect(releaseValues<MetalLbValues>('prod', 'metallb', tree).speaker.frr.enabled).toBe(false);
  });

  describe('bad input', () => {
    it('refuses a pool that overlaps a node IP', () => {
      const config = configWithCluster('dev', (cluster) => ({
        ...cluster,
        loadBalancerAddresses: ['10.10.0.8-10.10.0.12'],
      }));
      expect(renderError(config)).toContain(
        "cluster 'dev' loadBalancerAddresses[0]: '10.10.0.8-10.10.0.12' overlaps the IP of",
      );
    });

    it('refuses MetalLB and Cilium both announcing L2', () => {
      expect(
        platformError('prod', { cilium: { values: { l2announcements: { enabled: true } } } }),
      ).toContain(
        "cluster 'prod' platform.cilium.values.l2announcements.enabled: MetalLB already announces",
      );
    });

    it('refuses BGP without peers, with a bad ASN or a bad peer address', () => {
      expect(
        platformError('prod', {
          metallb: { announcement: MetalLbAnnouncement.bgp({ localAsn: 0, peers: [] }) },
        }),
      ).toBe(
        [
          '2 problems:',
          "  - cluster 'prod' platform.metallb.announcement.localAsn: must be an AS number from 1 to 4294967295, got 0",
          "  - cluster 'prod' platform.metallb.announcement.peers: BGP needs at least one peer",
        ].join('\n'),
      );
      expect(
        platformError('prod', {
          metallb: {
            announcement: MetalLbAnnouncement.bgp({
              localAsn: 64512,
              peers: [{ address: 'router', asn: 64500 }],
            }),
          },
        }),
      ).toBe(
        "cluster 'prod' platform.metallb.announcement.peers[0].address: must be an IPv4 address, got 'router'",
      );
    });
  });
});
