// The Secrets the platform and its apps read, each with who needs it and the keys it must
// hold: synth refuses a tree in which one is neither encrypted in git (secrets/<cluster>/…)
// nor declared as provided by another system.

/** One Secret the cluster must hold before what reads it starts. */
export interface NeededSecret {
  /** Namespace. */
  readonly namespace: string;
  /** Name. */
  readonly name: string;
  /** Keys it must hold (`data`/`stringData`); empty when any key will do. */
  readonly keys: readonly string[];
  /**
   * Labels it must carry (Argo CD finds repository credentials by label).
   * @default {}
   */
  readonly labels?: Readonly<Record<string, string>>;
  /** Who reads it, e.g. `component monitoring` or `app 'checkout-api' environment 'prod'`. */
  readonly neededBy: string;
  /** What it is for, one phrase. */
  readonly purpose: string;
  /**
   * Who provides it instead of an encrypted file (an external vault, an operator); undefined
   * when it must be encrypted in git.
   */
  readonly providedBy?: string;
}

/** The folder of encrypted Secrets, beside `gitops/`. */
export const SECRETS_ROOT = 'secrets';

/** `secrets/<cluster>/<namespace>/<name>.yaml`: where a Secret of a cluster is encrypted. */
export function secretPath(cluster: string, namespace: string, name: string): string {
  return `${SECRETS_ROOT}/${cluster}/${namespace}/${name}.yaml`;
}
