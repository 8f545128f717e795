// The app catalog (every app plus the image versions per environment) and its validation:
// every rule that does not need rendering, checked for all apps at once before anything is
// built, each problem naming the app, the environment if any, the field and the rule.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { PlatformConfig } from '../config/types';
import type { EnvironmentConfig } from '../config/types';
import { DNS_LABEL, validateSizes } from '../config/validate';
import { ProblemCollector } from '../errors';
import { AppKind, type AppDefinition, type PeerApp } from './definition';
import { targetCpuPercent, type AutoscalingOptions, type ScheduledTaskProps } from './props';
import { WebServiceDefinition } from './web-service';
import { isCronSchedule } from '../cron';
import { environmentListener } from '../contract/gateway';
import { appNamespace } from '../config/rules';

/** Image tag or digest per app, per environment: `environments/versions/<env>.json`. */
export type VersionsByEnvironment = Readonly<Record<string, Readonly<Record<string, string>>>>;

/** Every app and the versions to run. */
export interface AppCatalog {
  /** The apps (apps/index.ts). */
  readonly apps: readonly AppDefinition[];
  /** The versions per environment. */
  readonly versions: VersionsByEnvironment;
}

// A Docker tag (no `latest`, checked apart) or a sha256 digest.
const TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;
const DIGEST = /^sha256:[a-f0-9]{64}$/;
// A repository: registry host (optional) and path, lower case, no tag or digest.
const REPOSITORY =
  /^([a-z0-9.-]+(:\d+)?\/)?[a-z0-9]+([._-][a-z0-9]+)*(\/[a-z0-9]+([._-][a-z0-9]+)*)*$/;
// RFC 1035 label, what a Service name must be.
const DNS_1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
// Longest namespace, Service name or label value.
const MAX_LABEL = 63;

/** Reads `environments/versions/<env>.json` for each environment (a missing file is empty). */
export function loadVersions(
  environments: readonly EnvironmentConfig[],
  folder: string,
): VersionsByEnvironment {
  const problems = new ProblemCollector();
  const versions: Record<string, Record<string, string>> = {};
  for (const environment of environments) {
    const file = path.join(folder, `${environment.name}.json`);
    versions[environment.name] = {};
    if (!fs.existsSync(file)) continue;
    let data: unknown;
    try {
      data = JSON.parse(fs.readFileSync(file, 'utf8'));
    } catch (error) {
      problems.add(
        `environment '${environment.name}'`,
        `versions file ${file}`,
        `is not valid JSON: ${(error as Error).message}`,
      );
      continue;
    }
    const valid =
      typeof data === 'object' &&
      data !== null &&
      !Array.isArray(data) &&
      Object.values(data).every((value) => typeof value === 'string');
    if (!valid) {
      problems.add(
        `environment '${environment.name}'`,
        `versions file ${file}`,
        'must be a JSON object of app name to image tag or digest',
      );
      continue;
    }
    versions[environment.name] = data as Record<string, string>;
  }
  problems.throwIfAny();
  return versions;
}

