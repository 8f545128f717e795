// Loki: log storage. One single-binary replica on a Ceph volume in dev; the simple scalable
// deployment (read, write, backend) with chunks in the Ceph object store in prod.
import type { Construct } from 'constructs';
import { ClusterTier, type ClusterConfig } from '../config/types';
import { ProblemCollector } from '../errors';
import { ObjectBucketClaim } from '../imports/rook-objectbucket.io';
import {
  PlatformComponent,
  PodSecurityLevel,
  keepOnPrune,
  type ComponentIdentity,
  type PlatformComponentProps,
} from './component';
import { hasObjectStore } from './rook-ceph';
import { isComponentEnabled } from '../config/settings';
import { CHART_VERSIONS } from './versions';
import { mergeValues } from '../config/component-settings';
import {
  LokiDeploymentMode,
  type LokiTierValues,
  type LokiValues,
  type LokiSettings,
} from '../config/loki';
import {
  CEPH_BLOCK_STORAGE_CLASS,
  CEPH_BUCKET_STORAGE_CLASS,
  CEPH_OBJECT_STORE,
  PLATFORM_NAMESPACES,
  LOKI_BUCKET,
} from '../contract/names';

/** Props of {@link Loki}. */
export interface LokiProps extends PlatformComponentProps {
  /**
   * The cluster's settings for Loki. `values` merge over the defaults: objects key by key,
   * arrays and scalars replaced, left-out keys keep the default.
   * @default {} - single binary on non-production clusters, simple scalable on production ones
   */
  readonly settings?: LokiSettings;
}

const BUCKET_ENV: LokiTierValues['extraEnvFrom'] = [
  { secretRef: { name: LOKI_BUCKET } },
  { configMapRef: { name: LOKI_BUCKET } },
];

const tier = (replicas: number, size: string, objectStorage: boolean): LokiTierValues => ({
  replicas,
  extraArgs: objectStorage ? ['-config.expand-env=true'] : [],
  extraEnvFrom: objectStorage ? BUCKET_ENV : [],
  persistence: { storageClass: CEPH_BLOCK_STORAGE_CLASS, size },
});

/**
 * Loki. In object-storage mode it claims a bucket from the Ceph object store (an
 * ObjectBucketClaim: Rook writes the credentials to a Secret and the endpoint to a ConfigMap of
 * the same name, which the pods read as environment), so it installs after Rook-Ceph.
 */
export class Loki extends PlatformComponent {
  /** Name, namespace and source of the component. */
  public static readonly IDENTITY: ComponentIdentity = {
    name: 'loki',
    namespace: PLATFORM_NAMESPACES.loki,
    sourceFile: 'constructs/platform/loki.ts',
    // The chart's nginx gateway and Loki pods run as non-root but do not drop every capability.
    podSecurity: PodSecurityLevel.BASELINE,
  };

  /** The chart values rendered into the HelmRelease. */
  public readonly values: LokiValues;

  public constructor(scope: Construct, id: string, props: LokiProps) {
    super(scope, id, Loki.IDENTITY, props);
    const { cluster } = props;
    const scalable = cluster.tier === ClusterTier.PRODUCTION;
    const store = scalable ? 's3' : 'filesystem';
    const defaults: LokiValues = {
      deploymentMode: scalable
        ? LokiDeploymentMode.SIMPLE_SCALABLE
        : LokiDeploymentMode.SINGLE_BINARY,
      loki: {
        auth_enabled: false,
        commonConfig: { replication_factor: scalable ? 3 : 1 },
        schemaConfig: {
          configs: [
            {
              from: '2026-01-01',
              store: 'tsdb',
              object_store: store,
              schema: 'v13',
              index: { prefix: 'index_', period: '24h' },
            },
          ],
        },
        storage: scalable
          ? {
              type: 's3',
              bucketNames: { chunks: LOKI_BUCKET, ruler: LOKI_BUCKET, admin: LOKI_BUCKET },
              s3: {
                // Filled from the bucket claim's ConfigMap and Secret (expand-env).
                endpoint: '${BUCKET_HOST}:${BUCKET_PORT}',
                region: 'us-east-1',
                accessKeyId: '${AWS_ACCESS_KEY_ID}',
                secretAccessKey: '${AWS_SECRET_ACCESS_KEY}',
                s3ForcePathStyle: true,
                insecure: true,
              },
            }
          : { type: 'filesystem' },
        limits_config: { retention_period: scalable ? '720h' : '168h' },
        compactor: { retention_enabled: true, delete_request_store: store },
      },
      singleBinary: tier(scalable ? 0 : 1, '20Gi', false),
      read: tier(scalable ? 2 : 0, '10Gi', scalable),
      write: tier(scalable ? 3 : 0, '20Gi', scalable),
      backend: tier(scalable ? 2 : 0, '10Gi', scalable),
      chunksCache: { enabled: false },
      resultsCache: { enabled: false },
      minio: { enabled: false },
      lokiCanary: { enabled: false },
      test: { enabled: false },
      monitoring: {
        serviceMonitor: { enabled: isComponentEnabled(cluster, 'monitoring') },
        selfMonitoring: { enabled: false, grafanaAgent: { installOperator: false } },
      },
    };
    this.values = mergeValues(defaults, props.settings?.values);
    validate(cluster, this.values);
    this.installChart(CHART_VERSIONS.loki, this.values);
    if (this.values.loki.storage.type === 's3') {
      // Pruning the claim deletes the bucket and every log chunk in it.
      keepOnPrune(
        new ObjectBucketClaim(this.controllers, 'bucket', {
          metadata: { name: LOKI_BUCKET, namespace: this.namespace },
          spec: { bucketName: LOKI_BUCKET, storageClassName: CEPH_BUCKET_STORAGE_CLASS },
        }),
      );
    }
  }
}

function validate(cluster: ClusterConfig, values: LokiValues): void {
  const problems = new ProblemCollector();
  const subject = `cluster '${cluster.name}'`;
  const field = 'platform.loki.values';
  const objectStorage = values.loki.storage.type === 's3';
  problems.check(
    !objectStorage || hasObjectStore(cluster),
    subject,
    `${field}.loki.storage.type`,
    `'s3' stores chunks in the Ceph object store '${CEPH_OBJECT_STORE}', but platform.rookCeph.objectStore is off on this cluster; turn it on or use 'filesystem'`,
  );
  problems.check(
    values.deploymentMode === LokiDeploymentMode.SINGLE_BINARY || objectStorage,
    subject,
    `${field}.deploymentMode`,
    `${values.deploymentMode} shares chunks between replicas and needs object storage ('s3'), got '${values.loki.storage.type}'`,
  );
  const writers =
    values.deploymentMode === LokiDeploymentMode.SINGLE_BINARY
      ? values.singleBinary.replicas
      : values.write.replicas;
  problems.check(
    values.loki.commonConfig.replication_factor <= writers,
    subject,
    `${field}.loki.commonConfig.replication_factor`,
    `${values.loki.commonConfig.replication_factor} copies of each stream need as many writers, got ${writers}`,
  );
  problems.throwIfAny();
}
