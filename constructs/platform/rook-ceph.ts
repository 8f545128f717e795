// Rook-Ceph: the operator, and a Ceph cluster on the nodes' raw storage devices with an RBD
// block pool behind the default StorageClass, optionally a shared filesystem and an object store.
import { ApiObject, Duration } from 'cdk8s';
import type { Construct } from 'constructs';
import { k8s } from 'cdk8s-plus-28';
import { ClusterTier, type ClusterConfig } from '../config/types';
import { ProblemCollector } from '../errors';
import {
  CephBlockPool,
  CephCluster,
  CephFilesystem,
  CephObjectStore,
} from '../imports/rook-ceph.rook.io';
import {
  PlatformComponent,
  PodSecurityLevel,
  keepOnPrune,
  type ComponentIdentity,
  type HealthExpression,
  type PlatformComponentProps,
} from './component';
import { isComponentEnabled } from '../config/settings';
import { ARTIFACT_VERSIONS, CHART_VERSIONS, GIT_VERSIONS } from './versions';
import { mergeValues } from '../config/component-settings';
import {
  type CephCsiDriversValues,
  type RookCephValues,
  type RookCephSettings,
} from '../config/rook-ceph';
import {
  ROOK_DATA_DIR,
  CEPH_BLOCK_STORAGE_CLASS,
  CEPH_BUCKET_STORAGE_CLASS,
  CEPH_OBJECT_STORE,
  PLATFORM_NAMESPACES,
} from '../contract/names';

/** Props of {@link RookCeph}. */
export interface RookCephProps extends PlatformComponentProps {
  /**
   * The cluster's settings for Rook-Ceph. `values` merge over the defaults: objects key by key,
   * arrays and scalars replaced, left-out keys keep the default.
   * @default {} - sizes chosen from the node count
   */
  readonly settings?: RookCephSettings;
}

/** Whether the cluster's Rook-Ceph runs an object store (decides Loki's storage). */
export function hasObjectStore(cluster: ClusterConfig): boolean {
  const settings = cluster.platform?.rookCeph;
  return (
    isComponentEnabled(cluster, 'rookCeph') &&
    (settings?.objectStore ?? cluster.tier === ClusterTier.PRODUCTION)
  );
}

/**
 * When a Rook object (CephCluster, pool, filesystem, object store) serves: its operator sets
 * `status.phase` to `Ready` once the Ceph daemons behind it run, and to `Failure` when it gives
 * up. kstatus cannot read that (Rook sets no Ready condition it understands), so Flux gets it
 * as an expression.
 */
export const CEPH_READY: HealthExpression = {
  current: "has(status.phase) && status.phase == 'Ready'",
  failed: "has(status.phase) && status.phase == 'Failure'",
};

const NAMESPACE = PLATFORM_NAMESPACES.rookCeph;

/** The CSI driver of a Ceph storage type, named the way Rook v1.20 expects it. */
const csiDriver = (type: 'rbd' | 'cephfs' | 'nfs' | 'nvmeof'): string =>
  `${NAMESPACE}.${type}.csi.ceph.com`;

const ROOK_OPERATOR = 'the Rook operator, from the CephCluster';
const CSI_OPERATOR = "ceph-csi-operator, from the ceph-csi-drivers chart's Driver objects";

/** What Ceph's node plugins need from the host (ceph-csi-operator v1.0.4's DaemonSet). */
const CSI_NODE_PLUGIN = {
  privileged: true,
  hostNetwork: true,
  hostPID: true,
  capabilities: ['SYS_ADMIN'],
  hostPaths: [
    '/dev',
    '/sys',
    '/run/mount',
    '/lib/modules',
    '/var/lib/kubelet/plugins',
    '/var/lib/kubelet/pods',
  ],
};

/**
 * The pods Rook's operator and ceph-csi-operator create at run time (no chart renders them),
 * with what each needs from the node (rook v1.20.6 pkg/operator/ceph, ceph-csi-operator
 * v1.0.4 internal/controller/driver_controller.go).
 */
