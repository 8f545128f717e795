import { k8s } from 'cdk8s-plus-28';
import type { Construct } from 'constructs';
import { AppConstruct } from './app-construct';
import { AppDefinition, AppKind, type AppBinding } from './definition';
import type { AppProps, PortOptions, ScheduledTaskProps } from './props';
import { JsonObject } from '../json-object';
import { type ProblemCollector } from '../errors';
import { isCronSchedule } from '../cron';

/** The declaration of a scheduled task, as apps/<name>.ts exports it. */
export class ScheduledTaskDefinition extends AppDefinition<ScheduledTaskProps & AppProps> {
  public constructor(props: ScheduledTaskProps) {
    super(AppKind.SCHEDULED_TASK, props);
  }

  /** A task listens on nothing. */
  public get ports(): readonly PortOptions[] {
    return [];
  }

  /** A scheduled task's rule: its schedule is a cron expression. */
  protected override validateKind(problems: ProblemCollector, subject: string): void {
    const schedule = this.props.schedule;
    problems.check(
      isCronSchedule(schedule),
      subject,
      'schedule',
      `must be a five-field cron expression like '0 3 * * *', got '${schedule}'`,
    );
  }

  /** Builds the task in one environment. */
  public build(scope: Construct, binding: AppBinding): ScheduledTask {
    return new ScheduledTask(scope, `${binding.environment.name}-${this.name}`, this, binding);
  }
}

/**
 * A CronJob in one environment: the app foundation plus the job, which never runs twice at
 * once and is stopped after its timeout.
 */
export class ScheduledTask extends AppConstruct {
  /** Declares a scheduled task (the form apps/<name>.ts uses). */
  public static define(props: ScheduledTaskProps): ScheduledTaskDefinition {
    return new ScheduledTaskDefinition(props);
  }

  public constructor(
    scope: Construct,
    id: string,
    definition: ScheduledTaskDefinition,
    binding: AppBinding,
  ) {
    super(scope, id, definition, binding);
    const props = definition.props;
    this.networkPolicy({ gatewayPorts: [] });
    new JsonObject(this.folder, 'cron-job', {
      ...k8s.KubeCronJob.GVK,
      ...k8s.toJson_KubeCronJobProps({
        metadata: this.metadata(definition.name),
        spec: {
          schedule: props.schedule,
          timeZone: 'Etc/UTC',
          concurrencyPolicy: 'Forbid',
          successfulJobsHistoryLimit: 3,
          failedJobsHistoryLimit: 3,
          jobTemplate: {
            spec: {
              backoffLimit: 2,
              activeDeadlineSeconds: props.timeout?.toSeconds() ?? 1800,
              template: this.podTemplate(this.container([]), 'Never'),
            },
          },
        },
      }),
    });
  }

  /** One run at a time, plus one starting while the last pod terminates. */
  protected get maxPods(): number {
    return 2;
  }
}
