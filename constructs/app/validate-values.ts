// The numbers, units and durations of an app as its engineer wrote them: whole numbers where
// Kubernetes takes integers, CPU and memory in their own units, rolling-update bounds a
// Deployment accepts, cron fields in range, and durations that render (cdk8s throws on a
// fractional `toSeconds()`, and Kubernetes and Argo take whole seconds). Checked before
// anything renders, so each mistake is one line naming the field instead of a stack trace.
import { Duration } from 'cdk8s';
import {
  checkDuration,
  checkSizeUnits,
  secondsProblem,
  type DurationRule,
} from '../config/quantity';
import type { ProblemCollector } from '../errors';
import { cronFieldProblems } from '../cron';
import type { AppProps, AutoscalingOptions } from './props';
import { MANUAL_PROMOTION, type ResolvedAnalysis, type RolloutTemplate } from './rollout';

/**
 * The props {@link validateAppValues} reads: what every kind has, plus the kind-specific fields
 * (a web service's rollout, a scheduled task's schedule and timeout), absent for other kinds.
 */
export type AppValueProps = AppProps & {
  readonly rollout?: RolloutTemplate;
  readonly schedule?: string;
  readonly timeout?: Duration;
};

/**
 * Checks the numbers, units and durations of an app's props and of each environment override,
 * adding one problem per broken rule, each naming the field as written
 * (`environments.prod.resources.memoryLimit`).
 */
export function validateAppValues(
  problems: ProblemCollector,
  subject: string,
  props: AppValueProps,
): void {
  const overrides = Object.entries(props.environments ?? {});

  checkSizeUnits(problems, subject, 'resources', props.resources ?? {});
  for (const [env, override] of overrides) {
    checkSizeUnits(problems, subject, `environments.${env}.resources`, override.resources ?? {});
  }

  const scaling: [string, AutoscalingOptions | undefined][] = [
    ['autoscaling', props.autoscaling],
    ...overrides.map(([env, override]): [string, AutoscalingOptions | undefined] => [
      `environments.${env}.autoscaling`,
      override.autoscaling,
    ]),
  ];
  for (const [field, autoscaling] of scaling) {
    if (autoscaling) checkAutoscaling(problems, subject, field, autoscaling);
  }

  checkDuration(problems, subject, 'metrics.interval', props.metrics?.interval, {
    minSeconds: 1,
    wholeSecondsFor: "the PodMonitor's scrape interval",
  });

  if (props.rollout) checkRollout(problems, subject, props.rollout);

  if (typeof props.schedule === 'string') {
    for (const problem of cronFieldProblems(props.schedule)) {
      problems.add(subject, 'schedule', problem);
    }
  }
  // 0 would stop every run the moment it starts.
  checkDuration(problems, subject, 'timeout', props.timeout, {
    minSeconds: 1,
    wholeSecondsFor: "the Job's activeDeadlineSeconds",
  });
}

/**
 * The HorizontalPodAutoscaler's integers. minReplicas, the order of min and max, and the
 * target's range are checked with the other app rules (AppDefinition.validate).
 */
function checkAutoscaling(
  problems: ProblemCollector,
  subject: string,
  field: string,
  autoscaling: AutoscalingOptions,
): void {
  problems.check(
    Number.isInteger(autoscaling.maxReplicas),
    subject,
    `${field}.maxReplicas`,
    `must be a whole number, got ${autoscaling.maxReplicas}`,
  );
  const target = autoscaling.targetCpuPercent;
  if (target !== undefined) {
    problems.check(
      Number.isInteger(target),
      subject,
      `${field}.targetCpuPercent`,
      `must be a whole percentage, got ${target}`,
    );
  }
}

/** The numbers and durations of a rollout template. */
function checkRollout(problems: ProblemCollector, subject: string, rollout: RolloutTemplate): void {
  if (rollout.kind === 'rolling') {
    const surge = podCount(problems, subject, 'rollout.maxSurge', rollout.maxSurge, false);
    const unavailable = podCount(
      problems,
      subject,
      'rollout.maxUnavailable',
      rollout.maxUnavailable,
      true,
    );
    problems.check(
      !(surge === 0 && unavailable === 0),
      subject,
      'rollout.maxUnavailable',
      'must not be 0 when maxSurge is 0 too: Kubernetes refuses a rolling update that may neither add a pod nor take one down',
    );
    return;
  }
  if (rollout.kind === 'canary') {
    rollout.steps.forEach((step, i) => {
      const pause = step.pause;
      if (pause === undefined || pause === MANUAL_PROMOTION) return;
      const field = `rollout.steps[${i}].pause`;
      // A JavaScript caller can pass anything; TypeScript only a Duration or 'manual'.
      if (!(pause instanceof Duration)) {
        const seen: unknown = pause;
        problems.add(
          subject,
          field,
          `must be a Duration or RolloutStrategy.MANUAL ('${MANUAL_PROMOTION}'), got ${JSON.stringify(seen)}`,
        );
        return;
      }
      // A pause of 0 is no pause: leave it out instead.
      checkDuration(problems, subject, field, pause, {
        minSeconds: 1,
        wholeSecondsFor: 'an Argo Rollouts pause',
      });
    });
  } else {
    seconds(problems, subject, 'rollout.scaleDownDelay', rollout.scaleDownDelaySeconds, {
      wholeSecondsFor: "Argo Rollouts' scaleDownDelaySeconds",
    });
  }
  checkAnalysisTiming(problems, subject, rollout.analysis);
}

/**
 * The analysis timing, already in seconds (the rollout factories convert). Intervals under
 * 1 s are refused with the web service's own rules; here only what does not render.
 */
function checkAnalysisTiming(
  problems: ProblemCollector,
  subject: string,
  analysis: ResolvedAnalysis,
): void {
  if (analysis.intervalSeconds >= 1) {
    seconds(problems, subject, 'rollout.analysis.interval', analysis.intervalSeconds, {
      wholeSecondsFor: "an AnalysisTemplate's interval",
    });
  }
  if (analysis.initialDelaySeconds !== undefined) {
    seconds(problems, subject, 'rollout.analysis.initialDelay', analysis.initialDelaySeconds, {
      wholeSecondsFor: "an AnalysisTemplate's initialDelay",
    });
  }
}

function seconds(
  problems: ProblemCollector,
  subject: string,
  field: string,
  value: number,
  rule: DurationRule,
): void {
  const problem = secondsProblem(value, rule);
  if (problem !== undefined) problems.add(subject, field, problem);
}

/** Kubernetes' IntOrString percentage: digits and '%', nothing else. */
const PERCENT = /^(\d+)%$/;

/**
 * A rolling update's maxSurge or maxUnavailable: a whole number of pods or a whole percentage
 * (maxUnavailable at most 100 %). Returns the amount (pods or percent) when valid.
 */
function podCount(
  problems: ProblemCollector,
  subject: string,
  field: string,
  value: number | string,
  capped: boolean,
): number | undefined {
  const percent = typeof value === 'string' ? PERCENT.exec(value) : null;
  const amount = percent ? Number(percent[1]) : value;
  if (typeof amount !== 'number' || !Number.isInteger(amount) || amount < 0) {
    const seen = typeof value === 'string' ? `'${value}'` : String(value);
    problems.add(
      subject,
      field,
      `must be a whole number of pods (at least 0) or a whole percentage like '25%', got ${seen}`,
    );
    return undefined;
  }
  if (percent && capped && amount > 100) {
    problems.add(subject, field, `must not be above 100%, got '${value}'`);
    return undefined;
  }
  return amount;
}
