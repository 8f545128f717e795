import { k8s } from 'cdk8s-plus-28';
import type { Construct } from 'constructs';
import type { EnvironmentConfig } from '../config/types';
import { ConfigError, type ProblemCollector } from '../errors';
import { HttpRoute } from '../imports/gateway-httproute-gateway.networking.k8s.io';
import { Rollout } from '../imports/rollouts-rollout-argoproj.io';
import { LATEST_HASH_ARG, renderAnalysisTemplate, renderSmokeTemplate } from './analysis';
import { AppConstruct, type RuntimeOwnedFields } from './app-construct';
import { AppDefinition, AppKind, type AppBinding } from './definition';
import { checkAppShape } from './known-keys';
import type { PortOptions, WebServiceProps } from './props';
import {
  parseDurationSeconds,
  rollbackBound,
  type AnalysisTemplateObject,
  type MonitorObject,
  type RolloutObject,
} from './rollback-bound';
import { MANUAL_PROMOTION, RolloutStrategy, type RolloutTemplate } from './rollout';
import { JsonObject } from '../json-object';
import { CLUSTER_GATEWAY, ROLLOUTS_GATEWAY_PLUGIN, environmentListener } from '../contract/gateway';
import { FOUNDATION_WAVE, SYNC_WAVE } from '../contract/names';
import { ROLLOUT_EVENTS, subscriptionAnnotations } from '../platform/notifications';

/** The default port of a web service. */
export const DEFAULT_HTTP_PORT: PortOptions = { name: 'http', port: 8080 };

/** API group of the Gateway API kinds (Gateway, HTTPRoute). */
const GATEWAY_API_GROUP = 'gateway.networking.k8s.io';

/** Seconds a rollout may take by default to return traffic to stable in any environment. */
export const DEFAULT_ROLLBACK_LIMIT_SECONDS = 120;

/** The declaration of a web service, as apps/<name>.ts exports it. */
export class WebServiceDefinition extends AppDefinition<WebServiceProps> {
  public constructor(props: WebServiceProps) {
    super(AppKind.WEB_SERVICE, props);
  }

  /** Ports; the first serves HTTP. */
  public get ports(): readonly PortOptions[] {
    return this.props.ports ?? [DEFAULT_HTTP_PORT];
  }

  /** The rollout template. */
  public get rollout(): RolloutTemplate {
    return this.props.rollout ?? RolloutStrategy.rolling();
  }

  /** The stable Service, plus the canary or preview Service of those templates. */
  public override get serviceNames(): readonly string[] {
    const kind = this.rollout.kind;
    const name = this.props.name;
    if (kind === 'canary') return [name, `${name}-canary`];
    if (kind === 'blueGreen') return [name, `${name}-preview`];
    return [name];
  }

  /** Host name in an environment. */
  public override hostIn(environment: EnvironmentConfig): string {
    const host = this.props.host;
    if (typeof host === 'function') return host(environment.domain);
    return host ?? `${this.props.name}.${environment.domain}`;
  }

  /** A web service's rules: canary weights and the analysis of canary and blue-green releases. */
  protected override validateKind(problems: ProblemCollector, subject: string): void {
    const rollout = this.rollout;
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
        const smoke = rollout.smokeTest;
        problems.check(
          smoke.path === undefined || /^\/[^\s?#]*(\?[^\s#]*)?$/.test(smoke.path),
          subject,
          'rollout.smokeTest.path',
          `must be an absolute path starting with '/' (a query is allowed, no spaces or '#'), got '${smoke.path}'`,
        );
        problems.check(
          Number.isInteger(smoke.requests) && smoke.requests >= 1,
          subject,
          'rollout.smokeTest.requests',
          `must be a whole number of at least 1, got ${smoke.requests}`,
        );
        problems.check(
          smoke.intervalSeconds >= 1,
          subject,
          'rollout.smokeTest.interval',
          `must be at least 1 s, got ${smoke.intervalSeconds} s`,
        );
        problems.check(
          Number.isInteger(analysis.count) && analysis.count >= 1,
          subject,
          'rollout.analysis.count',
          `must be a whole number of at least 1, got ${analysis.count}`,
        );
      }
    }
  }

  /** Builds the web service in one environment. */
  public build(scope: Construct, binding: AppBinding): WebService {
    return new WebService(scope, `${binding.environment.name}-${this.name}`, this, binding);
  }
}

/**
 * An HTTP service in one environment: the foundation of every app plus a Deployment or
 * Argo Rollout (by its rollout template), its Services, an HTTPRoute on the environment's
 * listener of the cluster Gateway, an AnalysisTemplate for canary and blue-green, and a
 * PodMonitor. Refuses a rollout whose rollback bound exceeds the environment's limit.
 */
export class WebService extends AppConstruct {
  /** Declares a web service (the form apps/<name>.ts uses). */
  public static define(props: WebServiceProps): WebServiceDefinition {
    checkAppShape(AppKind.WEB_SERVICE, props);
    return new WebServiceDefinition(props);
  }

