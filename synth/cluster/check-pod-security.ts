// Pod security check: every pod the cluster will run (chart-rendered, ours, and the ones
// operators create at run time) meets its namespace's Pod Security level and the Kyverno
// podSecurity rules that are in Enforce, after the cluster's PolicyExceptions and Kyverno's own
// resource filters. Models our ClusterPolicies' rules (podSecurity with a namespace selector), not
// a general Kyverno engine.
import { describe, type ClusterObject, type KubeObject, isRecord, wildcard } from './objects';
import {
  namespacePodSecurityLevel,
  podSecurityViolations,
  type PodSecurityLevel,
  type PodSpecLike,
} from './pod-security';
import { podTemplates } from './pods';
import type { ClusterProblem } from './problems';

/** A pod an operator creates at run time, as its component declares it. */
export interface DeclaredPod {
  /** Pod name pattern (`*` wildcards), as Kyverno exceptions match it. */
  readonly name: string;
  /** Namespace it runs in. */
  readonly namespace: string;
  /** Its labels. */
  readonly labels: Readonly<Record<string, string>>;
  /** Its pod spec, reduced to what Pod Security reads. */
  readonly spec: PodSpecLike;
  /** Who creates it. */
  readonly createdBy: string;
}

/** One pod to check: its likely name, labels, namespace and spec. */
interface CheckedPod {
  readonly entry: ClusterObject;
  readonly path: string;
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly namespace: string;
  readonly spec: PodSpecLike;
}

/** The name the controller gives a workload's pods, with stand-ins for the generated parts. */
export function examplePodName(kind: string | undefined, name: string): string {
  switch (kind) {
    case 'Deployment':
    case 'Rollout':
      return `${name}-5d4c8b9f7-x2x4z`;
    case 'StatefulSet':
      return `${name}-0`;
    case 'CronJob':
      return `${name}-29000000-x2x4z`;
    case 'Pod':
      return name;
    default:
      return `${name}-x2x4z`;
  }
}

interface PodSecurityRule {
  readonly policy: string;
  readonly rule: string;
  readonly level: PodSecurityLevel;
  readonly namespaceLabels?: Readonly<Record<string, string>>;
}

/** The Enforce podSecurity rules of the cluster's ClusterPolicies. */
function enforcedRules(objects: readonly ClusterObject[]): PodSecurityRule[] {
  const rules: PodSecurityRule[] = [];
  for (const { object } of objects) {
    if (object.kind !== 'ClusterPolicy' || !object.apiVersion?.startsWith('kyverno.io/')) continue;
    const spec = isRecord(object.spec) ? object.spec : {};
    for (const raw of Array.isArray(spec.rules) ? spec.rules : []) {
      const rule = isRecord(raw) ? raw : {};
      const validate = isRecord(rule.validate) ? rule.validate : {};
      const podSecurity = isRecord(validate.podSecurity) ? validate.podSecurity : undefined;
      const action = validate.failureAction ?? spec.validationFailureAction;
      if (!podSecurity || action !== 'Enforce') continue;
      const match = isRecord(rule.match) ? rule.match : {};
      const any = Array.isArray(match.any) ? match.any : [];
      const first = isRecord(any[0]) && isRecord(any[0].resources) ? any[0].resources : {};
      const selector = isRecord(first.namespaceSelector) ? first.namespaceSelector : {};
      rules.push({
        policy: object.metadata?.name ?? '',
        rule: typeof rule.name === 'string' ? rule.name : '',
        level: podSecurity.level as PodSecurityLevel,
        namespaceLabels: isRecord(selector.matchLabels)
          ? (selector.matchLabels as Record<string, string>)
          : undefined,
      });
    }
  }
  return rules;
}

interface Exception {
  readonly source: KubeObject;
  readonly policy: string;
  readonly rules: readonly string[];
  readonly namespaces?: readonly string[];
  readonly names?: readonly RegExp[];
}

function exceptionsOf(objects: readonly ClusterObject[]): Exception[] {
  const exceptions: Exception[] = [];
  for (const { object } of objects) {
    if (object.kind !== 'PolicyException') continue;
    const spec = isRecord(object.spec) ? object.spec : {};
    const match = isRecord(spec.match) ? spec.match : {};
    const resources = (Array.isArray(match.any) ? match.any : []).map((entry) =>
      isRecord(entry) && isRecord(entry.resources) ? entry.resources : {},
    );
    for (const raw of Array.isArray(spec.exceptions) ? spec.exceptions : []) {
      const exception = isRecord(raw) ? raw : {};
      for (const resource of resources) {
        exceptions.push({
          source: object,
          policy: String(exception.policyName ?? ''),
          rules: Array.isArray(exception.ruleNames) ? exception.ruleNames.map(String) : [],
          namespaces: Array.isArray(resource.namespaces)
            ? resource.namespaces.map(String)
            : undefined,
          names: Array.isArray(resource.names)
            ? resource.names.map((n) => wildcard(String(n)))
            : undefined,
        });
      }
    }
  }
  return exceptions;
}

