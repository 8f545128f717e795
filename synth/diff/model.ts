// The data a manifest diff produces: what changed, per resource, per cluster or environment.

/** A file tree: `/`-separated path relative to the tree root, to content. */
export type TreeFiles = ReadonlyMap<string, string>;

/** Who owns a path: a cluster (`clusters|platform|argocd/<cluster>/...`) or an environment (`apps/<env>/...`). */
export interface Scope {
  /** `cluster`, `environment`, or `tree` for paths outside the known layout. */
  readonly type: 'cluster' | 'environment' | 'tree';
  /** Cluster or environment name; empty for `tree`. */
  readonly name: string;
}

/** What identifies a Kubernetes object, whatever file it lives in. */
export interface ResourceId {
  /** Cluster or environment owning the object (the same name exists once per cluster). */
  readonly scope: Scope;
  /** API group (`apps`, `helm.toolkit.fluxcd.io`); empty for the core group. */
  readonly group: string;
  /** Kind. */
  readonly kind: string;
  /** Namespace; empty for cluster-scoped objects (or objects relying on a default). */
  readonly namespace: string;
  /** metadata.name. */
  readonly name: string;
}

/** How a resource differs between the trees. */
export enum ChangeStatus {
  /** Only in the new tree. */
  ADDED = 'added',
  /** In both, with different content. */
  CHANGED = 'changed',
  /** Only in the old tree. */
  REMOVED = 'removed',
  /** In both with the same content, in another file. */
  MOVED = 'moved',
}

/** What kind of change a reviewer should look at first. */
export enum HighlightKind {
  /** A container image changed. */
  IMAGE = 'image',
  /** replicas, minReplicas or maxReplicas changed. */
  REPLICAS = 'replicas',
  /** A HelmRelease chart, or the chart source's version (OCIRepository ref), changed. */
  CHART_VERSION = 'chart-version',
  /** A HelmRelease's values changed. */
  HELM_VALUES = 'helm-values',
  /** A Rollout's or Deployment's strategy, or an analysis template, changed. */
  ROLLOUT_STRATEGY = 'rollout-strategy',
  /** A Role, ClusterRole or binding was added, changed or removed. */
  RBAC = 'rbac',
  /** A NetworkPolicy or Cilium network policy was added, changed or removed. */
  NETWORK_POLICY = 'network-policy',
  /** Something was removed from a production cluster or environment. */
  PRODUCTION_DELETION = 'production-deletion',
}

/** One thing worth a reviewer's attention. */
export interface Highlight {
  /** Category. */
  readonly kind: HighlightKind;
  /** One line saying what changed, e.g. `container app: repo:1.0 → repo:1.1`. */
  readonly message: string;
}

/** One hunk of a unified diff. */
export interface DiffHunk {
  /** First line in the old text (1-based). */
  readonly oldStart: number;
  /** Number of old lines. */
  readonly oldLines: number;
  /** First line in the new text (1-based). */
  readonly newStart: number;
  /** Number of new lines. */
  readonly newLines: number;
  /** Lines, each starting with ` `, `-` or `+`. */
  readonly lines: readonly string[];
}

/** One resource that differs. */
export interface ResourceChange {
  /** Identity. */
  readonly id: ResourceId;
  /** Added, changed, removed or moved. */
  readonly status: ChangeStatus;
  /** File in the old tree; absent when added. */
  readonly oldPath?: string;
  /** File in the new tree; absent when removed. */
  readonly newPath?: string;
  /** The unified diff of the YAML (secret values masked); empty when only moved. */
  readonly hunks: readonly DiffHunk[];
  /** What a reviewer should notice. */
  readonly highlights: readonly Highlight[];
}

/** A kustomization.yaml whose content changed beyond the order of its entries. */
export interface KustomizationChange {
  /** Path of the kustomization.yaml (new path, or old when removed). */
  readonly path: string;
  /** Owner of the folder. */
  readonly scope: Scope;
  /** Added (new folder), removed (folder gone) or changed. */
  readonly status: ChangeStatus.ADDED | ChangeStatus.REMOVED | ChangeStatus.CHANGED;
  /** Entries listed now and not before. */
  readonly addedEntries: readonly string[];
  /** Entries listed before and not now. */
  readonly removedEntries: readonly string[];
  /** Whether fields other than `resources` changed (e.g. a namespace or patches). */
  readonly otherFieldsChanged: boolean;
}

/** Counts for one scope. */
export interface ScopeSummary {
  /** The cluster or environment. */
  readonly scope: Scope;
  /** Resources added. */
  readonly added: number;
  /** Resources changed. */
  readonly changed: number;
  /** Resources removed. */
  readonly removed: number;
  /** Resources moved to another file without change. */
  readonly moved: number;
  /** Per kind: how many added, changed, removed, moved. */
  readonly byKind: Readonly<Record<string, Readonly<Record<ChangeStatus, number>>>>;
}

/** The whole comparison. */
export interface DiffResult {
  /** Per scope, sorted clusters first, then environments. */
  readonly summary: readonly ScopeSummary[];
  /** Changed resources, sorted by scope, then kind, namespace and name. */
  readonly resources: readonly ResourceChange[];
  /** kustomization.yaml changes (not Kubernetes objects: shown apart, order-only changes ignored). */
  readonly kustomizations: readonly KustomizationChange[];
  /** Files that are neither objects nor kustomizations (or do not parse) and differ. */
  readonly otherFiles: readonly string[];
  /** Problems found while reading the trees (duplicate identities, unparsable YAML). */
  readonly warnings: readonly string[];
}

/** Whether a result has no difference at all. */
export function hasDifferences(result: DiffResult): boolean {
  return (
    result.resources.length > 0 || result.kustomizations.length > 0 || result.otherFiles.length > 0
  );
}

/** `cluster dev`, `environment prod`, or `tree`. */
export function scopeLabel(scope: Scope): string {
  return scope.type === 'tree' ? 'tree' : `${scope.type} ${scope.name}`;
}

/** `Kind namespace/name` (group omitted: kinds in this tree are unambiguous to a reader). */
export function resourceLabel(id: ResourceId): string {
  return `${id.kind} ${id.namespace ? `${id.namespace}/` : ''}${id.name}`;
}