  private readonly web: WebServiceDefinition;

  public constructor(
    scope: Construct,
    id: string,
    definition: WebServiceDefinition,
    binding: AppBinding,
  ) {
    super(scope, id, definition, binding);
    this.web = definition;
    const name = definition.name;
    const [httpPort] = definition.ports;
    const metricsPortName = this.props.metrics?.port ?? httpPort.name;
    const metricsPort = definition.ports.find((port) => port.name === metricsPortName) ?? httpPort;
    const rollout = definition.rollout;

    for (const service of definition.serviceNames) this.service(service);
    // Metrics served on the routed port would be public: the route keeps their path off it.
    const metricsPath = this.props.metrics?.path ?? '/metrics';
    this.route(
      httpPort,
      rollout.kind === 'canary',
      metricsPort === httpPort ? metricsPath : undefined,
    );
    // Pods, not Services: the stable and canary (or active and preview) Services select the
    // same pods, so a ServiceMonitor scraped each of them once per Service.
    const monitor = this.podMonitor(metricsPort.name);
    this.networkPolicy({
      gatewayPorts: [httpPort],
      metricsPort,
      // The blue-green smoke test: the Rollouts controller itself requests the preview.
      rolloutsPorts: rollout.kind === 'blueGreen' ? [httpPort] : [],
    });
    this.disruptionBudget();
    const readinessPath = definition.props.probes?.readinessPath ?? '/healthz/ready';

    const container = this.container(definition.ports, {
      readinessProbe: {
        httpGet: {
          path: readinessPath,
          port: k8s.IntOrString.fromString(httpPort.name),
        },
        periodSeconds: 5,
        failureThreshold: 3,
      },
      livenessProbe: {
        httpGet: {
          path: definition.props.probes?.livenessPath ?? '/healthz/live',
          port: k8s.IntOrString.fromString(httpPort.name),
        },
        periodSeconds: 10,
        failureThreshold: 3,
      },
    });
    const template = this.podTemplate(container);

    if (rollout.kind === 'rolling') {
      this.rollingDeployment(template, rollout.maxSurge, rollout.maxUnavailable);
      return;
    }

    const analysisTemplate = renderAnalysisTemplate(this.folder, {
      name,
      metadata: this.metadata(name),
      analysis: rollout.analysis,
      scrapeIntervalSeconds: parseDurationSeconds(this.scrapeInterval),
      count: rollout.kind === 'blueGreen' ? rollout.analysis.count : undefined,
      annotations: { [SYNC_WAVE]: FOUNDATION_WAVE },
    });
    const smokeTemplateName = `${name}-smoke`;
    if (rollout.kind === 'blueGreen') {
      const previewHost = `${name}-preview.${binding.namespace}.svc`;
      renderSmokeTemplate(this.folder, {
        name: smokeTemplateName,
        metadata: this.metadata(smokeTemplateName),
        url: `http://${previewHost}:${httpPort.port}${rollout.smokeTest.path ?? readinessPath}`,
        smokeTest: rollout.smokeTest,
        annotations: { [SYNC_WAVE]: FOUNDATION_WAVE },
      });
    }
    // Every run judges the newest ReplicaSet: the canary, or the preview before promotion and
    // the new active version after it. A function: one shared object could become a YAML alias.
    const analysisRef = () => ({
      templates: [{ templateName: name }],
      args: [
        { name: 'namespace', value: binding.namespace },
        { name: LATEST_HASH_ARG, valueFrom: { podTemplateHashValue: 'Latest' } },
      ],
    });

    const strategy =
      rollout.kind === 'canary'
        ? {
            canary: {
              stableService: name,
              canaryService: `${name}-canary`,
              trafficRouting: {
                plugins: {
                  [ROLLOUTS_GATEWAY_PLUGIN]: { httpRoute: name, namespace: binding.namespace },
                },
              },
              analysis: { ...analysisRef(), startingStep: 0 },
              abortScaleDownDelaySeconds: 30,
              steps: rollout.steps.flatMap((step) => [
                { setWeight: step.weight },
                ...(step.pause === undefined
                  ? []
                  : step.pause === MANUAL_PROMOTION
                    ? [{ pause: {} }]
                    : [{ pause: { duration: `${step.pause.toSeconds()}s` } }]),
              ]),
            },
          }
        : {
            blueGreen: {
              activeService: name,
              previewService: `${name}-preview`,
              autoPromotionEnabled: rollout.autoPromotion,
              scaleDownDelaySeconds: rollout.scaleDownDelaySeconds,
              prePromotionAnalysis: { templates: [{ templateName: smokeTemplateName }] },
              postPromotionAnalysis: analysisRef(),
            },
          };

    const workload = new JsonObject(this.folder, 'rollout', {
      ...Rollout.GVK,
      // The Rollouts controller tells the environment's receiver of aborts and completions.
      metadata: this.workloadMetadata(
        name,
        subscriptionAnnotations(binding.environment.alertReceiver, ROLLOUT_EVENTS),
      ),
      spec: {
        ...(this.declaredReplicas !== undefined ? { replicas: this.declaredReplicas } : {}),
        revisionHistoryLimit: 5,
        selector: { matchLabels: { ...this.selectorLabels } },
        template: k8s.toJson_PodTemplateSpec(template),
        strategy,
      },
    });
    this.autoscaler(Rollout.GVK);

    // The bound is computed from the manifests exactly as they will be written.
    const bound = rollbackBound(
      workload.toJson() as unknown as RolloutObject,
      [analysisTemplate.toJson() as unknown as AnalysisTemplateObject],
      monitor.toJson() as unknown as MonitorObject,
    );
    if (bound) this.checkBound(bound.seconds, bound.arithmetic, bound.problems);
  }

