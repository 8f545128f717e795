// Strict schema validation of rendered objects against the Kubernetes 1.36 OpenAPI definitions
// and the upstream CRDs (NEXTGEN_CRDS_DIR, else ../shared/crds, else .cache/crds: see
// synth/cluster/crds.ts). Strict means unknown fields are errors (the API server would silently
// prune them), and an apiVersion no CRD or core definition serves (removed or never existed) is
// an error.
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import Ajv, { type ValidateFunction } from 'ajv';
import { parseAllDocuments } from 'yaml';
import { crdsDir } from './crds';
import type { KubeObject } from './objects';
import { REPO_ROOT } from '../paths';

type Schema = Record<string, unknown>;

const K8S_DEFINITIONS = 'kubernetes/cdk8s-_definitions-v1.36.0.json';
const OBJECT_META = 'io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta';

function isObject(value: unknown): value is Schema {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Rewrites a schema so unknown fields fail and Kubernetes extensions are understood by Ajv.
 * Branches of anyOf/oneOf/allOf/not only constrain their parent object (e.g. "one of ingress
 * or egress is required"), so they are not closed themselves.
 */
function strictify(schema: unknown, isBranch = false): unknown {
  if (Array.isArray(schema)) return schema.map((item) => strictify(item, isBranch));
  if (!isObject(schema)) return schema;
  const result: Schema = {};
  for (const [key, value] of Object.entries(schema)) {
    // Property names are data, not schema keywords: recurse into each property's schema.
    if (key === 'properties' && isObject(value)) {
      result[key] = Object.fromEntries(Object.entries(value).map(([k, v]) => [k, strictify(v)]));
    } else if (['anyOf', 'oneOf', 'allOf', 'not'].includes(key)) {
      result[key] = strictify(value, true);
    } else if (key !== 'description') {
      result[key] = strictify(value);
    }
  }
  // Go's regexp accepts one-letter Unicode classes without braces (`\PC`); JavaScript's
  // unicode mode needs `\P{C}`.
  if (typeof result.pattern === 'string') {
    result.pattern = result.pattern
      .replace(/\\([pP])([A-Z])(?!\{)/g, '\\$1{$2}')
      // Go's inline case-insensitive flag `(?i)` has no JavaScript equivalent inside a
      // pattern; dropping it only makes the check stricter (lower-case spellings stay valid).
      .replace(/\(\?i\)/g, '');
  }
  if (result['x-kubernetes-int-or-string'] === true && result.type === undefined) {
    result.anyOf = [{ type: 'integer' }, { type: 'string' }];
  }
  const preserves = result['x-kubernetes-preserve-unknown-fields'] === true;
  if (
    !isBranch &&
    isObject(result.properties) &&
    result.additionalProperties === undefined &&
    !preserves
  ) {
    result.additionalProperties = false;
  }
  return result;
}

/**
 * One Ajv per Kubernetes definitions file, with every schema it compiled keyed by the schema's
 * content: two clusters (or two validators) installing the same CRD compile it once, which is
 * most of a whole-cluster check's time.
 */
interface SharedCompiler {
  readonly ajv: Ajv;
  readonly coreKinds: Map<string, string>;
  readonly compiled: Map<string, ValidateFunction>;
}

const compilers = new Map<string, SharedCompiler>();

function compilerFor(definitionsFile: string): SharedCompiler {
  let compiler = compilers.get(definitionsFile);
  if (!compiler) {
    const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false });
    const coreKinds = new Map<string, string>();
    const definitions = (JSON.parse(fs.readFileSync(definitionsFile, 'utf8')) as Schema)
      .definitions as Record<string, Schema>;
    for (const [name, definition] of Object.entries(definitions)) {
      const gvks = definition['x-kubernetes-group-version-kind'];
      if (!Array.isArray(gvks)) continue;
      for (const gvk of gvks as { group: string; version: string; kind: string }[]) {
        const apiVersion = gvk.group ? `${gvk.group}/${gvk.version}` : gvk.version;
        coreKinds.set(`${apiVersion}/${gvk.kind}`, name);
      }
    }
    ajv.addSchema({ $id: 'k8s', definitions: strictify(definitions) });
    compiler = { ajv, coreKinds, compiled: new Map() };
    compilers.set(definitionsFile, compiler);
  }
  return compiler;
}

/** Validates Kubernetes objects; build once per test file (compiling schemas is the slow part). */
export class SchemaValidator {
  private readonly ajv: Ajv;
  private readonly shared: SharedCompiler;
  private readonly coreKinds: Map<string, string>;
  private readonly crdSchemas = new Map<string, Schema>();
  private readonly compiled = new Map<string, ValidateFunction>();
  private readonly crdFiles: readonly { file: string; text: string }[];
  private readonly parsedFiles = new Set<string>();
  private readonly loadedCrdKinds = new Set<string>();
  private readonly deprecatedKinds = new Set<string>();

  /**
   * @param root the CRD mirror: its Kubernetes definitions, and its CRD files unless `crds` is given
   * @param crds the CRDs to validate custom resources against (a rendered cluster's own set)
   */
  public constructor(root: string = crdsDir(REPO_ROOT), crds?: readonly KubeObject[]) {
    this.shared = compilerFor(path.join(root, K8S_DEFINITIONS));
    this.ajv = this.shared.ajv;
    this.coreKinds = this.shared.coreKinds;

    if (crds) {
      this.crdFiles = [];
      for (const crd of crds) this.addCrd(crd as Schema);
    } else {
      this.crdFiles = listYaml(root).map((file) => ({ file, text: fs.readFileSync(file, 'utf8') }));
    }
  }

  /**
   * Loads the CRD schemas of an API group and kind on first use: only files that mention both
   * are parsed, which keeps a test run from parsing every CRD (~18 MB of YAML).
   */
  private loadCrds(group: string, kind: string): void {
    const loaded = `${group}/${kind}`;
    if (this.loadedCrdKinds.has(loaded)) return;
    this.loadedCrdKinds.add(loaded);
    const candidates = this.crdFiles.filter(
      ({ file, text }) =>
        !this.parsedFiles.has(file) &&
        text.includes(`group: ${group}`) &&
        text.includes(`kind: ${kind}`),
    );
    for (const { file, text } of candidates) {
      this.parsedFiles.add(file);
      for (const document of parseAllDocuments(text)) {
        const crd = document.toJS() as Schema | null;
        if (crd?.kind === 'CustomResourceDefinition') this.addCrd(crd);
      }
    }
  }

  /** Registers the served versions of one CRD. */
  private addCrd(crd: Schema): void {
    const spec = crd.spec as {
      group: string;
      names: { kind: string };
      versions: {
        name: string;
        served: boolean;
        deprecated?: boolean;
        schema?: { openAPIV3Schema?: Schema };
      }[];
    };
    for (const version of spec.versions) {
      if (!version.served) continue;
      if (version.deprecated) {
        this.deprecatedKinds.add(`${spec.group}/${version.name}/${spec.names.kind}`);
      }
      const schema = strictify(version.schema?.openAPIV3Schema ?? { type: 'object' }) as Schema;
      // CRD schemas leave metadata open; hold it to the real ObjectMeta.
      const properties = { ...(schema.properties as Schema | undefined) };
      properties.metadata = { $ref: `k8s#/definitions/${OBJECT_META}` };
      // Every object has these, even where a CRD's schema forgets them (Rook's ObjectBucketClaim).
      properties.apiVersion ??= { type: 'string' };
      properties.kind ??= { type: 'string' };
      this.crdSchemas.set(`${spec.group}/${version.name}/${spec.names.kind}`, {
        ...schema,
        properties,
      });
    }
  }

  /** A compiled schema, from the shared cache when the same schema was compiled before. */
  private compileShared(key: string, schema: Schema): ValidateFunction {
    const digest = createHash('sha256').update(key).digest('hex');
    let validator = this.shared.compiled.get(digest);
    if (!validator) {
      validator = this.ajv.compile(schema);
      this.shared.compiled.set(digest, validator);
    }
    return validator;
  }

  /** Whether the object's apiVersion is one its CRD marks deprecated (still served, going away). */
  public isDeprecated(object: KubeObject): boolean {
    const group = object.apiVersion?.includes('/') ? object.apiVersion.split('/')[0] : '';
    if (!group) return false;
    this.loadCrds(group, object.kind ?? '');
    return this.deprecatedKinds.has(`${object.apiVersion}/${object.kind}`);
  }

  /** Returns the problems of one object (empty when it validates), each naming the object. */
  public validate(object: KubeObject): string[] {
    const id = `${object.kind ?? '?'} '${object.metadata?.name ?? '?'}'`;
    const key = `${object.apiVersion}/${object.kind}`;
    let validator = this.compiled.get(key);
    if (!validator) {
      const core = this.coreKinds.get(key);
      const group = object.apiVersion?.includes('/') ? object.apiVersion.split('/')[0] : '';
      if (!core && group) this.loadCrds(group, object.kind ?? '');
      const crd = this.crdSchemas.get(key);
      if (core)
        validator = this.compileShared(`core:${core}`, { $ref: `k8s#/definitions/${core}` });
      else if (crd) validator = this.compileShared(JSON.stringify(crd), crd);
      else {
        return [
          `${id}: no schema serves ${object.apiVersion} ${object.kind} (removed, unserved or unknown apiVersion)`,
        ];
      }
      this.compiled.set(key, validator);
    }
    if (validator(object)) return [];
    return (validator.errors ?? []).map(
      (error) =>
        `${id}: ${error.instancePath || '/'} ${error.message ?? 'is invalid'}` +
        (error.params && 'additionalProperty' in error.params
          ? ` '${String(error.params.additionalProperty)}'`
          : ''),
    );
  }
}

function listYaml(dir: string): string[] {
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .flatMap((entry) => {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) return listYaml(full);
      return /\.ya?ml$/.test(entry.name) ? [full] : [];
    })
    .sort();
}

let shared: SchemaValidator | undefined;

/** One validator per test file: parsing ~18 MB of CRDs is the expensive part. */
export function sharedValidator(): SchemaValidator {
  shared ??= new SchemaValidator();
  return shared;
}
