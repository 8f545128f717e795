import type { Construct } from 'constructs';
import { AppConstruct } from './app-construct';
import { AppDefinition, AppKind, type AppBinding } from './definition';
import type { PortOptions, WorkerProps } from './props';

/** The declaration of a worker, as apps/<name>.ts exports it. */
export class WorkerDefinition extends AppDefinition<WorkerProps> {
  public constructor(props: WorkerProps) {
    super(AppKind.WORKER, props);
  }

  /** Ports (metrics, usually). */
  public get ports(): readonly PortOptions[] {
    return this.props.ports ?? [];
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
    this.rollingDeployment(this.podTemplate(this.container(ports)), '25%', 0);
  }

  /** Autoscaler max (or replicas) plus surge. */
  protected get maxPods(): number {
    const most = this.settings.autoscaling?.maxReplicas ?? this.settings.replicas;
    return Math.ceil(most * 1.25) + 1;
  }
}
