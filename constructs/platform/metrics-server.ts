// metrics-server: the resource metrics API (`metrics.k8s.io`) every HorizontalPodAutoscaler on CPU
// or memory reads (checkout-api in prod, Argo CD's server), and `kubectl top`. Rendered as plain
// objects: its Helm chart is not in the offline chart mirror, and the whole-cluster render needs
// every HelmRelease's chart offline. It verifies each kubelet's serving certificate with the
// cluster CA (no --kubelet-insecure-tls): the Talos patches turn on serving-certificate rotation
// and the kubelet serving-certificate approver approves the kubelets' requests.
// Facts (arguments, ports, RBAC, APIService, probes, security context) from
// kubernetes-sigs/metrics-server manifests/ at the tag of the image in versions.ts.
import type { Construct } from 'constructs';
import { k8s } from 'cdk8s-plus-28';
import type { MetricsServerSettings, MetricsServerValues } from '../config/metrics-server';
import { PLATFORM_NAMESPACES } from '../contract/names';
import {
  PlatformComponent,
  type ComponentIdentity,
  type PlatformComponentProps,
} from './component';
import {
  plainWorkloadValues,
  componentMetadata,
  disruptionBudget,
  podSecurityContext,
  quantities,
  restrictedContainer,
  selectorLabels,
  spreadOverNodes,
  versionLabel,
  workerNodes,
} from './plain-workload';
import { ARTIFACT_VERSIONS } from './versions';

/** Props of {@link MetricsServer}. */
export interface MetricsServerProps extends PlatformComponentProps {
  /**
   * The cluster's settings for metrics-server. `values` merge over the defaults.
   * @default {} - 1 replica; 2 on distinct workers on a production cluster with two or more
   */
  readonly settings?: MetricsServerSettings;
}

/** The API metrics-server serves, as the APIService names it. */
export const METRICS_API = { group: 'metrics.k8s.io', version: 'v1beta1' } as const;

/** The APIService of {@link METRICS_API}: `v1beta1.metrics.k8s.io`. */
export const METRICS_API_SERVICE = `${METRICS_API.version}.${METRICS_API.group}`;

/**
 * metrics-server's arguments. The kubelets' serving certificates are signed by the cluster CA
 * (the kubelet-serving signer), which metrics-server trusts from its service account, so no
 * `--kubelet-certificate-authority` and never `--kubelet-insecure-tls`. A kubelet's certificate
 * names the node's addresses: metrics-server connects to the InternalIP first (Talos pins it to
 * the node's configured IP), on the port the node reports.
 */
export const METRICS_SERVER_ARGS: readonly string[] = [
  // Its own serving certificate (self-signed, for the API server's aggregation layer) in /tmp.
  '--cert-dir=/tmp',
  `--secure-port=10250`,
  '--kubelet-preferred-address-types=InternalIP,ExternalIP,Hostname',
  '--kubelet-use-node-status-port',
  // How often it scrapes every kubelet; HPAs see a change at most this late.
  '--metric-resolution=15s',
];

// The port metrics-server serves on inside its pod (not the node's: the pod has its own network).
const SECURE_PORT = 10250;
// The user upstream's manifests run it as.
const USER = 1000;

/**
 * metrics-server and the APIService that puts it behind `metrics.k8s.io`: its Deployment (2 on
 * distinct workers with a disruption budget in prod), Service, RBAC and the aggregated reader
 * role (`view`, `edit` and `admin` may read metrics), in a restricted namespace. Flux waits for
 * the Deployment and for the APIService to be Available before the configs layer.
 */
export class MetricsServer extends PlatformComponent {
  /** Name, namespace and source of the component. */
  public static readonly IDENTITY: ComponentIdentity = {
    name: 'metrics-server',
    namespace: PLATFORM_NAMESPACES.metricsServer,
    sourceFile: 'constructs/platform/metrics-server.ts',
  };

  /** The Deployment's replicas and sizes. */
  public readonly values: MetricsServerValues;

