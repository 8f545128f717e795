import { CephCluster } from '../../constructs/imports/rook-ceph.rook.io';
import { renderTree } from '../../synth/render';
import { findObject, objectsOf, referenceTree } from '../support/tree';
import {
  configWithCluster,
  objectsUnder,
  platformError,
  releaseValues,
  renderError,
  renderWithPlatform,
} from '../support/platform';
import type { RookCephValues } from '../../constructs/config/rook-ceph';

const cephCluster = (cluster: string, tree = referenceTree()) =>
  findObject(tree, `platform/${cluster}/controllers/rook-ceph/`, CephCluster.GVK.kind, 'rook-ceph');
const pool = (cluster: string, tree = referenceTree()) =>
  findObject(tree, `platform/${cluster}/controllers/rook-ceph/`, 'CephBlockPool', 'replicapool');

interface ReleaseSpec {
  dependsOn?: { name: string }[];
  install: { timeout?: string; remediation: { retries: number } };
  upgrade: { remediation: { retries: number } };
}

interface LayerSpec {
  healthChecks: { apiVersion: string; kind: string; name: string; namespace?: string }[];
  healthCheckExprs?: { apiVersion: string; kind: string; current: string; failed?: string }[];
}

describe('RookCeph', () => {
  it.each(['dev', 'prod'])(
    'gives the first install of releases on Ceph storage time for Ceph to serve (%s)',
    (cluster) => {
      // Regression: Loki and Prometheus waited for the operator's release only, then gave up
      // after three 5-minute installs while the Ceph cluster was still coming up.
      const releases = objectsUnder(`platform/${cluster}/controllers/`, 'HelmRelease');
      const dependsOnRook = (release: (typeof releases)[number]) =>
        ((release.spec as unknown as ReleaseSpec).dependsOn ?? []).some(
          (dependency) => dependency.name === 'rook-ceph',
        );
      // ceph-csi-drivers needs the operator's CRDs, not Ceph storage: it keeps the plain install.
      const drivers = releases.filter((release) => release.metadata.name === 'ceph-csi-drivers');
      expect(drivers.map(dependsOnRook)).toEqual([true]);
      const onCeph = releases.filter(
        (release) => dependsOnRook(release) && release.metadata.name !== 'ceph-csi-drivers',
      );
      expect(onCeph.map((release) => release.metadata.name).sort()).toEqual([
        'kube-prometheus-stack',
        'loki',
      ]);
      for (const release of releases) {
        const spec = release.spec as unknown as ReleaseSpec;
        if (onCeph.includes(release)) {
          // helm's 5 minutes plus Rook's 20-minute settle time; retried until Ceph serves.
          expect(spec.install.timeout).toBe('25m');
          expect(spec.install.remediation.retries).toBeLessThan(0);
        } else {
          expect(spec.install.timeout).toBeUndefined();
          expect(spec.install.remediation.retries).toBe(3);
        }
        // Upgrades happen once Ceph serves: they keep the bounded retries.
        expect(spec.upgrade.remediation.retries).toBe(3);
      }
    },
  );

  it.each(['dev', 'prod'])(
    'holds the configs layer until the Ceph cluster and every pool and store is Ready (%s)',
    (cluster) => {
      const layer = findObject(
        referenceTree(),
        `clusters/${cluster}/`,
        'Kustomization',
        'platform-controllers',
      ).spec as unknown as LayerSpec;
      const cephKinds = ['CephCluster', 'CephBlockPool', 'CephFilesystem', 'CephObjectStore'];
      const ceph = cephKinds.flatMap((kind) =>
        objectsUnder(`platform/${cluster}/controllers/rook-ceph/`, kind).map(
          (object) => `${kind}/${object.metadata.name}`,
        ),
      );
      expect(ceph).toContain('CephCluster/rook-ceph');
      const checked = layer.healthChecks
        .filter((check) => check.apiVersion === 'ceph.rook.io/v1')
        .map((check) => `${check.kind}/${check.name}`);
      expect(checked.sort()).toEqual(ceph.sort());
      // kstatus cannot read Rook's status: each checked kind is judged by its phase.
      const kinds = [...new Set(checked.map((check) => check.split('/')[0]))].sort();
      expect(
        (layer.healthCheckExprs ?? []).filter((expr) => expr.apiVersion === 'ceph.rook.io/v1'),
      ).toEqual(
        kinds.map((kind) => ({
          apiVersion: 'ceph.rook.io/v1',
          kind,
          current: "has(status.phase) && status.phase == 'Ready'",
          failed: "has(status.phase) && status.phase == 'Failure'",
        })),
      );
    },
  );

  it('health-checks the shared filesystem too when a cluster asks for one', () => {
    const tree = renderWithPlatform('dev', { rookCeph: { filesystem: true } });
    const layer = findObject(tree, 'clusters/dev/', 'Kustomization', 'platform-controllers')
      .spec as unknown as LayerSpec;
    expect(layer.healthChecks).toContainEqual({
      apiVersion: 'ceph.rook.io/v1',
      kind: 'CephFilesystem',
      name: 'shared',
      namespace: 'rook-ceph',
    });
    expect(layer.healthCheckExprs?.map((expr) => expr.kind)).toContain('CephFilesystem');
  });

  it('installs the operator after Cilium with its CRDs from the Rook tag in the crds layer', () => {
    const release = findObject(
      referenceTree(),
      'platform/prod/controllers/rook-ceph/',
      'HelmRelease',
      'rook-ceph',
    );
    expect(release.spec).toMatchObject({
      dependsOn: [{ name: 'cilium', namespace: 'kube-system' }],
      install: { crds: 'Skip' },
    });
    expect(releaseValues<RookCephValues>('prod', 'rook-ceph').crds.enabled).toBe(false);
    const source = findObject(
      referenceTree(),
      'platform/prod/crds/rook-ceph/',
      'GitRepository',
      'rook-crds',
    );
    expect(source.spec).toMatchObject({ ref: { tag: 'v1.20.6' } });
    expect((source.spec as { ignore: string }).ignore).toContain('!/deploy/examples/crds.yaml');
  });

  it('builds a one-monitor, one-copy Ceph on the dev node disk', () => {
    expect(cephCluster('dev').spec).toMatchObject({
      mon: { count: 1, allowMultiplePerNode: false },
      mgr: { count: 1 },
      dataDirHostPath: '/var/lib/rook',
      storage: {
        useAllNodes: false,
        useAllDevices: false,
        nodes: [{ name: 'dev-cp-1', devices: [{ name: 'sdb' }] }],
      },
    });
    expect(pool('dev').spec).toEqual({
      failureDomain: 'osd',
      replicated: { size: 1, requireSafeReplicaSize: false },
    });
  });

  it('builds three monitors and three host-spread copies on the prod workers', () => {
    expect(cephCluster('prod').spec).toMatchObject({
      mon: { count: 3 },
      mgr: { count: 2 },
      storage: {
        nodes: [1, 2, 3].map((i) => ({ name: `prod-worker-${i}`, devices: [{ name: 'nvme1n1' }] })),
      },
    });
    expect(pool('prod').spec).toEqual({
      failureDomain: 'host',
      replicated: { size: 3, requireSafeReplicaSize: true },
    });
  });

  it('makes the RBD pool the default StorageClass', () => {
    const storageClass = findObject(
      referenceTree(),
      'platform/dev/controllers/rook-ceph/',
      'StorageClass',
      'ceph-block',
    );
    expect(storageClass.metadata).toMatchObject({
      annotations: { 'storageclass.kubernetes.io/is-default-class': 'true' },
    });
    expect(storageClass).toMatchObject({
      provisioner: 'rook-ceph.rbd.csi.ceph.com',
      parameters: { clusterID: 'rook-ceph', pool: 'replicapool' },
      allowVolumeExpansion: true,
    });
  });

  it('runs an object store with a bucket StorageClass in prod only, and CephFS on request', () => {
    expect(objectsUnder('platform/prod/controllers/rook-ceph/', 'CephObjectStore')).toHaveLength(1);
    expect(objectsUnder('platform/dev/controllers/rook-ceph/', 'CephObjectStore')).toEqual([]);
    expect(objectsUnder('platform/prod/controllers/rook-ceph/', 'CephFilesystem')).toEqual([]);
    const tree = renderWithPlatform('dev', { rookCeph: { filesystem: true, objectStore: true } });
    const filesystem = findObject(
      tree,
      'platform/dev/controllers/rook-ceph/',
      'CephFilesystem',
      'shared',
    );
    expect(filesystem.spec).toMatchObject({ metadataPool: { replicated: { size: 1 } } });
    const bucketClass = findObject(
      tree,
      'platform/dev/controllers/rook-ceph/',
      'StorageClass',
      'ceph-bucket',
    );
    expect(bucketClass).toMatchObject({
      provisioner: 'rook-ceph.ceph.rook.io/bucket',
      parameters: { objectStoreName: 'objects', objectStoreNamespace: 'rook-ceph' },
    });
  });

  it('lets a cluster lower the replication and merges chart overrides', () => {
    const tree = renderWithPlatform('prod', {
      rookCeph: { replication: 2, values: { resources: { limits: { memory: '1Gi' } } } },
    });
    expect(pool('prod', tree).spec).toMatchObject({ replicated: { size: 2 } });
    expect(releaseValues<RookCephValues>('prod', 'rook-ceph', tree).resources).toEqual({
      requests: { cpu: '100m', memory: '128Mi' },
      limits: { memory: '1Gi' },
    });
  });

  describe('bad input', () => {
    it('refuses a production cluster that would silently drop to fewer than 3 copies', () => {
      // Regression: prod with disks on one node got size 1 and exit 0.
      const oneDisk = configWithCluster('prod', (cluster) => {
        const first = cluster.nodes.find((node) => (node.storageDevices ?? []).length > 0)!;
        return {
          ...cluster,
          nodes: cluster.nodes.map((node) =>
            node === first ? node : { ...node, storageDevices: [] },
          ),
        };
      });
      const first = oneDisk.clusters
        .find((c) => c.name === 'prod')!
        .nodes.find((n) => (n.storageDevices ?? []).length > 0)!;
      expect(renderError(oneDisk)).toBe(
        `cluster 'prod' platform.rookCeph.replication: a production cluster keeps 3 copies of its data, but it has 1 node(s) with storageDevices (${first.name}), so it would silently get 1; add disks to 3 nodes, or set platform.rookCeph.replication to 1 to choose it knowingly`,
      );
      // Chosen knowingly, it renders.
      const chosen = {
        ...oneDisk,
        clusters: oneDisk.clusters.map((c) =>
          c.name === 'prod'
            ? { ...c, platform: { ...c.platform, rookCeph: { replication: 1 } } }
            : c,
        ),
      };
      expect(() => renderTree(chosen, ['prod'])).not.toThrow();
    });

    it('refuses a replication larger than the nodes carrying disks', () => {
      expect(platformError('dev', { rookCeph: { replication: 3 } })).toBe(
        "cluster 'dev' platform.rookCeph.replication: 3 copies need as many nodes with storageDevices, but only 1 carry disks (dev-cp-1)",
      );
    });

    it('refuses an even monitor count or more monitors than nodes', () => {
      expect(platformError('prod', { rookCeph: { monitors: 2 } })).toBe(
        "cluster 'prod' platform.rookCeph.monitors: must be odd (quorum) and at most the 6 node(s), one monitor per node, got 2",
      );
      expect(platformError('dev', { rookCeph: { monitors: 3 } })).toContain(
        'at most the 1 node(s), one monitor per node, got 3',
      );
    });

    it('refuses a cluster without storage devices', () => {
      const config = configWithCluster('dev', (cluster) => ({
        ...cluster,
        nodes: cluster.nodes.map((node) => ({ ...node, storageDevices: [] })),
      }));
      expect(renderError(config)).toContain(
        "cluster 'dev' nodes[].storageDevices: Rook-Ceph needs at least one node with storageDevices; add disks or disable platform.rookCeph",
      );
    });
  });
});

