import { Worker } from '../constructs/app';

/** Consumes the order queue and calls the checkout API. Not in prod yet. */
export const orderWorker = Worker.define({
  name: 'order-worker',
  team: 'payments',
  image: 'registry.example.com/payments/order-worker',
  ports: [{ name: 'metrics', port: 9090 }],
  dependencies: ['checkout-api'],
  secrets: [{ secretName: 'order-queue' }],
  environments: {
    prod: { enabled: false },
  },
});