/**
 * Namespaces Kyverno never checks: its ConfigMap's `resourceFilters` entries `[kind,namespace,name]`
 * with kind and name `*` (the chart's defaults skip kube-system and Kyverno's own namespace).
 */
function filteredNamespaces(objects: readonly ClusterObject[]): Set<string> {
  const namespaces = new Set<string>();
  for (const { object, release } of objects) {
    if (object.kind !== 'ConfigMap' || !release || object.metadata?.name !== 'kyverno') continue;
    const data = isRecord(object.data) ? object.data : {};
    const filters = typeof data.resourceFilters === 'string' ? data.resourceFilters : '';
    for (const match of filters.matchAll(/\[([^\]]*)\]/g)) {
      const [kind, namespace, name] = match[1].split(',');
      if (
        (kind === '*' || kind === 'Pod' || kind === '*/*') &&
        name === '*' &&
        namespace &&
        namespace !== '*'
      ) {
        namespaces.add(namespace);
      }
    }
  }
  return namespaces;
}

function podsOf(objects: readonly ClusterObject[], declared: readonly DeclaredPod[]): CheckedPod[] {
  const pods: CheckedPod[] = podTemplates(objects).map((template) => ({
    entry: template.owner,
    path: template.path,
    name: examplePodName(template.owner.object.kind, template.owner.object.metadata?.name ?? ''),
    labels: template.labels,
    namespace: template.owner.namespace,
    spec: template.spec as PodSpecLike,
  }));
  for (const pod of declared) {
    const object = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: pod.name, namespace: pod.namespace, labels: pod.labels },
    };
    pods.push({
      entry: {
        object,
        source: `created at run time by ${pod.createdBy}`,
        namespace: pod.namespace,
      },
      path: 'spec',
      name: pod.name.replace(/\*/g, 'x2x4z'),
      labels: pod.labels,
      namespace: pod.namespace,
      spec: pod.spec,
    });
  }
  return pods;
}

/** The pod security check. */
export function checkPodSecurity(
  objects: readonly ClusterObject[],
  declared: readonly DeclaredPod[],
): ClusterProblem[] {
  const namespaceLabels = new Map<string, Readonly<Record<string, string>>>();
  for (const { object } of objects) {
    if (object.kind === 'Namespace')
      namespaceLabels.set(object.metadata?.name ?? '', object.metadata?.labels ?? {});
  }
  const rules = enforcedRules(objects);
  const exceptions = exceptionsOf(objects);
  const unfiltered = filteredNamespaces(objects);
  const problems: ClusterProblem[] = [];
  for (const pod of podsOf(objects, declared)) {
    const labels = namespaceLabels.get(pod.namespace);
    const level = namespacePodSecurityLevel(labels);
    const object = describe(pod.entry);
    for (const violation of podSecurityViolations(pod.spec, level)) {
      problems.push({
        check: 'pod-security',
        object,
        source: pod.entry.source,
        path: violation.path.replace(/^spec/, pod.path),
        rule: `namespace '${pod.namespace}' enforces Pod Security '${level}': ${violation.rule} (${violation.seen})`,
        fix: violation.fix,
      });
    }
    if (unfiltered.has(pod.namespace)) continue;
    for (const rule of rules) {
      const selected = Object.entries(rule.namespaceLabels ?? {}).every(
        ([key, value]) => labels?.[key] === value,
      );
      if (!selected) continue;
      const excepted = exceptions.some(
        (exception) =>
          exception.policy === rule.policy &&
          exception.rules.includes(rule.rule) &&
          (!exception.namespaces || exception.namespaces.includes(pod.namespace)) &&
          (!exception.names || exception.names.some((name) => name.test(pod.name))),
      );
      if (excepted) continue;
      const violations = podSecurityViolations(pod.spec, rule.level);
      if (violations.length === 0) continue;
      problems.push({
        check: 'pod-security',
        object,
        source: pod.entry.source,
        path: violations[0].path.replace(/^spec/, pod.path),
        rule: `Kyverno ClusterPolicy '${rule.policy}' rule '${rule.rule}' (Enforce, Pod Security '${rule.level}') denies pod '${pod.name}': ${violations.map((v) => v.rule).join(', ')}; no PolicyException matches its name in namespace '${pod.namespace}'`,
        fix: `make the pod meet '${rule.level}', or add its name pattern to its component's privilegedPods so the PolicyException covers it`,
      });
    }
  }
  return problems;
}
