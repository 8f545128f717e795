// Names inside one app that Kubernetes, Argo CD or Prometheus would refuse or misread later:
// its team (an AppProject and a label value), environment-variable names, ConfigMap and Secret
// names and keys, host labels of external destinations and the metric names of its analysis.
// Called from AppDefinition.validate; rules across apps and environments are in catalog.ts.
import type { ProblemCollector } from '../errors';
import { MAX_LABEL } from '../config/validate';
import { overlongDnsLabels, overlongLabelMessage } from '../config/validate-collisions';
import type { AppProps } from './props';
import type { RolloutTemplate } from './rollout';

/** Argo CD's built-in project, which allows every source, destination and kind. */
const ARGOCD_DEFAULT_PROJECT = 'default';

// Kubernetes' classic environment-variable name (apimachinery IsEnvVarName): no digit first.
const ENV_VAR_NAME = /^[-._a-zA-Z][-._a-zA-Z0-9]*$/;
// A ConfigMap or Secret key (apimachinery IsConfigMapKey), at most 253 characters.
const MAP_KEY = /^[-._a-zA-Z0-9]+$/;
const MAX_MAP_KEY = 253;
// A Secret name: DNS-1123 subdomain, at most 253 characters.
const DNS_SUBDOMAIN =
  /^(?=.{1,253}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
// A Prometheus metric name; anything else breaks (or rewrites) the analysis query it is put in.
const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;

/** `.`, `..` and `..x` are refused as keys and variable names (they are also file names). */
const isDotName = (value: string): boolean => value === '.' || value.startsWith('..');

const ENV_VAR_RULE =
  "an environment variable name Kubernetes accepts (letters, digits, '_', '-' and '.', not starting with a digit, not '.' or '..')";
const MAP_KEY_RULE = `a ConfigMap or Secret key (letters, digits, '_', '-' and '.', at most ${MAX_MAP_KEY} characters, not '.' or '..')`;

/** Whether a string is an environment variable name Kubernetes accepts. */
export function isEnvVarName(name: string): boolean {
  return ENV_VAR_NAME.test(name) && !isDotName(name);
}

/** Whether a string is a ConfigMap or Secret key Kubernetes accepts. */
export function isMapKey(key: string): boolean {
  return MAP_KEY.test(key) && key.length <= MAX_MAP_KEY && !isDotName(key);
}

/**
 * Checks the names of one app, adding one problem per broken rule: team, environment
 * variables (plain, per environment, from Secrets, from `config`), `config` keys, Secret
 * names and keys, external host labels and the analysis' metric names.
 */
export function validateNames(
  problems: ProblemCollector,
  subject: string,
  props: AppProps & { readonly rollout?: RolloutTemplate },
): void {
  validateTeam(problems, subject, props.team);

  // Where each variable is first set, so one set twice (which Kubernetes lets the later
  // definition hide silently) is named with both places.
  const setBy = new Map<string, string>();
  for (const [field, variables] of withOverrides(props, 'env')) {
    for (const name of Object.keys(variables ?? {})) {
      problems.check(
        isEnvVarName(name),
        subject,
        `${field}.${name}`,
        `must be ${ENV_VAR_RULE}, got '${name}'`,
      );
      if (!setBy.has(name)) setBy.set(name, `${field}.${name}`);
    }
  }

  for (const key of Object.keys(props.config ?? {})) {
    const field = `config.${key}`;
    if (!isMapKey(key)) {
      problems.add(subject, field, `must be ${MAP_KEY_RULE}, got '${key}'`);
    } else if (!isEnvVarName(key)) {
      // Every key reaches the container through envFrom, which skips such keys without an error.
      problems.add(
        subject,
        field,
        `must also be ${ENV_VAR_RULE}: config is passed as environment variables and the kubelet skips other keys, got '${key}'`,
      );
    }
  }

  (props.secrets ?? []).forEach((secret, i) => {
    const at = `secrets[${i}]`;
    problems.check(
      DNS_SUBDOMAIN.test(secret.secretName),
      subject,
      `${at}.secretName`,
      `must be a Secret name (a DNS-1123 subdomain: lower-case letters, digits, '-' and '.', at most 253 characters), got '${secret.secretName}'`,
    );
    for (const [variable, key] of Object.entries(secret.keys ?? {})) {
      const field = `${at}.keys.${variable}`;
      problems.check(
        isEnvVarName(variable),
        subject,
        field,
        `must be ${ENV_VAR_RULE}, got '${variable}'`,
      );
      problems.check(
        isMapKey(key),
        subject,
        field,
        `maps to Secret key '${key}', which must be ${MAP_KEY_RULE}`,
      );
      const first = setBy.get(variable);
      if (first !== undefined) {
        problems.add(
          subject,
          field,
          `variable '${variable}' is already set by ${first} (must be set once: the later definition would silently hide the other)`,
        );
      } else setBy.set(variable, field);
    }
  });

  for (const [field, endpoints] of withOverrides(props, 'external')) {
    (endpoints ?? []).forEach((endpoint, i) => {
      if (endpoint.host === undefined) return;
      for (const label of overlongDnsLabels(endpoint.host)) {
        problems.add(subject, `${field}[${i}].host`, overlongLabelMessage(label, endpoint.host));
      }
    });
  }

  const rollout = props.rollout;
  if (rollout !== undefined && rollout.kind !== 'rolling') {
    const metrics = [
      ['requestsMetric', rollout.analysis.requestsMetric],
      ['latencyHistogram', rollout.analysis.latencyHistogram],
    ] as const;
    for (const [option, metric] of metrics) {
      problems.check(
        METRIC_NAME.test(metric),
        subject,
        `rollout.analysis.${option}`,
        `must be a Prometheus metric name (letters, digits, '_' and ':', not starting with a digit; it is put into the analysis query as is), got '${metric}'`,
      );
    }
  }
}

/** A team becomes an AppProject named after it and the value of two labels. */
function validateTeam(problems: ProblemCollector, subject: string, team: string): void {
  problems.check(
    team !== ARGOCD_DEFAULT_PROJECT,
    subject,
    'team',
    `must not be '${ARGOCD_DEFAULT_PROJECT}': each team becomes an Argo CD AppProject of its name, and '${ARGOCD_DEFAULT_PROJECT}' is Argo CD's built-in project (any source, any destination)`,
  );
  problems.check(
    team.length <= MAX_LABEL,
    subject,
    'team',
    `must be at most ${MAX_LABEL} characters (it is the value of the team and part-of labels), got ${team.length}`,
  );
}

/**
 * A prop the app and its environment overrides may both set (`env`, `external`): the app's
 * value and each override's, with the field each is set at (`env`, `environments.prod.env`).
 */
export function withOverrides<K extends 'env' | 'external'>(
  props: AppProps,
  key: K,
): [field: string, value: AppProps[K] | undefined][] {
  return [
    [key, props[key]],
    ...Object.entries(props.environments ?? {}).map(
      ([env, override]): [string, AppProps[K] | undefined] => [
        `environments.${env}.${key}`,
        override[key] as AppProps[K] | undefined,
      ],
    ),
  ];
}
