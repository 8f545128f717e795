import { compareStrings } from '../order';
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

/**
 * Orders two `vX.Y` minor versions: major first, then minor, each as a number (`v1.9` <
 * `v1.10`, and `v2.34` is after every `v1.*`).
 */
function compareMinor(a: string, b: string): number {
  const [aMajor, aMinor] = a.slice(1).split('.').map(Number);
  const [bMajor, bMinor] = b.slice(1).split('.').map(Number);
  return aMajor - bMajor || aMinor - bMinor;
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
  const kubernetes = minorOf(kubernetesVersion);
  if (
    compareMinor(kubernetes, supported.oldest) < 0 ||
    compareMinor(kubernetes, supported.newest) > 0
  ) {
    return `Talos ${talosVersion} supports Kubernetes ${supported.oldest} to ${supported.newest}, got ${kubernetesVersion}`;
  }
  return undefined;
}

/**
 * The images Talos pulls for a cluster that its patches do not name, per Talos release: etcd
 * and CoreDNS (`DefaultEtcdVersion`, `DefaultCoreDNSVersion` in pkg/machinery/constants) and
 * containerd's sandbox image (`DefaultSandboxImage` in pkg/images/list.go), read at the
 * release tag. `talosctl images default` of that release lists them with the images of what
 * this platform turns off (Flannel, kube-proxy, kube-network-policies). An air-gapped cluster
 * must mirror them: a release missing here fails the bundle until its row is added.
 */
export const TALOS_DEFAULT_IMAGES: Readonly<Record<string, readonly string[]>> = {
  'v1.13.9': [
    'registry.k8s.io/coredns/coredns:v1.14.6',
    'registry.k8s.io/etcd:v3.6.12',
    'registry.k8s.io/pause:3.10.1',
  ],
};

/** The images the cluster's Talos patches pin: the installer, the kubelet, the control plane. */
export function talosPinnedImages(cluster: {
  readonly talosVersion: string;
  readonly kubernetesVersion: string;
}): {
  readonly installer: string;
  readonly kubelet: string;
  readonly apiServer: string;
  readonly controllerManager: string;
  readonly scheduler: string;
} {
  const k8s = cluster.kubernetesVersion;
  return {
    installer: `ghcr.io/siderolabs/installer:${cluster.talosVersion}`,
    kubelet: `ghcr.io/siderolabs/kubelet:${k8s}`,
    apiServer: `registry.k8s.io/kube-apiserver:${k8s}`,
    controllerManager: `registry.k8s.io/kube-controller-manager:${k8s}`,
    scheduler: `registry.k8s.io/kube-scheduler:${k8s}`,
  };
}

/**
 * Every image Talos pulls for the cluster: the pinned ones and the release's defaults;
 * undefined when the release has no row in {@link TALOS_DEFAULT_IMAGES}.
 */
export function talosImages(cluster: {
  readonly talosVersion: string;
  readonly kubernetesVersion: string;
}): string[] | undefined {
  const defaults = TALOS_DEFAULT_IMAGES[cluster.talosVersion];
  if (defaults === undefined) return undefined;
  return [...Object.values(talosPinnedImages(cluster)), ...defaults].sort(compareStrings);
}
