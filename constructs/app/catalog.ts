// The app catalog (every app plus the image versions per environment) and its validation,
// checked for all apps at once before anything is built: each definition's own rules
// (AppDefinition.validate), then the rules across apps and environments (namespaces, hosts,
// dependencies, versions). Each problem names the app, the environment if any, the field and
// the rule. Also the peer graph network policies are built from.
import type { EnvironmentConfig, PlatformConfig } from '../config/types';
import { DNS_LABEL, MAX_LABEL, validateSizes } from '../config/validate';
import { ProblemCollector } from '../errors';
import type { AppDefinition, PeerApp } from './definition';
import { environmentListener } from '../contract/gateway';
import { appNamespace, namespacePrefix } from '../config/rules';
import { overlongLabelMessage, reservedNamespaceOwner } from '../config/validate-collisions';
import { validateImages } from './validate-images';

/** Image tag or digest per app, per environment: `environments/versions/<env>.json`. */
export type VersionsByEnvironment = Readonly<Record<string, Readonly<Record<string, string>>>>;

/**
 * Where a version came from, as its promotion recorded it (`npm run promote -- --commit ...`):
 * rendered as annotations on the workload (not its pod template, so no pod restarts for it),
 * where lead time for changes can be read.
 */
export interface VersionProvenance {
  /** The Git commit the image was built from (7 to 40 hex digits). */
  readonly commit?: string;
  /** When that commit was made (RFC 3339, e.g. `2026-12-04T10:15:00Z`). */
  readonly committedAt?: string;
  /** The pipeline run that built and promoted it. */
  readonly pipelineRun?: string;
}

/** Provenance per app, per environment (the entries of the versions files that record one). */
export type ProvenanceByEnvironment = Readonly<
  Record<string, Readonly<Record<string, VersionProvenance>>>
>;

/** Every app and the versions to run. */
export interface AppCatalog {
  /** The apps (apps/index.ts). */
  readonly apps: readonly AppDefinition[];
  /** The versions per environment. */
  readonly versions: VersionsByEnvironment;
  /**
   * Where each version came from, where its promotion recorded it.
   * @default {} - none recorded
   */
  readonly provenance?: ProvenanceByEnvironment;
}

// A Docker tag (no `latest`, checked apart) or a sha256 digest.
const TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;
const DIGEST = /^sha256:[a-f0-9]{64}$/;

/** Whether a version is an image tag other than `latest`, or a sha256 digest. */
export function isImageVersion(version: string): boolean {
  return version !== 'latest' && (TAG.test(version) || DIGEST.test(version));
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
    app.validate(problems, config.environments);
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
      const owner = reservedNamespaceOwner(namespace);
      if (owner !== undefined) {
        problems.add(
          subject,
          'name',
          `renders namespace '${namespace}' (namespace prefix '${namespacePrefix(environment)}' + '-' + app name), which is no app's: ${owner}; rename the app`,
        );
      }
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
        const label = host.endsWith(suffix) ? host.slice(0, -suffix.length) : '';
        const oneLabel = DNS_LABEL.test(label);
        problems.check(
          oneLabel,
          subject,
          'host',
          `must be one DNS label under the environment's domain, like '${app.name}${suffix}' (the Gateway listener '${environmentListener(environment.name)}' accepts '*${suffix}'), got '${host}'`,
        );
        if (oneLabel && label.length > MAX_LABEL) {
          problems.add(subject, 'host', overlongLabelMessage(label, host));
        }
        // Platform UIs answer one label under their cluster's domain, on the platform listener.
        const platform = oneLabel
          ? config.clusters.find((cluster) => cluster.domain === environment.domain)
          : undefined;
        if (platform !== undefined) {
          problems.add(
            subject,
            'host',
            `'${host}' is a platform host name: one label under cluster '${platform.name}''s platform domain '${platform.domain}', where its UIs (Argo CD, Grafana, ...) answer; give environment '${environment.name}' its own domain`,
          );
        }
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
  validateImages(problems, catalog.apps, config);
  validateSharedNames(problems, catalog, config);
  problems.throwIfAny();
}

/** Who renders a name on a cluster first: an environment and an app. */
interface Claim {
  readonly environment: EnvironmentConfig;
  readonly app: string;
}

/**
 * Two environments on one cluster must not render one namespace (`<prefix>-<app>`: prefixes
 * `shop` and `shop-dev` with apps `dev-cart` and `cart`) or one Argo CD Application
 * (`<environment>-<app>`, all in the argocd namespace); either would make Flux and Argo CD
 * manage one object for two apps. Reported on the later environment.
 */
function validateSharedNames(
  problems: ProblemCollector,
  catalog: AppCatalog,
  config: PlatformConfig,
): void {
  const claims = new Map<
    string,
    { namespaces: Map<string, Claim>; applications: Map<string, Claim> }
  >();
  for (const environment of config.environments) {
    let cluster = claims.get(environment.cluster);
    if (!cluster)
      claims.set(
        environment.cluster,
        (cluster = { namespaces: new Map(), applications: new Map() }),
      );
    const subject = `environment '${environment.name}'`;
    // A name given twice is reported as such; its namespaces would only repeat that.
    const seen = new Set<string>();
    for (const app of catalog.apps) {
      if (!app.enabledIn(environment) || seen.has(app.name)) continue;
      seen.add(app.name);
      const claim = { environment, app: app.name };
      const namespace = appNamespace(environment, app.name);
      const application = `${environment.name}-${app.name}`;
      const byNamespace = cluster.namespaces.get(namespace);
      const byApplication = cluster.applications.get(application);
      if (!byNamespace) cluster.namespaces.set(namespace, claim);
      if (!byApplication) cluster.applications.set(application, claim);
      const by = (first: Claim) =>
        `for app '${app.name}', which environment '${first.environment.name}' also renders for app '${first.app}' on cluster '${environment.cluster}'`;
      const prefixField = environment.namespacePrefix === undefined ? 'name' : 'namespacePrefix';
      // Without a prefix both names are `<environment>-<app>`: one collision, one line.
      if (byNamespace && byNamespace === byApplication && namespace === application) {
        problems.add(
          subject,
          'name',
          `renders namespace and Argo CD Application '${namespace}' ${by(byNamespace)}`,
        );
        continue;
      }
      if (byNamespace) {
        problems.add(subject, prefixField, `renders namespace '${namespace}' ${by(byNamespace)}`);
      }
      if (byApplication) {
        problems.add(
          subject,
          'name',
          `renders Argo CD Application '${application}' ${by(byApplication)}`,
        );
      }
    }
  }
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
