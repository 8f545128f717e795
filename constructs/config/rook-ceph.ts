// What a cluster's `platform.rookCeph` settings may hold: the typed chart values and options of Rook-Ceph.
import type { ComponentSettings } from './component-settings';

/**
 * The rook-ceph operator chart values this platform sets (a typed subset of its values.yaml).
 * @see https://rook.io/docs/rook/latest/Helm-Charts/operator-chart/
 */
export interface RookCephValues {
  /** The chart's CRDs; off, they are applied in the crds layer (see {@link RookCeph}). */
  readonly crds: { readonly enabled: boolean };
  /** Operator container resources. */
  readonly resources: {
    readonly requests: { readonly cpu: string; readonly memory: string };
    readonly limits: { readonly memory: string };
  };
  /** Operator metrics and the Ceph ServiceMonitors it creates. */
  readonly monitoring: { readonly enabled: boolean };
  /** Talos keeps kubelet's data under the default path; CSI plugins mount from there. */
  readonly csi: { readonly kubeletDirPath: string };
}

/** A cluster's Rook-Ceph settings. */
export interface RookCephSettings extends ComponentSettings<RookCephValues> {
  /**
   * Copies of every object in the block pool (and object store); at most the number of nodes
   * carrying storage devices, since each copy lives on another node.
   * @default min(3, nodes with storage devices) - 1 on the one-node dev cluster, 3 in prod
   */
  readonly replication?: number;
  /**
   * Ceph monitors; odd, and at most the node count (one per node).
   * @default 1 on a cluster of fewer than 3 nodes, 3 otherwise
   */
  readonly monitors?: number;
  /**
   * Whether a CephFilesystem (CephFS, ReadWriteMany volumes) is created.
   * @default false
   */
  readonly filesystem?: boolean;
  /**
   * Whether a CephObjectStore (S3 API) and its bucket StorageClass are created.
   * @default true on production clusters (Loki stores its chunks there), false otherwise
   */
  readonly objectStore?: boolean;
}
