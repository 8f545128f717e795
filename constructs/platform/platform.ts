import { Construct } from 'constructs';
import type { ClusterConfig, EnvironmentConfig } from '../config/types';
import { ConfigError } from '../errors';
import { Alloy } from './alloy';
import { ArgoRollouts } from './argo-rollouts';
import { ArgoCd } from './argocd';
import { CertManager } from './cert-manager';
import { Cilium } from './cilium';
import { Flux } from './flux';
import { KubeletServingCertApprover } from './kubelet-serving-cert-approver';
import { Kyverno, type ComponentPrivilegedPods } from './kyverno';
import { Loki } from './loki';
import { MetalLb } from './metallb';
import { MetricsServer } from './metrics-server';
import { Monitoring } from './monitoring';
import { RookCeph } from './rook-ceph';
import { Tekton } from './tekton';
import type {
  ComponentIdentity,
  HealthCheck,
  KindHealthExpression,
  PlatformComponent,
  PlatformComponentProps,
} from './component';
import { isComponentEnabled, type ComponentKey, type PlatformSettings } from '../config/settings';
import { compareStrings } from '../order';

/** How the platform knows a component before building it. */
export interface ComponentDefinition<K extends ComponentKey> {
  /** Name, namespace and source file. */
  readonly identity: ComponentIdentity;
  /** Components whose releases must be Ready before this one installs. */
  readonly dependsOn: readonly ComponentKey[];
  /**
   * Components this one installs after when they are enabled, and without when they are not
   * (e.g. monitoring: its ServiceMonitor CRDs, used only where monitoring runs).
   * @default []
   */
  readonly after?: readonly ComponentKey[];
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
  // Without a CNI no pod starts: Cilium first, everything else after it.
  cilium: {
    identity: Cilium.IDENTITY,
    dependsOn: [],
    create: (scope, props, settings) =>
      new Cilium(scope, Cilium.IDENTITY.name, { ...props, settings }),
  },
  // Approves the kubelets' serving certificates (the Talos patches turn on their rotation while
  // it runs): without it no kubelet serves TLS. In the crds layer, before everything Flux
  // installs; its pods need only the CNI Pulumi installed before Flux.
  kubeletServingCertApprover: {
    identity: KubeletServingCertApprover.IDENTITY,
    dependsOn: [],
    create: (scope, props, settings) =>
      new KubeletServingCertApprover(scope, KubeletServingCertApprover.IDENTITY.name, {
        ...props,
        settings,
      }),
  },
  // Scrapes the kubelets over TLS verified with the cluster CA: their serving certificates
  // exist only where the approver runs.
  metricsServer: {
    identity: MetricsServer.IDENTITY,
    dependsOn: ['kubeletServingCertApprover'],
    create: (scope, props, settings) =>
      new MetricsServer(scope, MetricsServer.IDENTITY.name, { ...props, settings }),
  },
  certManager: {
    identity: CertManager.IDENTITY,
    dependsOn: ['cilium'],
    create: (scope, props, settings) =>
      new CertManager(scope, CertManager.IDENTITY.name, { ...props, settings }),
  },
  metallb: {
    identity: MetalLb.IDENTITY,
    dependsOn: ['cilium'],
    after: ['monitoring'],
    create: (scope, props, settings) =>
      new MetalLb(scope, MetalLb.IDENTITY.name, { ...props, settings }),
  },
  rookCeph: {
    identity: RookCeph.IDENTITY,
    dependsOn: ['cilium'],
    create: (scope, props, settings) =>
      new RookCeph(scope, RookCeph.IDENTITY.name, { ...props, settings }),
  },
  // Prometheus and Alertmanager keep their data on Ceph volumes.
  monitoring: {
    identity: Monitoring.IDENTITY,
    dependsOn: ['cilium', 'rookCeph'],
    create: (scope, props, settings) =>
      new Monitoring(scope, Monitoring.IDENTITY.name, { ...props, settings }),
  },
  flux: {
    identity: Flux.IDENTITY,
    dependsOn: ['cilium'],
    after: ['monitoring'],
    create: (scope, props, settings) => new Flux(scope, Flux.IDENTITY.name, { ...props, settings }),
  },
  kyverno: {
    identity: Kyverno.IDENTITY,
    dependsOn: ['cilium'],
    after: ['monitoring'],
    create: (scope, props, settings) =>
      new Kyverno(scope, Kyverno.IDENTITY.name, {
        ...props,
        settings,
        privilegedPods: privilegedPodsOn(props.cluster),
      }),
  },
  // Loki's volumes and (in prod) its bucket come from Ceph.
  loki: {
    identity: Loki.IDENTITY,
    dependsOn: ['rookCeph'],
    after: ['monitoring'],
    create: (scope, props, settings) => new Loki(scope, Loki.IDENTITY.name, { ...props, settings }),
  },
  alloy: {
    identity: Alloy.IDENTITY,
    dependsOn: ['loki'],
    after: ['monitoring'],
    create: (scope, props, settings) =>
      new Alloy(scope, Alloy.IDENTITY.name, { ...props, settings }),
  },
  argocd: {
    identity: ArgoCd.IDENTITY,
    dependsOn: ['cilium'],
    after: ['monitoring'],
    create: (scope, props, settings) =>
      new ArgoCd(scope, ArgoCd.IDENTITY.name, { ...props, settings }),
  },
  argoRollouts: {
    identity: ArgoRollouts.IDENTITY,
    dependsOn: ['cilium'],
    after: ['monitoring'],
    create: (scope, props, settings) =>
      new ArgoRollouts(scope, ArgoRollouts.IDENTITY.name, { ...props, settings }),
  },
  tekton: {
    identity: Tekton.IDENTITY,
    dependsOn: ['cilium'],
    after: ['monitoring'],
    create: (scope, props, settings) =>
      new Tekton(scope, Tekton.IDENTITY.name, { ...props, settings }),
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
    readonly [K in ComponentKey]: Pick<ComponentDefinition<K>, 'dependsOn' | 'after'>;
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

  const dependenciesOf = (key: ComponentKey): ComponentKey[] => [
    ...definitions[key].dependsOn,
    ...(definitions[key].after ?? []).filter((dependency) => enabled.includes(dependency)),
  ];
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
    for (const dependency of dependenciesOf(key)) visit(dependency, [...path, key]);
    state.set(key, 'done');
    ordered.push(key);
  };
  enabled.forEach((key) => visit(key, []));
  return ordered;
}

