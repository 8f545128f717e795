// metrics-server (the resource metrics API every CPU HorizontalPodAutoscaler reads) and the
// kubelet serving-certificate approver that lets it verify the kubelets: what is rendered, where,
// in which Flux layer, and what the Talos patches change on every node.
import { CLUSTERS } from '../../environments';
import type { ClusterConfig } from '../../constructs/config/types';
import {
  CATALOG_VERSIONS,
  checkCompatibility,
  kubernetesFloorProblem,
} from '../../constructs/platform/compatibility';
import {
  KUBELET_SERVING_SIGNER,
  KubeletServingCertApprover,
} from '../../constructs/platform/kubelet-serving-cert-approver';
import {
  METRICS_API_SERVICE,
  METRICS_SERVER_ARGS,
  MetricsServer,
} from '../../constructs/platform/metrics-server';
import { ARTIFACT_VERSIONS } from '../../constructs/platform/versions';
import {
  nodePatch,
  ROTATE_SERVER_CERTIFICATES,
  type V1Alpha1Patch,
} from '../../infra/talos/patches';
import { unpinnedReason } from '../../synth/cluster/check-images';
import { podSecurityViolations, type PodSpecLike } from '../../synth/cluster/pod-security';
import { configWithCluster, renderError, renderWithPlatform } from '../support/platform';
import { findObject, objectsOf, referenceTree, type RenderedObject } from '../support/tree';

const tree = referenceTree();
const METRICS = MetricsServer.IDENTITY;
const APPROVER = KubeletServingCertApprover.IDENTITY;
const clusterNamed = (name: string) => CLUSTERS.find((c) => c.name === name) as ClusterConfig;

/** The one object of a kind and name anywhere under a cluster's platform folder. */
const platformObject = (cluster: string, kind: string, name: string, renderedTree = tree) =>
  findObject(renderedTree, `platform/${cluster}/`, kind, name);

interface PodTemplateLike {
  metadata: { labels: Record<string, string> };
  spec: PodSpecLike & {
    containers: {
      name: string;
      image: string;
      args?: string[];
      ports?: { name: string; containerPort: number }[];
      securityContext: Record<string, unknown>;
      resources: { requests: Record<string, string>; limits: Record<string, string> };
    }[];
    affinity?: { podAntiAffinity?: unknown };
    tolerations?: unknown[];
  };
}

interface DeploymentSpec {
  replicas: number;
  selector: { matchLabels: Record<string, string> };
  template: PodTemplateLike;
}

const deployment = (cluster: string, name: string, renderedTree = tree) =>
  platformObject(cluster, 'Deployment', name, renderedTree).spec as unknown as DeploymentSpec;

/** Every rule of the ClusterRoles and Roles a component renders. */
const rulesOf = (cluster: string, component: string) =>
  objectsOf(tree)
    .filter(
      ({ file, object }) =>
        file.startsWith(`platform/${cluster}/`) &&
        file.includes(`/${component}/`) &&
        (object.kind === 'ClusterRole' || object.kind === 'Role'),
    )
    .flatMap(
      ({ object }) =>
        object.rules as {
          apiGroups: string[];
          resources: string[];
          verbs: string[];
          resourceNames?: string[];
        }[],
    );

/** The folders under `platform/<cluster>/` that hold a component's objects: `<layer>/<name>`. */
const foldersOf = (cluster: string, component: string) => [
  ...new Set(
    objectsOf(tree)
      .filter(({ file }) => file.startsWith(`platform/${cluster}/`))
      .map(({ file }) => file.split('/').slice(2, 4).join('/'))
      .filter((folder) => folder.endsWith(`/${component}`)),
  ),
];

