import { k8s } from 'cdk8s-plus-28';
import type { Construct } from 'constructs';
import { AppConstruct } from './app-construct';
import { AppDefinition, AppKind, type AppBinding } from './definition';
import { checkAppShape } from './known-keys';
import type { AppProps, PortOptions, ScheduledTaskProps } from './props';
import { JsonObject } from '../json-object';
import { type ProblemCollector } from '../errors';
import { isCronSchedule } from '../cron';

/** Longest CronJob name Kubernetes accepts. */
const CRONJOB_NAME_MAX = 52;

/** The declaration of a scheduled task, as apps/<name>.ts exports it. */
export class ScheduledTaskDefinition extends AppDefinition<ScheduledTaskProps & AppProps> {
  public constructor(props: ScheduledTaskProps) {
    super(AppKind.SCHEDULED_TASK, props);
  }

  /** A task listens on nothing. */
  public get ports(): readonly PortOptions[] {
    return [];
  }

  /** A scheduled task's rules: its schedule is a cron expression, its name fits a CronJob. */
  protected override validateKind(problems: ProblemCollector, subject: string): void {
    const schedule = this.props.schedule;
    problems.check(
      isCronSchedule(schedule),
      subject,
      'schedule',
      `must be a five-field cron expression like '0 3 * * *', got '${schedule}'`,
    );
    // The CronJob controller appends an 11-character suffix to the Job names it creates, so
    // Kubernetes refuses a CronJob name longer than 52 characters.
    problems.check(
      this.name.length <= CRONJOB_NAME_MAX,
      subject,
      'name',
      `must be at most ${CRONJOB_NAME_MAX} characters for a scheduled task (its CronJob's Jobs get an 11-character suffix), got ${this.name.length}`,
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
    checkAppShape(AppKind.SCHEDULED_TASK, props);
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
        metadata: this.workloadMetadata(definition.name),
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
