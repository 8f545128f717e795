// APIs check: every object's apiVersion and kind is served by the cluster (built in, or by a CRD
// the cluster installs), and every object validates strictly against that schema: the API
// server would refuse a wrong type and silently drop an unknown field.
import { describe, type ClusterObject, type KubeObject } from './objects';
import type { ClusterProblem } from './problems';
import { SchemaValidator } from './schema';

/** The object without null fields: the API server decodes `annotations:` (null) as unset. */
function withoutNulls(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutNulls);
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(
    Object.entries(value)
      .filter(([, child]) => child !== null)
      .map(([key, child]) => [key, withoutNulls(child)]),
  );
}

/** The APIs check, validating custom resources against the cluster's own CRDs. */
export function checkApis(
  objects: readonly ClusterObject[],
  crds: readonly KubeObject[],
  crdsDir: string,
): ClusterProblem[] {
  const validator = new SchemaValidator(crdsDir, crds);
  return objects.flatMap((entry) => {
    // The validator prefixes each message with `Kind 'name': `; names may hold colons.
    const prefix = `${entry.object.kind ?? '?'} '${entry.object.metadata?.name ?? '?'}': `;
    return validator.validate(withoutNulls(entry.object) as KubeObject).map((message) => {
      const detail = message.startsWith(prefix) ? message.slice(prefix.length) : message;
      const unserved = detail.startsWith('no schema serves');
      const [path, ...rule] = unserved ? ['apiVersion', detail] : detail.split(' ');
      return {
        check: 'apis' as const,
        object: describe(entry),
        source: entry.source,
        path: unserved ? path : path.replace(/^\//, '').replace(/\//g, '.') || '(root)',
        rule: unserved
          ? `${detail}: no built-in API or CRD of the cluster serves it`
          : rule.join(' '),
        fix: unserved
          ? 'use an apiVersion the cluster serves, or install the CRD that serves it'
          : 'fix the field to match the schema (an unknown field would be dropped by the API server)',
      };
    });
  });
}
