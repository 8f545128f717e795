// Tekton (Pipelines, Triggers, Dashboard) through the Tekton Operator.
//
// Why this path: Tekton publishes no Helm chart of its components, and their release manifests
// are plain files on a download host that Flux cannot use as a source. The Tekton Operator
// publishes its chart as an OCI artifact (see versions.ts), and the operator installs and
// upgrades Pipelines, Triggers and Dashboard as one tested set (its `all` profile), which is what
// the operator is for. Installing the components' release YAML by hand would instead make this
// repository track three versions that upstream only tests together in the operator.
//
// The operator's chart runs the operator; the TektonConfig in the configs layer (after the
// chart's CRDs exist) says what it installs. That TektonConfig is the only one: the operator's
// auto-install is off, so it does not create a default one first and fight Flux over its fields.
import { k8s } from 'cdk8s-plus-28';
import type { Construct } from 'constructs';
import type { ClusterConfig } from '../config/types';
import { ProblemCollector } from '../errors';
import { TektonConfig, type TektonConfigSpec } from '../imports/tekton-config-operator.tekton.dev';
import {
  PlatformComponent,
  PodSecurityLevel,
  type ComponentIdentity,
  type PlatformComponentProps,
} from './component';
import { platformRoute } from './gateway';
import { isComponentEnabled } from '../config/settings';
import { CHART_VERSIONS } from './versions';
import { isCronSchedule } from '../cron';
import { mergeValues } from '../config/component-settings';
import {
  type TektonValues,
  type TektonPrunerSettings,
  type TektonSettings,
} from '../config/tekton';
import { TEKTON_PIPELINES_NAMESPACE, PLATFORM_NAMESPACES } from '../contract/names';
import { ServiceMonitor } from '../imports/prometheus-servicemonitor-monitoring.coreos.com';

/**
 * The user the operator's images run as: they are built on `cgr.dev/chainguard/static`, whose
 * non-root user this is. Stated explicitly so `runAsNonRoot` does not depend on image metadata.
 */
export const TEKTON_OPERATOR_USER = 65532;

/** CEL: the operator has reconciled the TektonConfig at least once (it writes conditions). */
export const TEKTON_CONFIG_SEEN = 'has(status.conditions)';

/** Props of {@link Tekton}. */
export interface TektonProps extends PlatformComponentProps {
  /**
   * The cluster's settings for Tekton. `values` merge over the defaults: objects key by key,
   * arrays and scalars replaced, left-out keys keep the default. The Dashboard is read-only on
   * every cluster, with no setting to change it (it has no login).
   * @default {} - every component, dashboard read-only and routed on the cluster domain
   */
  readonly settings?: TektonSettings;
}

/**
 * Tekton through its operator (see the file comment): the operator chart in the controllers
 * layer; in the configs layer the components' namespace (rendered here so the Dashboard's
 * route never waits for the operator to create it), the TektonConfig and the Dashboard's route.
 */
export class Tekton extends PlatformComponent {
  /** Name, namespace and source of the component. */
  public static readonly IDENTITY: ComponentIdentity = {
    name: 'tekton-operator',
    namespace: PLATFORM_NAMESPACES.tekton,
    sourceFile: 'constructs/platform/tekton.ts',
  };

  /** The chart values rendered into the HelmRelease. */
  public readonly values: TektonValues;
  /** The TektonConfig's spec. */
  public readonly config: TektonConfigSpec;