const OPERATOR_PODS = [
  ...(['rbd', 'cephfs'] as const).flatMap((type) => [
    {
      name: `${csiDriver(type)}-nodeplugin-*`,
      labels: { app: `${csiDriver(type)}-nodeplugin` },
      createdBy: CSI_OPERATOR,
      needs: CSI_NODE_PLUGIN,
    },
    {
      name: `${csiDriver(type)}-ctrlplugin-*`,
      labels: { app: `${csiDriver(type)}-ctrlplugin` },
      createdBy: CSI_OPERATOR,
      needs: { hostPaths: ['/dev', '/sys', '/lib/modules'] },
    },
  ]),
  ...['mon', 'mgr', 'crashcollector', 'exporter', 'rgw', 'mds'].map((daemon) => ({
    name: `rook-ceph-${daemon}-*`,
    labels: { app: `rook-ceph-${daemon}`, rook_cluster: NAMESPACE },
    createdBy: ROOK_OPERATOR,
    needs: { hostPaths: [ROOK_DATA_DIR] },
  })),
  ...['osd', 'osd-prepare'].map((daemon) => ({
    name: `rook-ceph-${daemon}-*`,
    labels: { app: `rook-ceph-${daemon}`, rook_cluster: NAMESPACE },
    createdBy: ROOK_OPERATOR,
    needs: { privileged: true, hostPaths: ['/dev', '/run/udev', ROOK_DATA_DIR] },
  })),
];

const storageNodes = (cluster: ClusterConfig) =>
  cluster.nodes.filter((node) => (node.storageDevices ?? []).length > 0);

/**
 * Rook-Ceph. Its CRDs come from Rook's release tag in the crds layer, so the CephCluster, pools
 * and StorageClasses sit in the controllers layer beside the operator: components that need
 * volumes (monitoring, Loki) install after this release, while a Ceph cluster in the configs
 * layer would only be created after their releases had to be Ready, which never happens.
 *
 * The release is Ready once the operator runs, minutes before Ceph serves; a HelmRelease can
 * only wait for another HelmRelease. So two things cover the gap: the releases that depend on
 * this one give their first install {@link RookCeph.IDENTITY}'s settle time and unlimited
 * retries (see the component contract), and the platform-controllers layer health-checks the
 * CephCluster and every pool, filesystem and object store by their phase, so nothing in the
 * configs layer or later applies before storage actually works.
 */
export class RookCeph extends PlatformComponent {
  /** Name, namespace and source of the component. */
  public static readonly IDENTITY: ComponentIdentity = {
    name: 'rook-ceph',
    namespace: NAMESPACE,
    sourceFile: 'constructs/platform/rook-ceph.ts',
    // OSDs and CSI plugins need raw devices and host mounts.
    podSecurity: PodSecurityLevel.PRIVILEGED,
    privilegedPods: {
      // The CSI plugins are named after their driver (`rook-ceph.rbd.csi.ceph.com-nodeplugin-…`).
      names: ['rook-ceph-*', `${NAMESPACE}.*.csi.ceph.com-*`],
      why: 'Ceph daemons keep state in a host path and OSDs and CSI plugins use raw devices',
    },
    createsAtRunTime: {
      secrets: [
        // Ceph users of the CSI drivers, named by the StorageClasses.
        ...['rbd', 'cephfs'].flatMap((type) =>
          ['provisioner', 'node'].map((user) => ({
            name: `rook-csi-${type}-${user}`,
            createdBy: ROOK_OPERATOR,
          })),
        ),
      ],
      // Rook's bucket provisioner is not a CSI driver: the operator serves it for ObjectBucketClaims.
      provisioners: [{ name: `${NAMESPACE}.ceph.rook.io/bucket`, createdBy: 'the Rook operator' }],
      pods: OPERATOR_PODS,
    },
    // From operator start to mons in quorum, OSDs prepared on every disk and the object store's
    // gateways up: about 10 minutes on three nodes; twice that leaves room for image pulls.
    settleTime: Duration.minutes(20),
  };

  /** The chart values rendered into the HelmRelease. */
  public readonly values: RookCephValues;
  /** The ceph-csi-drivers chart values rendered into its HelmRelease. */
  public readonly csiDriversValues: CephCsiDriversValues;
  /** Replicas of the block pool. */
  public readonly replication: number;
  /** Ceph monitor count. */
  public readonly monitors: number;
  /** Whether the cluster is production (volumes outlive their claims). */
  private readonly production: boolean;

