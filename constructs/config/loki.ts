// What a cluster's `platform.loki` settings may hold: the typed chart values and options of Loki.
import type { ComponentSettings } from './component-settings';

/** Loki's deployment modes this platform uses. */
export enum LokiDeploymentMode {
  /** One process doing everything, on a filesystem volume: small clusters. */
  SINGLE_BINARY = 'SingleBinary',
  /** Read, write and backend tiers, scaled apart, on object storage. */
  SIMPLE_SCALABLE = 'SimpleScalable',
}

/** A tier's replicas (and, for stateful tiers, its volume). */
export interface LokiTierValues {
  /** Replica count (0 turns the tier off). */
  readonly replicas: number;
  /** Extra flags: `-config.expand-env=true` lets the config read the bucket credentials. */
  readonly extraArgs: readonly string[];
  /** Environment from the object bucket claim's Secret and ConfigMap. */
  readonly extraEnvFrom: readonly (
    | { readonly secretRef: { readonly name: string } }
    | { readonly configMapRef: { readonly name: string } }
  )[];
  /** Volume on the Ceph block StorageClass. */
  readonly persistence: { readonly storageClass: string; readonly size: string };
}

/**
 * The loki chart values this platform sets (a typed subset of its values.yaml).
 * @see https://grafana.com/docs/loki/latest/setup/install/helm/reference/
 */
export interface LokiValues {
  /** How Loki is deployed. */
  readonly deploymentMode: LokiDeploymentMode;
  /** Loki's own configuration. */
  readonly loki: {
    readonly auth_enabled: boolean;
    readonly commonConfig: { readonly replication_factor: number };
    readonly schemaConfig: {
      readonly configs: readonly {
        readonly from: string;
        readonly store: 'tsdb';
        readonly object_store: 'filesystem' | 's3';
        readonly schema: 'v13';
        readonly index: { readonly prefix: string; readonly period: string };
      }[];
    };
    readonly storage: {
      readonly type: 'filesystem' | 's3';
      readonly bucketNames?: {
        readonly chunks: string;
        readonly ruler: string;
        readonly admin: string;
      };
      readonly s3?: {
        readonly endpoint: string;
        readonly region: string;
        readonly accessKeyId: string;
        readonly secretAccessKey: string;
        readonly s3ForcePathStyle: boolean;
        readonly insecure: boolean;
      };
    };
    readonly limits_config: { readonly retention_period: string };
    readonly compactor: {
      readonly retention_enabled: boolean;
      readonly delete_request_store: 'filesystem' | 's3';
    };
  };
  /** The single-binary tier. */
  readonly singleBinary: LokiTierValues;
  /** The read tier. */
  readonly read: LokiTierValues;
  /** The write tier. */
  readonly write: LokiTierValues;
  /** The backend tier. */
  readonly backend: LokiTierValues;
  /** Memcached chunk cache: worth its memory only at scale. */
  readonly chunksCache: { readonly enabled: boolean };
  /** Memcached query-results cache: worth its memory only at scale. */
  readonly resultsCache: { readonly enabled: boolean };
  /** The bundled MinIO: off, Ceph is the object store. */
  readonly minio: { readonly enabled: boolean };
  /** The canary (it reports through the self-monitoring stack this platform does not use). */
  readonly lokiCanary: { readonly enabled: boolean };
  /** The Helm test, which needs the canary. */
  readonly test: { readonly enabled: boolean };
  /** Metrics: a ServiceMonitor where monitoring runs; no self-monitoring agent. */
  readonly monitoring: {
    readonly serviceMonitor: { readonly enabled: boolean };
    readonly selfMonitoring: {
      readonly enabled: boolean;
      readonly grafanaAgent: { readonly installOperator: boolean };
    };
  };
}

/** A cluster's Loki settings. */
export type LokiSettings = ComponentSettings<LokiValues>;
