import { CLUSTERS, ENVIRONMENTS, loadConfig } from '../../environments';
import { ConfigError } from '../../constructs/errors';
import { devCluster } from '../../environments/clusters/dev';
import { prodCluster } from '../../environments/clusters/prod';
import { dev } from '../../environments/dev';
import { prod } from '../../environments/prod';
import { test as testEnv } from '../../environments/test';
import {
  ClusterTier,
  NodeRole,
  type ClusterConfig,
  type EnvironmentConfig,
  type NodeConfig,
} from '../../constructs/config/types';
import { validateConfig } from '../../constructs/config/validate';
import { MetalLbAnnouncement } from '../../constructs/config/metallb';

/** Validates and returns the error message lines (one per problem); fails if it validates. */
function problemsOf(
  clusters: readonly ClusterConfig[],
  environments: readonly EnvironmentConfig[] = ENVIRONMENTS,
): string[] {
  try {
    validateConfig(clusters, environments);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).problems.map((p) => `${p.subject} ${p.field}: ${p.message}`);
  }
  throw new Error('expected the configuration to be rejected');
}

const withDev = (change: Partial<ClusterConfig>) => [{ ...devCluster, ...change }, prodCluster];
const withProd = (change: Partial<ClusterConfig>) => [devCluster, { ...prodCluster, ...change }];
const devNode = (change: Partial<NodeConfig>) => ({
  nodes: [{ ...devCluster.nodes[0], ...change }],
});
const withEnv = (change: Partial<EnvironmentConfig>) => [{ ...dev, ...change }, testEnv, prod];
const bgp = MetalLbAnnouncement.bgp({
  localAsn: 64512,
  peers: [{ address: '10.10.0.1', asn: 64513 }],
});

describe('the reference configuration', () => {
  it('validates and has clusters dev and prod hosting dev+test and prod', () => {
    const config = loadConfig();
    expect(config.clusters.map((c) => c.name)).toEqual(['dev', 'prod']);
    expect(config.environments.map((e) => [e.name, e.cluster])).toEqual([
      ['dev', 'dev'],
      ['test', 'dev'],
      ['prod', 'prod'],
    ]);
  });

  it('syncs dev and test automatically and gates prod', () => {
    expect(ENVIRONMENTS.map((e) => [e.name, e.syncPolicy.mode])).toEqual([
      ['dev', 'automatic'],
      ['test', 'automatic'],
      ['prod', 'gated'],
    ]);
  });

  it('keeps etcd quorum in prod (3 control planes)', () => {
    const prodControlPlanes = CLUSTERS[1].nodes.filter((n) => n.role === NodeRole.CONTROL_PLANE);
    expect(prodControlPlanes).toHaveLength(3);
  });
});

