import { AlertReceiver, SyncPolicy, type EnvironmentConfig } from '../constructs/config/types';

/** test: integration and acceptance tests, on the dev cluster; syncs automatically. */
export const test: EnvironmentConfig = {
  name: 'test',
  cluster: 'dev',
  domain: 'test.example.com',
  defaultReplicas: 1,
  defaultResources: {
    cpuRequest: '100m',
    cpuLimit: '500m',
    memoryRequest: '128Mi',
    memoryLimit: '256Mi',
  },
  syncPolicy: SyncPolicy.automatic(),
  alertReceiver: AlertReceiver.slack({ channel: '#alerts-test', secretName: 'alerts-slack' }),
};