describe.each(['dev', 'prod'])('metrics-server on %s', (cluster) => {
  it('registers v1beta1.metrics.k8s.io pointing at its Service, whose port reaches the pods', () => {
    const api = platformObject(cluster, 'APIService', METRICS_API_SERVICE);
    expect(api.metadata.namespace).toBeUndefined();
    expect(api.spec).toMatchObject({
      group: 'metrics.k8s.io',
      version: 'v1beta1',
      service: { name: 'metrics-server', namespace: METRICS.namespace, port: 443 },
    });
    const service = platformObject(cluster, 'Service', 'metrics-server');
    expect(service.metadata.namespace).toBe(METRICS.namespace);
    const spec = service.spec as {
      selector: Record<string, string>;
      ports: { port: number; targetPort: string }[];
    };
    expect(spec.ports).toEqual([expect.objectContaining({ port: 443, targetPort: 'https' })]);
    const pods = deployment(cluster, 'metrics-server').template;
    expect(pods.metadata.labels).toMatchObject(spec.selector);
    expect(pods.spec.containers[0].ports).toEqual([
      expect.objectContaining({ name: 'https', containerPort: 10250 }),
    ]);
  });

  it('verifies the kubelets with the cluster CA: no insecure TLS, InternalIP first', () => {
    const args = deployment(cluster, 'metrics-server').template.spec.containers[0].args ?? [];
    expect(args).toEqual([...METRICS_SERVER_ARGS]);
    expect(args.filter((arg) => /insecure/.test(arg))).toEqual([]);
    // The service account's CA (the cluster CA) signs the kubelets' serving certificates.
    expect(args.filter((arg) => arg.startsWith('--kubelet-certificate-authority'))).toEqual([]);
    expect(args).toContain('--kubelet-preferred-address-types=InternalIP,ExternalIP,Hostname');
    expect(args).toContain('--kubelet-use-node-status-port');
  });

  it('may only read: nodes, pods, kubelet metrics; and lets view/edit/admin read metrics', () => {
    expect(rulesOf(cluster, 'metrics-server')).toEqual(
      expect.arrayContaining([
        { apiGroups: [''], resources: ['nodes/metrics'], verbs: ['get'] },
        { apiGroups: [''], resources: ['pods', 'nodes'], verbs: ['get', 'list', 'watch'] },
        {
          apiGroups: ['metrics.k8s.io'],
          resources: ['pods', 'nodes'],
          verbs: ['get', 'list', 'watch'],
        },
      ]),
    );
    const verbs = new Set(rulesOf(cluster, 'metrics-server').flatMap((rule) => rule.verbs));
    expect([...verbs].sort()).toEqual(['get', 'list', 'watch']);
    const reader = platformObject(cluster, 'ClusterRole', 'metrics-server-aggregated-reader');
    expect(reader.metadata.labels).toMatchObject({
      'rbac.authorization.k8s.io/aggregate-to-view': 'true',
      'rbac.authorization.k8s.io/aggregate-to-edit': 'true',
      'rbac.authorization.k8s.io/aggregate-to-admin': 'true',
    });
    // Authentication delegated to the API server: its request-header CA, and token reviews.
    const authReader = platformObject(cluster, 'RoleBinding', 'metrics-server-auth-reader');
    expect(authReader.metadata.namespace).toBe('kube-system');
    expect(authReader.roleRef).toMatchObject({
      kind: 'Role',
      name: 'extension-apiserver-authentication-reader',
    });
    expect(
      platformObject(cluster, 'ClusterRoleBinding', 'metrics-server-auth-delegator').roleRef,
    ).toMatchObject({ kind: 'ClusterRole', name: 'system:auth-delegator' });
  });
});

