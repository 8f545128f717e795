// What every app gets in every environment: namespace, quota, limits, service account,
// configuration, network policy, disruption budget, autoscaler and metrics scraping. The
// kinds (WebService, Worker, ScheduledTask) add their workload, Services and routes.
import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { GitOpsFolder } from '../gitops-folder';
import { CiliumNetworkPolicy } from '../imports/cilium-networkpolicy-cilium.io';
import {
  PodMonitor,
  toJson_PodMonitorProps,
} from '../imports/prometheus-podmonitor-monitoring.coreos.com';
import {} from '../imports/prometheus-servicemonitor-monitoring.coreos.com';
import { ENVIRONMENT_LABEL, STANDARD_LABELS, TEAM_LABEL } from '../contract/labels';
import type { AppBinding, AppDefinition, ResolvedSettings } from './definition';
import { targetCpuPercent, type AppProps, type PortOptions } from './props';
import { JsonObject } from '../json-object';
import { compareStrings } from '../order';
import { FOUNDATION_WAVE, SYNC_WAVE } from '../contract/names';
import { renderAppFoundation, type AppMetadata } from './foundation';
import { networkPolicyRules } from './network-policy';
import { gitopsFolders, sourceFiles } from '../contract/layout';
import type { VersionProvenance } from './catalog';

/**
 * Pod label Argo Rollouts puts on each ReplicaSet's pods. The app's monitor copies it onto every
 * series (as `rollouts_pod_template_hash`: Prometheus turns `-` into `_`) so an analysis can
 * select the new version's pods alone.
 */
export const POD_TEMPLATE_HASH_LABEL = 'rollouts-pod-template-hash';

/**
 * Fields of a rendered object that a controller other than Argo CD changes while the app
 * runs; the app's Application tells Argo CD to neither report nor revert them.
 */
export interface RuntimeOwnedFields {
  /** API group of the object (`''` for the core group). */
  readonly group: string;
  /** Kind of the object. */
  readonly kind: string;
  /** Name of the object. */
  readonly name: string;
  /** Namespace of the object. */
  readonly namespace: string;
  /** The fields, as jq path expressions (`.spec.rules[].backendRefs[].weight`). */
  readonly jqPathExpressions: readonly string[];
}

/** The shared part of WebService, Worker and ScheduledTask for one environment. */
export abstract class AppConstruct extends Construct {
  /** The folder `apps/<env>/<app>` the objects are written to. */
  public readonly folder: GitOpsFolder;
  /** The definition being rendered. */
  public readonly definition: AppDefinition;
  /** The environment binding. */
  public readonly binding: AppBinding;
  /** Settings in this environment. */
  public readonly settings: ResolvedSettings;
  /** Labels that select the app's pods. */
  public readonly selectorLabels: Record<string, string>;
  /** Labels on every object of the app. */
  public readonly labels: Record<string, string>;

  protected constructor(
    scope: Construct,
    id: string,
    definition: AppDefinition,
    binding: AppBinding,
  ) {
    super(scope, id);
    this.definition = definition;
    this.binding = binding;
    this.settings = definition.settingsIn(binding.environment);
    const env = binding.environment.name;
    this.folder = new GitOpsFolder(this, 'folder', {
      folder: gitopsFolders.app(env, definition.name),
      sources: [definition.sourceFile, sourceFiles.versions(env)],
      namespace: binding.namespace,
    });
    this.selectorLabels = {
      [STANDARD_LABELS.name]: definition.name,
      [STANDARD_LABELS.instance]: `${env}-${definition.name}`,
    };
    this.labels = {
      ...this.selectorLabels,
      [STANDARD_LABELS.partOf]: definition.team,
      [STANDARD_LABELS.managedBy]: 'nextgen-gitops',
      [TEAM_LABEL]: definition.team,
      [ENVIRONMENT_LABEL]: env,
    };
    this.renderFoundation();
  }

  /** Props of the definition. */
  protected get props(): AppProps {
    return this.definition.props;
  }

  /** Metadata for an object of the app. */
  protected metadata(name: string, annotations?: Record<string, string>): AppMetadata {
    return {
      name,
      namespace: this.binding.namespace,
      labels: { ...this.labels },
      ...(annotations ? { annotations } : {}),
    };
  }

  /**
   * Metadata of the app's workload (Deployment, Rollout, CronJob): its provenance as
   * annotations, on the workload only: in the pod template they would restart every pod.
   */
  protected workloadMetadata(name: string, annotations?: Record<string, string>): AppMetadata {
    const recorded = provenanceAnnotations(this.binding.provenance);
    const merged = { ...recorded, ...annotations };
    return this.metadata(name, Object.keys(merged).length > 0 ? merged : undefined);
  }

  /** Most pods the app may run at once, rollout headroom included. */
  protected abstract get maxPods(): number;

  /** What controllers change at run time in the app's objects; none unless a kind says so. */
  public get runtimeOwnedFields(): readonly RuntimeOwnedFields[] {
    return [];
  }

