// Talos machine-config patches as typed data: what this platform changes in the config that
// `talosctl gen config` generates. A test validates every patch of every node against the
// Talos v1.13 schema (../shared/crds/talos/config.schema.json).
import { stringify } from 'yaml';
import type { ClusterConfig, NodeConfig } from '../../constructs/config/types';
import { KUBEPRISM, ROOK_DATA_DIR } from '../../constructs/contract/names';
import { apiEndpoint, apiPort, isControlPlane } from '../../constructs/config/rules';
import { isComponentEnabled } from '../../constructs/config/settings';
import { registryHost } from '../../constructs/config/mirror';
import { talosPinnedImages } from '../../constructs/config/talos-support';
import { compareStrings } from '../../constructs/order';

/** Node label marking machines whose raw disks Rook-Ceph may turn into OSDs. */
export const CEPH_NODE_LABEL = 'nextgen.dev/ceph-osd';
/** Node label naming the cluster a node belongs to. */
export const CLUSTER_NODE_LABEL = 'nextgen.dev/cluster';
/** The kubelet flag that makes it request its serving certificate from the cluster CA. */
export const ROTATE_SERVER_CERTIFICATES = 'rotate-server-certificates';

/**
 * A kubelet bind mount (subset of `machine.kubelet.extraMounts[]`).
 * @see https://docs.siderolabs.com/talos/v1.13/reference/configuration/v1alpha1/config
 */
export interface KubeletExtraMount {
  /** Path inside the kubelet container. */
  readonly destination: string;
  /** Mount type, `bind` for host folders. */
  readonly type: 'bind';
  /** Host path. */
  readonly source: string;
  /** Mount options; must include `bind` or `rbind`. */
  readonly options: readonly string[];
}

/** The `machine` section this platform patches (a typed subset of v1alpha1 MachineConfig). */
export interface MachinePatch {
  /** Where and what Talos installs. */
  readonly install: {
    /** Disk Talos installs itself on (`/dev/...`). */
    readonly disk: string;
    /** Installer image; pins the Talos version the node runs. */
    readonly image: string;
    /** Whether to wipe the disk before installing (never: Talos overwrites its own partitions). */
    readonly wipe: boolean;
  };
  /** Labels Talos keeps on the Kubernetes Node. */
  readonly nodeLabels: Readonly<Record<string, string>>;
  /** Kubelet settings. */
  readonly kubelet: {
    /** Kubelet image; pins the Kubernetes version. */
    readonly image: string;
    /** Extra host folders the kubelet must see (Rook's data folder). */
    readonly extraMounts: readonly KubeletExtraMount[];
    /** Which addresses the kubelet may advertise: exactly the node's configured IP. */
    readonly nodeIP: { readonly validSubnets: readonly string[] };
    /**
     * Extra kubelet flags. `rotate-server-certificates: 'true'` (while the cluster runs the
     * kubelet serving-certificate approver): the kubelet asks the cluster CA for its serving
     * certificate instead of signing its own, so metrics-server and the API server can verify it.
     * @see https://docs.siderolabs.com/kubernetes-guides/monitoring-and-observability/deploy-metrics-server
     */
    readonly extraArgs?: Readonly<Record<string, string>>;
  };
  /** Talos features. */
  readonly features: {
    /** KubePrism, the local API load balancer Cilium talks to (must stay enabled). */
    readonly kubePrism: { readonly enabled: boolean; readonly port: number };
  };
}

/** The `cluster` section this platform patches (a typed subset of v1alpha1 ClusterConfig). */
export interface ClusterPatch {
  /** Cluster name. */
  readonly clusterName: string;
  /**
   * The API endpoint every node uses (the control-plane VIP), and the port the API server
   * listens on, which must be the endpoint's: Talos listens on 6443 whatever the endpoint says.
   */
  readonly controlPlane: { readonly endpoint: string; readonly localAPIServerPort: number };
  /** No CNI from Talos: Cilium is installed by Pulumi, then managed by Flux. */
  readonly network: { readonly cni: { readonly name: 'none' } };
  /** No kube-proxy: Cilium replaces it. */
  readonly proxy: { readonly disabled: boolean };
  /** Whether workloads may run on control-plane nodes (only when the cluster has no workers). */
  readonly allowSchedulingOnControlPlanes: boolean;
  /** Control-plane images (pin the Kubernetes version) and the VIP in the serving certificate. */
  readonly apiServer?: { readonly image: string; readonly certSANs: readonly string[] };
  /** Controller manager image. */
  readonly controllerManager?: { readonly image: string };
  /** Scheduler image. */
  readonly scheduler?: { readonly image: string };
  /**
   * Cluster discovery: a mirrored (air-gapped) cluster turns off the discovery service
   * registry, whose default endpoint (discovery.talos.dev) is on the internet.
   */
  readonly discovery?: {
    readonly registries: { readonly service: { readonly disabled: boolean } };
  };
}