function validateDefinition(
  problems: ProblemCollector,
  app: AppDefinition,
  config: PlatformConfig,
): void {
  const subject = `app '${app.name}'`;
  const props = app.props;
  // The name is also a Service name, which must be a DNS-1035 label: a letter first.
  const validName = DNS_1035_LABEL.test(props.name);
  problems.check(
    validName,
    subject,
    'name',
    `must be a DNS-1035 label (a lower-case letter first, then lower-case letters, digits and '-', ending in a letter or digit), got '${props.name}'`,
  );
  if (validName) {
    for (const service of app.serviceNames) {
      problems.check(
        service.length <= MAX_LABEL,
        subject,
        'name',
        `must leave room for its Service '${service}' (${service.length} characters, at most ${MAX_LABEL}); shorten the app name to at most ${MAX_LABEL - (service.length - props.name.length)} characters, got ${props.name.length}`,
      );
    }
  }
  problems.check(
    DNS_LABEL.test(props.team),
    subject,
    'team',
    `must be a DNS-1123 label, got '${props.team}'`,
  );

  if (props.image.endsWith(':latest')) {
    problems.add(
      subject,
      'image',
      `must not use the ':latest' tag (got '${props.image}'); give the repository only, versions come from environments/versions/<env>.json`,
    );
  } else if (!REPOSITORY.test(props.image)) {
    problems.add(
      subject,
      'image',
      `must be an image repository without tag or digest, like registry.example.com/team/app, got '${props.image}'`,
    );
  }

  const ports = app.ports;
  ports.forEach((port, i) => {
    problems.check(
      Number.isInteger(port.port) && port.port >= 1 && port.port <= 65535,
      subject,
      `ports[${i}].port`,
      `must be from 1 to 65535, got ${port.port}`,
    );
    problems.check(
      DNS_LABEL.test(port.name) && port.name.length <= 15,
      subject,
      `ports[${i}].name`,
      `must be a DNS-1123 label of at most 15 characters, got '${port.name}'`,
    );
  });
  const seenPorts = new Map<string, number>();
  ports.forEach((port, i) => {
    const keys = [
      ['port', `port number ${port.port}`],
      ['name', `port name '${port.name}'`],
    ] as const;
    for (const [field, key] of keys) {
      const first = seenPorts.get(key);
      if (first === undefined) seenPorts.set(key, i);
      else
        problems.add(
          subject,
          `ports[${i}].${field}`,
          `${key} is already used by ports[${first}] (must be unique)`,
        );
    }
  });
  const metricsPort = props.metrics?.port;
  if (metricsPort !== undefined && !ports.some((port) => port.name === metricsPort)) {
    problems.add(
      subject,
      'metrics.port',
      `names no port of the app ('${metricsPort}'; ports: ${ports.map((p) => p.name).join(', ') || 'none'})`,
    );
  }

  const scaling: [string, AutoscalingOptions | undefined][] = [['autoscaling', props.autoscaling]];
  for (const [env, override] of Object.entries(props.environments ?? {})) {
    scaling.push([`environments.${env}.autoscaling`, override.autoscaling]);
  }
  for (const [field, autoscaling] of scaling) {
    if (!autoscaling) continue;
    problems.check(
      Number.isInteger(autoscaling.minReplicas) && autoscaling.minReplicas >= 1,
      subject,
      `${field}.minReplicas`,
      `must be a whole number of at least 1, got ${autoscaling.minReplicas}`,
    );
    problems.check(
      autoscaling.maxReplicas >= autoscaling.minReplicas,
      subject,
      `${field}.maxReplicas`,
      `must not be below minReplicas (${autoscaling.maxReplicas} < ${autoscaling.minReplicas})`,
    );
    const target = targetCpuPercent(autoscaling);
    problems.check(
      target >= 1 && target <= 100,
      subject,
      `${field}.targetCpuPercent`,
      `must be from 1 to 100, got ${target}`,
    );
  }

  const known = new Set(config.environments.map((environment) => environment.name));
  for (const env of Object.keys(props.environments ?? {})) {
    if (!known.has(env)) {
      problems.add(
        subject,
        `environments.${env}`,
        `overrides unknown environment '${env}'; known environments: ${[...known].join(', ')}`,
      );
    }
  }

  if (app instanceof WebServiceDefinition) {
    const rollout = app.rollout;
    if (rollout.kind === 'canary') {
      const weights = rollout.steps.map((step) => step.weight);
      const increasing = weights.every((weight, i) => i === 0 || weight > weights[i - 1]);
      const inRange = weights.every(
        (weight) => Number.isInteger(weight) && weight >= 1 && weight <= 100,
      );
      if (weights.length === 0 || !increasing || !inRange || weights[weights.length - 1] !== 100) {
        problems.add(
          subject,
          'rollout.steps',
          `canary weights must be whole percentages that increase strictly and end at 100, got [${weights.join(', ')}]`,
        );
      }
    }
    if (rollout.kind !== 'rolling') {
      const analysis = rollout.analysis;
      problems.check(
        analysis.minSuccessRate > 0 && analysis.minSuccessRate <= 1,
        subject,
        'rollout.analysis.minSuccessRate',
        `must be a share from 0 to 1 (0.99 = 99 %), got ${analysis.minSuccessRate}`,
      );
      problems.check(
        analysis.intervalSeconds >= 1,
        subject,
        'rollout.analysis.interval',
        `must be at least 1 s, got ${analysis.intervalSeconds} s`,
      );
      problems.check(
        Number.isInteger(analysis.failureLimit) && analysis.failureLimit >= 0,
        subject,
        'rollout.analysis.failureLimit',
        `must be a whole number of at least 0, got ${analysis.failureLimit}`,
      );
      // A ceiling of 0 fails every measurement that has data: every release would abort.
      problems.check(
        analysis.maxP95LatencySeconds > 0,
        subject,
        'rollout.analysis.maxP95Latency',
        `must be above 0, got ${analysis.maxP95LatencySeconds * 1000} ms`,
      );
      if (rollout.kind === 'blueGreen') {
        problems.check(
          Number.isInteger(analysis.count) && analysis.count >= 1,
          subject,
          'rollout.analysis.count',
          `must be a whole number of at least 1, got ${analysis.count}`,
        );
      }
    }
  }
  if (app.kind === AppKind.SCHEDULED_TASK) {
    const schedule = (props as unknown as ScheduledTaskProps).schedule;
    problems.check(
      isCronSchedule(schedule),
      subject,
      'schedule',
      `must be a five-field cron expression like '0 3 * * *', got '${schedule}'`,
    );
  }
}

