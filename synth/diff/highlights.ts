// What a reviewer should see first about one resource's change, derived from the parsed
// objects (never from the text), so formatting changes produce no highlight.
import type { KubeObject } from './mask';
import { ChangeStatus, HighlightKind, type Highlight, type ResourceId } from './model';

/** A scalar that differs at a path: absent before (added) or after (removed). */
export interface LeafChange {
  /** Dotted path, arrays of named items as `[name=x]`, others as `[i]`. */
  readonly path: string;
  /** Old value as JSON; absent when the path is new. */
  readonly before?: string;
  /** New value as JSON; absent when the path is gone. */
  readonly after?: string;
}

const MAX_LEAVES_SHOWN = 5;
const MAX_VALUE_CHARS = 60;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function get(object: unknown, ...keys: string[]): unknown {
  let current = object;
  for (const key of keys) current = isRecord(current) ? current[key] : undefined;
  return current;
}

function namedItems(items: unknown[]): boolean {
  const names = items.map((item) => (isRecord(item) ? item.name : undefined));
  return names.every((name) => typeof name === 'string') && new Set(names).size === names.length;
}

function flatten(value: unknown, prefix: string, into: Map<string, string>): void {
  if (Array.isArray(value)) {
    if (value.length === 0) into.set(prefix, '[]');
    const named = namedItems(value);
    value.forEach((item, i) => {
      const key = named ? `[name=${(item as Record<string, unknown>).name as string}]` : `[${i}]`;
      flatten(item, `${prefix}${key}`, into);
    });
  } else if (isRecord(value)) {
    const keys = Object.keys(value);
    if (keys.length === 0 && prefix) into.set(prefix, '{}');
    for (const key of keys) flatten(value[key], prefix ? `${prefix}.${key}` : key, into);
  } else if (value !== undefined) {
    into.set(prefix, JSON.stringify(value));
  }
}

/** The scalars that differ between two values, by path (order of the new value first). */
export function leafChanges(before: unknown, after: unknown, prefix = ''): LeafChange[] {
  const old = new Map<string, string>();
  const now = new Map<string, string>();
  flatten(before, prefix, old);
  flatten(after, prefix, now);
  const changes: LeafChange[] = [];
  for (const [path, value] of now) {
    const previous = old.get(path);
    if (previous !== value) changes.push({ path, before: previous, after: value });
  }
  for (const [path, value] of old) if (!now.has(path)) changes.push({ path, before: value });
  return changes;
}

function short(value: string): string {
  return value.length > MAX_VALUE_CHARS ? `${value.slice(0, MAX_VALUE_CHARS - 1)}…` : value;
}

/** `a.b: 1 → 2; +c: "x"; -d: true (+3 more)` */
export function describeLeaves(changes: readonly LeafChange[]): string {
  const shown = changes.slice(0, MAX_LEAVES_SHOWN).map((change) => {
    if (change.before === undefined) return `+${change.path}: ${short(change.after ?? '')}`;
    if (change.after === undefined) return `-${change.path}: ${short(change.before)}`;
    return `${change.path}: ${short(change.before)} → ${short(change.after)}`;
  });
  const more = changes.length - shown.length;
  return shown.join('; ') + (more > 0 ? ` (+${more} more)` : '');
}

const CONTAINER_LISTS = new Set(['containers', 'initContainers', 'ephemeralContainers']);

/** Container images anywhere in an object (pod templates, job templates), by container. */
export function containerImages(object: unknown): Map<string, string> {
  const images = new Map<string, string>();
  const walk = (value: unknown): void => {
    if (Array.isArray(value)) value.forEach(walk);
    else if (isRecord(value)) {
      for (const [key, child] of Object.entries(value)) {
        if (CONTAINER_LISTS.has(key) && Array.isArray(child)) {
          for (const container of child) {
            if (isRecord(container) && typeof container.image === 'string') {
              images.set(String(container.name ?? '?'), container.image);
            }
          }
        } else walk(child);
      }
    }
  };
  walk(object);
  return images;
}

const RBAC_GROUP = 'rbac.authorization.k8s.io';
const NETWORK_POLICIES = new Set([
  'networking.k8s.io/NetworkPolicy',
  'cilium.io/CiliumNetworkPolicy',
  'cilium.io/CiliumClusterwideNetworkPolicy',
]);
const ANALYSIS_TEMPLATES = new Set(['AnalysisTemplate', 'ClusterAnalysisTemplate']);

/** Splits `repo:tag` or `repo@sha256:...` into repository and version (empty if none). */
function splitImage(image: string): [string, string] {
  const at = image.indexOf('@');
  if (at >= 0) return [image.slice(0, at), image.slice(at + 1)];
  const colon = image.lastIndexOf(':');
  return colon > image.lastIndexOf('/')
    ? [image.slice(0, colon), image.slice(colon + 1)]
    : [image, ''];
}

/** `container app (repo): 1.0 → 1.1` when only the version moved, else both images whole. */
function imageChange(name: string, previous: string, image: string): string {
  const [oldRepository, oldVersion] = splitImage(previous);
  const [repository, version] = splitImage(image);
  return oldRepository === repository
    ? `container ${name} (${repository}): ${oldVersion || 'untagged'} → ${version || 'untagged'}`
    : `container ${name}: ${previous} → ${image}`;
}

