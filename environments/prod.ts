import { AlertReceiver, SyncPolicy, type EnvironmentConfig } from '../constructs/config/types';

/** prod: its own cluster; three replicas by default; a person (or a gate) presses Sync. */
export const prod: EnvironmentConfig = {
  name: 'prod',
  cluster: 'prod',
  domain: 'example.com',
  defaultReplicas: 3,
  defaultResources: {
    cpuRequest: '250m',
    cpuLimit: '1',
    memoryRequest: '256Mi',
    memoryLimit: '512Mi',
  },
  syncPolicy: SyncPolicy.gated(),
  alertReceiver: AlertReceiver.lark({ secretName: 'alerts-feishu' }),
};