/** The v1alpha1 document patch (no `version`: the generated config carries it). */
export interface V1Alpha1Patch {
  /** Machine settings. */
  readonly machine: MachinePatch;
  /** Cluster settings. */
  readonly cluster: ClusterPatch;
}

/** The control-plane VIP, announced by gratuitous ARP from one control-plane node at a time. */
export interface Layer2VipConfig {
  /** Document API version. */
  readonly apiVersion: 'v1alpha1';
  /** Document kind. */
  readonly kind: 'Layer2VIPConfig';
  /** The VIP address. */
  readonly name: string;
  /** Network link the VIP is announced on. */
  readonly link: string;
}

/**
 * The node's static host name (its Kubernetes Node name). Since Talos 1.12 `talosctl gen
 * config` emits a `HostnameConfig` with `auto: stable` and patches merge into it; Talos
 * refuses `hostname` next to any `auto` but `off`, so the patch always turns `auto` off.
 */
export interface HostnameConfig {
  /** Document API version. */
  readonly apiVersion: 'v1alpha1';
  /** Document kind. */
  readonly kind: 'HostnameConfig';
  /** No generated host name: overrides the generated `auto: stable` the patch merges into. */
  readonly auto: 'off';
  /** Host name. */
  readonly hostname: string;
}

/**
 * A registry mirror (Talos v1.12+ `RegistryMirrorConfig`): containerd pulls images of registry
 * `name` from the endpoint, keeping their names.
 */
export interface RegistryMirrorConfig {
  /** Document API version. */
  readonly apiVersion: 'v1alpha1';
  /** Document kind. */
  readonly kind: 'RegistryMirrorConfig';
  /** The public registry host images name (`ghcr.io`). */
  readonly name: string;
  /** The mirror endpoint; `overridePath` when its URL carries the `/v2/...` path itself. */
  readonly endpoints: readonly { readonly url: string; readonly overridePath?: boolean }[];
  /** Never fall back to the public registry: an air-gapped node must not try it. */
  readonly skipFallback: boolean;
}

/** The NTP servers of a mirrored cluster (Talos `TimeSyncConfig`). */
export interface TimeSyncConfig {
  /** Document API version. */
  readonly apiVersion: 'v1alpha1';
  /** Document kind. */
  readonly kind: 'TimeSyncConfig';
  /** The servers, instead of Talos's default `time.cloudflare.com`. */
  readonly ntp: { readonly servers: readonly string[] };
}

/** The CA a registry mirror host's certificate chains to (Talos `RegistryTLSConfig`). */
export interface RegistryTlsConfig {
  /** Document API version. */
  readonly apiVersion: 'v1alpha1';
  /** Document kind. */
  readonly kind: 'RegistryTLSConfig';
  /** The mirror endpoint's `host[:port]`. */
  readonly name: string;
  /** PEM CA certificate(s). */
  readonly ca: string;
}

/** One document of a node's patch. */
export type TalosPatchDocument =
  | V1Alpha1Patch
  | Layer2VipConfig
  | HostnameConfig
  | RegistryMirrorConfig
  | RegistryTlsConfig
  | TimeSyncConfig;

/**
 * The containerd mirror endpoint of a registry location (`harbor.example.com/ghcr` →
 * `https://harbor.example.com/v2/ghcr` with its path kept as is; a bare host gets `/v2/` added
 * by containerd).
 */
export function mirrorEndpoint(location: string): { url: string; overridePath?: boolean } {
  const slash = location.indexOf('/');
  return slash < 0
    ? { url: `https://${location}` }
    : {
        url: `https://${location.slice(0, slash)}/v2${location.slice(slash)}`,
        overridePath: true,
      };
}

/**
 * The pull credentials of every registry mirror host (Talos `RegistryAuthConfig`), as YAML
 * documents: secret, so they go with the generated machine config, never into the patch.
 */
export function registryAuthYaml(
  cluster: ClusterConfig,
  username: string,
  password: string,
): string {
  const mirror = cluster.mirror;
  if (mirror === undefined) return '';
  const hosts = [...new Set(Object.values(mirror.registries).map(registryHost))].sort(
    compareStrings,
  );
  return hosts
    .map((name) =>
      stringify({ apiVersion: 'v1alpha1', kind: 'RegistryAuthConfig', name, username, password }),
    )
    .join('---\n');
}

/**
 * The documents of a mirrored cluster: one registry mirror per registry, its NTP servers, and
 * the CA per mirror host.
 */
