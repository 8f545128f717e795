import { Duration } from 'cdk8s';
import { RolloutStrategy, WebService } from '../constructs/app';

/** The checkout API: takes orders and payments. Canary releases with automated analysis. */
export const checkoutApi = WebService.define({
  name: 'checkout-api',
  team: 'payments',
  image: 'registry.example.com/payments/checkout-api',
  ports: [{ name: 'http', port: 8080 }],
  config: { LOG_LEVEL: 'info', PAYMENT_TIMEOUT_MS: '3000' },
  secrets: [{ secretName: 'checkout-db', keys: { DATABASE_URL: 'url' } }],
  callers: ['order-worker'],
  // Its PostgreSQL (the checkout-db Secret's url points there): prod has its own.
  external: [{ host: 'db.example.com', ports: [5432] }],
  rollout: RolloutStrategy.canary({
    steps: [
      { weight: 10, pause: Duration.seconds(30) },
      { weight: 25, pause: Duration.seconds(30) },
      { weight: 50, pause: Duration.seconds(30) },
      { weight: 100 },
    ],
    analysis: { minSuccessRate: 0.99, maxP95Latency: Duration.millis(300) },
  }),
  environments: {
    prod: {
      autoscaling: { minReplicas: 3, maxReplicas: 10, targetCpuPercent: 65 },
      resources: { cpuRequest: '500m', cpuLimit: '2', memoryRequest: '512Mi', memoryLimit: '1Gi' },
      env: { LOG_LEVEL: 'warn' },
      external: [{ host: 'db.prod.example.com', ports: [5432] }],
    },
  },
});
