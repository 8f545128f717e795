// "The cluster": every object a cluster will hold, read from its part of the GitOps tree and,
// once rendered, from what its HelmReleases' charts make of their values.
import { loadAll } from 'js-yaml';
import { clusterOwnedPrefixes } from '../../constructs/contract/layout';
import { compareStrings } from '../../constructs/order';

/** A Kubernetes object as parsed from YAML. */
export interface KubeObject {
  readonly apiVersion?: string;
  readonly kind?: string;
  readonly metadata?: {
    readonly name?: string;
    readonly namespace?: string;
    readonly labels?: Readonly<Record<string, string>>;
    readonly annotations?: Readonly<Record<string, string>>;
  };
  readonly [field: string]: unknown;
}

/** Which HelmRelease rendered an object. */
export interface ReleaseId {
  /** The HelmRelease's namespace. */
  readonly namespace: string;
  /** The HelmRelease's name. */
  readonly name: string;
}

/** One object of the cluster and where it comes from. */
export interface ClusterObject {
  /** The object. */
  readonly object: KubeObject;
  /**
   * Where it comes from, for messages: the GitOps file (`platform/dev/...yaml`) or the chart
   * template (`HelmRelease monitoring/kube-prometheus-stack: grafana/templates/deployment.yaml`).
   */
  readonly source: string;
  /** The namespace the object lands in (a chart's object without one gets the release's). */
  readonly namespace: string;
  /** The HelmRelease that rendered it; absent for objects written in the GitOps tree. */
  readonly release?: ReleaseId;
}

/** Kinds of the Kubernetes API that are not namespaced (the ones charts and we render). */
const CLUSTER_SCOPED_BUILT_IN = new Set([
  'APIService',
  'CertificateSigningRequest',
  'ClusterRole',
  'ClusterRoleBinding',
  'CSIDriver',
  'CSINode',
  'CustomResourceDefinition',
  'FlowSchema',
  'IngressClass',
  'MutatingAdmissionPolicy',
  'MutatingAdmissionPolicyBinding',
  'MutatingWebhookConfiguration',
  'Namespace',
  'Node',
  'PersistentVolume',
  'PriorityClass',
  'PriorityLevelConfiguration',
  'RuntimeClass',
  'StorageClass',
  'ValidatingAdmissionPolicy',
  'ValidatingAdmissionPolicyBinding',
  'ValidatingWebhookConfiguration',
  'VolumeAttachment',
]);

/** Whether objects of a kind carry no namespace: built-in knowledge plus the cluster's CRDs. */
export class Scopes {
  private readonly clusterScoped = new Set<string>();

  public constructor(crds: Iterable<KubeObject>) {
    for (const crd of crds) {
      const spec = crd.spec as { scope?: string; names?: { kind?: string } } | undefined;
      if (spec?.scope === 'Cluster' && spec.names?.kind) this.clusterScoped.add(spec.names.kind);
    }
  }

  /** Whether `kind` is cluster-scoped. */
  public isClusterScoped(kind: string | undefined): boolean {
    return (
      kind !== undefined && (CLUSTER_SCOPED_BUILT_IN.has(kind) || this.clusterScoped.has(kind))
    );
  }
}

/**
 * The objects of a YAML stream (empty documents skipped). js-yaml, not `yaml`: charts render
 * megabytes of CRDs, and js-yaml reads them several times faster.
 */
export function parseObjects(text: string, source: string): KubeObject[] {
  let documents: unknown[];
  try {
    documents = loadAll(text);
  } catch (error) {
    throw new Error(`${source}: not valid YAML: ${(error as Error).message}`);
  }
  return documents.filter(
    (value): value is KubeObject => !!value && typeof value === 'object' && !Array.isArray(value),
  );
}

/**
 * The object as the cluster receives it: a SOPS-encrypted Secret reaches the API server
 * decrypted by Flux, without its `sops` metadata (names, keys and labels are in the clear).
 */
export function asApplied(object: KubeObject): KubeObject {
  if (!('sops' in object)) return object;
  const applied: Record<string, unknown> = { ...object };
  delete applied.sops;
  return applied as KubeObject;
}

/** Whether a parsed YAML value is a map. */
export const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** A name pattern with `*` and `?` (Kyverno's and our declarations' form) as an anchored regex. */
export function wildcard(pattern: string): RegExp {
  const escaped = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${escaped}$`);
}

/** `kind namespace/name` (or `kind name` when cluster-scoped), for messages. */
export function describe(entry: Pick<ClusterObject, 'object' | 'namespace'>): string {
  const name = entry.object.metadata?.name ?? '?';
  return `${entry.object.kind ?? '?'} ${entry.namespace ? `${entry.namespace}/` : ''}${name}`;
}

/**
 * The objects a cluster's part of a GitOps tree holds: its Flux entry point, platform layers,
 * Argo CD registrations and the apps of the environments it hosts (kustomization files skipped).
 */
export function gitopsObjects(
  files: ReadonlyMap<string, string>,
  cluster: string,
  environments: readonly string[],
): ClusterObject[] {
  const prefixes = clusterOwnedPrefixes(cluster, environments);
  const objects: ClusterObject[] = [];
  for (const [file, content] of [...files].sort(([a], [b]) => compareStrings(a, b))) {
    if (!prefixes.some((prefix) => file.startsWith(prefix))) continue;
    if (!file.endsWith('.yaml') || file.endsWith('/kustomization.yaml')) continue;
    for (const parsed of parseObjects(content, file)) {
      const object = asApplied(parsed);
      objects.push({ object, source: file, namespace: object.metadata?.namespace ?? '' });
    }
  }
  return objects;
}
