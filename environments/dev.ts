import { AlertReceiver, SyncPolicy, type EnvironmentConfig } from '../constructs/config/types';

/** dev: where every merge lands first; syncs automatically. */
export const dev: EnvironmentConfig = {
  name: 'dev',
  cluster: 'dev',
  domain: 'dev.example.com',
  defaultReplicas: 1,
  defaultResources: {
    cpuRequest: '50m',
    cpuLimit: '500m',
    memoryRequest: '64Mi',
    memoryLimit: '256Mi',
  },
  syncPolicy: SyncPolicy.automatic(),
  alertReceiver: AlertReceiver.slack({ channel: '#alerts-dev', secretName: 'alerts-slack' }),
};
