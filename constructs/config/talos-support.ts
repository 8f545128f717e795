/**
 * The Kubernetes minor versions each Talos minor version supports (Talos' support matrix):
 * the newest Kubernetes at its release and the five before it. A Talos release outside this
 * table fails validation until its row is added here.
 * @see https://docs.siderolabs.com/talos/v1.13/getting-started/support-matrix
 */
export const TALOS_KUBERNETES_SUPPORT: Readonly<
  Record<string, { oldest: string; newest: string }>
> = {
  'v1.11': { oldest: 'v1.29', newest: 'v1.34' },
  'v1.12': { oldest: 'v1.30', newest: 'v1.35' },
  'v1.13': { oldest: 'v1.31', newest: 'v1.36' },
};

/** `v1.36.3` → `v1.36`. */
export function minorOf(version: string): string {
  return version.split('.').slice(0, 2).join('.');
}

/** `v1.36` → 36: minor versions compare as numbers (`v1.9` < `v1.10`). */
function minorNumber(minor: string): number {
  return Number(minor.split('.')[1]);
}

/**
 * Why a Talos version cannot run a Kubernetes version, or undefined when it can (both
 * `vX.Y.Z`, already checked for shape).
 */
export function kubernetesSupportProblem(
  talosVersion: string,
  kubernetesVersion: string,
): string | undefined {
  const talos = minorOf(talosVersion);
  const supported = TALOS_KUBERNETES_SUPPORT[talos];
  if (!supported) {
    return `Talos ${talos} is not in constructs/config/talos-support.ts (known: ${Object.keys(TALOS_KUBERNETES_SUPPORT).join(', ')}); add its supported Kubernetes versions there`;
  }
  const kubernetes = minorNumber(minorOf(kubernetesVersion));
  if (kubernetes < minorNumber(supported.oldest) || kubernetes > minorNumber(supported.newest)) {
    return `Talos ${talosVersion} supports Kubernetes ${supported.oldest} to ${supported.newest}, got ${kubernetesVersion}`;
  }
  return undefined;
}
