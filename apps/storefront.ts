import { Duration } from 'cdk8s';
import { RolloutStrategy, WebService } from '../constructs/app';

/** The web shop front end. Blue-green: a new version is checked on the preview, then switched. */
export const storefront = WebService.define({
  name: 'storefront',
  team: 'web',
  image: 'registry.example.com/web/storefront',
  ports: [{ name: 'http', port: 3000 }],
  host: (domain) => `shop.${domain}`,
  probes: { readinessPath: '/api/health', livenessPath: '/api/health' },
  dependencies: ['checkout-api'],
  rollout: RolloutStrategy.blueGreen({
    analysis: { interval: Duration.seconds(15), failureLimit: 2, count: 8 },
    scaleDownDelay: Duration.seconds(120),
  }),
  environments: {
    dev: { env: { CHECKOUT_URL: 'http://checkout-api.dev-checkout-api.svc:8080' } },
    test: { env: { CHECKOUT_URL: 'http://checkout-api.test-checkout-api.svc:8080' } },
    prod: { replicas: 4, env: { CHECKOUT_URL: 'http://checkout-api.prod-checkout-api.svc:8080' } },
  },
});
