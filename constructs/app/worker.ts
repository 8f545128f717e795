import { k8s } from 'cdk8s-plus-28';
import type { Construct } from 'constructs';
import type { ProblemCollector } from '../errors';
import { AppConstruct } from './app-construct';
import { AppDefinition, AppKind, type AppBinding } from './definition';
import { checkAppShape } from './known-keys';
import { WorkerLiveness, type PortOptions, type WorkerProps } from './props';

/** The declaration of a worker, as apps/<name>.ts exports it. */
export class WorkerDefinition extends AppDefinition<WorkerProps> {
  public constructor(props: WorkerProps) {
    super(AppKind.WORKER, props);
  }

  /** Ports (metrics, usually). */
  public get ports(): readonly PortOptions[] {
    return this.props.ports ?? [];
  }

  /** The liveness probe: the app's, else an HTTP GET of its metrics. */
  public get liveness(): WorkerLiveness {
    return this.props.liveness ?? WorkerLiveness.http();
  }

  protected override validateKind(problems: ProblemCollector, subject: string): void {
    const liveness = this.liveness;
    const names = this.ports.map((port) => port.name);
    if (liveness.kind === 'http') {
      const port = liveness.port ?? this.props.metrics?.port ?? names[0];
      problems.check(
        port !== undefined && names.includes(port),
        subject,
        'liveness',
        port === undefined
          ? "a worker needs a liveness probe, and it has no port to probe: add its metrics or health port to ports (probed by default), or set liveness to WorkerLiveness.exec([...]) or WorkerLiveness.none('<why>')"
          : `probes port '${port}', which is not one of its ports (${names.join(', ')})`,
      );
    }
    if (liveness.kind === 'exec') {
      problems.check(
        (liveness.command ?? []).length > 0,
        subject,
        'liveness',
        'WorkerLiveness.exec needs a command',
      );
    }
    if (liveness.kind === 'none') {
      problems.check(
        (liveness.reason ?? '').trim().length > 0,
        subject,
        'liveness',
        'WorkerLiveness.none needs the reason the worker has no probe',
      );
    }
  }

  /** Builds the worker in one environment. */
  public build(scope: Construct, binding: AppBinding): Worker {
    return new Worker(scope, `${binding.environment.name}-${this.name}`, this, binding);
  }
}

/**
 * A background process (queue consumer) in one environment: the app foundation plus a
 * Deployment with rolling updates that never drop capacity, and a PodMonitor when it exposes
 * a metrics port. No Service and no route: nothing calls it.
 */
export class Worker extends AppConstruct {
  /** Declares a worker (the form apps/<name>.ts uses). */
  public static define(props: WorkerProps): WorkerDefinition {
    checkAppShape(AppKind.WORKER, props);
    return new WorkerDefinition(props);
  }

  public constructor(
    scope: Construct,
    id: string,
    definition: WorkerDefinition,
    binding: AppBinding,
  ) {
    super(scope, id, definition, binding);
    const ports = definition.ports;
    const metricsPort = ports.find(
      (port) => port.name === (this.props.metrics?.port ?? ports[0]?.name),
    );
    if (metricsPort) this.podMonitor(metricsPort.name);
    this.networkPolicy({ gatewayPorts: [], metricsPort });
    this.disruptionBudget();
    const probe = livenessProbe(
      definition.liveness,
      this.props.metrics?.port ?? ports[0]?.name,
      this.props.metrics?.path,
    );
    this.rollingDeployment(
      this.podTemplate(this.container(ports, probe ? { livenessProbe: probe } : {})),
      '25%',
      0,
    );
  }

  /** Autoscaler max (or replicas) plus surge. */
  protected get maxPods(): number {
    const most = this.settings.autoscaling?.maxReplicas ?? this.settings.replicas;
    return Math.ceil(most * 1.25) + 1;
  }
}

/** The container's liveness probe, or none when the app opted out. */
function livenessProbe(
  liveness: WorkerLiveness,
  metricsPort: string | undefined,
  metricsPath: string | undefined,
): k8s.Probe | undefined {
  const timing = { periodSeconds: 10, failureThreshold: 3 };
  if (liveness.kind === 'none') return undefined;
  if (liveness.kind === 'exec')
    return { exec: { command: [...(liveness.command ?? [])] }, ...timing };
  return {
    httpGet: {
      path: liveness.path ?? metricsPath ?? '/metrics',
      port: k8s.IntOrString.fromString(liveness.port ?? metricsPort ?? ''),
    },
    ...timing,
  };
}
