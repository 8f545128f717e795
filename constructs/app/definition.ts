// An app as its engineer declares it in apps/<name>.ts, before it is bound to an environment.
import type { Construct } from 'constructs';
import type { ClusterConfig, EnvironmentConfig, ResourceSizes } from '../config/types';
import type { AppConstruct } from './app-construct';
import type { AppProps, AutoscalingOptions, PortOptions } from './props';
import { sourceFiles } from '../contract/layout';

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
    };
  }

  /** Builds the app's construct for one environment. */
  public abstract build(scope: Construct, binding: AppBinding): AppConstruct;
}
