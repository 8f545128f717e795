import { ClusterTier, NodeRole, type ClusterConfig } from '../../constructs/config/types';

/** The dev cluster: one Talos node (control plane that also runs workloads); hosts dev and test. */
export const devCluster: ClusterConfig = {
  name: 'dev',
  tier: ClusterTier.NON_PRODUCTION,
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
  gitops: { url: 'ssh://git@git.example.com/nextgen/gitops.git', branch: 'main', path: 'gitops' },
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