  private checkBound(seconds: number, arithmetic: string, problems: readonly string[]): void {
    const subject = `app '${this.definition.name}' env '${this.binding.environment.name}'`;
    const limit =
      this.binding.environment.rollbackLimit?.toSeconds() ?? DEFAULT_ROLLBACK_LIMIT_SECONDS;
    const found = problems.map((message) => ({ subject, field: 'rollout', message }));
    if (seconds > limit) {
      found.push({
        subject,
        field: 'rollout',
        message: `worst-case rollback takes ${arithmetic}, over the environment's limit of ${limit} s; shorten the analysis interval, failureLimit or initialDelay`,
      });
    }
    if (found.length > 0) throw new ConfigError(found);
  }

  /**
   * The HTTPRoute's backend weights of a canary: the Rollouts Gateway API plugin moves them
   * during a rollout, and Argo CD self-heal would otherwise set them back to 100/0 mid-canary.
   */
  public override get runtimeOwnedFields(): readonly RuntimeOwnedFields[] {
    if (this.web.rollout.kind !== 'canary') return [];
    return [
      {
        group: GATEWAY_API_GROUP,
        kind: 'HTTPRoute',
        name: this.definition.name,
        namespace: this.binding.namespace,
        // `[]?`: the metrics rule has no backends.
        jqPathExpressions: ['.spec.rules[].backendRefs[]?.weight'],
      },
    ];
  }

  /** Pods at most: autoscaler max (or replicas), doubled for canary/preview/surge pods. */
  protected get maxPods(): number {
    const most = this.settings.autoscaling?.maxReplicas ?? this.settings.replicas;
    return most * 2 + 1;
  }

  private service(serviceName: string): void {
    new JsonObject(this.folder, `service-${serviceName}`, {
      ...k8s.KubeService.GVK,
      ...k8s.toJson_KubeServiceProps({
        metadata: this.metadata(serviceName),
        spec: {
          type: 'ClusterIP',
          selector: { ...this.selectorLabels },
          ports: this.web.ports.map((port) => ({
            name: port.name,
            port: port.port,
            targetPort: k8s.IntOrString.fromString(port.name),
            protocol: 'TCP',
          })),
        },
      }),
    });
  }

  /**
   * The HTTPRoute. A metrics path on the routed port gets a rule of its own (the longest
   * matching prefix wins, whatever the order) that redirects to `/` without reaching a pod, so
   * the Gateway never serves the app's metrics to the internet.
   */
  private route(port: PortOptions, canary: boolean, hiddenMetricsPath: string | undefined): void {
    const name = this.definition.name;
    const backend = (service: string, weight?: number) => ({
      group: '',
      kind: 'Service',
      name: service,
      port: port.port,
      ...(weight !== undefined ? { weight } : {}),
    });
    new JsonObject(this.folder, 'route', {
      ...HttpRoute.GVK,
      metadata: this.metadata(name),
      spec: {
        parentRefs: [
          {
            group: GATEWAY_API_GROUP,
            kind: 'Gateway',
            name: CLUSTER_GATEWAY.name,
            namespace: CLUSTER_GATEWAY.namespace,
            sectionName: environmentListener(this.binding.environment.name),
          },
        ],
        hostnames: [this.web.hostIn(this.binding.environment)],
        rules: [
          {
            matches: [{ path: { type: 'PathPrefix', value: '/' } }],
            // Canary: the Rollouts plugin moves the weights between these two backends.
            backendRefs: canary
              ? [backend(name, 100), backend(`${name}-canary`, 0)]
              : [backend(name)],
          },
          ...(hiddenMetricsPath === undefined
            ? []
            : [
                {
                  matches: [{ path: { type: 'PathPrefix', value: hiddenMetricsPath } }],
                  filters: [
                    {
                      type: 'RequestRedirect',
                      requestRedirect: {
                        path: { type: 'ReplaceFullPath', replaceFullPath: '/' },
                        statusCode: 302,
                      },
                    },
                  ],
                },
              ]),
        ],
      },
    });
  }
}