describe('cluster rules', () => {
  it('cluster names are DNS-1123 labels', () => {
    expect(problemsOf(withDev({ name: 'Dev_1' }), [])).toContain(
      "cluster 'Dev_1' name: must be a DNS-1123 label (lower-case letters, digits and '-', at most 63 characters), got 'Dev_1'",
    );
  });

  it('cluster names are unique', () => {
    const problems = problemsOf([devCluster, { ...prodCluster, name: 'dev' }], []);
    expect(problems).toContain(
      "cluster 'dev' name: cluster name 'dev' is already used (must be unique)",
    );
  });

  it('node IPs are valid IPv4 addresses', () => {
    expect(problemsOf(withDev(devNode({ ip: '10.10.0.300' })))).toContain(
      "cluster 'dev' nodes[0].ip: must be a valid IPv4 address, got '10.10.0.300'",
    );
  });

  it('node IPs are unique across clusters', () => {
    expect(problemsOf(withDev(devNode({ ip: '10.20.0.11' })))).toContain(
      "cluster 'prod' nodes[0].ip: IP '10.20.0.11' is already used by node 'dev-cp-1' of cluster 'dev'",
    );
  });

  it('the VIP is not a node IP', () => {
    expect(problemsOf(withDev({ controlPlaneVip: '10.10.0.11' }))).toContain(
      "cluster 'dev' controlPlaneVip: IP '10.10.0.11' is already used by node 'dev-cp-1' of cluster 'dev'",
    );
  });

  it('the VIP is a valid IPv4 address', () => {
    expect(problemsOf(withDev({ controlPlaneVip: 'vip.local' }))).toContain(
      "cluster 'dev' controlPlaneVip: must be a valid IPv4 address, got 'vip.local'",
    );
  });

  it('node names are unique within a cluster', () => {
    const nodes = prodCluster.nodes.map((n, i) => (i === 1 ? { ...n, name: 'prod-cp-1' } : n));
    expect(problemsOf(withProd({ nodes }))).toContain(
      "cluster 'prod' nodes[1].name: node name 'prod-cp-1' is already used (must be unique)",
    );
  });

  it('a cluster has at least one control-plane node', () => {
    expect(problemsOf(withDev(devNode({ role: NodeRole.WORKER })))).toContain(
      "cluster 'dev' nodes: needs at least one control-plane node (role control-plane)",
    );
  });

  it('an even control-plane count is refused (no added fault tolerance)', () => {
    const nodes = [
      devCluster.nodes[0],
      { ...devCluster.nodes[0], name: 'dev-cp-2', ip: '10.10.0.12' },
    ];
    expect(problemsOf(withDev({ nodes }))).toContain(
      "cluster 'dev' nodes: has 2 control-plane nodes; etcd needs an odd count (2 nodes tolerate no more failures than 1)",
    );
  });

  it('a production cluster keeps etcd quorum (at least 3 control planes)', () => {
    const nodes = prodCluster.nodes.filter((n) => n.name !== 'prod-cp-2' && n.name !== 'prod-cp-3');
    expect(problemsOf(withProd({ nodes }))).toEqual([
      "cluster 'prod' nodes: is a production cluster with 1 control-plane node(s); etcd keeps quorum through a node failure only with at least 3",
    ]);
  });

  it('one control plane is fine outside production', () => {
    expect(() => validateConfig(CLUSTERS, ENVIRONMENTS)).not.toThrow();
    expect(devCluster.tier).toBe(ClusterTier.NON_PRODUCTION);
  });

  it('disks are /dev paths, and Ceph never gets the install disk', () => {
    const problems = problemsOf(
      withDev(devNode({ installDisk: 'sda', storageDevices: ['/dev/sdb', '/dev/sdb'] })),
    );
    expect(problems).toContain(
      "cluster 'dev' nodes[0].installDisk: must be an absolute /dev/ path, got 'sda'",
    );
    expect(problems).toContain(
      "cluster 'dev' nodes[0].storageDevices[1]: device '/dev/sdb' is already used (must be unique)",
    );
    expect(problemsOf(withDev(devNode({ storageDevices: ['/dev/sda'] })))).toContain(
      "cluster 'dev' nodes[0].storageDevices[0]: '/dev/sda' is the install disk; Ceph must not get the disk Talos is installed on",
    );
  });

  it('secrets are encrypted to age public keys, at least one, each once', () => {
    expect(problemsOf(withDev({ secrets: { ageRecipients: [] } }))).toEqual([
      "cluster 'dev' secrets.ageRecipients: must list at least one age public key (age1…): the cluster decrypts its Secrets with it",
    ]);
    const key = devCluster.secrets.ageRecipients[0];
    expect(
      problemsOf(
        withDev({ secrets: { ageRecipients: [key, key, 'AGE-SECRET-KEY-1NOPE', 'age1short'] } }),
      ),
    ).toEqual([
      "cluster 'dev' secrets.ageRecipients[2]: must be an age public key (age1 followed by 58 bech32 characters; `age-keygen -y` prints it), got 'AGE-SECRET-KEY-1NOPE'",
      "cluster 'dev' secrets.ageRecipients[3]: must be an age public key (age1 followed by 58 bech32 characters; `age-keygen -y` prints it), got 'age1short'",
      "cluster 'dev' secrets.ageRecipients: must not list a key twice",
    ]);
    expect(
      problemsOf(
        withDev({
          secrets: {
            ageRecipients: [key],
            external: [{ namespace: 'Monitoring', name: 'grafana_admin', providedBy: ' ' }],
          },
        }),
      ),
    ).toEqual([
      expect.stringMatching(/^cluster 'dev' secrets\.external\[0\]\.namespace: /),
      "cluster 'dev' secrets.external[0].name: must be a DNS-1123 subdomain (a Secret name), got 'grafana_admin'",
      "cluster 'dev' secrets.external[0].providedBy: must say who provides the Secret",
    ]);
  });

  it('an ssh:// GitOps repository comes with the host keys Argo CD trusts', () => {
    const gitops = { ...devCluster.gitops };
    expect(problemsOf(withDev({ gitops: { ...gitops, knownHosts: [] } }))).toEqual([
      "cluster 'dev' gitops.knownHosts: must list the Git server's host keys for 'ssh://git@git.example.com/nextgen/gitops.git' (ssh-keyscan prints them): Argo CD refuses an SSH host it does not know",
    ]);
    expect(
      problemsOf(withDev({ gitops: { ...gitops, knownHosts: ['git.example.com AAAA'] } })),
    ).toEqual([
      "cluster 'dev' gitops.knownHosts[0]: must be a known_hosts line '<host> <key type> <base64 key>', got 'git.example.com AAAA'",
    ]);
  });

  it('versions look like v1.2.3', () => {
    expect(problemsOf(withDev({ kubernetesVersion: '1.36' }))).toContain(
      "cluster 'dev' kubernetesVersion: must be a version like v1.2.3, got '1.36'",
    );
  });

  it('the Talos version looks like v1.2.3', () => {
    expect(problemsOf(withDev({ talosVersion: '1.13' }))).toContain(
      "cluster 'dev' talosVersion: must be a version like v1.2.3, got '1.13'",
    );
  });

  it('the Kubernetes version is one the Talos version supports', () => {
    expect(problemsOf(withDev({ kubernetesVersion: 'v1.30.4' }))).toEqual([
      "cluster 'dev' kubernetesVersion: Talos v1.13.9 supports Kubernetes v1.31 to v1.36, got v1.30.4",
    ]);
    expect(problemsOf(withDev({ kubernetesVersion: 'v1.37.0' }))).toEqual([
      "cluster 'dev' kubernetesVersion: Talos v1.13.9 supports Kubernetes v1.31 to v1.36, got v1.37.0",
    ]);
    expect(() =>
      validateConfig(
        withDev({ talosVersion: 'v1.12.6', kubernetesVersion: 'v1.30.14' }),
        ENVIRONMENTS,
      ),
    ).not.toThrow();
  });

  it('the Kubernetes major version counts, not only the minor', () => {
    for (const version of ['v2.34.0', 'v0.34.0']) {
      expect(problemsOf(withDev({ kubernetesVersion: version }))).toEqual([
        `cluster 'dev' kubernetesVersion: Talos v1.13.9 supports Kubernetes v1.31 to v1.36, got ${version}`,
      ]);
    }
    expect(() =>
      validateConfig(withDev({ kubernetesVersion: 'v1.31.0' }), ENVIRONMENTS),
    ).not.toThrow();
  });

  it('versions have no leading zeros (they name image tags)', () => {
    expect(problemsOf(withDev({ kubernetesVersion: 'v1.036.3' }))).toEqual([
      "cluster 'dev' kubernetesVersion: must be a version like v1.2.3, got 'v1.036.3'",
    ]);
    expect(problemsOf(withDev({ talosVersion: 'v1.13.09' }))).toEqual([
      "cluster 'dev' talosVersion: must be a version like v1.2.3, got 'v1.13.09'",
    ]);
    expect(() =>
      validateConfig(withDev({ kubernetesVersion: 'v1.36.0' }), ENVIRONMENTS),
    ).not.toThrow();
  });

  it('a Talos version without a support row is refused, naming where to add it', () => {
    expect(problemsOf(withDev({ talosVersion: 'v1.14.0' }))).toEqual([
      "cluster 'dev' kubernetesVersion: Talos v1.14 is not in constructs/config/talos-support.ts (known: v1.11, v1.12, v1.13); add its supported Kubernetes versions there",
    ]);
  });

  it('a cluster lists at least one node', () => {
    expect(problemsOf(withDev({ nodes: [] }))).toContain(
      "cluster 'dev' nodes: must list at least one node",
    );
  });

  it('node names are DNS-1123 labels', () => {
    expect(problemsOf(withDev(devNode({ name: 'CP_1' })))).toContain(
      "cluster 'dev' nodes[0].name: must be a DNS-1123 label (lower-case letters, digits and '-', at most 63 characters), got 'CP_1'",
    );
  });

  it('node roles are control-plane or worker', () => {
    expect(problemsOf(withDev(devNode({ role: 'master' as NodeRole })))).toContain(
      "cluster 'dev' nodes[0].role: must be one of control-plane, worker, got 'master'",
    );
  });

  it('storage devices are /dev paths and listed once', () => {
    const problems = problemsOf(
      withDev(devNode({ storageDevices: ['sdb', '/dev/sdc', '/dev/sdc'] })),
    );
    expect(problems).toContain(
      "cluster 'dev' nodes[0].storageDevices[0]: must be an absolute /dev/ path, got 'sdb'",
    );
    expect(problems).toContain(
      "cluster 'dev' nodes[0].storageDevices[2]: device '/dev/sdc' is already used (must be unique)",
    );
  });

  it('the tier is production or non-production', () => {
    expect(problemsOf(withDev({ tier: 'staging' as ClusterTier }))).toContain(
      "cluster 'dev' tier: must be one of non-production, production, got 'staging'",
    );
  });

  it('the GitOps branch is a Git branch name', () => {
    expect(
      problemsOf(withDev({ gitops: { ...devCluster.gitops, branch: 'feature:x' } })),
    ).toContain("cluster 'dev' gitops.branch: must be a Git branch name, got 'feature:x'");
  });

  it('two clusters never share a VIP', () => {
    expect(problemsOf(withProd({ controlPlaneVip: devCluster.controlPlaneVip }))).toContain(
      `cluster 'prod' controlPlaneVip: IP '${devCluster.controlPlaneVip}' is already used by the control-plane VIP of cluster 'dev'`,
    );
  });

  it('there is at least one cluster', () => {
    expect(problemsOf([], [])).toEqual([
      'configuration clusters: must define at least one cluster',
    ]);
  });

  it('the API port is a port', () => {
    expect(problemsOf(withDev({ apiPort: 70000 }))).toContain(
      "cluster 'dev' apiPort: must be a port number from 1 to 65535, got '70000'",
    );
  });

  it('the load-balancer pool does not overlap node IPs', () => {
    expect(problemsOf(withDev({ loadBalancerAddresses: ['10.10.0.8/29'] }))).toEqual([
      "cluster 'dev' loadBalancerAddresses[0]: '10.10.0.8/29' overlaps the IP of node 'dev-cp-1' of cluster 'dev'",
      "cluster 'dev' loadBalancerAddresses[0]: '10.10.0.8/29' overlaps the IP of the control-plane VIP of cluster 'dev'",
    ]);
  });

  it('load-balancer pools do not overlap each other, in or across clusters', () => {
    expect(
      problemsOf(withDev({ loadBalancerAddresses: ['10.10.0.200-10.10.0.220', '10.10.0.216/29'] })),
    ).toEqual([
      "cluster 'dev' loadBalancerAddresses[1]: '10.10.0.216/29' overlaps loadBalancerAddresses '10.10.0.200-10.10.0.220' of cluster 'dev'",
    ]);
    // Announced over BGP, prod's pool may lie outside its node subnet, even on dev's network.
    expect(
      problemsOf(
        withProd({
          loadBalancerAddresses: ['10.10.0.210-10.10.0.230'],
          platform: { ...prodCluster.platform, metallb: { announcement: bgp } },
        }),
      ),
    ).toEqual([
      "cluster 'prod' loadBalancerAddresses[0]: '10.10.0.210-10.10.0.230' overlaps loadBalancerAddresses '10.10.0.200-10.10.0.220' of cluster 'dev'",
    ]);
  });

  it('load-balancer blocks are CIDRs or ranges', () => {
    const problems = problemsOf(
      withDev({ loadBalancerAddresses: ['10.10.0.250-10.10.0.240', '10.10.0.129/25', 'lots'] }),
    );
    expect(problems).toEqual([
      "cluster 'dev' loadBalancerAddresses[0]: range '10.10.0.250-10.10.0.240' starts after it ends",
      "cluster 'dev' loadBalancerAddresses[1]: CIDR '10.10.0.129/25' has host bits set (the network address is not aligned to /25)",
      "cluster 'dev' loadBalancerAddresses[2]: must be a CIDR like 10.0.0.0/28 or a range like 10.0.0.200-10.0.0.220, got 'lots'",
    ]);
    expect(problemsOf(withDev({ loadBalancerAddresses: [] }))).toContain(
      "cluster 'dev' loadBalancerAddresses: must list at least one address block for LoadBalancer Services",
    );
  });

  it('the GitOps repository URL is one Flux accepts', () => {
    const gitops = { ...devCluster.gitops, url: 'git@github.com:acme/gitops.git' };
    expect(problemsOf(withDev({ gitops }))).toEqual([
      "cluster 'dev' gitops.url: must start with https://, http:// or ssh:// (Flux does not accept scp-style git@host:path), got 'git@github.com:acme/gitops.git'",
    ]);
  });

  it('the GitOps path stays inside the repository', () => {
    const gitops = { ...devCluster.gitops, path: '../elsewhere' };
    expect(problemsOf(withDev({ gitops }))).toEqual([
      "cluster 'dev' gitops.path: must be a relative folder inside the repository without '.', '..' or a trailing '/', got '../elsewhere'",
    ]);
  });

  it('the cluster domain is a DNS name', () => {
    expect(problemsOf(withDev({ domain: 'Dev Cluster' }))).toEqual([
      "cluster 'dev' domain: must be a lower-case DNS name like dev.example.com, got 'Dev Cluster'",
    ]);
  });
});