  /** The namespace and what the workload needs before it starts (see foundation.ts). */
  private renderFoundation(): void {
    renderAppFoundation({
      folder: this.folder,
      appName: this.definition.name,
      namespace: this.binding.namespace,
      labels: this.labels,
      resources: this.settings.resources,
      maxPods: this.maxPods,
      config: this.props.config,
      metadata: (name, annotations) => this.metadata(name, annotations),
    });
  }

  /** The app's container: image, ports, env, config, secrets, sizes, restricted security. */
  protected container(
    ports: readonly PortOptions[],
    extra: Partial<k8s.Container> = {},
  ): k8s.Container {
    const { resources, env } = this.settings;
    const secretEnv = (this.props.secrets ?? []).flatMap((secret) =>
      Object.entries(secret.keys ?? {}).map(([variable, key]) => ({
        name: variable,
        valueFrom: { secretKeyRef: { name: secret.secretName, key } },
      })),
    );
    const envFrom: k8s.EnvFromSource[] = [
      ...(this.props.config && Object.keys(this.props.config).length > 0
        ? [{ configMapRef: { name: `${this.definition.name}-config` } }]
        : []),
      ...(this.props.secrets ?? [])
        .filter((secret) => !secret.keys)
        .map((secret) => ({ secretRef: { name: secret.secretName } })),
    ];
    return {
      name: this.definition.name,
      image: imageOf(this.props.image, this.binding.version),
      ...(this.props.command ? { command: [...this.props.command] } : {}),
      ports: ports.map((port) => ({ name: port.name, containerPort: port.port, protocol: 'TCP' })),
      env: [
        ...Object.entries(env)
          .sort(([a], [b]) => compareStrings(a, b))
          .map(([name, value]) => ({ name, value })),
        ...secretEnv,
      ],
      ...(envFrom.length > 0 ? { envFrom } : {}),
      resources: {
        requests: {
          cpu: k8s.Quantity.fromString(resources.cpuRequest),
          memory: k8s.Quantity.fromString(resources.memoryRequest),
        },
        limits: {
          cpu: k8s.Quantity.fromString(resources.cpuLimit),
          memory: k8s.Quantity.fromString(resources.memoryLimit),
        },
      },
      securityContext: {
        allowPrivilegeEscalation: false,
        readOnlyRootFilesystem: true,
        runAsNonRoot: true,
        capabilities: { drop: ['ALL'] },
        seccompProfile: { type: 'RuntimeDefault' },
      },
      volumeMounts: [{ name: 'tmp', mountPath: '/tmp' }],
      ...extra,
    };
  }

  /** A pod template meeting Pod Security "restricted", with a writable /tmp. */
  protected podTemplate(container: k8s.Container, restartPolicy?: string): k8s.PodTemplateSpec {
    return {
      metadata: { labels: { ...this.labels } },
      spec: {
        serviceAccountName: this.definition.name,
        automountServiceAccountToken: false,
        securityContext: {
          runAsNonRoot: true,
          runAsUser: 10001,
          runAsGroup: 10001,
          fsGroup: 10001,
          seccompProfile: { type: 'RuntimeDefault' },
        },
        containers: [container],
        volumes: [{ name: 'tmp', emptyDir: { sizeLimit: k8s.Quantity.fromString('64Mi') } }],
        ...(restartPolicy ? { restartPolicy } : {}),
      },
    };
  }

  /** PodDisruptionBudget over the app's pods. */
  protected disruptionBudget(): void {
    const budget = this.props.disruptionBudget ?? {};
    new JsonObject(this.folder, 'pdb', {
      ...k8s.KubePodDisruptionBudget.GVK,
      ...k8s.toJson_KubePodDisruptionBudgetProps({
        metadata: this.metadata(this.definition.name),
        spec: {
          selector: { matchLabels: { ...this.selectorLabels } },
          ...(budget.minAvailable !== undefined
            ? { minAvailable: k8s.IntOrString.fromNumber(budget.minAvailable) }
            : { maxUnavailable: k8s.IntOrString.fromNumber(budget.maxUnavailable ?? 1) }),
        },
      }),
    });
  }

  /** HorizontalPodAutoscaler on CPU, when autoscaling is on. */
  protected autoscaler(target: { apiVersion: string; kind: string }): void {
    const autoscaling = this.settings.autoscaling;
    if (!autoscaling) return;
    new JsonObject(this.folder, 'hpa', {
      ...k8s.KubeHorizontalPodAutoscalerV2.GVK,
      ...k8s.toJson_KubeHorizontalPodAutoscalerV2Props({
        metadata: this.metadata(this.definition.name),
        spec: {
          scaleTargetRef: {
            apiVersion: target.apiVersion,
            kind: target.kind,
            name: this.definition.name,
          },
          minReplicas: autoscaling.minReplicas,
          maxReplicas: autoscaling.maxReplicas,
          metrics: [
            {
              type: 'Resource',
              resource: {
                name: 'cpu',
                target: {
                  type: 'Utilization',
                  averageUtilization: targetCpuPercent(autoscaling),
                },
              },
            },
          ],
        },
      }),
    });
  }

