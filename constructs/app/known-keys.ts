// The fields each kind of app's props may have (apps/<name>.ts), checked at run time when the
// app is defined (see contract/known-keys.ts): `WebService.define({...})` with an unknown,
// missing or mistyped field fails synth naming it, before any rule reads the props.
import {
  boolean,
  describeValue,
  either,
  func,
  instance,
  list,
  number,
  object,
  optional,
  shapeProblems,
  string,
  record,
  type Fields,
  type Rule,
} from '../contract/known-keys';
import { duration, partialResourceSizes } from '../config/known-keys';
import type { EnvironmentConfig } from '../config/types';
import { ConfigError, type ProblemCollector } from '../errors';
import { AppKind, type AppDefinition } from './definition';
import {
  WorkerLiveness,
  type AppProps,
  type AutoscalingOptions,
  type DisruptionBudgetOptions,
  type EnvironmentOverrides,
  type ExternalEndpoint,
  type HttpProbes,
  type MetricsOptions,
  type PortOptions,
  type ScheduledTaskProps,
  type SecretReference,
  type WebServiceProps,
  type WorkerProps,
} from './props';
import type { RolloutTemplate } from './rollout';

const autoscaling = object<AutoscalingOptions>({
  minReplicas: number,
  maxReplicas: number,
  targetCpuPercent: optional(number),
});

const external = list(
  object<ExternalEndpoint>({ host: optional(string), cidr: optional(string), ports: list(number) }),
);

const overrides = object<EnvironmentOverrides>({
  enabled: optional(boolean),
  replicas: optional(number),
  resources: optional(partialResourceSizes),
  env: optional(record(string)),
  autoscaling: optional(autoscaling),
  external: optional(external),
});

const port = object<PortOptions>({ name: string, port: number });

const APP_FIELDS: Fields<AppProps> = {
  name: string,
  team: string,
  image: string,
  command: optional(list(string)),
  resources: optional(partialResourceSizes),
  env: optional(record(string)),
  config: optional(record(string)),
  secrets: optional(
    list(
      object<SecretReference>({
        secretName: string,
        providedBy: optional(string),
        keys: optional(record(string)),
      }),
    ),
  ),
  replicas: optional(number),
  autoscaling: optional(autoscaling),
  disruptionBudget: optional(
    object<DisruptionBudgetOptions>({
      minAvailable: optional(number),
      maxUnavailable: optional(number),
    }),
  ),
  callers: optional(list(string)),
  dependencies: optional(list(string)),
  external: optional(external),
  metrics: optional(
    object<MetricsOptions>({
      port: optional(string),
      path: optional(string),
      interval: optional(duration),
    }),
  ),
  environments: optional(record(overrides)),
};

const ROLLOUT_KINDS: readonly string[] = ['rolling', 'canary', 'blueGreen'];
const ROLLOUT_EXPECTED =
  'a rollout template (RolloutStrategy.rolling(), .canary({...}) or .blueGreen({...}))';

function isObject(value: unknown): value is Readonly<Record<string, unknown>> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * A template from RolloutStrategy's factories. Their options are resolved there, so what is
 * left to check is what a hand-made one (an `as` cast) could lack and the renderers walk:
 * the kind, the canary's steps, the analysis and the smoke test as objects. Their values are
 * the web service's rules.
 */
const rollout: Rule<RolloutTemplate> = {
  expected: ROLLOUT_EXPECTED,
  check: (value, at, problems) => {
    if (!isObject(value) || !ROLLOUT_KINDS.includes(String(value.kind))) {
      problems.push({
        field: at,
        message: `must be ${ROLLOUT_EXPECTED}, got ${describeValue(value)}`,
      });
      return;
    }
    const parts: [string, (part: unknown) => boolean, string][] =
      value.kind === 'canary'
        ? [
            ['steps', (steps) => Array.isArray(steps) && steps.every(isObject), 'a list of steps'],
            ['analysis', isObject, 'an object'],
          ]
        : value.kind === 'blueGreen'
          ? [
              ['analysis', isObject, 'an object'],
              ['smokeTest', isObject, 'an object'],
            ]
          : [];
    for (const [key, test, expected] of parts) {
      if (!test(value[key])) {
        problems.push({
          field: `${at}.${key}`,
          message: `must be ${expected} (as RolloutStrategy.${value.kind}() makes it), got ${describeValue(value[key])}`,
        });
      }
    }
  },
};

