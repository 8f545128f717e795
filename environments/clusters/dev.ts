import { ClusterTier, NodeRole, type ClusterConfig } from '../../constructs/config/types';

/** The dev cluster: one Talos node (control plane that also runs workloads); hosts dev and test. */
export const devCluster: ClusterConfig = {
  name: 'dev',
  tier: ClusterTier.NON_PRODUCTION,
  nodeSubnet: '10.10.0.0/24',
  controlPlaneVip: '10.10.0.10',
  nodes: [
    {
      name: 'dev-cp-1',
      ip: '10.10.0.11',
      role: NodeRole.CONTROL_PLANE,
      installDisk: '/dev/sda',
      storageDevices: ['/dev/sdb'],
    },
  ],
  talosVersion: 'v1.13.9',
  kubernetesVersion: 'v1.36.3',
  loadBalancerAddresses: ['10.10.0.200-10.10.0.220'],
  domain: 'dev.platform.example.com',
  gitops: {
    url: 'ssh://git@git.example.com/nextgen/gitops.git',
    branch: 'main',
    path: 'gitops',
    // Reference host key of git.example.com: replace it with `ssh-keyscan <your Git host>`.
    knownHosts: [
      'git.example.com ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGaB17zuQXVaaa7tjhygLWJg2UwJlzSoH58k7uBkHD74',
    ],
  },
  // Reference key: nobody holds its private half, so the reference Secrets in secrets/dev/ are
  // placeholders. Replace it with your cluster's key (README, "Secrets": replace the reference keys).
  secrets: { ageRecipients: ['age1veft600u7wdxuz73fc9a845sw2tjqh2f8rp2pmnuluagtty5ze6qwrvsqs'] },
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
