// Well-known names every part of the platform shares: namespaces, object names, sync waves and
// node-level facts. Components, apps, the cluster layers and the Pulumi program read them here;
// none of them exports a name another part needs.

/**
 * The namespace each platform component runs in, by component. An app namespace must never
 * be one of these.
 */
export const PLATFORM_NAMESPACES = {
  /** cert-manager's controller, webhook and CA injector. */
  certManager: 'cert-manager',
  /** Cilium's agent and operator (and CoreDNS, kube-proxy's replacement): the system namespace. */
  cilium: 'kube-system',
  /** MetalLB's controller and speakers. */
  metallb: 'metallb-system',
  /** Rook's operator and the Ceph cluster. */
  rookCeph: 'rook-ceph',
  /** Flux's controllers and its own sync objects. */
  flux: 'flux-system',
  /** Kyverno's controllers. */
  kyverno: 'kyverno',
  /** kube-prometheus-stack: Prometheus, Alertmanager, Grafana, kube-state-metrics. */
  monitoring: 'monitoring',
  /** Loki. */
  loki: 'loki',
  /** Grafana Alloy. */
  alloy: 'alloy',
  /** Argo CD; the Applications and AppProjects live there too. */
  argocd: 'argocd',
  /** Argo Rollouts' controller. */
  argoRollouts: 'argo-rollouts',
  /** The Tekton Operator. */
  tekton: 'tekton-operator',
  /** What the Tekton Operator installs: Pipelines, Triggers and Dashboard. */
  tektonPipelines: 'tekton-pipelines',
  /** The cluster's shared Gateway. */
  gateway: 'gateway',
  /** The approver of the kubelets' serving-certificate requests. */
  kubeletServingCertApprover: 'kubelet-serving-cert-approver',
  /** metrics-server, behind the `metrics.k8s.io` API. */
  metricsServer: 'metrics-server',
} as const;

/** Namespace Flux runs in and keeps its own objects in. */
export const FLUX_NAMESPACE = PLATFORM_NAMESPACES.flux;
/** Namespace Argo CD runs in; Applications and AppProjects live there. */
export const ARGOCD_NAMESPACE = PLATFORM_NAMESPACES.argocd;
/** Namespace Prometheus runs in (kube-prometheus-stack of the monitoring component). */
export const MONITORING_NAMESPACE = PLATFORM_NAMESPACES.monitoring;
/** Namespace the Tekton Operator installs Pipelines, Triggers and Dashboard into. */
export const TEKTON_PIPELINES_NAMESPACE = PLATFORM_NAMESPACES.tektonPipelines;

/**
 * Name of the GitRepository, its credentials Secret and the root Kustomization (as
 * `flux bootstrap` names them).
 */
export const FLUX_SYNC_NAME = 'flux-system';

/** Argo CD sync wave annotation: lower waves are applied (and healthy) first. */
export const SYNC_WAVE = 'argocd.argoproj.io/sync-wave';
/** Wave of what the workload needs to exist first (namespace, quota, config, templates). */
export const FOUNDATION_WAVE = '-1';

/** Talos's KubePrism: a local, highly available proxy to the API server on every node. */
export const KUBEPRISM = { host: 'localhost', port: 7445 } as const;

/**
 * Host folder Rook keeps its monitor and OSD metadata in (the CephCluster's dataDirHostPath).
 * Talos mounts it into the kubelet (infra/talos/patches.ts), so both read this one constant.
 */
export const ROOK_DATA_DIR = '/var/lib/rook';

/** The StorageClass (RBD) every PersistentVolumeClaim without a class gets. */
export const CEPH_BLOCK_STORAGE_CLASS = 'ceph-block';
/** The StorageClass of object bucket claims on the Ceph object store. */
export const CEPH_BUCKET_STORAGE_CLASS = 'ceph-bucket';
/** The Ceph object store (S3 API) name, in the Rook namespace. */
export const CEPH_OBJECT_STORE = 'objects';

/** Where Grafana and the log shipper reach Loki (the chart's gateway Service). */
export const LOKI_URL = `http://loki-gateway.${PLATFORM_NAMESPACES.loki}.svc.cluster.local`;
/** The bucket (claimed from the Ceph object store) holding Loki's chunks, rules and admin data. */
export const LOKI_BUCKET = 'loki-chunks';