const webService = object<WebServiceProps>({
  ...APP_FIELDS,
  ports: optional(list(port, 'at least one port (the first serves HTTP through the gateway)')),
  probes: optional(
    object<HttpProbes>({ readinessPath: optional(string), livenessPath: optional(string) }),
  ),
  host: optional(either(string, func<(domain: string) => string>('a function of the domain'))),
  rollout: optional(rollout),
});

const worker = object<WorkerProps>({
  ...APP_FIELDS,
  ports: optional(list(port)),
  liveness: optional(
    instance(
      WorkerLiveness,
      'a WorkerLiveness (WorkerLiveness.http(), .exec([...]) or .none(reason))',
    ),
  ),
});

/** The fields without some keys, typed as the interface without them. */
function without<T, K extends keyof T>(fields: Fields<T>, keys: readonly K[]): Fields<Omit<T, K>> {
  const kept = Object.entries(fields).filter(
    ([key]) => !(keys as readonly unknown[]).includes(key),
  );
  return Object.fromEntries(kept) as unknown as Fields<Omit<T, K>>;
}

// A task runs to completion: no replicas, autoscaling, budget, callers or metrics.
const scheduledTask = object<ScheduledTaskProps>({
  ...without(APP_FIELDS, ['replicas', 'autoscaling', 'disruptionBudget', 'callers', 'metrics']),
  schedule: string,
  timeout: optional(duration),
});

const RULES: Readonly<Record<AppKind, Rule<unknown>>> = {
  [AppKind.WEB_SERVICE]: webService,
  [AppKind.WORKER]: worker,
  [AppKind.SCHEDULED_TASK]: scheduledTask,
};

/**
 * Throws a ConfigError naming every unknown, missing or mistyped field of an app's props
 * (`app 'shop' environments.prod.enable: unknown field; known fields: ...`); returns quietly
 * when they have the shape of the kind's props.
 */
export function checkAppShape(kind: AppKind, props: unknown): void {
  const name = (props as { readonly name?: unknown } | null)?.name;
  const subject = typeof name === 'string' ? `app '${name}'` : 'app (no name)';
  const problems = shapeProblems(props, RULES[kind], '(props)');
  if (problems.length > 0) {
    throw new ConfigError(problems.map((problem) => ({ subject, ...problem })));
  }
}

/**
 * Calls each web service's host function (`host: (domain) => ...`) for every environment the
 * app runs in, adding a problem when it throws or returns no string: the catalogue's host
 * rules and the HTTPRoute take its result as a host name.
 */
export function checkHostFunctions(
  apps: readonly AppDefinition[],
  environments: readonly EnvironmentConfig[],
  problems: ProblemCollector,
): void {
  for (const app of apps) {
    const host = (app.props as { readonly host?: unknown }).host;
    if (typeof host !== 'function') continue;
    for (const environment of environments) {
      if (!app.enabledIn(environment)) continue;
      const subject = `app '${app.name}' env '${environment.name}'`;
      let result: unknown;
      try {
        result = host(environment.domain);
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        problems.add(
          subject,
          'host',
          `the host function threw for the domain '${environment.domain}': ${message}`,
        );
        continue;
      }
      problems.check(
        typeof result === 'string',
        subject,
        'host',
        `the host function must return a host name (a string) for the domain '${environment.domain}', got ${describeValue(result)}`,
      );
    }
  }
}
