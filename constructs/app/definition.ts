// An app as its engineer declares it in apps/<name>.ts, before it is bound to an environment.
import type { Construct } from 'constructs';
import type { ClusterConfig, EnvironmentConfig, ResourceSizes } from '../config/types';
import type { AppConstruct } from './app-construct';
import {
  targetCpuPercent,
  type AppProps,
  type AutoscalingOptions,
  type ExternalEndpoint,
  type PortOptions,
} from './props';
import { sourceFiles } from '../contract/layout';
import { DNS_1035_LABEL, DNS_LABEL, MAX_LABEL } from '../config/validate';
import { type ProblemCollector } from '../errors';
import { parseAddressBlock } from '../config/net';
import { validateAppValues } from './validate-values';
import { validateNames, withOverrides } from './validate-names';
import type { VersionProvenance } from './catalog';

// A repository: registry host (optional) and path, lower case, no tag or digest.
const REPOSITORY =
  /^([a-z0-9.-]+(:\d+)?\/)?[a-z0-9]+([._-][a-z0-9]+)*(\/[a-z0-9]+([._-][a-z0-9]+)*)*$/;

/** Whether an image is a repository reference without tag or digest (what `image` takes). */
export function isImageRepository(image: string): boolean {
  return REPOSITORY.test(image);
}

/** The kinds of app. */
export enum AppKind {
  /** HTTP service behind the gateway. */
  WEB_SERVICE = 'web-service',
  /** Background process without a Service. */
  WORKER = 'worker',
  /** CronJob. */
  SCHEDULED_TASK = 'scheduled-task',
}

/** An app enabled in the environment being rendered, as network policies see it. */
export interface PeerApp {
  /** App name. */
  readonly name: string;
  /** Its namespace in the environment being rendered. */
  readonly namespace: string;
  /** Its container ports. */
  readonly ports: readonly PortOptions[];
  /**
   * Apps enabled in this environment that list this one in `dependencies`, sorted: their
   * egress to it needs a matching ingress rule on its side, whatever their team.
   */
  readonly dependents: readonly string[];
}

/** Everything an app needs to render into one environment. */
export interface AppBinding {
  /** The environment. */
  readonly environment: EnvironmentConfig;
  /** The cluster hosting the environment. */
  readonly cluster: ClusterConfig;
  /** The app's namespace there. */
  readonly namespace: string;
  /** Image tag or digest from `environments/versions/<env>.json`. */
  readonly version: string;
  /**
   * Where the version came from, if its promotion recorded it.
   * @default - none recorded
   */
  readonly provenance?: VersionProvenance;
  /**
   * The apps of the catalog enabled in this environment (this one included), by name; an app
   * missing here renders no network rule, since nothing of it runs in the environment.
   */
  readonly peers: ReadonlyMap<string, PeerApp>;
}

/** An app's settings in one environment, overrides applied. */
export interface ResolvedSettings {
  /** Replicas when not autoscaled. */
  readonly replicas: number;
  /** Autoscaling, if any. */
  readonly autoscaling?: AutoscalingOptions;
  /** Container sizes (environment defaults, then app, then override). */
  readonly resources: ResourceSizes;
  /** Environment variables (app, then override). */
  readonly env: Readonly<Record<string, string>>;
  /** Destinations outside the cluster (the override's, else the app's). */
  readonly external: readonly ExternalEndpoint[];
}

/**
 * An app declared in apps/<name>.ts (made by `WebService.define`, `Worker.define`, ...).
 * Synth binds it to every environment it is enabled in and builds its construct there.
 */
export abstract class AppDefinition<P extends AppProps = AppProps> {
  protected constructor(
    /** What kind of app. */
    public readonly kind: AppKind,
    /** The props as written. */
    public readonly props: P,
  ) {}

  /** The app's name. */
  public get name(): string {
    return this.props.name;
  }

  /** The owning team. */
  public get team(): string {
    return this.props.team;
  }

