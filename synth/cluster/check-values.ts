// Values check: every key a HelmRelease sets exists in its chart. Helm silently ignores a key
// no template reads, so a renamed or removed key (rook-ceph v1.20 dropped `csi.kubeletDirPath`)
// would otherwise leave the setting unapplied with every test green.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { load } from 'js-yaml';
import type { ClusterProblem } from './problems';
import type { RenderedRelease } from './render';

type Tree = Readonly<Record<string, unknown>>;

const isTree = (value: unknown): value is Tree =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

interface JsonSchema {
  readonly type?: string | readonly string[];
  readonly properties?: Readonly<Record<string, JsonSchema>>;
  readonly additionalProperties?: boolean | JsonSchema;
  readonly patternProperties?: Readonly<Record<string, JsonSchema>>;
}

/** What a chart accepts: its defaults, its schema and the value paths its templates read. */
export interface ChartValuesModel {
  /** values.yaml, with each dependency's own values.yaml under its alias or name. */
  readonly defaults: Tree;
  /** values.schema.json (`$ref`s resolved), dependencies' schemas under their key. */
  readonly schema?: JsonSchema;
  /** Value paths the templates read (`.Values.a.b` gives `a.b`), dependencies' prefixed. */
  readonly reads: ReadonlySet<string>;
  /**
   * Value paths the templates consume whole (`toYaml`, `range`, a `with` block serialised as
   * is): anything below them is data the chart passes on, e.g. argo-cd's `configs.params`.
   */
  readonly wholeReads: ReadonlySet<string>;
}

interface ChartYaml {
  readonly dependencies?: readonly { readonly name: string; readonly alias?: string }[];
}

function readYaml(file: string): unknown {
  return fs.existsSync(file) ? load(fs.readFileSync(file, 'utf8')) : undefined;
}

/** Deep merge where `over` wins; used to lay a dependency's defaults under the parent's overrides. */
function merge(base: Tree, over: Tree): Tree {
  const result: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(over)) {
    const current = result[key];
    result[key] = isTree(current) && isTree(value) ? merge(current, value) : value;
  }
  return result;
}

/** Replaces local `$ref`s (`#/$defs/x`) by what they point to, so the walk needs no root. */
function resolveRefs(node: unknown, root: unknown, depth = 0): unknown {
  if (depth > 40) return {};
  if (Array.isArray(node)) return node.map((item) => resolveRefs(item, root, depth + 1));
  if (!isTree(node)) return node;
  const ref = node.$ref;
  if (typeof ref === 'string' && ref.startsWith('#/')) {
    const target = ref
      .slice(2)
      .split('/')
      .reduce<unknown>((at, part) => (isTree(at) ? at[part] : undefined), root);
    return resolveRefs(
      { ...(isTree(target) ? target : {}), ...node, $ref: undefined },
      root,
      depth + 1,
    );
  }
  return Object.fromEntries(
    Object.entries(node).map(([key, value]) => [key, resolveRefs(value, root, depth + 1)]),
  );
}

function templateTexts(chartDir: string): string[] {
  const dir = path.join(chartDir, 'templates');
  const texts: string[] = [];
  const walk = (at: string): void => {
    if (!fs.existsSync(at)) return;
    for (const entry of fs.readdirSync(at, { withFileTypes: true })) {
      const full = path.join(at, entry.name);
      if (entry.isDirectory()) walk(full);
      else texts.push(fs.readFileSync(full, 'utf8'));
    }
  };
  walk(dir);
  // Some charts (loki) keep templated config inside values.yaml and render it with `tpl`.
  const values = path.join(chartDir, 'values.yaml');
  if (fs.existsSync(values)) texts.push(fs.readFileSync(values, 'utf8'));
  return texts;
}

const READ = /\$?\.Values\.([A-Za-z0-9_]+(?:\.[A-Za-z0-9_]+)*)/g;
const WHOLE_BEFORE =
  /(?:toYaml|toJson|toPrettyJson|toRawJson|omit|pick|deepCopy|range(?:\s+\$\w+(?:\s*,\s*\$\w+)?\s*:=)?)\s*\(?\s*$/;
const WHOLE_AFTER = /^\s*\)?\s*\|\s*(?:toYaml|toJson|toPrettyJson|toRawJson)/;
const ALIAS = /(\$[A-Za-z0-9_]+)\s*:?=\s*\$?\.Values\.([A-Za-z0-9_.]+)/g;
const INDEX_READ = /index\s+\$?\.Values\.([A-Za-z0-9_.]+)((?:\s+"[^"]+")+)/g;
const WITH_BLOCK = /with\s+\$?\.Values\.([A-Za-z0-9_.]+)\s*-?}}([\s\S]*?){{-?\s*end/g;
const SERIALISES_DOT =
  /(?:toYaml|toJson|toPrettyJson)\s+\.\s*[|}) ]|\.\s*\|\s*(?:toYaml|toJson)|range\s+[^}]*:=\s*\.\s*[}-]/;

