// Compares two GitOps trees resource by resource. Files identical in both trees (once the
// generated header is set aside) are skipped without parsing, so the cost follows the size of
// the change, not of the fleet.
import { structuredPatch } from 'diff';
import { parseAllDocuments, type YAMLError } from 'yaml';
import { toYaml } from '../serialize';
import { highlightsOf } from './highlights';
import { maskSecrets, type KubeObject } from './mask';
import {
  ChangeStatus,
  type DiffHunk,
  type DiffResult,
  type KustomizationChange,
  type ResourceChange,
  type ResourceId,
  type Scope,
  type ScopeSummary,
  type TreeFiles,
} from './model';
import { compareStrings } from '../../constructs/order';
import { CLUSTER_ROOTS, GITOPS_ROOTS } from '../../constructs/contract/layout';

/** Options of {@link diffTrees}. */
export interface DiffOptions {
  /**
   * Lines of context around each change in the unified diffs.
   * @default 3
   */
  readonly context?: number;
  /**
   * Whether a scope is production (removals there are highlighted).
   * @default a cluster or environment named `prod`
   */
  readonly isProduction?: (scope: Scope) => boolean;
}

/** The cluster or environment a path belongs to. */
export function scopeOf(file: string): Scope {
  const parts = file.split('/');
  if (parts.length >= 3 && CLUSTER_ROOTS.includes(parts[0]))
    return { type: 'cluster', name: parts[1] };
  if (parts.length >= 3 && parts[0] === GITOPS_ROOTS.apps)
    return { type: 'environment', name: parts[1] };
  return { type: 'tree', name: '' };
}

/** The content without its leading comment lines (the generated header). */
export function withoutHeader(content: string): string {
  let start = 0;
  while (content.startsWith('#', start)) {
    const end = content.indexOf('\n', start);
    if (end < 0) return '';
    start = end + 1;
  }
  return content.slice(start);
}

function isYaml(file: string): boolean {
  return file.endsWith('.yaml') || file.endsWith('.yml');
}

function isKustomizationFile(file: string): boolean {
  const base = file.slice(file.lastIndexOf('/') + 1);
  return base === 'kustomization.yaml' || base === 'kustomization.yml';
}

interface ParsedObject {
  readonly id: ResourceId;
  readonly key: string;
  readonly path: string;
  readonly object: KubeObject;
}

function identityOf(object: KubeObject, scope: Scope): ResourceId | undefined {
  const metadata = object.metadata as Record<string, unknown> | undefined;
  if (typeof object.kind !== 'string' || typeof object.apiVersion !== 'string') return undefined;
  if (typeof metadata?.name !== 'string') return undefined;
  const slash = object.apiVersion.lastIndexOf('/');
  return {
    scope,
    group: slash < 0 ? '' : object.apiVersion.slice(0, slash),
    kind: object.kind,
    namespace: typeof metadata.namespace === 'string' ? metadata.namespace : '',
    name: metadata.name,
  };
}

function keyOf(id: ResourceId): string {
  return [id.scope.type, id.scope.name, id.group, id.kind, id.namespace, id.name].join('\u0000');
}

/**
 * Where a YAML error is, without its message: the parser quotes the offending line, which in
 * a Secret is the secret value itself, and warnings reach the PR comment.
 */
function yamlErrorPosition(error: YAMLError): string {
  const position = error.linePos?.[0];
  return position ? `${error.code} at line ${position.line}, column ${position.col}` : error.code;
}