  /** The file that declares the app, by convention (named in output headers). */
  public get sourceFile(): string {
    return sourceFiles.app(this.props.name);
  }

  /** Container ports. */
  public abstract get ports(): readonly PortOptions[];

  /** Names of the Services the app renders (each must fit a DNS-1035 label). */
  public get serviceNames(): readonly string[] {
    return [];
  }

  /** The public host in an environment, for apps that have one. */
  public hostIn(_environment: EnvironmentConfig): string | undefined {
    return undefined;
  }

  /** Whether the app runs in an environment. */
  public enabledIn(environment: EnvironmentConfig): boolean {
    return this.props.environments?.[environment.name]?.enabled !== false;
  }

  /** The app's settings in an environment, overrides applied. */
  public settingsIn(environment: EnvironmentConfig): ResolvedSettings {
    const override = this.props.environments?.[environment.name] ?? {};
    const autoscaling = override.autoscaling ?? this.props.autoscaling;
    return {
      replicas: override.replicas ?? this.props.replicas ?? environment.defaultReplicas,
      ...(autoscaling ? { autoscaling } : {}),
      resources: {
        ...environment.defaultResources,
        ...this.props.resources,
        ...override.resources,
      },
      env: { ...this.props.env, ...override.env },
      external: override.external ?? this.props.external ?? [],
    };
  }

