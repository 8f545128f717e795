// Tekton (Pipelines, Triggers, Dashboard) through the Tekton Operator.
//
// Why this path: Tekton publishes no Helm repository, and its release manifests are plain
// files on a download host that Flux cannot use as a source. The Tekton Operator's chart lives
// in the operator's repository, and its release tags carry a semver chart version, so Flux can
// build it from a GitRepository at the tag like any chart; the operator then installs and
// upgrades Pipelines, Triggers and Dashboard as one tested set (its `all` profile), which is
// what the operator is for. Installing the components' release YAML by hand would instead make
// this repository track three versions that upstream only tests together in the operator.
import type { Construct } from 'constructs';
import {
  PlatformComponent,
  type ComponentIdentity,
  type PlatformComponentProps,
} from './component';
import { platformRoute } from './gateway';
import { isComponentEnabled, mergeValues, type ComponentSettings } from './settings';
import { GIT_VERSIONS } from './versions';

/** Namespace the operator installs Pipelines, Triggers and Dashboard into. */
export const TEKTON_PIPELINES_NAMESPACE = 'tekton-pipelines';

/**
 * The tekton-operator chart values this platform sets (a typed subset of its values.yaml).
 * @see https://tekton.dev/docs/operator/
 */
export interface TektonValues {
  /** The operator's CRDs (TektonConfig, ...), installed with the chart. */
  readonly installCRDs: boolean;
  /** The operator. */
  readonly operator: {
    /**
     * Creates the default TektonConfig (profile `all`: Pipelines, Triggers, Chains, Dashboard)
     * at start, so no custom resource has to be rendered before the operator's CRDs exist.
     */
    readonly autoInstallComponents: boolean;
    /** Where the components go. */
    readonly defaultTargetNamespace: string;
    /** Operator container resources. */
    readonly resources: {
      readonly requests: { readonly cpu: string; readonly memory: string };
      readonly limits: { readonly memory: string };
    };
  };
  /** The operator's metrics Service gets a ServiceMonitor where monitoring runs. */
  readonly service: { readonly createServiceMonitor: boolean };
}

/** A cluster's Tekton settings. */
export type TektonSettings = ComponentSettings<TektonValues>;

/** Props of {@link Tekton}. */
export interface TektonProps extends PlatformComponentProps {
  /**
   * The cluster's settings for Tekton. `values` merge over the defaults: objects key by key,
   * arrays and scalars replaced, left-out keys keep the default.
   * @default {} - every component, dashboard routed on the cluster domain
   */
  readonly settings?: TektonSettings;
}

/** Tekton through its operator (see the file comment), with the dashboard on the cluster domain. */
export class Tekton extends PlatformComponent {
  /** Name, namespace and source of the component. */
  public static readonly IDENTITY: ComponentIdentity = {
    name: 'tekton-operator',
    namespace: 'tekton-operator',
    sourceFile: 'constructs/platform/tekton.ts',
  };

  /** The chart values rendered into the HelmRelease. */
  public readonly values: TektonValues;

  public constructor(scope: Construct, id: string, props: TektonProps) {
    super(scope, id, Tekton.IDENTITY, props);
    const defaults: TektonValues = {
      installCRDs: true,
      operator: {
        autoInstallComponents: true,
        defaultTargetNamespace: TEKTON_PIPELINES_NAMESPACE,
        resources: { requests: { cpu: '50m', memory: '128Mi' }, limits: { memory: '512Mi' } },
      },
      service: { createServiceMonitor: isComponentEnabled(props.cluster, 'monitoring') },
    };
    this.values = mergeValues(defaults, props.settings?.values);
    this.installChart(GIT_VERSIONS.tektonOperator, this.values);
    platformRoute(this.configs, 'dashboard-route', {
      clusterDomain: props.cluster.domain,
      host: 'tekton',
      namespace: this.values.operator.defaultTargetNamespace,
      service: 'tekton-dashboard',
      port: 9097,
    });
  }
}