  /** A Deployment of the pod template with a rolling update, and its autoscaler. */
  protected rollingDeployment(
    template: k8s.PodTemplateSpec,
    maxSurge: number | string,
    maxUnavailable: number | string,
  ): void {
    const intOrString = (value: number | string) =>
      typeof value === 'number'
        ? k8s.IntOrString.fromNumber(value)
        : k8s.IntOrString.fromString(value);
    new JsonObject(this.folder, 'deployment', {
      ...k8s.KubeDeployment.GVK,
      ...k8s.toJson_KubeDeploymentProps({
        metadata: this.workloadMetadata(this.definition.name),
        spec: {
          replicas: this.declaredReplicas,
          revisionHistoryLimit: 5,
          selector: { matchLabels: { ...this.selectorLabels } },
          strategy: {
            type: 'RollingUpdate',
            rollingUpdate: {
              maxSurge: intOrString(maxSurge),
              maxUnavailable: intOrString(maxUnavailable),
            },
          },
          template,
        },
      }),
    });
    this.autoscaler({ apiVersion: 'apps/v1', kind: 'Deployment' });
  }

  /** Replicas a workload declares: none when the autoscaler owns them. */
  protected get declaredReplicas(): number | undefined {
    return this.settings.autoscaling ? undefined : this.settings.replicas;
  }

  /** The scrape interval, as rendered. */
  protected get scrapeInterval(): string {
    return `${(this.props.metrics?.interval?.toSeconds() ?? 15).toString()}s`;
  }

  /**
   * PodMonitor scraping each pod once, whatever Services select it, labelling each series with
   * its pod's template hash so an analysis can tell a rollout's versions apart (Deployment pods
   * have none, so it adds nothing there).
   */
  protected podMonitor(portName: string): PodMonitor {
    return new JsonObject(this.folder, 'pod-monitor', {
      ...PodMonitor.GVK,
      ...toJson_PodMonitorProps({
        metadata: this.metadata(this.definition.name),
        spec: {
          selector: { matchLabels: { ...this.selectorLabels } },
          podTargetLabels: [POD_TEMPLATE_HASH_LABEL],
          podMetricsEndpoints: [
            {
              port: portName,
              path: this.props.metrics?.path ?? '/metrics',
              interval: this.scrapeInterval,
            },
          ],
        },
      }),
    });
  }

  /**
   * The app's CiliumNetworkPolicy. Selecting the pods with any rule puts them in default-deny
   * for both directions; what is listed is all that is allowed: ingress from the gateway
   * (web services), Prometheus on the metrics port, declared same-team callers and every app
   * (of any team) that declares this one a dependency; egress to DNS and to declared
   * dependencies. Peers not enabled in the environment get no rule. It is applied in the
   * foundation wave, before the workload, so no pod ever starts unrestricted.
   */
  protected networkPolicy(options: {
    readonly gatewayPorts: readonly PortOptions[];
    readonly metricsPort?: PortOptions;
    readonly rolloutsPorts?: readonly PortOptions[];
  }): void {
    const { ingress, egress } = networkPolicyRules({
      ...options,
      appName: this.definition.name,
      ports: this.definition.ports,
      callers: this.props.callers,
      dependencies: this.props.dependencies,
      peers: this.binding.peers,
      external: this.settings.external,
    });
    new JsonObject(this.folder, 'network-policy', {
      ...CiliumNetworkPolicy.GVK,
      metadata: this.metadata(this.definition.name, { [SYNC_WAVE]: FOUNDATION_WAVE }),
      spec: {
        endpointSelector: { matchLabels: { ...this.selectorLabels } },
        // An empty rule still enables enforcement: nothing may reach a pod without listeners.
        ingress: ingress.length > 0 ? ingress : [{}],
        egress,
      },
    });
  }
}

/** The image reference of a version: tag or digest. */
export function imageOf(repository: string, version: string): string {
  return version.startsWith('sha256:') ? `${repository}@${version}` : `${repository}:${version}`;
}

/** Annotation keys of a version's provenance on its workload. */
export const PROVENANCE_ANNOTATIONS = {
  commit: 'nextgen.dev/commit',
  committedAt: 'nextgen.dev/committed-at',
  pipelineRun: 'nextgen.dev/pipeline-run',
} as const;

/** The annotations recording where a version came from (none for none recorded). */
export function provenanceAnnotations(provenance?: VersionProvenance): Record<string, string> {
  const annotations: Record<string, string> = {};
  for (const [field, key] of Object.entries(PROVENANCE_ANNOTATIONS)) {
    const value = provenance?.[field as keyof VersionProvenance];
    if (value !== undefined) annotations[key] = value;
  }
  return annotations;
}
