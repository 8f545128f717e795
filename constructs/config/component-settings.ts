// What every platform component accepts in a cluster's settings, and how overrides merge.

/**
 * A recursive partial of chart values: any subset of the keys, at any depth. Arrays are
 * replaced whole (see {@link mergeValues}).
 */
export type DeepPartial<T> = {
  readonly [K in keyof T]?: T[K] extends readonly unknown[]
    ? T[K]
    : T[K] extends object
      ? DeepPartial<T[K]>
      : T[K];
};

/** What every component accepts in a cluster's `platform` settings. */
export interface ComponentSettings<TValues> {
  /**
   * Whether the component runs on the cluster. Turning off a component that another enabled
   * component depends on fails synth, naming both.
   * @default true
   */
  readonly enabled?: boolean;
  /**
   * Chart values merged over the component's defaults for this cluster. Merge rule: objects
   * merge key by key, recursively; arrays and scalars replace the default whole; a key left
   * out (or `undefined`) keeps the default.
   * @default {} - the component's defaults
   */
  readonly values?: DeepPartial<TValues>;
}

/** Settings of a component whose web UI has no login of its own. */
export interface UnauthenticatedUiSettings {
  /**
   * Route the UI on the shared Gateway's platform listener (`<ui>.<cluster domain>`). It has
   * no login, so anyone who reaches the address can use it: off by default; reach it with
   * `kubectl port-forward` instead, or turn this on only where the network is trusted.
   * @default false
   */
  readonly publishUi?: boolean;
}

/**
 * How many pods a platform Deployment rendered as plain objects runs, and their sizes (for
 * components that install no chart: metrics-server, the kubelet serving-certificate approver).
 */
export interface DeploymentValues {
  /**
   * Pods of the Deployment; a positive integer. More than one spreads them over distinct nodes
   * (required anti-affinity), so no more than the nodes they may run on.
   */
  readonly replicas: number;
  /** Requests and the memory limit of the container. */
  readonly resources: {
    readonly requests: { readonly cpu: string; readonly memory: string };
    readonly limits: { readonly memory: string };
  };
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Merges overrides over defaults without mutating either: objects merge recursively, arrays and
 * scalars in the overrides replace the defaults, `undefined` keeps the default.
 */
export function mergeValues<T>(defaults: T, overrides: DeepPartial<T> | undefined): T {
  if (overrides === undefined) return defaults;
  if (!isPlainObject(defaults) || !isPlainObject(overrides)) return overrides as T;
  const merged: Record<string, unknown> = { ...defaults };
  for (const [key, value] of Object.entries(overrides)) {
    if (value === undefined) continue;
    merged[key] =
      isPlainObject(value) && isPlainObject(merged[key])
        ? mergeValues(merged[key], value as DeepPartial<unknown>)
        : value;
  }
  return merged as T;
}