  public constructor(scope: Construct, id: string, props: TektonProps) {
    super(scope, id, Tekton.IDENTITY, props);
    const defaults: TektonValues = {
      installCRDs: true,
      operator: {
        autoInstallComponents: false,
        defaultTargetNamespace: TEKTON_PIPELINES_NAMESPACE,
        resources: { requests: { cpu: '50m', memory: '128Mi' }, limits: { memory: '512Mi' } },
      },
      securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } },
      podSecurityContext: {
        runAsNonRoot: true,
        runAsUser: TEKTON_OPERATOR_USER,
        seccompProfile: { type: 'RuntimeDefault' },
      },
      service: { createServiceMonitor: isComponentEnabled(props.cluster, 'monitoring') },
    };
    this.values = mergeValues(defaults, props.settings?.values);
    this.installChart(CHART_VERSIONS.tektonOperator, this.values);

    const target = this.values.operator.defaultTargetNamespace;
    const pruner = props.settings?.pruner ?? {};
    validatePruner(props.cluster, pruner);
    this.config = {
      // Pipelines, Triggers, Chains and (on Kubernetes) the Dashboard
      profile: 'all',
      targetNamespace: target,
      pruner: {
        disabled: false,
        schedule: pruner.schedule ?? '0 3 * * *',
        resources: ['pipelinerun', 'taskrun'],
        keep: pruner.keep ?? 20,
        // keep `keep` runs of each pipeline and task, not of the namespace as a whole
        prunePerResource: true,
      },
      // Read-only: the Dashboard has no login of its own, and anyone who reaches its route
      // could otherwise create, rerun and delete runs. `options` is empty but present: the
      // operator chart's TektonConfig CRD (what the cluster installs) requires it.
      dashboard: { readonly: true, options: {} },
    };
    // The operator adopts an existing target namespace (it adds its label and owner reference
    // and keeps the others), so the Pod Security labels set here stay. Restricted is what
    // Tekton Pipelines' own release sets on this namespace, and every pod the operator creates
    // there (controllers, webhooks, dashboard, pruner jobs) is built to meet it.
    new k8s.KubeNamespace(this.configs, 'pipelines-namespace', {
      metadata: {
        name: target,
        labels: {
          'app.kubernetes.io/part-of': 'platform',
          'pod-security.kubernetes.io/enforce': PodSecurityLevel.RESTRICTED,
          'pod-security.kubernetes.io/warn': PodSecurityLevel.RESTRICTED,
        },
      },
    });
    new TektonConfig(this.configs, 'config', { metadata: { name: 'config' }, spec: this.config });
    if (isComponentEnabled(props.cluster, 'monitoring')) {
      // Pipelines' controller metrics (PipelineRun and TaskRun counts and durations), for the
      // delivery board. The operator creates the Service (tekton-pipelines-controller, port
      // http-metrics 9090 in Pipelines' config/controller.yaml); it brings no monitor of its own.
      new ServiceMonitor(this.configs, 'pipelines-controller-monitor', {
        metadata: { name: 'tekton-pipelines-controller', namespace: target },
        spec: {
          selector: {
            matchLabels: {
              'app.kubernetes.io/name': 'controller',
              'app.kubernetes.io/component': 'controller',
              'app.kubernetes.io/part-of': 'tekton-pipelines',
            },
          },
          endpoints: [{ port: 'http-metrics', interval: '30s' }],
        },
      });
    }
    // The apps layer waits for the configs layer. It needs the operator to have taken the
    // TektonConfig, not Pipelines, Triggers, Chains and the Dashboard to have finished
    // installing (image pulls alone can outlast the layer's timeout), and a broken Tekton
    // must not keep every app from being registered.
    this.addConfigsHealthExpression({
      apiVersion: TektonConfig.GVK.apiVersion,
      kind: TektonConfig.GVK.kind,
      expression: { current: TEKTON_CONFIG_SEEN },
    });
    // The Dashboard has no login: routed only on request (kubectl port-forward otherwise).
    if (props.settings?.publishUi === true) {
      platformRoute(this.configs, 'dashboard-route', {
        clusterDomain: props.cluster.domain,
        host: 'tekton',
        namespace: target,
        service: 'tekton-dashboard',
        port: 9097,
      });
    }
  }
}

/** Refuses pruner settings the operator's webhook would reject, before anything is written. */
function validatePruner(cluster: ClusterConfig, pruner: TektonPrunerSettings): void {
  const problems = new ProblemCollector();
  const subject = `cluster '${cluster.name}'`;
  if (pruner.keep !== undefined) {
    problems.check(
      Number.isInteger(pruner.keep) && pruner.keep >= 1,
      subject,
      'platform.tekton.pruner.keep',
      `must be a whole number of at least 1 (runs kept per pipeline or task), got ${pruner.keep}`,
    );
  }
  if (pruner.schedule !== undefined) {
    problems.check(
      isCronSchedule(pruner.schedule),
      subject,
      'platform.tekton.pruner.schedule',
      `must be a cron schedule of five fields like '0 3 * * *', got '${pruner.schedule}'`,
    );
  }
  problems.throwIfAny();
}