describe.each([
  ['metrics-server', METRICS.namespace],
  ['kubelet-serving-cert-approver', APPROVER.namespace],
])('%s pods', (name, namespace) => {
  it.each(['dev', 'prod'])(
    'on %s: Pod Security restricted, read-only root, pinned image, in a restricted namespace',
    (cluster) => {
      const pods = deployment(cluster, name).template;
      expect(podSecurityViolations(pods.spec, 'restricted')).toEqual([]);
      expect(pods.spec.securityContext).toMatchObject({
        runAsNonRoot: true,
        seccompProfile: { type: 'RuntimeDefault' },
      });
      for (const container of pods.spec.containers) {
        expect(container.securityContext).toMatchObject({
          allowPrivilegeEscalation: false,
          readOnlyRootFilesystem: true,
          runAsNonRoot: true,
          capabilities: { drop: ['ALL'] },
        });
        expect(unpinnedReason(container.image)).toBeUndefined();
        expect(container.resources.requests).toEqual({
          cpu: expect.any(String),
          memory: expect.any(String),
        });
        expect(container.resources.limits.memory).toEqual(expect.any(String));
      }
      expect(platformObject(cluster, 'Namespace', namespace).metadata.labels).toMatchObject({
        'pod-security.kubernetes.io/enforce': 'restricted',
      });
    },
  );

  it('runs 1 replica in dev (no budget), 2 on distinct nodes with a budget in prod', () => {
    const dev = deployment('dev', name);
    expect(dev.replicas).toBe(1);
    expect(dev.template.spec.affinity?.podAntiAffinity).toBeUndefined();
    expect(
      objectsOf(tree).filter(
        ({ file, object }) =>
          file.startsWith('platform/dev/') &&
          object.kind === 'PodDisruptionBudget' &&
          object.metadata.namespace === namespace,
      ),
    ).toEqual([]);
    const prod = deployment('prod', name);
    expect(prod.replicas).toBe(2);
    expect(prod.template.spec.affinity?.podAntiAffinity).toEqual({
      requiredDuringSchedulingIgnoredDuringExecution: [
        {
          labelSelector: { matchLabels: prod.selector.matchLabels },
          topologyKey: 'kubernetes.io/hostname',
        },
      ],
    });
    const budget = platformObject('prod', 'PodDisruptionBudget', name);
    expect(budget.metadata.namespace).toBe(namespace);
    expect(budget.spec).toEqual({ minAvailable: 1, selector: prod.selector });
  });
});

describe('the kubelet serving-certificate approver', () => {
  it.each(['dev', 'prod'])('on %s may approve for the kubelet-serving signer only', (cluster) => {
    const rules = rulesOf(cluster, 'kubelet-serving-cert-approver');
    const approve = rules.filter((rule) => rule.verbs.includes('approve'));
    expect(approve).toEqual([
      {
        apiGroups: ['certificates.k8s.io'],
        resources: ['signers'],
        resourceNames: [KUBELET_SERVING_SIGNER],
        verbs: ['approve'],
      },
    ]);
    expect(KUBELET_SERVING_SIGNER).toBe('kubernetes.io/kubelet-serving');
    // Never signs, never a wildcard; CSRs: read, and set the approval.
    for (const rule of rules) {
      expect(rule.verbs).not.toContain('sign');
      expect([...rule.verbs, ...rule.resources, ...rule.apiGroups]).not.toContain('*');
    }
    const csr = rules.filter((rule) => rule.apiGroups.includes('certificates.k8s.io'));
    expect(csr).toEqual(
      expect.arrayContaining([
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
      ]),
    );
    expect(csr).toHaveLength(3);
    // Events about CSRs go to `default`; it may write events there and in its own namespace only.
    const bindings = objectsOf(tree)
      .filter(
        ({ file, object }) =>
          file.startsWith(`platform/${cluster}/`) &&
          file.includes('/kubelet-serving-cert-approver/') &&
          object.kind.endsWith('Binding'),
      )
      .map(
        ({ object }) => `${object.kind}/${object.metadata.namespace ?? ''}/${object.metadata.name}`,
      );
    expect(bindings.sort()).toEqual([
      'ClusterRoleBinding//kubelet-serving-cert-approver',
      'RoleBinding/default/kubelet-serving-cert-approver-events',
      `RoleBinding/${APPROVER.namespace}/kubelet-serving-cert-approver-leader-election`,
    ]);
  });

  it('runs on control planes too, with leader election, on the health and metrics ports', () => {
    const pods = deployment('prod', 'kubelet-serving-cert-approver').template;
    expect(pods.spec.tolerations).toContainEqual({
      key: 'node-role.kubernetes.io/control-plane',
      operator: 'Exists',
      effect: 'NoSchedule',
    });
    const [container] = pods.spec.containers;
    expect(container.args).toEqual(['serve', '--enable-leader-election']);
    expect(container.ports?.map((port) => [port.name, port.containerPort])).toEqual([
      ['health', 8080],
      ['metrics', 9090],
    ]);
    expect(container.image).toBe(ARTIFACT_VERSIONS.kubeletServingCertApproverImage);
  });
});