describe('the node subnet', () => {
  const nodeIp = (ip: string) => withDev(devNode({ ip }));

  it('is an IPv4 CIDR with its host bits clear', () => {
    for (const nodeSubnet of [
      'lots',
      '10.10.0.0',
      '10.10.0.0/33',
      '10.10.0.0/24/8',
      '10.10.0/24',
    ]) {
      expect(problemsOf(withDev({ nodeSubnet }))).toEqual([
        `cluster 'dev' nodeSubnet: must be an IPv4 CIDR like 10.10.0.0/24, got '${nodeSubnet}'`,
      ]);
    }
    expect(problemsOf(withDev({ nodeSubnet: '10.10.0.1/24' }))).toEqual([
      "cluster 'dev' nodeSubnet: must have its host bits clear ('10.10.0.0/24'), got '10.10.0.1/24'",
    ]);
  });

  it('is a /30 or larger', () => {
    for (const nodeSubnet of ['10.10.0.10/31', '10.10.0.10/32']) {
      expect(problemsOf(withDev({ nodeSubnet }))).toEqual([
        `cluster 'dev' nodeSubnet: must be a /30 or larger network (a /31 or /32 leaves no node address beside its network and broadcast addresses), got '${nodeSubnet}'`,
      ]);
    }
    // A /30 holds two hosts: the node and the VIP (the pool announced over BGP, elsewhere).
    expect(() =>
      validateConfig(
        withDev({
          nodeSubnet: '10.10.0.8/30',
          controlPlaneVip: '10.10.0.9',
          ...devNode({ ip: '10.10.0.10' }),
          platform: { ...devCluster.platform, metallb: { announcement: bgp } },
        }),
        ENVIRONMENTS,
      ),
    ).not.toThrow();
  });

  it('overlaps no loopback, link-local, multicast, reserved or 0.0.0.0/8 block', () => {
    const cases = [
      ['0.0.0.0/0', '"this network" (0.0.0.0/8)'],
      ['127.0.0.0/24', 'loopback (127.0.0.0/8)'],
      ['169.254.0.0/16', 'link-local (169.254.0.0/16)'],
      ['224.0.0.0/24', 'multicast (224.0.0.0/4)'],
      ['255.255.255.0/24', 'reserved or broadcast (240.0.0.0/4)'],
    ];
    for (const [nodeSubnet, what] of cases) {
      expect(problemsOf(withDev({ nodeSubnet }))).toEqual([
        `cluster 'dev' nodeSubnet: must not overlap ${what}, got '${nodeSubnet}'`,
      ]);
    }
  });

  it('holds every node IP', () => {
    expect(problemsOf(nodeIp('10.11.0.11'))).toEqual([
      "cluster 'dev' nodes[0].ip: must lie inside nodeSubnet '10.10.0.0/24', got '10.11.0.11'",
    ]);
    const nodes = prodCluster.nodes.map((n, i) => (i === 4 ? { ...n, ip: '10.21.0.22' } : n));
    expect(problemsOf(withProd({ nodes }))).toEqual([
      "cluster 'prod' nodes[4].ip: must lie inside nodeSubnet '10.20.0.0/24', got '10.21.0.22'",
    ]);
    // A wider subnet holds them: only the stated network counts.
    expect(() =>
      validateConfig(
        withDev({ nodeSubnet: '10.10.0.0/16', ...devNode({ ip: '10.10.1.11' }) }),
        ENVIRONMENTS,
      ),
    ).not.toThrow();
  });

  it('holds the control-plane VIP', () => {
    expect(problemsOf(withDev({ controlPlaneVip: '10.30.0.10' }))).toEqual([
      "cluster 'dev' controlPlaneVip: must lie inside nodeSubnet '10.10.0.0/24' (Talos announces the VIP by ARP on the nodes' network), got '10.30.0.10'",
    ]);
    expect(() =>
      validateConfig(withDev({ controlPlaneVip: '10.10.0.254' }), ENVIRONMENTS),
    ).not.toThrow();
  });

  it("gives no node or VIP the subnet's network or broadcast address", () => {
    expect(problemsOf(withDev({ controlPlaneVip: '10.10.0.0' }))).toEqual([
      "cluster 'dev' controlPlaneVip: must not be the network address of nodeSubnet '10.10.0.0/24', got '10.10.0.0'",
    ]);
    expect(problemsOf(nodeIp('10.10.0.255'))).toEqual([
      "cluster 'dev' nodes[0].ip: must not be the broadcast address of nodeSubnet '10.10.0.0/24', got '10.10.0.255'",
    ]);
    expect(() => validateConfig(nodeIp('10.10.0.1'), ENVIRONMENTS)).not.toThrow();
  });

  it('refuses loopback, link-local, multicast, reserved and 0.0.0.0 as node IP or VIP', () => {
    const cases = [
      ['0.0.0.0', '"this network" (0.0.0.0/8)'],
      ['127.0.0.1', 'loopback (127.0.0.0/8)'],
      ['169.254.10.10', 'link-local (169.254.0.0/16)'],
      ['224.0.0.18', 'multicast (224.0.0.0/4)'],
      ['255.255.255.255', 'reserved or broadcast (240.0.0.0/4)'],
    ];
    for (const [ip, what] of cases) {
      expect(problemsOf(withDev({ controlPlaneVip: ip }))).toEqual([
        `cluster 'dev' controlPlaneVip: must be a host address, not ${what}, got '${ip}'`,
      ]);
      expect(problemsOf(nodeIp(ip))).toEqual([
        `cluster 'dev' nodes[0].ip: must be a host address, not ${what}, got '${ip}'`,
      ]);
    }
  });

  it('holds the load-balancer pool when MetalLB announces it over L2', () => {
    expect(problemsOf(withDev({ loadBalancerAddresses: ['10.30.0.200-10.30.0.220'] }))).toEqual([
      "cluster 'dev' loadBalancerAddresses[0]: must lie inside nodeSubnet '10.10.0.0/24' (MetalLB's L2 announcement answers ARP only on the nodes' network; announce other networks over BGP), got '10.30.0.200-10.30.0.220'",
    ]);
    // Straddling the subnet's edge is outside too.
    expect(problemsOf(withDev({ loadBalancerAddresses: ['10.10.0.250-10.10.1.5'] }))).toEqual([
      "cluster 'dev' loadBalancerAddresses[0]: must lie inside nodeSubnet '10.10.0.0/24' (MetalLB's L2 announcement answers ARP only on the nodes' network; announce other networks over BGP), got '10.10.0.250-10.10.1.5'",
    ]);
    expect(problemsOf(withDev({ loadBalancerAddresses: ['10.10.0.240/28'] }))).toEqual([
      "cluster 'dev' loadBalancerAddresses[0]: must not include the broadcast address 10.10.0.255 of nodeSubnet '10.10.0.0/24', got '10.10.0.240/28'",
    ]);
    expect(problemsOf(withDev({ loadBalancerAddresses: ['10.10.0.0-10.10.0.5'] }))).toContain(
      "cluster 'dev' loadBalancerAddresses[0]: must not include the network address 10.10.0.0 of nodeSubnet '10.10.0.0/24', got '10.10.0.0-10.10.0.5'",
    );
    // Over BGP, or without MetalLB, the pool is routed or unused: any network will do.
    const elsewhere = { loadBalancerAddresses: ['10.30.0.0/24'] };
    for (const metallb of [{ announcement: bgp }, { enabled: false }]) {
      expect(() =>
        validateConfig(
          withDev({ ...elsewhere, platform: { ...devCluster.platform, metallb } }),
          ENVIRONMENTS,
        ),
      ).not.toThrow();
    }
  });

  it('keeps every load-balancer block off loopback and other non-host blocks, also over BGP', () => {
    expect(problemsOf(withDev({ loadBalancerAddresses: ['127.0.0.0/28'] }))).toEqual([
      "cluster 'dev' loadBalancerAddresses[0]: must not overlap loopback (127.0.0.0/8), got '127.0.0.0/28'",
    ]);
    const platform = { ...devCluster.platform, metallb: { announcement: bgp } };
    expect(
      problemsOf(withDev({ loadBalancerAddresses: ['224.0.0.0-224.0.0.9'], platform })),
    ).toEqual([
      "cluster 'dev' loadBalancerAddresses[0]: must not overlap multicast (224.0.0.0/4), got '224.0.0.0-224.0.0.9'",
    ]);
  });
});