/** Parses the given files of a tree into objects by identity; problems go to `warnings`. */
function parseObjects(
  files: TreeFiles,
  paths: readonly string[],
  side: string,
  warnings: string[],
  otherFiles: Set<string>,
): Map<string, ParsedObject> {
  const objects = new Map<string, ParsedObject>();
  for (const path of paths) {
    const documents = parseAllDocuments(files.get(path) ?? '', { version: '1.1' });
    const list = Array.isArray(documents) ? documents : [documents];
    for (const document of list) {
      if (document.errors.length > 0) {
        warnings.push(`${side} ${path}: not valid YAML (${yamlErrorPosition(document.errors[0])})`);
        otherFiles.add(path);
        continue;
      }
      const object: unknown = document.toJS();
      if (object === null || object === undefined) continue;
      const id =
        typeof object === 'object' && !Array.isArray(object)
          ? identityOf(object as KubeObject, scopeOf(path))
          : undefined;
      if (!id) {
        otherFiles.add(path);
        continue;
      }
      const key = keyOf(id);
      const seen = objects.get(key);
      if (seen) {
        warnings.push(
          `${side}: ${id.kind} '${id.name}' is defined twice (${seen.path} and ${path}); the first is compared`,
        );
        continue;
      }
      objects.set(key, { id, key, path, object: object as KubeObject });
    }
  }
  return objects;
}

function hunksOf(
  oldPath: string,
  newPath: string,
  oldText: string,
  newText: string,
  context: number,
): DiffHunk[] {
  const patch = structuredPatch(oldPath, newPath, oldText, newText, undefined, undefined, {
    context,
  });
  return patch.hunks.map((hunk) => ({
    oldStart: hunk.oldStart,
    oldLines: hunk.oldLines,
    newStart: hunk.newStart,
    newLines: hunk.newLines,
    lines: hunk.lines.filter((line) => !line.startsWith('\\')),
  }));
}

interface Kustomization {
  readonly entries: Set<string>;
  readonly rest: string;
}

function readKustomization(content: string): Kustomization {
  const documents = parseAllDocuments(content, { version: '1.1' });
  const first = Array.isArray(documents) ? documents[0] : documents;
  const value: unknown = first?.toJS();
  const record =
    typeof value === 'object' && value !== null ? { ...(value as Record<string, unknown>) } : {};
  const resources = Array.isArray(record.resources) ? record.resources.map(String) : [];
  delete record.resources;
  return { entries: new Set(resources), rest: JSON.stringify(record) };
}

function compareKustomization(
  path: string,
  before: string | undefined,
  after: string | undefined,
): KustomizationChange | undefined {
  const old = before === undefined ? undefined : readKustomization(before);
  const now = after === undefined ? undefined : readKustomization(after);
  const addedEntries = [...(now?.entries ?? [])].filter((entry) => !old?.entries.has(entry));
  const removedEntries = [...(old?.entries ?? [])].filter((entry) => !now?.entries.has(entry));
  const otherFieldsChanged = old !== undefined && now !== undefined && old.rest !== now.rest;
  const status = !old ? ChangeStatus.ADDED : !now ? ChangeStatus.REMOVED : ChangeStatus.CHANGED;
  if (status === ChangeStatus.CHANGED && !otherFieldsChanged) {
    if (addedEntries.length + removedEntries.length === 0) return undefined;
  }
  return {
    path,
    scope: scopeOf(path),
    status,
    addedEntries: addedEntries.sort(),
    removedEntries: removedEntries.sort(),
    otherFieldsChanged,
  };
}

const SCOPE_ORDER = { cluster: 0, environment: 1, tree: 2 };

function compareIds(a: ResourceId, b: ResourceId): number {
  const order =
    SCOPE_ORDER[a.scope.type] - SCOPE_ORDER[b.scope.type] ||
    compareStrings(a.scope.name, b.scope.name) ||
    compareStrings(a.kind, b.kind) ||
    compareStrings(a.namespace, b.namespace) ||
    compareStrings(a.name, b.name);
  return order;
}