describe('Flux layers', () => {
  const layer = (cluster: string, name: string) =>
    objectsOf(tree).find(
      ({ file, object }) =>
        file.startsWith(`clusters/${cluster}/`) &&
        object.kind === 'Kustomization' &&
        object.metadata.name === name,
    )?.object as RenderedObject;

  it.each(['dev', 'prod'])(
    '%s: the approver in the crds layer, before metrics-server and every release',
    (cluster) => {
      expect(foldersOf(cluster, APPROVER.name)).toEqual([`crds/${APPROVER.name}`]);
      expect(foldersOf(cluster, METRICS.name)).toEqual([`controllers/${METRICS.name}`]);
      // Every HelmRelease (whose pods' logs, exec and kubelet scrapes need the kubelets' TLS) is
      // in a later layer than the approver.
      const releases = objectsOf(tree).filter(
        ({ file, object }) =>
          file.startsWith(`platform/${cluster}/`) && object.kind === 'HelmRelease',
      );
      expect(releases.length).toBeGreaterThan(0);
      for (const { file } of releases) expect(file.split('/')[2]).not.toBe('crds');
      // The crds layer is applied first and awaited: the approver's pods are Ready before the
      // controllers layer starts.
      expect(layer(cluster, 'platform-crds').spec).toMatchObject({ wait: true });
      expect(layer(cluster, 'platform-controllers').spec).toMatchObject({
        dependsOn: [{ name: 'platform-crds' }],
      });
    },
  );

  it.each(['dev', 'prod'])(
    '%s: the configs layer waits until metrics-server is Ready and its API Available',
    (cluster) => {
      const spec = layer(cluster, 'platform-controllers').spec as {
        healthChecks: { kind: string; name: string; namespace?: string }[];
        healthCheckExprs: { kind: string; current: string }[];
      };
      expect(spec.healthChecks).toEqual(
        expect.arrayContaining([
          {
            apiVersion: 'apps/v1',
            kind: 'Deployment',
            name: 'metrics-server',
            namespace: METRICS.namespace,
          },
          {
            apiVersion: 'apiregistration.k8s.io/v1',
            kind: 'APIService',
            name: METRICS_API_SERVICE,
          },
        ]),
      );
      expect(spec.healthCheckExprs.find((check) => check.kind === 'APIService')?.current).toBe(
        "has(status.conditions) && status.conditions.exists(c, c.type == 'Available' && c.status == 'True')",
      );
    },
  );
});

describe('Talos patches', () => {
  const kubeletOf = (cluster: ClusterConfig, node: ClusterConfig['nodes'][number]) =>
    (nodePatch(cluster, node).find((d) => 'machine' in d) as V1Alpha1Patch).machine.kubelet;

  it('rotate the serving certificate of every kubelet, control planes and workers', () => {
    const roles = new Set<string>();
    for (const cluster of CLUSTERS) {
      for (const node of cluster.nodes) {
        roles.add(node.role);
        expect([node.name, kubeletOf(cluster, node).extraArgs]).toEqual([
          node.name,
          { [ROTATE_SERVER_CERTIFICATES]: 'true' },
        ]);
      }
    }
    expect([...roles].sort()).toEqual(['control-plane', 'worker']);
    expect(ROTATE_SERVER_CERTIFICATES).toBe('rotate-server-certificates');
  });

  it('leave the kubelets alone where no approver runs (their requests would stay Pending)', () => {
    const prod = clusterNamed('prod');
    const without = {
      ...prod,
      platform: { ...prod.platform, kubeletServingCertApprover: { enabled: false } },
    };
    for (const node of prod.nodes) expect(kubeletOf(without, node).extraArgs).toBeUndefined();
  });
});