  public constructor(scope: Construct, id: string, props: RookCephProps) {
    super(scope, id, RookCeph.IDENTITY, props);
    const { cluster } = props;
    const settings = props.settings ?? {};
    const disks = storageNodes(cluster).length;
    this.replication = settings.replication ?? Math.max(1, Math.min(3, disks));
    this.monitors = settings.monitors ?? (cluster.nodes.length < 3 ? 1 : 3);
    this.production = cluster.tier === ClusterTier.PRODUCTION;
    // Deleting the namespace deletes the Ceph cluster's objects and, with them, the data.
    keepOnPrune(ApiObject.of(this.controllers.node.findChild('namespace')));
    validate(cluster, this.replication, this.monitors, settings.replication !== undefined);

    const defaults: RookCephValues = {
      crds: { enabled: false },
      resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { memory: '512Mi' } },
      monitoring: { enabled: isComponentEnabled(cluster, 'monitoring') },
    };
    this.values = mergeValues(defaults, settings.values);
    this.applyCrdsFromGit(
      'rook-crds',
      GIT_VERSIONS.rookCrds,
      // deploy/examples holds sample clusters too: keep only the CRDs.
      [
        '/*',
        '!/deploy/',
        '/deploy/*',
        '!/deploy/examples/',
        '/deploy/examples/*',
        '!/deploy/examples/crds.yaml',
      ].join('\n'),
    );
    this.installChart(CHART_VERSIONS.rookCeph, this.values, { manageCrds: false });
    // After the operator (it brings ceph-csi-operator and the csi.ceph.io CRDs), as Rook's upgrade
    // guide orders it; the drivers need no CephCluster yet (Rook fills in their connection).
    this.csiDriversValues = mergeValues(csiDriversDefaults(), settings.csiDriversValues);
    this.installChart(CHART_VERSIONS.cephCsiDrivers, this.csiDriversValues, {
      releaseName: CHART_VERSIONS.cephCsiDrivers.chart,
    });
    this.addCluster(cluster);
    this.addBlockStorage();
    if (settings.filesystem ?? false) this.addFilesystem();
    if (hasObjectStore(cluster)) this.addObjectStore();
  }

  /**
   * What happens to a volume's data when its claim is deleted: kept in production (a deleted
   * PVC, or a namespace pruned by mistake, must not take a database with it), freed elsewhere.
   */
  private get reclaimPolicy(): 'Retain' | 'Delete' {
    return this.production ? 'Retain' : 'Delete';
  }

  // Each Rook object gates the next layer until Ceph serves it (see the class comment).
  private checkPhase(object: ApiObject): void {
    this.addHealthCheck({
      apiVersion: object.apiVersion,
      kind: object.kind,
      name: object.name,
      namespace: this.namespace,
      expression: CEPH_READY,
    });
  }

  // Spread copies over hosts when there are several; a one-node cluster can only spread over OSDs.
  private get failureDomain(): string {
    return this.replication > 1 ? 'host' : 'osd';
  }

  private get replicated() {
    return { size: this.replication, requireSafeReplicaSize: this.replication > 1 };
  }

  private addCluster(cluster: ClusterConfig): void {
    this.checkPhase(
      keepOnPrune(
        new CephCluster(this.controllers, 'cluster', {
          metadata: { name: this.namespace, namespace: this.namespace },
          spec: {
            cephVersion: { image: ARTIFACT_VERSIONS.cephImage },
            // Talos's writable host path for state.
            dataDirHostPath: ROOK_DATA_DIR,
            mon: { count: this.monitors, allowMultiplePerNode: false },
            // One copy is dev's choice, not a fault: without this Ceph reports HEALTH_WARN
            // (POOL_NO_REDUNDANCY) for ever, and CephHealthWarning never clears.
            ...(this.replication === 1
              ? { cephConfig: { global: { mon_warn_on_pool_no_redundancy: 'false' } } }
              : {}),
            mgr: { count: this.monitors > 1 ? 2 : 1 },
            dashboard: { enabled: true, ssl: false },
            monitoring: { enabled: isComponentEnabled(cluster, 'monitoring') },
            storage: {
              useAllNodes: false,
              useAllDevices: false,
              nodes: storageNodes(cluster).map((node) => ({
                name: node.name,
                devices: (node.storageDevices ?? []).map((device) => ({
                  name: device.replace(/^\/dev\//, ''),
                })),
              })),
            },
          },
        }),
      ),
    );
  }

  private addBlockStorage(): void {
    this.checkPhase(
      keepOnPrune(
        new CephBlockPool(this.controllers, 'block-pool', {
          metadata: { name: 'replicapool', namespace: this.namespace },
          spec: { failureDomain: this.failureDomain, replicated: this.replicated },
        }),
      ),
    );
    const secrets = (kind: string) => ({
      [`csi.storage.k8s.io/${kind}-secret-name`]: `rook-csi-rbd-${kind === 'node-stage' ? 'node' : 'provisioner'}`,
      [`csi.storage.k8s.io/${kind}-secret-namespace`]: this.namespace,
    });
    new k8s.KubeStorageClass(this.controllers, 'block-class', {
      metadata: {
        name: CEPH_BLOCK_STORAGE_CLASS,
        annotations: { 'storageclass.kubernetes.io/is-default-class': 'true' },
      },
      provisioner: csiDriver('rbd'),
      parameters: {
        clusterID: this.namespace,
        pool: 'replicapool',
        imageFormat: '2',
        imageFeatures: 'layering',
        'csi.storage.k8s.io/fstype': 'ext4',
        ...secrets('provisioner'),
        ...secrets('controller-expand'),
        ...secrets('controller-publish'),
        ...secrets('node-stage'),
      },
      reclaimPolicy: this.reclaimPolicy,
      allowVolumeExpansion: true,
      volumeBindingMode: 'Immediate',
    });
  }

  private addFilesystem(): void {
    this.checkPhase(
      keepOnPrune(
        new CephFilesystem(this.controllers, 'filesystem', {
          metadata: { name: 'shared', namespace: this.namespace },
          spec: {
            metadataPool: { replicated: this.replicated },
            dataPools: [
              { name: 'data', failureDomain: this.failureDomain, replicated: this.replicated },
            ],
            metadataServer: { activeCount: 1, activeStandby: this.replication > 1 },
          },
        }),
      ),
    );
  }

  private addObjectStore(): void {
    this.checkPhase(
      keepOnPrune(
        new CephObjectStore(this.controllers, 'object-store', {
          metadata: { name: CEPH_OBJECT_STORE, namespace: this.namespace },
          spec: {
            metadataPool: { failureDomain: this.failureDomain, replicated: this.replicated },
            dataPool: { failureDomain: this.failureDomain, replicated: this.replicated },
            gateway: { port: 80, instances: this.replication > 1 ? 2 : 1 },
          },
        }),
      ),
    );
    new k8s.KubeStorageClass(this.controllers, 'bucket-class', {
      metadata: { name: CEPH_BUCKET_STORAGE_CLASS },
      provisioner: `${this.namespace}.ceph.rook.io/bucket`,
      parameters: { objectStoreName: CEPH_OBJECT_STORE, objectStoreNamespace: this.namespace },
      reclaimPolicy: this.reclaimPolicy,
    });
  }
}