/** Every enabled component's privileged pods, collected from the identities for Kyverno. */
function privilegedPodsOn(cluster: ClusterConfig): ComponentPrivilegedPods[] {
  return (Object.keys(PLATFORM_COMPONENTS) as ComponentKey[]).flatMap((component) => {
    const { namespace, privilegedPods } = PLATFORM_COMPONENTS[component].identity;
    return privilegedPods && isComponentEnabled(cluster, component)
      ? [{ component, namespace, ...privilegedPods }]
      : [];
  });
}

// Generic over the key, so the definition and the settings it receives are of the same component.
function createComponent<K extends ComponentKey>(
  key: K,
  scope: Construct,
  props: PlatformComponentProps,
  settings: PlatformSettings,
): PlatformComponent {
  // TypeScript cannot narrow an indexed mapped type by a generic key; the map guarantees it.
  const definition = PLATFORM_COMPONENTS[key] as ComponentDefinition<K>;
  return definition.create(scope, props, settings[key]);
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
    const order = orderComponents(props.cluster.name, settings);
    const platformNamespaces = [
      ...new Set(order.map((key) => PLATFORM_COMPONENTS[key].identity.namespace)),
    ].sort(compareStrings);
    for (const key of order) {
      const definition = PLATFORM_COMPONENTS[key];
      const soft = (definition.after ?? []).filter((dependency) => built.has(dependency));
      const dependsOn = [...definition.dependsOn, ...soft].map((dependency) => {
        const { name, namespace, settleTime } = PLATFORM_COMPONENTS[dependency].identity;
        return { name, namespace, settleTime };
      });
      built.set(
        key,
        createComponent(
          key,
          this,
          {
            cluster: props.cluster,
            environments: props.environments,
            dependsOn,
            platformNamespaces,
          },
          settings,
        ),
      );
    }
    this.components = [...built.values()];
  }

  /** How Flux judges kinds of the configs layer, from every component. */
  public get configsHealthExpressions(): KindHealthExpression[] {
    return this.components.flatMap((component) => component.configsHealthExpressions);
  }

  /** What Flux checks after the controllers layer, sorted for stable output. */
  public get healthChecks(): HealthCheck[] {
    return this.components
      .flatMap((component) => component.healthChecks)
      .sort((a, b) =>
        compareStrings(`${a.kind}/${a.namespace}/${a.name}`, `${b.kind}/${b.namespace}/${b.name}`),
      );
  }
}
