// Quantities users write. Kubernetes quantities for CPU and memory sizes: parsed to compare
// requests and limits, and checked for a unit their resource means (Kubernetes accepts any
// quantity for any resource, so `cpu: 512Mi` or `memory: 512m`, millibytes, only fail once a
// pod is scheduled). Durations: checked where they enter, before cdk8s converts them.
import { Duration } from 'cdk8s';
import type { ProblemCollector } from '../errors';
import type { ResourceSizes } from './types';

const SUFFIXES: Readonly<Record<string, number>> = {
  '': 1,
  m: 1e-3,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
};

const QUANTITY = /^(\d+(?:\.\d+)?)(m|k|M|G|T|Ki|Mi|Gi|Ti)?$/;

/** The quantity's value in base units (cores or bytes), or undefined if it is not a quantity. */
export function parseQuantity(text: string): number | undefined {
  const match = QUANTITY.exec(text);
  if (!match) return undefined;
  return Number(match[1]) * SUFFIXES[match[2] ?? ''];
}

// Cores with at most three decimals, or whole millicores: Kubernetes' CPU resolution is 1m.
const CPU = /^(\d+(\.\d{1,3})?|\d+m)$/;

/**
 * Why a quantity is no CPU size (a byte unit, finer than 1m), if it is not; undefined also for
 * text that is no quantity at all, which {@link parseQuantity}'s callers report.
 */
export function cpuQuantityProblem(text: string): string | undefined {
  if (parseQuantity(text) === undefined || CPU.test(text)) return undefined;
  return `must be CPU cores like '0.5' or '2', or whole millicores like '250m' (no byte units, nothing finer than 1m), got '${text}'`;
}

/**
 * Why a quantity is no memory size (milli-units, a fraction of a byte), if it is not; undefined
 * also for text that is no quantity at all, which {@link parseQuantity}'s callers report.
 */
export function memoryQuantityProblem(text: string): string | undefined {
  const bytes = parseQuantity(text);
  if (bytes === undefined) return undefined;
  if (text.endsWith('m')) {
    return `must be bytes with a unit like '512Mi' or '1Gi', got '${text}' ('m' means thousandths of a byte, not megabytes: write '${text.slice(0, -1)}Mi')`;
  }
  // A decimal with a binary unit can be whole bytes (1.5Gi); one without a unit never is.
  if (!Number.isInteger(bytes)) {
    return `must be a whole number of bytes like '512Mi' or '1Gi', got '${text}'`;
  }
  return undefined;
}

/** Checks that each CPU size given is a CPU quantity and each memory size a byte quantity. */
export function checkSizeUnits(
  problems: ProblemCollector,
  subject: string,
  field: string,
  sizes: Partial<ResourceSizes>,
): void {
  const checks = [
    ['cpuRequest', cpuQuantityProblem],
    ['cpuLimit', cpuQuantityProblem],
    ['memoryRequest', memoryQuantityProblem],
    ['memoryLimit', memoryQuantityProblem],
  ] as const;
  for (const [key, problemOf] of checks) {
    const value = sizes[key];
    const problem = typeof value === 'string' ? problemOf(value) : undefined;
    if (problem !== undefined) problems.add(subject, `${field}.${key}`, problem);
  }
}

/** What a duration must be, besides a `Duration`. */
export interface DurationRule {
  /**
   * Fewest seconds allowed.
   * @default - no minimum
   */
  readonly minSeconds?: number;
  /**
   * Set when only whole seconds render: what takes them, named in the message (`must be whole
   * seconds for the Job's activeDeadlineSeconds`).
   * @default - fractions of a second allowed
   */
  readonly wholeSecondsFor?: string;
}

/** Why a number of seconds breaks the rule, if it does (NaN always does). */
export function secondsProblem(seconds: number, rule: DurationRule): string | undefined {
  const whole = rule.wholeSecondsFor === undefined || Number.isInteger(seconds);
  const enough =
    rule.minSeconds === undefined ? !Number.isNaN(seconds) : seconds >= rule.minSeconds;
  if (whole && enough) return undefined;
  const least = rule.minSeconds === undefined ? '' : `at least ${rule.minSeconds} s`;
  if (rule.wholeSecondsFor === undefined) {
    return `must be ${least || 'a number of seconds'}, got ${seconds} s`;
  }
  return `must be whole seconds${least && ` of ${least}`} for ${rule.wholeSecondsFor}, got ${seconds} s`;
}

/**
 * Checks a duration where it enters: a `Duration` (a JavaScript caller could pass a number or
 * a string), then the rule. cdk8s would throw at render time on a fractional `toSeconds()`
 * instead, with a stack trace. Undefined passes (the default applies).
 */
export function checkDuration(
  problems: ProblemCollector,
  subject: string,
  field: string,
  value: Duration | undefined,
  rule: DurationRule,
): void {
  if (value === undefined) return;
  if (!(value instanceof Duration)) {
    problems.add(
      subject,
      field,
      `must be a Duration like Duration.seconds(30), got ${JSON.stringify(value) ?? String(value)}`,
    );
    return;
  }
  const problem = secondsProblem(value.toSeconds({ integral: false }), rule);
  if (problem !== undefined) problems.add(subject, field, problem);
}