describe('environment rules', () => {
  it('an environment names a known cluster', () => {
    expect(problemsOf(CLUSTERS, withEnv({ cluster: 'staging' }))).toEqual([
      "environment 'dev' cluster: names unknown cluster 'staging'; known clusters: dev, prod",
    ]);
  });

  it('environment names are unique DNS labels', () => {
    expect(problemsOf(CLUSTERS, [dev, { ...testEnv, name: 'dev' }, prod])).toContain(
      "environment 'dev' name: environment name 'dev' is already used (must be unique)",
    );
    expect(problemsOf(CLUSTERS, withEnv({ name: 'Dev' }))).toContain(
      "environment 'Dev' name: must be a DNS-1123 label (lower-case letters, digits and '-', at most 63 characters), got 'Dev'",
    );
  });

  it('domains are unique DNS names', () => {
    expect(problemsOf(CLUSTERS, withEnv({ domain: 'test.example.com' }))).toEqual([
      "environment 'test' domain: domain 'test.example.com' is already used (must be unique)",
    ]);
    expect(problemsOf(CLUSTERS, withEnv({ domain: 'http://dev' }))).toEqual([
      "environment 'dev' domain: must be a lower-case DNS name like dev.example.com, got 'http://dev'",
    ]);
  });

  it('namespace prefixes are unique per cluster', () => {
    expect(problemsOf(CLUSTERS, withEnv({ namespacePrefix: 'test' }))).toEqual([
      "environment 'test' namespacePrefix: cluster/namespace prefix 'dev/test' is already used (must be unique)",
    ]);
  });

  it('default replicas are at least 1', () => {
    expect(problemsOf(CLUSTERS, withEnv({ defaultReplicas: 0 }))).toEqual([
      "environment 'dev' defaultReplicas: must be a whole number of at least 1, got '0'",
    ]);
  });

  it('default resources are quantities with limits not below requests', () => {
    const defaultResources = { ...dev.defaultResources, memoryLimit: '32Mi', cpuRequest: 'lots' };
    expect(problemsOf(CLUSTERS, withEnv({ defaultResources }))).toEqual([
      "environment 'dev' defaultResources.cpuRequest: must be a Kubernetes quantity like 250m or 256Mi, got 'lots'",
      "environment 'dev' defaultResources.memoryLimit: must not be below memoryRequest (32Mi < 64Mi)",
    ]);
  });

  it('the namespace prefix is a DNS-1123 label', () => {
    expect(problemsOf(CLUSTERS, withEnv({ namespacePrefix: 'Dev' }))).toContain(
      "environment 'dev' namespacePrefix: must be a DNS-1123 label (lower-case letters, digits and '-', at most 63 characters), got 'Dev'",
    );
  });

  it('the alert receiver names a Secret', () => {
    const alertReceiver = { ...dev.alertReceiver, secretName: 'Alerts_Slack' };
    expect(problemsOf(CLUSTERS, withEnv({ alertReceiver }))).toContain(
      "environment 'dev' alertReceiver.secretName: must name a Secret (DNS-1123 label), got 'Alerts_Slack'",
    );
  });

  it('a CPU limit is not below its request', () => {
    const defaultResources = { ...dev.defaultResources, cpuRequest: '2', cpuLimit: '500m' };
    expect(problemsOf(CLUSTERS, withEnv({ defaultResources }))).toContain(
      "environment 'dev' defaultResources.cpuLimit: must not be below cpuRequest (500m < 2)",
    );
  });

  it('every problem is reported at once, one per line, naming where', () => {
    try {
      validateConfig(withDev({ controlPlaneVip: 'x' }), withEnv({ cluster: 'nowhere' }));
      throw new Error('expected a ConfigError');
    } catch (error) {
      expect((error as Error).message).toBe(
        [
          '2 problems:',
          "  - cluster 'dev' controlPlaneVip: must be a valid IPv4 address, got 'x'",
          "  - environment 'dev' cluster: names unknown cluster 'nowhere'; known clusters: dev, prod",
        ].join('\n'),
      );
    }
  });
});
