// What a cluster's `platform.rookCeph` settings may hold: the typed chart values and options of Rook-Ceph.
import type { ComponentSettings, DeepPartial } from './component-settings';

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
}

/** One Ceph CSI driver of the ceph-csi-drivers chart. */
export interface CephCsiDriverValues {
  /** Whether the chart renders its Driver object (and ServiceAccounts and RBAC). */
  readonly enabled: boolean;
  /**
   * The CSI driver's name. Rook names it `<operator namespace>.<type>.csi.ceph.com` in the
   * CephConnection and ClientProfiles it creates, and StorageClasses name it as provisioner.
   */
  readonly name: string;
}

/**
 * The ceph-csi-drivers chart values this platform sets: Rook's recommended values for v1.20
 * (the chart's own defaults use names Rook does not know and an empty operator namespace).
 * @see https://rook.io/docs/rook/v1.20/Helm-Charts/csi-drivers-chart/
 */
export interface CephCsiDriversValues {
  /** The OperatorConfig: where ceph-csi-operator runs and what every Driver defaults to. */
  readonly operatorConfig: {
    /** ceph-csi-operator's namespace (Rook's operator namespace). */
    readonly namespace: string;
    readonly driverSpecDefaults: {
      /** The ConfigMap of CSI images the rook-ceph chart renders from its `csi.*` image values. */
      readonly imageSet: { readonly name: string };
      readonly nodePlugin: {
        readonly priorityClassName: string;
        /** Where kubelet keeps pods' volumes; Talos uses the default path. */
        readonly kubeletDirPath: string;
      };
    };
  };
  /** The drivers: RBD and CephFS on, NFS and NVMe-oF off. */
  readonly drivers: {
    readonly rbd: CephCsiDriverValues;
    readonly cephfs: CephCsiDriverValues;
    readonly nfs: CephCsiDriverValues;
    readonly nvmeof: CephCsiDriverValues;
  };
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
  /**
   * Values of the ceph-csi-drivers chart, merged over Rook's recommended ones.
   * @default {} - RBD and CephFS drivers named for Rook, in Rook's namespace
   */
  readonly csiDriversValues?: DeepPartial<CephCsiDriversValues>;
}
