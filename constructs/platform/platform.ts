import { Construct } from 'constructs';
import type { ClusterConfig, EnvironmentConfig } from '../../environments/types';
import { ConfigError } from '../errors';
import { CertManager } from './cert-manager';
import type {
  ComponentIdentity,
  HealthCheck,
  PlatformComponent,
  PlatformComponentProps,
} from './component';
import type { ComponentKey, PlatformSettings } from './settings';

/** How the platform knows a component before building it. */
export interface ComponentDefinition<K extends ComponentKey> {
  /** Name, namespace and source file. */
  readonly identity: ComponentIdentity;
  /** Components whose releases must be Ready before this one installs. */
  readonly dependsOn: readonly ComponentKey[];
  /** Builds the component with the cluster's settings for it. */
  readonly create: (
    scope: Construct,
    props: PlatformComponentProps,
    settings: PlatformSettings[K],
  ) => PlatformComponent;
}

/**
 * Every platform component, keyed like {@link PlatformSettings}. A new component is one entry
 * here (and one key in PlatformSettings, which `tsc` then demands here).
 */
export const PLATFORM_COMPONENTS: { readonly [K in ComponentKey]-?: ComponentDefinition<K> } = {
  certManager: {
    identity: CertManager.IDENTITY,
    dependsOn: [],
    create: (scope, props, settings) =>
      new CertManager(scope, CertManager.IDENTITY.name, { ...props, settings }),
  },
};

/**
 * Orders the enabled components so each comes after those it depends on; fails naming the
 * cluster and the components when a dependency is disabled or the dependencies form a cycle.
 */
export function orderComponents(
  clusterName: string,
  settings: PlatformSettings,
  definitions: {
    readonly [K in ComponentKey]: Pick<ComponentDefinition<K>, 'dependsOn'>;
  } = PLATFORM_COMPONENTS,
): ComponentKey[] {
  const subject = `cluster '${clusterName}'`;
  const keys = (Object.keys(definitions) as ComponentKey[]).sort();
  const enabled = keys.filter((key) => settings[key]?.enabled !== false);
  const problems = enabled.flatMap((key) =>
    definitions[key].dependsOn
      .filter((dependency) => !enabled.includes(dependency))
      .map((dependency) => ({
        subject,
        field: `platform.${dependency}.enabled`,
        message: `'${dependency}' is disabled (or unknown), but '${key}' depends on it; enable it or disable '${key}'`,
      })),
  );
  if (problems.length > 0) throw new ConfigError(problems);

  const ordered: ComponentKey[] = [];
  const state = new Map<ComponentKey, 'visiting' | 'done'>();
  const visit = (key: ComponentKey, path: readonly ComponentKey[]): void => {
    if (state.get(key) === 'done') return;
    if (state.get(key) === 'visiting') {
      const cycle = [...path.slice(path.indexOf(key)), key].join(' -> ');
      throw ConfigError.of(
        subject,
        'platform',
        `components depend on each other in a cycle: ${cycle}`,
      );
    }
    state.set(key, 'visiting');
    for (const dependency of definitions[key].dependsOn) visit(dependency, [...path, key]);
    state.set(key, 'done');
    ordered.push(key);
  };
  enabled.forEach((key) => visit(key, []));
  return ordered;
}

/** Props of {@link Platform}. */
export interface PlatformProps {
  /** The cluster whose platform is rendered; its `platform` settings pick and tune components. */
  readonly cluster: ClusterConfig;
  /** The environments hosted on the cluster. */
  readonly environments: readonly EnvironmentConfig[];
}

/** The platform components a cluster runs, built in dependency order. */
export class Platform extends Construct {
  /** The built components, in dependency order. */
  public readonly components: readonly PlatformComponent[];

  public constructor(scope: Construct, id: string, props: PlatformProps) {
    super(scope, id);
    const settings = props.cluster.platform ?? {};
    const built = new Map<ComponentKey, PlatformComponent>();
    for (const key of orderComponents(props.cluster.name, settings)) {
      const definition = PLATFORM_COMPONENTS[key];
      const dependsOn = definition.dependsOn.map((dependency) => {
        const { name, namespace } = PLATFORM_COMPONENTS[dependency].identity;
        return { name, namespace };
      });
      built.set(
        key,
        definition.create(
          this,
          { cluster: props.cluster, environments: props.environments, dependsOn },
          settings[key],
        ),
      );
    }
    this.components = [...built.values()];
  }

  /** What Flux checks after the controllers layer, sorted for stable output. */
  public get healthChecks(): HealthCheck[] {
    return this.components
      .flatMap((component) => component.healthChecks)
      .sort((a, b) =>
        `${a.kind}/${a.namespace}/${a.name}`.localeCompare(`${b.kind}/${b.namespace}/${b.name}`),
      );
  }
}