function imageHighlights(before: KubeObject, after: KubeObject): Highlight[] {
  const old = containerImages(before);
  const now = containerImages(after);
  const result: Highlight[] = [];
  for (const [name, image] of now) {
    const previous = old.get(name);
    if (previous === undefined) {
      result.push({ kind: HighlightKind.IMAGE, message: `container ${name} added: ${image}` });
    } else if (previous !== image) {
      result.push({ kind: HighlightKind.IMAGE, message: imageChange(name, previous, image) });
    }
  }
  for (const [name, image] of old) {
    if (!now.has(name)) {
      result.push({ kind: HighlightKind.IMAGE, message: `container ${name} removed (${image})` });
    }
  }
  return result;
}

function replicaHighlights(before: KubeObject, after: KubeObject): Highlight[] {
  const result: Highlight[] = [];
  for (const field of ['replicas', 'minReplicas', 'maxReplicas']) {
    const old = get(before, 'spec', field);
    const now = get(after, 'spec', field);
    if (old !== now) {
      result.push({
        kind: HighlightKind.REPLICAS,
        message: `${field}: ${old === undefined ? 'unset' : String(old)} → ${now === undefined ? 'unset' : String(now)}`,
      });
    }
  }
  return result;
}

function helmHighlights(id: ResourceId, before: KubeObject, after: KubeObject): Highlight[] {
  const result: Highlight[] = [];
  if (id.kind === 'HelmRelease') {
    const chart = [
      ...leafChanges(get(before, 'spec', 'chart'), get(after, 'spec', 'chart'), 'chart'),
      ...leafChanges(get(before, 'spec', 'chartRef'), get(after, 'spec', 'chartRef'), 'chartRef'),
    ];
    if (chart.length > 0) {
      result.push({ kind: HighlightKind.CHART_VERSION, message: describeLeaves(chart) });
    }
    const values = [
      ...leafChanges(get(before, 'spec', 'values'), get(after, 'spec', 'values')),
      ...leafChanges(
        get(before, 'spec', 'valuesFrom'),
        get(after, 'spec', 'valuesFrom'),
        'valuesFrom',
      ),
    ];
    if (values.length > 0) {
      result.push({ kind: HighlightKind.HELM_VALUES, message: describeLeaves(values) });
    }
  } else if (id.kind === 'OCIRepository' || id.kind === 'HelmChart') {
    // The chart version of an OCI-sourced release lives on its OCIRepository.
    const field = id.kind === 'OCIRepository' ? 'ref' : 'version';
    const changes = leafChanges(get(before, 'spec', field), get(after, 'spec', field), field);
    if (changes.length > 0) {
      result.push({ kind: HighlightKind.CHART_VERSION, message: describeLeaves(changes) });
    }
  }
  return result;
}

function strategyHighlights(id: ResourceId, before: KubeObject, after: KubeObject): Highlight[] {
  if (ANALYSIS_TEMPLATES.has(id.kind)) {
    const changes = leafChanges(get(before, 'spec'), get(after, 'spec'), 'spec');
    return changes.length > 0
      ? [{ kind: HighlightKind.ROLLOUT_STRATEGY, message: `analysis: ${describeLeaves(changes)}` }]
      : [];
  }
  if (id.kind !== 'Rollout' && id.kind !== 'Deployment') return [];
  const old = get(before, 'spec', 'strategy');
  const now = get(after, 'spec', 'strategy');
  const oldType = isRecord(old) ? Object.keys(old).sort().join('+') : '';
  const newType = isRecord(now) ? Object.keys(now).sort().join('+') : '';
  if (id.kind === 'Rollout' && oldType !== newType) {
    return [
      {
        kind: HighlightKind.ROLLOUT_STRATEGY,
        message: `strategy ${oldType || 'none'} → ${newType || 'none'}`,
      },
    ];
  }
  const changes = leafChanges(old, now, 'strategy');
  return changes.length > 0
    ? [{ kind: HighlightKind.ROLLOUT_STRATEGY, message: describeLeaves(changes) }]
    : [];
}

function policyHighlights(
  id: ResourceId,
  status: ChangeStatus,
  before: KubeObject | undefined,
  after: KubeObject | undefined,
): Highlight[] {
  const rbac = id.group === RBAC_GROUP;
  const network = NETWORK_POLICIES.has(`${id.group}/${id.kind}`);
  if (!rbac && !network) return [];
  const kind = rbac ? HighlightKind.RBAC : HighlightKind.NETWORK_POLICY;
  if (status === ChangeStatus.ADDED) return [{ kind, message: `${id.kind} added` }];
  if (status === ChangeStatus.REMOVED) return [{ kind, message: `${id.kind} removed` }];
  const strip = (object: KubeObject | undefined) => {
    const rest: Record<string, unknown> = { ...object };
    delete rest.metadata;
    delete rest.apiVersion;
    delete rest.kind;
    return rest;
  };
  const changes = leafChanges(strip(before), strip(after));
  return changes.length > 0 ? [{ kind, message: describeLeaves(changes) }] : [];
}

/** Everything to highlight about one resource's change. */
export function highlightsOf(
  id: ResourceId,
  status: ChangeStatus,
  before: KubeObject | undefined,
  after: KubeObject | undefined,
  production: boolean,
): Highlight[] {
  const result: Highlight[] = [];
  if (status === ChangeStatus.REMOVED && production) {
    result.push({
      kind: HighlightKind.PRODUCTION_DELETION,
      message: `${id.kind} deleted from production`,
    });
  }
  if (status === ChangeStatus.CHANGED && before && after) {
    result.push(
      ...imageHighlights(before, after),
      ...replicaHighlights(before, after),
      ...helmHighlights(id, before, after),
      ...strategyHighlights(id, before, after),
    );
  }
  result.push(...policyHighlights(id, status, before, after));
  return result;
}
