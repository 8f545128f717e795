// What the components rendered as plain objects instead of a chart (metrics-server, the kubelet
// serving-certificate approver) share: labels, the restricted security contexts, spreading over
// nodes, disruption budgets, and the checks of their replicas and the cluster's Kubernetes.
import type { Construct } from 'constructs';
import { k8s } from 'cdk8s-plus-28';
import { mergeValues, type DeepPartial, type DeploymentValues } from '../config/component-settings';
import type { ComponentKey } from '../config/settings';
import { isControlPlane } from '../config/rules';
import { ClusterTier, type ClusterConfig } from '../config/types';
import { STANDARD_LABELS } from '../contract/labels';
import { ProblemCollector } from '../errors';
import { kubernetesFloorProblem } from './compatibility';
import type { ARTIFACT_VERSIONS } from './versions';

/** The label (and taint key) of control-plane nodes; Talos taints them when workers exist. */
export const CONTROL_PLANE_ROLE = 'node-role.kubernetes.io/control-plane';

/** The labels of every object of a component: what it is, and that the platform runs it. */
export function componentLabels(name: string): Record<string, string> {
  return {
    [STANDARD_LABELS.name]: name,
    [STANDARD_LABELS.instance]: name,
    [STANDARD_LABELS.partOf]: 'platform',
  };
}

/** Metadata makers of one component's objects: namespaced and cluster-scoped, with its labels. */
export interface ComponentMetadata {
  /** The component's labels. */
  readonly labels: Record<string, string>;
  /** A namespaced object's metadata (the component's namespace unless another is given). */
  readonly namespaced: (
    name: string,
    namespace?: string,
  ) => { name: string; namespace: string; labels: Record<string, string> };
  /** A cluster-scoped object's metadata. */
  readonly clusterScoped: (name: string) => { name: string; labels: Record<string, string> };
}

/** The metadata makers of component `name` in `namespace`. */
export function componentMetadata(name: string, namespace: string): ComponentMetadata {
  const labels = componentLabels(name);
  return {
    labels,
    namespaced: (objectName, inNamespace = namespace) => ({
      name: objectName,
      namespace: inNamespace,
      labels,
    }),
    clusterScoped: (objectName) => ({ name: objectName, labels }),
  };
}

/** The labels a Deployment selects its pods by (stable across versions). */
export function selectorLabels(name: string): Record<string, string> {
  return { [STANDARD_LABELS.name]: name, [STANDARD_LABELS.instance]: name };
}

/** `app.kubernetes.io/version` of a pod, from its image's tag (`registry/path:v0.9.0`). */
export function versionLabel(image: string): Record<string, string> {
  const last = image.slice(image.lastIndexOf('/') + 1);
  const colon = last.indexOf(':');
  return colon < 0 ? {} : { [STANDARD_LABELS.version]: last.slice(colon + 1) };
}

/** A pod securityContext Pod Security "restricted" admits: a non-root user, RuntimeDefault seccomp. */
export function podSecurityContext(user: number): k8s.PodSecurityContext {
  return {
    runAsNonRoot: true,
    runAsUser: user,
    runAsGroup: user,
    seccompProfile: { type: 'RuntimeDefault' },
  };
}

/**
 * A container securityContext Pod Security "restricted" admits, with a read-only root file
 * system: no privilege escalation, every capability dropped, RuntimeDefault seccomp.
 */
export function restrictedContainer(): k8s.SecurityContext {
  return {
    allowPrivilegeEscalation: false,
    privileged: false,
    readOnlyRootFilesystem: true,
    runAsNonRoot: true,
    capabilities: { drop: ['ALL'] },
    seccompProfile: { type: 'RuntimeDefault' },
  };
}

/** Requests and the memory limit as Kubernetes quantities. */
export function quantities(resources: DeploymentValues['resources']): k8s.ResourceRequirements {
  return {
    requests: {
      cpu: k8s.Quantity.fromString(resources.requests.cpu),
      memory: k8s.Quantity.fromString(resources.requests.memory),
    },
    limits: { memory: k8s.Quantity.fromString(resources.limits.memory) },
  };
}