  /**
   * Checks the definition against every rule that needs neither rendering nor the other apps
   * (those live in the catalogue): name, team, image, ports, metrics, autoscaling, environment
   * overrides, then the kind's own rules. Adds one problem per broken rule.
   */
  public validate(problems: ProblemCollector, environments: readonly EnvironmentConfig[]): void {
    const subject = `app '${this.name}'`;
    const props = this.props;
    // The name is also a Service name, which must be a DNS-1035 label: a letter first.
    const validName = DNS_1035_LABEL.test(props.name);
    problems.check(
      validName,
      subject,
      'name',
      `must be a DNS-1035 label (a lower-case letter first, then lower-case letters, digits and '-', ending in a letter or digit), got '${props.name}'`,
    );
    if (validName) {
      for (const service of this.serviceNames) {
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

    const ports = this.ports;
    ports.forEach((port, i) => {
      problems.check(
        Number.isInteger(port.port) && port.port >= 1 && port.port <= 65535,
        subject,
        `ports[${i}].port`,
        `must be from 1 to 65535, got ${port.port}`,
      );
      // Kubernetes' IANA_SVC_NAME: a DNS label of at most 15 characters with a letter, no '--'.
      problems.check(
        DNS_LABEL.test(port.name) &&
          port.name.length <= 15 &&
          /[a-z]/.test(port.name) &&
          !port.name.includes('--'),
        subject,
        `ports[${i}].name`,
        `must be an IANA service name (a DNS-1123 label of at most 15 characters with at least one letter and no '--'), got '${port.name}'`,
      );
    });
    const budget = props.disruptionBudget;
    if (budget) {
      problems.check(
        budget.minAvailable === undefined || budget.maxUnavailable === undefined,
        subject,
        'disruptionBudget',
        'give minAvailable or maxUnavailable, not both (a PodDisruptionBudget takes one)',
      );
      const { maxUnavailable, minAvailable } = budget;
      if (maxUnavailable !== undefined) {
        problems.check(
          Number.isInteger(maxUnavailable) && maxUnavailable >= 1,
          subject,
          'disruptionBudget.maxUnavailable',
          `must be a whole number of at least 1 (0 blocks every node drain and every Talos upgrade), got ${maxUnavailable}`,
        );
      }
      if (minAvailable !== undefined) {
        problems.check(
          Number.isInteger(minAvailable) && minAvailable >= 0,
          subject,
          'disruptionBudget.minAvailable',
          `must be a whole number of at least 0, got ${minAvailable}`,
        );
      }
    }
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

    const metricsPath = props.metrics?.path;
    if (metricsPath !== undefined) {
      // The PodMonitor scrapes it, and the HTTPRoute matches it as a path prefix.
      problems.check(
        /^\/[A-Za-z0-9._~!$&'()*+,;=:@%/-]*$/.test(metricsPath),
        subject,
        'metrics.path',
        `must be an absolute URL path starting with '/' (no query, no spaces), got '${metricsPath}'`,
      );
    }

    const scaling: [string, AutoscalingOptions | undefined][] = [
      ['autoscaling', props.autoscaling],
    ];
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

    for (const [field, endpoints] of withOverrides(props, 'external')) {
      (endpoints ?? []).forEach((endpoint, i) =>
        validateEndpoint(problems, subject, `${field}[${i}]`, endpoint),
      );
    }

    // A credential in plain env lands in Git and in `kubectl describe`: it belongs in a Secret.
    for (const [field, variables] of withOverrides(props, 'env')) {
      for (const name of Object.keys(variables ?? {})) {
        problems.check(
          !CREDENTIAL_NAME.test(name),
          subject,
          `${field}.${name}`,
          `looks like a credential (its name has PASSWORD, TOKEN, SECRET, KEY or CREDENTIAL): put it in a Secret (\`npm run secret -- set --app ${props.name} ...\`) and reference it in secrets, not in plain env`,
        );
      }
    }

    const known = new Set(environments.map((environment) => environment.name));
    for (const env of Object.keys(props.environments ?? {})) {
      if (!known.has(env)) {
        problems.add(
          subject,
          `environments.${env}`,
          `overrides unknown environment '${env}'; known environments: ${[...known].join(', ')}`,
        );
      }
    }
    validateNames(problems, subject, props);
    validateAppValues(problems, subject, props);
    this.validateKind(problems, subject);
  }

  /** The kind's own rules, added to {@link validate}'s problems; none unless the kind has some. */
  protected validateKind(_problems: ProblemCollector, _subject: string): void {}

  /** Builds the app's construct for one environment. */
  public abstract build(scope: Construct, binding: AppBinding): AppConstruct;
}

/** Names of variables that hold credentials (`DB_PASSWORD`, `API_TOKEN`, `AWS_SECRET_ACCESS_KEY`, `SIGNING_KEY`). */
const CREDENTIAL_NAME =
  /(PASSWORD|PASSWD|TOKEN|SECRET|CREDENTIAL|(^|_)(API|PRIVATE|ACCESS|SIGNING)?_?KEY$)/i;

const HOST =
  /^(\*\.)?(?=.{1,253}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)+$/;

/** One destination outside the cluster: a host or a CIDR, and TCP ports. */
function validateEndpoint(
  problems: ProblemCollector,
  subject: string,
  field: string,
  endpoint: ExternalEndpoint,
): void {
  const given = [endpoint.host, endpoint.cidr].filter((value) => value !== undefined);
  problems.check(given.length === 1, subject, field, 'must give exactly one of host and cidr');
  if (endpoint.host !== undefined) {
    problems.check(
      HOST.test(endpoint.host),
      subject,
      `${field}.host`,
      `must be a fully qualified DNS name, optionally with one leading '*.' (db.example.com, *.queue.example.com), got '${endpoint.host}'`,
    );
  }
  if (endpoint.cidr !== undefined) {
    const block = endpoint.cidr.includes('/') ? parseAddressBlock(endpoint.cidr) : 'no prefix';
    problems.check(
      typeof block !== 'string',
      subject,
      `${field}.cidr`,
      `must be an IPv4 CIDR (10.30.0.0/24; a single address is /32), got '${endpoint.cidr}'`,
    );
  }
  problems.check(
    endpoint.ports.length > 0 &&
      endpoint.ports.every((port) => Number.isInteger(port) && port >= 1 && port <= 65535),
    subject,
    `${field}.ports`,
    `must list TCP ports from 1 to 65535, got [${endpoint.ports.join(', ')}]`,
  );
}
