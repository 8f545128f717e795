import { findObject, referenceTree } from '../support/tree';
import {
  objectsUnder,
  platformError,
  releaseValues,
  renderWithPlatform,
} from '../support/platform';
import { LokiDeploymentMode, type LokiValues } from '../../constructs/config/loki';

const values = (cluster: string, tree = referenceTree()) =>
  releaseValues<LokiValues>(cluster, 'loki', tree);

describe('Loki', () => {
  it('installs after Rook-Ceph (volumes, bucket) and monitoring (ServiceMonitor)', () => {
    const release = findObject(
      referenceTree(),
      'platform/prod/controllers/loki/',
      'HelmRelease',
      'loki',
    );
    expect(release.spec?.dependsOn).toEqual([
      { name: 'rook-ceph', namespace: 'rook-ceph' },
      { name: 'kube-prometheus-stack', namespace: 'monitoring' },
    ]);
    expect(values('prod').monitoring.serviceMonitor.enabled).toBe(true);
  });

  it('runs one single binary on a Ceph volume in dev, keeping a week', () => {
    const dev = values('dev');
    expect(dev.deploymentMode).toBe(LokiDeploymentMode.SINGLE_BINARY);
    expect(dev.loki.storage).toEqual({ type: 'filesystem' });
    expect(dev.loki.commonConfig.replication_factor).toBe(1);
    expect(dev.singleBinary).toMatchObject({
      replicas: 1,
      persistence: { storageClass: 'ceph-block' },
    });
    expect([dev.read.replicas, dev.write.replicas, dev.backend.replicas]).toEqual([0, 0, 0]);
    expect(dev.loki.limits_config.retention_period).toBe('168h');
    expect(objectsUnder('platform/dev/controllers/loki/', 'ObjectBucketClaim')).toEqual([]);
  });

  it('runs simple scalable on a bucket claimed from the Ceph object store in prod', () => {
    const prod = values('prod');
    expect(prod.deploymentMode).toBe(LokiDeploymentMode.SIMPLE_SCALABLE);
    expect([
      prod.singleBinary.replicas,
      prod.read.replicas,
      prod.write.replicas,
      prod.backend.replicas,
    ]).toEqual([0, 2, 3, 2]);
    expect(prod.loki.storage).toMatchObject({
      type: 's3',
      bucketNames: { chunks: 'loki-chunks' },
      s3: {
        endpoint: '${BUCKET_HOST}:${BUCKET_PORT}',
        accessKeyId: '${AWS_ACCESS_KEY_ID}',
        s3ForcePathStyle: true,
      },
    });
    expect(prod.write.extraArgs).toEqual(['-config.expand-env=true']);
    expect(prod.write.extraEnvFrom).toEqual([
      { secretRef: { name: 'loki-chunks' } },
      { configMapRef: { name: 'loki-chunks' } },
    ]);
    const claim = findObject(
      referenceTree(),
      'platform/prod/controllers/loki/',
      'ObjectBucketClaim',
      'loki-chunks',
    );
    expect(claim.spec).toEqual({ bucketName: 'loki-chunks', storageClassName: 'ceph-bucket' });
  });

  it('keeps the memcached caches, MinIO, canary and self-monitoring off', () => {
    expect(values('prod')).toMatchObject({
      chunksCache: { enabled: false },
      resultsCache: { enabled: false },
      minio: { enabled: false },
      lokiCanary: { enabled: false },
      monitoring: { selfMonitoring: { enabled: false } },
    });
  });

  it('merges overrides: more writers in prod', () => {
    const tree = renderWithPlatform('prod', { loki: { values: { write: { replicas: 5 } } } });
    expect(values('prod', tree).write).toMatchObject({
      replicas: 5,
      extraArgs: ['-config.expand-env=true'],
    });
  });

  describe('bad input', () => {
    it('refuses object storage where no Ceph object store runs', () => {
      expect(platformError('prod', { rookCeph: { objectStore: false } })).toBe(
        "cluster 'prod' platform.loki.values.loki.storage.type: 's3' stores chunks in the Ceph object store 'objects', but platform.rookCeph.objectStore is off on this cluster; turn it on or use 'filesystem'",
      );
    });

    it('refuses simple scalable on a filesystem, and more copies than writers', () => {
      expect(
        platformError('dev', {
          loki: {
            values: {
              deploymentMode: LokiDeploymentMode.SIMPLE_SCALABLE,
              loki: { commonConfig: { replication_factor: 3 } },
            },
          },
        }),
      ).toBe(
        [
          '2 problems:',
          "  - cluster 'dev' platform.loki.values.deploymentMode: SimpleScalable shares chunks between replicas and needs object storage ('s3'), got 'filesystem'",
          "  - cluster 'dev' platform.loki.values.loki.commonConfig.replication_factor: 3 copies of each stream need as many writers, got 0",
        ].join('\n'),
      );
    });
  });
});
