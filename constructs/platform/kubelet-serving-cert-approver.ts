// The kubelet serving-certificate approver: with `rotate-server-certificates` (the Talos patches
// turn it on while this component runs) every kubelet asks the cluster CA for its serving
// certificate through a `kubernetes.io/kubelet-serving` CertificateSigningRequest, which nothing
// in Kubernetes approves. Until one is approved the kubelet serves no TLS at all: logs, exec,
// port-forward, metrics-server and Prometheus' kubelet scrapes fail. Rendered as plain objects
// (no chart exists), in the crds layer, so it runs before anything else Flux installs.
// Facts (RBAC, arguments, ports, probes, security context) from alex1989hu/kubelet-serving-cert-approver
// deploy/ at the tag of the image in versions.ts.
import type { Construct } from 'constructs';
import { k8s } from 'cdk8s-plus-28';
import type {
  KubeletServingCertApproverSettings,
  KubeletServingCertApproverValues,
} from '../config/kubelet-serving-cert-approver';
import { PLATFORM_NAMESPACES } from '../contract/names';
import {
  PlatformComponent,
  PlatformLayer,
  type ComponentIdentity,
  type PlatformComponentProps,
} from './component';
import {
  CONTROL_PLANE_ROLE,
  plainWorkloadValues,
  componentMetadata,
  disruptionBudget,
  podSecurityContext,
  quantities,
  restrictedContainer,
  selectorLabels,
  spreadOverNodes,
  versionLabel,
} from './plain-workload';
import { ARTIFACT_VERSIONS } from './versions';

/** Props of {@link KubeletServingCertApprover}. */
export interface KubeletServingCertApproverProps extends PlatformComponentProps {
  /**
   * The cluster's settings for the approver. `values` merge over the defaults.
   * @default {} - 1 replica; 2 on distinct nodes on a production cluster with two or more nodes
   */
  readonly settings?: KubeletServingCertApproverSettings;
}

/** The signer whose requests the approver approves, and the only one its role may approve for. */
export const KUBELET_SERVING_SIGNER = 'kubernetes.io/kubelet-serving';

// Ports of the approver's process: health probes and Prometheus metrics.
const HEALTH_PORT = 8080;
const METRICS_PORT = 9090;
// The image's user (its Dockerfile's `USER 65534:65534`, nobody).
const NOBODY = 65534;

/**
 * The approver's Deployment (leader election: one replica approves at a time), its RBAC and a
 * metrics Service, in its own restricted namespace in the crds layer.
 */
export class KubeletServingCertApprover extends PlatformComponent {
  /** Name, namespace, source and layer of the component. */
  public static readonly IDENTITY: ComponentIdentity = {
    name: 'kubelet-serving-cert-approver',
    namespace: PLATFORM_NAMESPACES.kubeletServingCertApprover,
    sourceFile: 'constructs/platform/kubelet-serving-cert-approver.ts',
    // Without it no kubelet serves TLS: everything later that reads logs, execs or scrapes
    // kubelets (metrics-server first) waits for it.
    layer: PlatformLayer.CRDS,
  };

  /** The Deployment's replicas and sizes. */
  public readonly values: KubeletServingCertApproverValues;

