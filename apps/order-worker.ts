import { Worker } from '../constructs/app';

/** Consumes the order queue and calls the checkout API. Not in prod yet. */
export const orderWorker = Worker.define({
  name: 'order-worker',
  team: 'payments',
  image: 'registry.example.com/payments/order-worker',
  ports: [{ name: 'metrics', port: 9090 }],
  dependencies: ['checkout-api'],
  secrets: [{ secretName: 'order-queue' }],
  // The order queue (RabbitMQ) the order-queue Secret's QUEUE_URL points at.
  external: [{ host: 'mq.example.com', ports: [5672] }],
  environments: {
    prod: { enabled: false },
  },
});