describe('settings and rules', () => {
  it('refuses metrics-server without the approver, naming both', () => {
    const config = configWithCluster('prod', (cluster) => ({
      ...cluster,
      platform: { ...cluster.platform, kubeletServingCertApprover: { enabled: false } },
    }));
    expect(renderError(config)).toContain(
      "cluster 'prod' platform.kubeletServingCertApprover.enabled: 'kubeletServingCertApprover' is disabled (or unknown), but 'metricsServer' depends on it",
    );
  });

  it('renders neither where both are turned off', () => {
    const off = renderWithPlatform('prod', {
      ...clusterNamed('prod').platform,
      metricsServer: { enabled: false },
      kubeletServingCertApprover: { enabled: false },
    });
    const names = objectsOf(off)
      .filter(({ file }) => file.startsWith('platform/prod/'))
      .map(({ object }) => object.metadata.name);
    expect(names).not.toContain(METRICS_API_SERVICE);
    expect(names).not.toContain(APPROVER.name);
  });

  it('takes replicas from the settings, refusing more than the nodes to spread over', () => {
    const three = renderWithPlatform('prod', {
      ...clusterNamed('prod').platform,
      metricsServer: { values: { replicas: 3 } },
    });
    expect(deployment('prod', 'metrics-server', three).replicas).toBe(3);
    const config = configWithCluster('prod', (cluster) => ({
      ...cluster,
      platform: { ...cluster.platform, metricsServer: { values: { replicas: 4 } } },
    }));
    expect(renderError(config)).toContain(
      "cluster 'prod' platform.metricsServer.values.replicas: 4 replicas must run on distinct workers, but the cluster has 3",
    );
  });

  it('refuses an unknown setting, naming the field (no chart checks these values)', () => {
    const config = configWithCluster('prod', (cluster) => ({
      ...cluster,
      platform: { ...cluster.platform, metricsServer: { values: { replica: 2 } } as never },
    }));
    expect(renderError(config)).toContain(
      "platform.metricsServer.values.replica: unknown field; known fields: replicas, resources; did you mean 'replicas'?",
    );
  });

  it('refuses a cluster whose Kubernetes is older than metrics-server supports', () => {
    expect(kubernetesFloorProblem('metricsServerImage', 'v1.36.3')).toBeUndefined();
    expect(kubernetesFloorProblem('metricsServerImage', 'v1.33.9')).toBe(
      'registry.k8s.io/metrics-server/metrics-server:v0.9.0 supports Kubernetes 1.34 or newer, got v1.33.9 (source: https://github.com/kubernetes-sigs/metrics-server/blob/v0.9.0/README.md#compatibility-matrix)',
    );
    const config = configWithCluster('dev', (cluster) => ({
      ...cluster,
      kubernetesVersion: 'v1.33.9',
    }));
    expect(renderError(config)).toContain(
      "cluster 'dev' kubernetesVersion: registry.k8s.io/metrics-server/metrics-server:v0.9.0 supports Kubernetes 1.34 or newer",
    );
  });

  it('fails the catalog check for an image version without a compatibility row', () => {
    expect(() => checkCompatibility()).not.toThrow();
    const bumped = {
      ...CATALOG_VERSIONS,
      artifacts: {
        ...CATALOG_VERSIONS.artifacts,
        metricsServerImage: 'registry.k8s.io/metrics-server/metrics-server:v0.10.0',
      },
    };
    expect(() => checkCompatibility(bumped)).toThrow(
      'ARTIFACT_VERSIONS.metricsServerImage: v0.10.0 is not in METRICS_SERVER_KUBERNETES',
    );
  });
});