function validate(
  cluster: ClusterConfig,
  replication: number,
  monitors: number,
  explicitReplication: boolean,
): void {
  const problems = new ProblemCollector();
  const subject = `cluster '${cluster.name}'`;
  const withDisks = storageNodes(cluster);
  const names = withDisks.map((node) => node.name).join(', ');
  problems.check(
    withDisks.length > 0,
    subject,
    'nodes[].storageDevices',
    'Rook-Ceph needs at least one node with storageDevices; add disks or disable platform.rookCeph',
  );
  problems.check(
    Number.isInteger(replication) && replication >= 1 && replication <= withDisks.length,
    subject,
    'platform.rookCeph.replication',
    `${replication} copies need as many nodes with storageDevices, but only ${withDisks.length} carry disks (${names || 'none'})`,
  );
  // Production never drops below three copies by itself: with fewer disks the default would
  // quietly become one copy, and a lost disk would lose data.
  problems.check(
    cluster.tier !== ClusterTier.PRODUCTION ||
      explicitReplication ||
      withDisks.length === 0 ||
      replication >= 3,
    subject,
    'platform.rookCeph.replication',
    `a production cluster keeps 3 copies of its data, but it has ${withDisks.length} node(s) with storageDevices (${names || 'none'}), so it would silently get ${replication}; add disks to 3 nodes, or set platform.rookCeph.replication to ${replication} to choose it knowingly`,
  );
  problems.check(
    Number.isInteger(monitors) && monitors % 2 === 1 && monitors <= cluster.nodes.length,
    subject,
    'platform.rookCeph.monitors',
    `must be odd (quorum) and at most the ${cluster.nodes.length} node(s), one monitor per node, got ${monitors}`,
  );
  problems.throwIfAny();
}

/**
 * Rook v1.20's recommended ceph-csi-drivers values (deploy/charts/ceph-csi-drivers/values.yaml),
 * less `controllerPlugin.priorityClassName`, which chart 1.0.4 never reads.
 */
function csiDriversDefaults(): CephCsiDriversValues {
  const driver = (type: 'rbd' | 'cephfs' | 'nfs' | 'nvmeof', enabled: boolean) => ({
    enabled,
    name: csiDriver(type),
  });
  return {
    operatorConfig: {
      namespace: NAMESPACE,
      driverSpecDefaults: {
        imageSet: { name: 'rook-csi-operator-image-set-configmap' },
        nodePlugin: {
          priorityClassName: 'system-node-critical',
          kubeletDirPath: '/var/lib/kubelet',
        },
      },
    },
    drivers: {
      rbd: driver('rbd', true),
      cephfs: driver('cephfs', true),
      nfs: driver('nfs', false),
      nvmeof: driver('nvmeof', false),
    },
  };
}