/** With more than one replica, no two on one node (so losing a node loses one at most). */
export function spreadOverNodes(
  replicas: number,
  selector: Record<string, string>,
): Pick<k8s.Affinity, 'podAntiAffinity'> {
  return replicas > 1
    ? {
        podAntiAffinity: {
          requiredDuringSchedulingIgnoredDuringExecution: [
            { labelSelector: { matchLabels: selector }, topologyKey: 'kubernetes.io/hostname' },
          ],
        },
      }
    : {};
}

/**
 * With more than one replica, a PodDisruptionBudget keeping one running through drains. None
 * for a single replica: a budget of one pod would block every drain of its node.
 */
export function disruptionBudget(
  scope: Construct,
  metadata: k8s.ObjectMeta,
  replicas: number,
  selector: Record<string, string>,
): void {
  if (replicas <= 1) return;
  new k8s.KubePodDisruptionBudget(scope, 'disruption-budget', {
    metadata,
    spec: { minAvailable: k8s.IntOrString.fromNumber(1), selector: { matchLabels: selector } },
  });
}

/**
 * How many nodes a pod without the control-plane toleration may run on: the workers, or every
 * node of a cluster without workers (whose control planes Talos leaves untainted).
 */
export function workerNodes(cluster: ClusterConfig): number {
  const workers = cluster.nodes.filter((node) => !isControlPlane(node)).length;
  return workers > 0 ? workers : cluster.nodes.length;
}

/** What a plain-object component's Deployment is sized by and checked against. */
export interface PlainWorkload {
  /** The component's settings key (`metricsServer`), for the field names. */
  readonly key: ComponentKey;
  /** How many nodes its pods may run on, and what they are (`workers`, `nodes`). */
  readonly nodes: { readonly count: number; readonly what: string };
  /** Its image's key in `ARTIFACT_VERSIONS`, whose Kubernetes floor the cluster must meet. */
  readonly artifact: keyof typeof ARTIFACT_VERSIONS;
  /** Its container's requests and memory limit when the cluster sets none. */
  readonly resources: DeploymentValues['resources'];
}

/**
 * The replicas and sizes of a plain-object component: two replicas on a production cluster
 * with the nodes for them (one elsewhere) and the given resources, the cluster's `values` over
 * them; checked by {@link checkPlainWorkload}.
 */
export function plainWorkloadValues(
  cluster: ClusterConfig,
  overrides: DeepPartial<DeploymentValues> | undefined,
  workload: PlainWorkload,
): DeploymentValues {
  const defaults: DeploymentValues = {
    replicas: cluster.tier === ClusterTier.PRODUCTION && workload.nodes.count >= 2 ? 2 : 1,
    resources: workload.resources,
  };
  const values = mergeValues(defaults, overrides);
  checkPlainWorkload(cluster, workload, values);
  return values;
}

/**
 * Fails synth, naming the cluster and the field, when the replicas are not a positive integer,
 * are more than the nodes they may spread over, or the cluster's Kubernetes is older than the
 * image supports.
 */
function checkPlainWorkload(
  cluster: ClusterConfig,
  check: PlainWorkload,
  values: DeploymentValues,
): void {
  const problems = new ProblemCollector();
  const subject = `cluster '${cluster.name}'`;
  const { replicas } = values;
  const field = `platform.${check.key}.values.replicas`;
  problems.check(
    Number.isInteger(replicas) && replicas >= 1,
    subject,
    field,
    `must be a positive integer, got ${replicas}`,
  );
  problems.check(
    !(replicas > 1 && replicas > check.nodes.count),
    subject,
    field,
    `${replicas} replicas must run on distinct ${check.nodes.what}, but the cluster has ${check.nodes.count}; lower it to ${check.nodes.count} or fewer`,
  );
  const floor = kubernetesFloorProblem(check.artifact, cluster.kubernetesVersion);
  problems.check(floor === undefined, subject, 'kubernetesVersion', floor ?? '');
  problems.throwIfAny();
}