  public constructor(scope: Construct, id: string, props: MetricsServerProps) {
    super(scope, id, MetricsServer.IDENTITY, props);
    const { cluster } = props;
    const name = this.componentName;
    const namespace = this.namespace;
    const workers = workerNodes(cluster);
    this.values = plainWorkloadValues(cluster, props.settings?.values, {
      key: 'metricsServer',
      nodes: { count: workers, what: 'workers' },
      artifact: 'metricsServerImage',
      resources: { requests: { cpu: '100m', memory: '200Mi' }, limits: { memory: '400Mi' } },
    });

    const image = ARTIFACT_VERSIONS.metricsServerImage;
    const {
      labels,
      namespaced: metadata,
      clusterScoped: clusterMetadata,
    } = componentMetadata(name, namespace);
    const selector = selectorLabels(name);
    const folder = this.controllers;
    const subjects = [{ kind: 'ServiceAccount', name, namespace }];
    const clusterRole = (roleName: string) => ({
      apiGroup: 'rbac.authorization.k8s.io',
      kind: 'ClusterRole',
      name: roleName,
    });

    new k8s.KubeServiceAccount(folder, 'service-account', { metadata: metadata(name) });
    // Reads nodes and pods, and each kubelet's resource metrics (nodes/metrics).
    new k8s.KubeClusterRole(folder, 'role', {
      metadata: clusterMetadata(name),
      rules: [
        { apiGroups: [''], resources: ['nodes/metrics'], verbs: ['get'] },
        { apiGroups: [''], resources: ['pods', 'nodes'], verbs: ['get', 'list', 'watch'] },
      ],
    });
    new k8s.KubeClusterRoleBinding(folder, 'role-binding', {
      metadata: clusterMetadata(name),
      roleRef: clusterRole(name),
      subjects,
    });
    // Delegates authentication and authorization of API requests to the API server.
    new k8s.KubeClusterRoleBinding(folder, 'auth-delegator', {
      metadata: clusterMetadata(`${name}-auth-delegator`),
      roleRef: clusterRole('system:auth-delegator'),
      subjects,
    });
    // Reads the request-header CA the API server's aggregation layer signs requests with.
    new k8s.KubeRoleBinding(folder, 'auth-reader', {
      metadata: metadata(`${name}-auth-reader`, 'kube-system'),
      roleRef: {
        apiGroup: 'rbac.authorization.k8s.io',
        kind: 'Role',
        name: 'extension-apiserver-authentication-reader',
      },
      subjects,
    });
    // Whoever may view a namespace may read its pods' metrics.
    new k8s.KubeClusterRole(folder, 'aggregated-reader', {
      metadata: {
        name: `${name}-aggregated-reader`,
        labels: {
          ...labels,
          'rbac.authorization.k8s.io/aggregate-to-view': 'true',
          'rbac.authorization.k8s.io/aggregate-to-edit': 'true',
          'rbac.authorization.k8s.io/aggregate-to-admin': 'true',
        },
      },
      rules: [
        {
          apiGroups: [METRICS_API.group],
          resources: ['pods', 'nodes'],
          verbs: ['get', 'list', 'watch'],
        },
      ],
    });

    new k8s.KubeService(folder, 'service', {
      metadata: metadata(name),
      spec: {
        selector,
        ports: [
          {
            name: 'https',
            port: 443,
            protocol: 'TCP',
            targetPort: k8s.IntOrString.fromString('https'),
            appProtocol: 'https',
          },
        ],
      },
    });
    // The API server reaches metrics-server through the Service. metrics-server's certificate is
    // self-signed (--cert-dir), so the API server does not verify it (upstream's default); the
    // kubelets' certificates, which carry the metrics, are verified.
    new k8s.KubeApiService(folder, 'api-service', {
      metadata: clusterMetadata(METRICS_API_SERVICE),
      spec: {
        group: METRICS_API.group,
        version: METRICS_API.version,
        service: { name, namespace, port: 443 },
        insecureSkipTlsVerify: true,
        groupPriorityMinimum: 100,
        versionPriority: 100,
      },
    });

    const replicas = this.values.replicas;
    const https = k8s.IntOrString.fromString('https');
    new k8s.KubeDeployment(folder, 'deployment', {
      metadata: metadata(name),
      spec: {
        replicas,
        selector: { matchLabels: selector },
        // One replica: start the new pod before the old one stops, so the API never goes away.
        // Two on distinct nodes: replace one at a time (a surge pod might find no free node).
        strategy: {
          type: 'RollingUpdate',
          rollingUpdate: { maxUnavailable: k8s.IntOrString.fromNumber(replicas > 1 ? 1 : 0) },
        },
        template: {
          metadata: { labels: { ...labels, ...versionLabel(image) } },
          spec: {
            serviceAccountName: name,
            priorityClassName: 'system-cluster-critical',
            nodeSelector: { 'kubernetes.io/os': 'linux' },
            securityContext: podSecurityContext(USER),
            affinity: spreadOverNodes(replicas, selector),
            containers: [
              {
                name,
                image,
                imagePullPolicy: 'IfNotPresent',
                args: [...METRICS_SERVER_ARGS],
                ports: [{ name: 'https', containerPort: SECURE_PORT, protocol: 'TCP' }],
                readinessProbe: {
                  httpGet: { path: '/readyz', port: https, scheme: 'HTTPS' },
                  initialDelaySeconds: 20,
                  periodSeconds: 10,
                  failureThreshold: 3,
                },
                livenessProbe: {
                  httpGet: { path: '/livez', port: https, scheme: 'HTTPS' },
                  periodSeconds: 10,
                  failureThreshold: 3,
                },
                resources: quantities(this.values.resources),
                securityContext: restrictedContainer(),
                volumeMounts: [{ name: 'tmp', mountPath: '/tmp' }],
              },
            ],
            // Its serving certificate goes here: the root file system is read-only.
            volumes: [{ name: 'tmp', emptyDir: {} }],
          },
        },
      },
    });
    disruptionBudget(folder, metadata(name), replicas, selector);

    // Ready means it has scraped the kubelets (its /readyz waits for metrics); Available means
    // the API server reaches it through the Service. Both before the configs layer.
    this.addHealthCheck({ apiVersion: 'apps/v1', kind: 'Deployment', name, namespace });
    this.addHealthCheck({
      apiVersion: 'apiregistration.k8s.io/v1',
      kind: 'APIService',
      name: METRICS_API_SERVICE,
      expression: {
        current:
          "has(status.conditions) && status.conditions.exists(c, c.type == 'Available' && c.status == 'True')",
      },
    });
  }
}