function summarize(resources: readonly ResourceChange[]): ScopeSummary[] {
  const byScope = new Map<string, { scope: Scope; list: ResourceChange[] }>();
  for (const change of resources) {
    const key = `${change.id.scope.type}/${change.id.scope.name}`;
    let entry = byScope.get(key);
    if (!entry) byScope.set(key, (entry = { scope: change.id.scope, list: [] }));
    entry.list.push(change);
  }
  return [...byScope.values()].map(({ scope, list }) => {
    const count = (status: ChangeStatus) => list.filter((c) => c.status === status).length;
    const byKind: Record<string, Record<ChangeStatus, number>> = {};
    for (const change of list) {
      byKind[change.id.kind] ??= { added: 0, changed: 0, removed: 0, moved: 0 };
      byKind[change.id.kind][change.status]++;
    }
    return {
      scope,
      added: count(ChangeStatus.ADDED),
      changed: count(ChangeStatus.CHANGED),
      removed: count(ChangeStatus.REMOVED),
      moved: count(ChangeStatus.MOVED),
      byKind,
    };
  });
}

const defaultIsProduction = (scope: Scope): boolean => scope.name === 'prod';

/** Compares an old tree with a new one, resource by resource. */
export function diffTrees(
  before: TreeFiles,
  after: TreeFiles,
  options: DiffOptions = {},
): DiffResult {
  const context = options.context ?? 3;
  const isProduction = options.isProduction ?? defaultIsProduction;
  const warnings: string[] = [];
  const otherFiles = new Set<string>();
  const kustomizations: KustomizationChange[] = [];

  // Unchanged files (header aside) are the vast majority: drop them before parsing anything.
  const oldPaths: string[] = [];
  const newPaths: string[] = [];
  for (const [path, content] of before) {
    const current = after.get(path);
    if (current !== undefined && withoutHeader(current) === withoutHeader(content)) continue;
    if (isKustomizationFile(path)) {
      const change = compareKustomization(path, content, current);
      if (change) kustomizations.push(change);
    } else if (!isYaml(path)) otherFiles.add(path);
    else oldPaths.push(path);
  }
  for (const [path, content] of after) {
    const previous = before.get(path);
    if (previous !== undefined && withoutHeader(previous) === withoutHeader(content)) continue;
    if (isKustomizationFile(path)) {
      if (previous === undefined) {
        const change = compareKustomization(path, undefined, content);
        if (change) kustomizations.push(change);
      }
    } else if (!isYaml(path)) otherFiles.add(path);
    else newPaths.push(path);
  }

  const oldObjects = parseObjects(before, oldPaths, 'base', warnings, otherFiles);
  const newObjects = parseObjects(after, newPaths, 'head', warnings, otherFiles);

  const resources: ResourceChange[] = [];
  const record = (
    id: ResourceId,
    old: ParsedObject | undefined,
    now: ParsedObject | undefined,
  ): void => {
    const [masked0, masked1] = maskSecrets(old?.object, now?.object);
    const oldText = masked0 ? toYaml(masked0) : '';
    const newText = masked1 ? toYaml(masked1) : '';
    let status: ChangeStatus;
    if (!old) status = ChangeStatus.ADDED;
    else if (!now) status = ChangeStatus.REMOVED;
    else if (oldText !== newText) status = ChangeStatus.CHANGED;
    else if (old.path !== now.path) status = ChangeStatus.MOVED;
    else return;
    const hunks =
      status === ChangeStatus.MOVED
        ? []
        : hunksOf(old?.path ?? now!.path, now?.path ?? old!.path, oldText, newText, context);
    resources.push({
      id,
      status,
      ...(old ? { oldPath: old.path } : {}),
      ...(now ? { newPath: now.path } : {}),
      hunks,
      highlights: highlightsOf(id, status, old?.object, now?.object, isProduction(id.scope)),
    });
  };
  for (const [key, old] of oldObjects) record(old.id, old, newObjects.get(key));
  for (const [key, now] of newObjects) if (!oldObjects.has(key)) record(now.id, undefined, now);

  resources.sort((a, b) => compareIds(a.id, b.id));
  kustomizations.sort((a, b) => compareStrings(a.path, b.path));
  return {
    summary: summarize(resources).sort(
      (a, b) =>
        SCOPE_ORDER[a.scope.type] - SCOPE_ORDER[b.scope.type] ||
        compareStrings(a.scope.name, b.scope.name),
    ),
    resources,
    kustomizations,
    otherFiles: [...otherFiles].sort(),
    warnings,
  };
}