  public constructor(scope: Construct, id: string, props: KubeletServingCertApproverProps) {
    super(scope, id, KubeletServingCertApprover.IDENTITY, props);
    const { cluster } = props;
    const name = this.componentName;
    const namespace = this.namespace;
    // The approver tolerates the control-plane taint: every node may run it.
    const nodes = cluster.nodes.length;
    this.values = plainWorkloadValues(cluster, props.settings?.values, {
      key: 'kubeletServingCertApprover',
      nodes: { count: nodes, what: 'nodes' },
      artifact: 'kubeletServingCertApproverImage',
      resources: { requests: { cpu: '10m', memory: '18Mi' }, limits: { memory: '32Mi' } },
    });

    const image = ARTIFACT_VERSIONS.kubeletServingCertApproverImage;
    const {
      labels,
      namespaced: metadata,
      clusterScoped: clusterMetadata,
    } = componentMetadata(name, namespace);
    const folder = this.crds;

    new k8s.KubeServiceAccount(folder, 'service-account', { metadata: metadata(name) });

    // Reads and approves CSRs, checks with a SubjectAccessReview that the node may ask, and may
    // approve for the kubelet-serving signer only (approving needs `approve` on the signer).
    new k8s.KubeClusterRole(folder, 'role', {
      metadata: clusterMetadata(name),
      rules: [
        {
          apiGroups: ['certificates.k8s.io'],
          resources: ['certificatesigningrequests'],
          verbs: ['get', 'list', 'watch'],
        },
        {
          apiGroups: ['certificates.k8s.io'],
          resources: ['certificatesigningrequests/approval'],
          verbs: ['update'],
        },
        {
          apiGroups: ['authorization.k8s.io'],
          resources: ['subjectaccessreviews'],
          verbs: ['create'],
        },
        {
          apiGroups: ['certificates.k8s.io'],
          resources: ['signers'],
          resourceNames: [KUBELET_SERVING_SIGNER],
          verbs: ['approve'],
        },
      ],
    });
    const subjects = [{ kind: 'ServiceAccount', name, namespace }];
    new k8s.KubeClusterRoleBinding(folder, 'role-binding', {
      metadata: clusterMetadata(name),
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name },
      subjects,
    });
    // Events about CSRs (cluster-scoped objects) are recorded in `default`: the right to write
    // events there, and nowhere else.
    const events = `${name}-events`;
    new k8s.KubeClusterRole(folder, 'events-role', {
      metadata: clusterMetadata(events),
      rules: [{ apiGroups: [''], resources: ['events'], verbs: ['create', 'patch'] }],
    });
    new k8s.KubeRoleBinding(folder, 'events-role-binding', {
      metadata: metadata(events, 'default'),
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: events },
      subjects,
    });
    // Leader election, in its own namespace (its lease and the lease's events).
    const leader = `${name}-leader-election`;
    new k8s.KubeRole(folder, 'leader-election-role', {
      metadata: metadata(leader),
      rules: [
        { apiGroups: [''], resources: ['events'], verbs: ['create', 'patch'] },
        {
          apiGroups: ['coordination.k8s.io'],
          resources: ['leases'],
          verbs: ['create', 'get', 'update'],
        },
      ],
    });
    new k8s.KubeRoleBinding(folder, 'leader-election-role-binding', {
      metadata: metadata(leader),
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: leader },
      subjects,
    });

    const selector = selectorLabels(name);
    new k8s.KubeService(folder, 'service', {
      metadata: metadata(name),
      spec: {
        selector,
        ports: [
          {
            name: 'metrics',
            port: METRICS_PORT,
            protocol: 'TCP',
            targetPort: k8s.IntOrString.fromString('metrics'),
          },
        ],
      },
    });

    const replicas = this.values.replicas;
    new k8s.KubeDeployment(folder, 'deployment', {
      metadata: metadata(name),
      spec: {
        replicas,
        selector: { matchLabels: selector },
        // One replica: start the new pod before the old one stops (CSRs wait for the leader).
        strategy: {
          type: 'RollingUpdate',
          rollingUpdate: { maxUnavailable: k8s.IntOrString.fromNumber(replicas > 1 ? 1 : 0) },
        },
        template: {
          metadata: { labels: { ...labels, ...versionLabel(image) } },
          spec: {
            serviceAccountName: name,
            priorityClassName: 'system-cluster-critical',
            securityContext: { ...podSecurityContext(NOBODY), fsGroup: NOBODY },
            // Runs on control planes too (it must run before anything else), preferring workers.
            tolerations: [
              { key: CONTROL_PLANE_ROLE, operator: 'Exists', effect: 'NoSchedule' },
              {
                key: 'node.cloudprovider.kubernetes.io/uninitialized',
                operator: 'Exists',
                effect: 'NoSchedule',
              },
            ],
            affinity: {
              nodeAffinity: {
                preferredDuringSchedulingIgnoredDuringExecution: [
                  {
                    weight: 100,
                    preference: {
                      matchExpressions: [{ key: CONTROL_PLANE_ROLE, operator: 'DoesNotExist' }],
                    },
                  },
                ],
              },
              ...spreadOverNodes(replicas, selector),
            },
            containers: [
              {
                name: 'cert-approver',
                image,
                imagePullPolicy: 'IfNotPresent',
                args: ['serve', '--enable-leader-election'],
                env: [
                  {
                    name: 'NAMESPACE',
                    valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } },
                  },
                ],
                ports: [
                  { name: 'health', containerPort: HEALTH_PORT, protocol: 'TCP' },
                  { name: 'metrics', containerPort: METRICS_PORT, protocol: 'TCP' },
                ],
                livenessProbe: {
                  httpGet: { path: '/healthz', port: k8s.IntOrString.fromString('health') },
                  initialDelaySeconds: 6,
                },
                readinessProbe: {
                  httpGet: { path: '/readyz', port: k8s.IntOrString.fromString('health') },
                  initialDelaySeconds: 3,
                },
                resources: quantities(this.values.resources),
                securityContext: restrictedContainer(),
              },
            ],
          },
        },
      },
    });
    disruptionBudget(folder, metadata(name), replicas, selector);
  }
}