describe('stateful objects outlive a prune', () => {
  const stateful = [
    'CephCluster',
    'CephBlockPool',
    'CephFilesystem',
    'CephObjectStore',
    'ObjectBucketClaim',
  ];

  it.each(['dev', 'prod'])(
    '%s: Flux never prunes the Ceph cluster, its pools and stores, bucket claims or their namespace',
    (cluster) => {
      const objects = objectsOf(referenceTree()).filter(({ file }) =>
        file.startsWith(`platform/${cluster}/`),
      );
      const kept = objects.filter(
        ({ object }) =>
          stateful.includes(object.kind) ||
          (object.kind === 'Namespace' && object.metadata.name === 'rook-ceph'),
      );
      expect(kept.length).toBeGreaterThanOrEqual(cluster === 'prod' ? 5 : 3);
      for (const { file, object } of kept) {
        expect([
          file,
          (object.metadata as { annotations?: Record<string, string> }).annotations?.[
            'kustomize.toolkit.fluxcd.io/prune'
          ],
        ]).toEqual([file, 'disabled']);
      }
    },
  );

  it('keeps a volume when its claim is deleted in production, frees it in dev', () => {
    const policy = (cluster: string, name: string) =>
      (
        findObject(
          referenceTree(),
          `platform/${cluster}/controllers/rook-ceph/`,
          'StorageClass',
          name,
        ) as {
          reclaimPolicy?: string;
        }
      ).reclaimPolicy;
    expect(policy('prod', 'ceph-block')).toBe('Retain');
    expect(policy('prod', 'ceph-bucket')).toBe('Retain');
    expect(policy('dev', 'ceph-block')).toBe('Delete');
  });
});

describe('Ceph health in dev', () => {
  it('does not warn for ever about the single copy dev chose (POOL_NO_REDUNDANCY)', () => {
    const spec = (cluster: string) =>
      findObject(
        referenceTree(),
        `platform/${cluster}/controllers/rook-ceph/`,
        'CephCluster',
        'rook-ceph',
      ).spec as { cephConfig?: Record<string, Record<string, string>> };
    expect(spec('dev').cephConfig).toEqual({ global: { mon_warn_on_pool_no_redundancy: 'false' } });
    // Three copies in prod: a pool without redundancy there is a fault worth the warning.
    expect(spec('prod').cephConfig).toBeUndefined();
  });
});