function templateReads(texts: readonly string[]): { reads: Set<string>; wholeReads: Set<string> } {
  const reads = new Set<string>();
  const wholeReads = new Set<string>();
  for (const text of texts) {
    for (const match of text.matchAll(READ)) {
      reads.add(match[1]);
      const before = text.slice(Math.max(0, match.index - 60), match.index);
      const after = text.slice(match.index + match[0].length, match.index + match[0].length + 30);
      if (WHOLE_BEFORE.test(before) || WHOLE_AFTER.test(after)) wholeReads.add(match[1]);
    }
    // `$config := .Values.operatorConfig`, then `$config.a.b` reads `operatorConfig.a.b`.
    for (const alias of text.matchAll(ALIAS)) {
      const escaped = alias[1].replace('$', '\\$');
      for (const use of text.matchAll(
        new RegExp(`${escaped}\\.([A-Za-z0-9_]+(?:\\.[A-Za-z0-9_]+)*)`, 'g'),
      )) {
        reads.add(`${alias[2]}.${use[1]}`);
      }
    }
    for (const match of text.matchAll(INDEX_READ)) {
      const keys = [...match[2].matchAll(/"([^"]+)"/g)].map((key) => key[1]);
      reads.add([match[1], ...keys].join('.'));
    }
    for (const match of text.matchAll(WITH_BLOCK)) {
      if (SERIALISES_DOT.test(match[2])) wholeReads.add(match[1]);
    }
  }
  return { reads, wholeReads };
}

const models = new Map<string, ChartValuesModel>();

/** Reads a chart folder's values model (cached per folder: a chart version never changes). */
export function chartValuesModel(chartDir: string): ChartValuesModel {
  const cached = models.get(chartDir);
  if (cached) return cached;
  const own = readYaml(path.join(chartDir, 'values.yaml'));
  let defaults: Tree = isTree(own) ? own : {};
  const schemaFile = path.join(chartDir, 'values.schema.json');
  const rawSchema: unknown = fs.existsSync(schemaFile)
    ? JSON.parse(fs.readFileSync(schemaFile, 'utf8'))
    : undefined;
  let schema = rawSchema ? (resolveRefs(rawSchema, rawSchema) as JsonSchema) : undefined;
  const { reads, wholeReads } = templateReads(templateTexts(chartDir));
  const chart = readYaml(path.join(chartDir, 'Chart.yaml')) as ChartYaml | undefined;
  for (const dependency of chart?.dependencies ?? []) {
    const dir = path.join(chartDir, 'charts', dependency.name);
    if (!fs.existsSync(path.join(dir, 'Chart.yaml'))) continue;
    const sub = chartValuesModel(dir);
    const key = dependency.alias ?? dependency.name;
    const parentPart = defaults[key];
    defaults = { ...defaults, [key]: merge(sub.defaults, isTree(parentPart) ? parentPart : {}) };
    if (schema?.properties && sub.schema) {
      schema = { ...schema, properties: { ...schema.properties, [key]: sub.schema } };
    }
    for (const read of sub.reads) reads.add(`${key}.${read}`);
    for (const read of sub.wholeReads) wholeReads.add(`${key}.${read}`);
  }
  const model = { defaults, schema, reads, wholeReads };
  models.set(chartDir, model);
  return model;
}

/** Whether a schema node names `key` as a property, or accepts any key. */
function schemaChild(schema: JsonSchema | undefined, key: string): JsonSchema | 'open' | undefined {
  if (!schema) return undefined;
  const named = schema.properties?.[key];
  if (named) return named;
  if (schema.patternProperties) {
    for (const [pattern, child] of Object.entries(schema.patternProperties)) {
      if (new RegExp(pattern).test(key)) return child;
    }
  }
  if (schema.additionalProperties === true || isTree(schema.additionalProperties)) return 'open';
  // A schema that names no keys (`type: object` alone) leaves every key open, as JSON Schema does.
  if (!schema.properties && !schema.patternProperties && schema.additionalProperties !== false) {
    return 'open';
  }
  return undefined;
}

/**
 * The keys of `values` that the chart does not have. A key exists when the chart's defaults or
 * schema name it, or its templates read it. Below a free-form map (an empty or null default, an
 * open schema, a map the templates serialise whole) anything goes; so does `global` (shared with
 * subcharts) and anything inside a list (list items are data, not chart keys).
 */
export function unknownValueKeys(values: Tree, model: ChartValuesModel): string[] {
  const unknown: string[] = [];
  const readBelow = (keyPath: string): boolean => {
    if (model.reads.has(keyPath)) return true;
    for (const read of model.reads) if (read.startsWith(`${keyPath}.`)) return true;
    return false;
  };
  const walk = (
    value: Tree,
    defaults: unknown,
    schema: JsonSchema | undefined,
    prefix: string,
  ): void => {
    for (const [key, child] of Object.entries(value)) {
      const keyPath = prefix ? `${prefix}.${key}` : key;
      if (!prefix && key === 'global') continue;
      const childDefault = isTree(defaults) ? defaults[key] : undefined;
      const inDefaults = isTree(defaults) && key in defaults;
      const childSchema = schemaChild(schema, key);
      if (!inDefaults && childSchema === undefined && !readBelow(keyPath)) {
        unknown.push(keyPath);
        continue;
      }
      const freeForm =
        childSchema === 'open' ||
        model.wholeReads.has(keyPath) ||
        childDefault === null ||
        (isTree(childDefault) && Object.keys(childDefault).length === 0 && !childSchema);
      if (freeForm || !isTree(child)) continue;
      walk(child, childDefault, isTree(childSchema) ? childSchema : undefined, keyPath);
    }
  };
  walk(values, model.defaults, model.schema, '');
  return unknown;
}

/** The values check of every release. */
export function checkValues(releases: readonly RenderedRelease[]): ClusterProblem[] {
  return releases.flatMap((release) =>
    unknownValueKeys(release.values, chartValuesModel(release.chart.dir)).map((key) => ({
      check: 'values' as const,
      object: `HelmRelease ${release.id.namespace}/${release.id.name}`,
      source: release.source,
      path: `spec.values.${key}`,
      rule: `chart ${release.chart.chart} ${release.chart.version} has no value '${key}' (not in its values.yaml or values.schema.json), so Helm ignores it`,
      fix: `remove it, or use the key this chart version reads instead (see the chart's values.yaml)`,
    })),
  );
}