export function registryDocuments(cluster: ClusterConfig): TalosPatchDocument[] {
  const mirror = cluster.mirror;
  if (mirror === undefined) return [];
  const registries = Object.entries(mirror.registries).sort(([a], [b]) => compareStrings(a, b));
  const documents: TalosPatchDocument[] = registries.map(([name, location]) => ({
    apiVersion: 'v1alpha1',
    kind: 'RegistryMirrorConfig',
    name,
    endpoints: [mirrorEndpoint(location)],
    skipFallback: true,
  }));
  documents.push({
    apiVersion: 'v1alpha1',
    kind: 'TimeSyncConfig',
    ntp: { servers: [...mirror.timeServers] },
  });
  const ca = mirror.caCertificate;
  if (ca !== undefined) {
    const hosts = [...new Set(registries.map(([, location]) => registryHost(location)))].sort(
      compareStrings,
    );
    for (const host of hosts) {
      documents.push({ apiVersion: 'v1alpha1', kind: 'RegistryTLSConfig', name: host, ca });
    }
  }
  return documents;
}

/** Options of {@link nodePatch}. */
export interface NodePatchOptions {
  /**
   * Network link the VIP is announced on (control-plane nodes only).
   * @default 'eth0'
   */
  readonly vipLink?: string;
}

/** Talos's machine type of a node, as `talosctl gen config --output-types` spells it. */
export function machineType(node: NodeConfig): 'controlplane' | 'worker' {
  return isControlPlane(node) ? 'controlplane' : 'worker';
}

/**
 * The patch documents of one node: the v1alpha1 patch, its host name, and on control-plane
 * nodes the VIP.
 */
export function nodePatch(
  cluster: ClusterConfig,
  node: NodeConfig,
  options: NodePatchOptions = {},
): TalosPatchDocument[] {
  const images = talosPinnedImages(cluster);
  const controlPlane = isControlPlane(node);
  const storage = (node.storageDevices ?? []).length > 0;
  const v1alpha1: V1Alpha1Patch = {
    machine: {
      install: {
        disk: node.installDisk,
        image: images.installer,
        wipe: false,
      },
      nodeLabels: {
        [CLUSTER_NODE_LABEL]: cluster.name,
        ...(storage ? { [CEPH_NODE_LABEL]: 'true' } : {}),
      },
      kubelet: {
        image: images.kubelet,
        // Rook's mons and OSDs keep state under this host folder; shared propagation lets the
        // kubelet (a container on Talos) see the mounts Rook's pods create there.
        extraMounts: [
          {
            destination: ROOK_DATA_DIR,
            type: 'bind',
            source: ROOK_DATA_DIR,
            options: ['bind', 'rshared', 'rw'],
          },
        ],
        nodeIP: { validSubnets: [`${node.ip}/32`] },
        // Every node, whatever its role: each kubelet's serving certificate comes from the
        // cluster CA once the approver approves its request (constructs/platform/
        // kubelet-serving-cert-approver.ts); without the approver the request would stay
        // Pending and the kubelet would serve no TLS at all.
        ...(isComponentEnabled(cluster, 'kubeletServingCertApprover')
          ? { extraArgs: { [ROTATE_SERVER_CERTIFICATES]: 'true' } }
          : {}),
      },
      features: { kubePrism: { enabled: true, port: KUBEPRISM.port } },
    },
    cluster: {
      clusterName: cluster.name,
      controlPlane: { endpoint: apiEndpoint(cluster), localAPIServerPort: apiPort(cluster) },
      network: { cni: { name: 'none' } },
      proxy: { disabled: true },
      allowSchedulingOnControlPlanes: cluster.nodes.every(isControlPlane),
      ...(cluster.mirror !== undefined
        ? { discovery: { registries: { service: { disabled: true } } } }
        : {}),
      ...(controlPlane
        ? {
            apiServer: {
              image: images.apiServer,
              certSANs: [cluster.controlPlaneVip],
            },
            controllerManager: { image: images.controllerManager },
            scheduler: { image: images.scheduler },
          }
        : {}),
    },
  };
  const documents: TalosPatchDocument[] = [
    v1alpha1,
    { apiVersion: 'v1alpha1', kind: 'HostnameConfig', auto: 'off', hostname: node.name },
  ];
  if (controlPlane) {
    documents.push({
      apiVersion: 'v1alpha1',
      kind: 'Layer2VIPConfig',
      name: cluster.controlPlaneVip,
      link: options.vipLink ?? 'eth0',
    });
  }
  documents.push(...registryDocuments(cluster));
  return documents;
}

/** The patch as the multi-document YAML `talosctl gen config --config-patch @file` reads. */
export function patchYaml(documents: readonly TalosPatchDocument[]): string {
  return documents.map((document) => stringify(document)).join('---\n');
}
