/**
 * One broken rule in the configuration: where (`cluster 'prod'`, `app 'checkout' env 'dev'`),
 * which field, the rule, and the value seen. Synth prints these without a stack trace.
 */
export interface ConfigProblem {
  /** What the problem is about, e.g. `cluster 'prod'` or `environment 'test'`. */
  readonly subject: string;
  /** The field path inside it, e.g. `nodes[2].ip`. */
  readonly field: string;
  /** The rule and what was seen, e.g. `must be a valid IPv4 address, got '10.0.0.300'`. */
  readonly message: string;
}

/** Formats a problem as one line: `cluster 'prod' nodes[2].ip: must be ...`. */
export function formatProblem(problem: ConfigProblem): string {
  return `${problem.subject} ${problem.field}: ${problem.message}`;
}

/** Bad input, reported as every problem found, one per line; synth writes nothing. */
export class ConfigError extends Error {
  public readonly problems: readonly ConfigProblem[];

  public constructor(problems: readonly ConfigProblem[]) {
    const lines = problems.map(formatProblem);
    super(
      lines.length === 1
        ? lines[0]
        : `${lines.length} problems:\n${lines.map((line) => `  - ${line}`).join('\n')}`,
    );
    this.name = 'ConfigError';
    this.problems = problems;
  }

  /** Shorthand for the common case of a single problem. */
  public static of(subject: string, field: string, message: string): ConfigError {
    return new ConfigError([{ subject, field, message }]);
  }
}

/** Collects problems while validating, then throws them together (or not at all). */
export class ProblemCollector {
  private readonly problems: ConfigProblem[] = [];

  /** Records a problem. */
  public add(subject: string, field: string, message: string): void {
    this.problems.push({ subject, field, message });
  }

  /** Records a problem unless the condition holds. */
  public check(condition: boolean, subject: string, field: string, message: string): void {
    if (!condition) this.add(subject, field, message);
  }

  /** Throws a ConfigError holding every recorded problem, if any. */
  public throwIfAny(): void {
    if (this.problems.length > 0) throw new ConfigError(this.problems);
  }
}
