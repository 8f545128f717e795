import { ClusterTier, NodeRole, type ClusterConfig } from '../../constructs/config/types';

const controlPlane = (index: number) => ({
  name: `prod-cp-${index}`,
  ip: `10.20.0.${10 + index}`,
  role: NodeRole.CONTROL_PLANE,
  installDisk: '/dev/sda',
});

const worker = (index: number) => ({
  name: `prod-worker-${index}`,
  ip: `10.20.0.${20 + index}`,
  role: NodeRole.WORKER,
  installDisk: '/dev/nvme0n1',
  storageDevices: ['/dev/nvme1n1'],
});

/** The prod cluster: three control-plane nodes (etcd quorum) and three workers carrying Ceph disks. */
export const prodCluster: ClusterConfig = {
  name: 'prod',
  tier: ClusterTier.PRODUCTION,
  nodeSubnet: '10.20.0.0/24',
  controlPlaneVip: '10.20.0.10',
  nodes: [controlPlane(1), controlPlane(2), controlPlane(3), worker(1), worker(2), worker(3)],
  talosVersion: 'v1.13.9',
  kubernetesVersion: 'v1.36.3',
  loadBalancerAddresses: ['10.20.0.192/27'],
  domain: 'prod.platform.example.com',
  gitops: {
    url: 'ssh://git@git.example.com/nextgen/gitops.git',
    branch: 'main',
    path: 'gitops',
    // Reference host key of git.example.com: replace it with `ssh-keyscan <your Git host>`.
    knownHosts: [
      'git.example.com ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGaB17zuQXVaaa7tjhygLWJg2UwJlzSoH58k7uBkHD74',
    ],
  },
  // Reference key: nobody holds its private half, so the reference Secrets in secrets/prod/ are
  // placeholders. Replace it with your cluster's key (README, "Secrets": replace the reference keys).
  secrets: { ageRecipients: ['age19pju03h7ssr9q7ml5v9ejnd7e3e0mlnkpefrs65ds5ggps7e6ajshqg6aw'] },
  platform: {
    // Argo CD RBAC: each team's SSO group manages its own AppProject.
    argocd: {
      teams: [
        { name: 'payments', group: 'payments-engineers' },
        { name: 'web', group: 'web-engineers' },
      ],
    },
  },
};