/**
 * Validates every app against the configuration and the versions; throws one ConfigError
 * listing every problem. Rules needing the rendered objects (the rollback bound) are checked
 * when the app is built.
 */
export function validateCatalog(catalog: AppCatalog, config: PlatformConfig): void {
  const problems = new ProblemCollector();
  const names = new Set<string>();
  for (const app of catalog.apps) {
    if (names.has(app.name))
      problems.add(
        `app '${app.name}'`,
        'name',
        `app name '${app.name}' is already used (must be unique)`,
      );
    names.add(app.name);
    validateDefinition(problems, app, config);
  }

  const byName = new Map(catalog.apps.map((app) => [app.name, app]));
  for (const app of catalog.apps) {
    const subject = `app '${app.name}'`;
    for (const caller of app.props.callers ?? []) {
      const peer = byName.get(caller);
      if (!peer) problems.add(subject, 'callers', `names unknown app '${caller}'`);
      else if (peer.team !== app.team) {
        problems.add(
          subject,
          'callers',
          `'${caller}' belongs to team '${peer.team}', not '${app.team}'; only same-team callers may be declared`,
        );
      }
    }
    for (const dependency of app.props.dependencies ?? []) {
      if (!byName.has(dependency))
        problems.add(subject, 'dependencies', `names unknown app '${dependency}'`);
    }
  }

  for (const environment of config.environments) {
    const versions = catalog.versions[environment.name] ?? {};
    const hosts = new Map<string, string>();
    for (const app of catalog.apps) {
      if (!app.enabledIn(environment)) continue;
      const subject = `app '${app.name}' env '${environment.name}'`;
      const namespace = appNamespace(environment, app.name);
      problems.check(
        namespace.length <= MAX_LABEL,
        subject,
        'name',
        `namespace '${namespace}' is ${namespace.length} characters, over the ${MAX_LABEL} a namespace may have; shorten the app name`,
      );
      // With a namespace prefix other than the environment's name, the Application name (also
      // the app.kubernetes.io/instance label value) is a different string of its own length.
      const instance = `${environment.name}-${app.name}`;
      if (instance !== namespace) {
        problems.check(
          instance.length <= MAX_LABEL,
          subject,
          'name',
          `Application and instance label '${instance}' is ${instance.length} characters, over the ${MAX_LABEL} a label value may have; shorten the app name`,
        );
      }
      for (const dependency of app.props.dependencies ?? []) {
        const peer = byName.get(dependency);
        if (peer && !peer.enabledIn(environment)) {
          problems.add(
            subject,
            'dependencies',
            `'${dependency}' is not enabled in ${environment.name}; disable this app there too or drop the dependency`,
          );
        }
      }
      const version = versions[app.name];
      if (version === undefined) {
        problems.add(
          subject,
          'version',
          `no image version in environments/versions/${environment.name}.json; add "${app.name}": "<tag or sha256 digest>"`,
        );
      } else if (version === 'latest') {
        problems.add(
          subject,
          'version',
          `'latest' is not a version; pin a tag or sha256 digest in environments/versions/${environment.name}.json`,
        );
      } else if (!TAG.test(version) && !DIGEST.test(version)) {
        problems.add(subject, 'version', `must be an image tag or sha256 digest, got '${version}'`);
      }
      const host = app.hostIn(environment);
      if (host !== undefined) {
        // The environment's listener accepts `*.<domain>` and its certificate covers exactly
        // one label there: any other host gets no route, or a TLS error.
        const suffix = `.${environment.domain}`;
        problems.check(
          host.endsWith(suffix) && DNS_LABEL.test(host.slice(0, -suffix.length)),
          subject,
          'host',
          `must be one DNS label under the environment's domain, like '${app.name}${suffix}' (the Gateway listener '${environmentListener(environment.name)}' accepts '*${suffix}'), got '${host}'`,
        );
        const other = hosts.get(host);
        if (other !== undefined)
          problems.add(subject, 'host', `host '${host}' is already claimed by app '${other}'`);
        else hosts.set(host, app.name);
      }
      validateSizes(problems, subject, 'resources', app.settingsIn(environment).resources);
      const settings = app.settingsIn(environment);
      problems.check(
        Number.isInteger(settings.replicas) && settings.replicas >= 1,
        subject,
        'replicas',
        `must be a whole number of at least 1, got ${settings.replicas}`,
      );
      const minAvailable = app.props.disruptionBudget?.minAvailable;
      const fewest = settings.autoscaling?.minReplicas ?? settings.replicas;
      if (minAvailable !== undefined && minAvailable >= fewest) {
        problems.add(
          subject,
          'disruptionBudget.minAvailable',
          `${minAvailable} with as few as ${fewest} replica(s) would block every node drain`,
        );
      }
    }
    for (const name of Object.keys(versions)) {
      if (!byName.has(name)) {
        problems.add(
          `environment '${environment.name}'`,
          `versions file environments/versions/${environment.name}.json`,
          `lists '${name}', which is no app in apps/`,
        );
      }
    }
  }
  problems.throwIfAny();
}

/** The apps enabled in one environment, with who depends on each (one pass, any fleet size). */
export function peersIn(catalog: AppCatalog, environment: EnvironmentConfig): Map<string, PeerApp> {
  const enabled = catalog.apps.filter((app) => app.enabledIn(environment));
  const dependents = new Map<string, string[]>();
  for (const app of enabled) {
    for (const dependency of new Set(app.props.dependencies ?? [])) {
      const list = dependents.get(dependency);
      if (list) list.push(app.name);
      else dependents.set(dependency, [app.name]);
    }
  }
  return new Map(
    enabled.map((app) => [
      app.name,
      {
        name: app.name,
        namespace: appNamespace(environment, app.name),
        ports: app.ports,
        dependents: [...(dependents.get(app.name) ?? [])].sort(),
      },
    ]),
  );
}
