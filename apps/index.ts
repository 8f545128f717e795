// Every app synth renders. Adding an app: write apps/<name>.ts, list it here, and add its
// image version to environments/versions/<env>.json for each environment it runs in.
import type { AppDefinition } from '../constructs/app';
import { checkoutApi } from './checkout-api';
import { orderWorker } from './order-worker';
import { storefront } from './storefront';

/** The apps, in any order (output is sorted). */
export const APPS: readonly AppDefinition[] = [checkoutApi, storefront, orderWorker];
