// The shape of what users write (app props, environments, clusters, platform settings),
// checked at run time: a JavaScript caller or an `as any` cast gets past the compiler, and a
// misspelled key such as `enable: false` would otherwise be ignored without a word.
//
// A schema is written as `object<SomeProps>({...})`, whose argument is typed `Fields<SomeProps>`:
// one rule per key of the interface, optional exactly where the interface's key is. So the
// compiler keeps each schema equal to its interface: a prop added to the interface and not
// here, or listed here and not there, is a type error (`tsc`, and synth's own type check).

/** A field that breaks its rule: the path as the user wrote it, and what is wrong. */
export interface ShapeProblem {
  /** Path of the field, e.g. `environments.prod.enable` or `ports[0].name`. */
  readonly field: string;
  /** The rule and the value seen. */
  readonly message: string;
}

/** How a value is checked. `V` is the type the rule stands for, so a rule fits only fields of that type. */
export interface Rule<V> {
  /** What a value must be, for messages: `a string`, `a list (each a string)`. */
  readonly expected: string;
  /** Appends a problem for each way `value` (at path `at`) breaks the rule. */
  readonly check: (value: unknown, at: string, problems: ShapeProblem[]) => void;
  /** Never set: carries `V`, so `Rule<number>` cannot stand for a string field. */
  readonly type?: V;
}

/** A rule for a field the interface marks optional (`?`). */
export interface OptionalRule<V> extends Rule<V> {
  readonly optional: true;
}

/** A rule for a field the interface requires (not wrapped in {@link optional}). */
export interface RequiredRule<V> extends Rule<V> {
  readonly optional?: undefined;
}

/** One rule per key of `T`: optional rules exactly for its optional keys. */
export type Fields<T> = {
  readonly [K in keyof T]-?: Record<never, never> extends Pick<T, K>
    ? OptionalRule<Exclude<T[K], undefined>>
    : RequiredRule<T[K]>;
};

/** A short description of a value, for `got ...`. */
export function describeValue(value: unknown): string {
  if (typeof value === 'string') {
    return `'${value.length > 60 ? `${value.slice(0, 57)}...` : value}'`;
  }
  if (value === null || typeof value !== 'object') {
    return typeof value === 'function' ? 'a function' : String(value);
  }
  if (Array.isArray(value)) return `a list of ${value.length}`;
  const prototype: unknown = Object.getPrototypeOf(value);
  const name = (prototype as { constructor?: { name?: string } } | null)?.constructor?.name;
  return prototype === null || prototype === Object.prototype || !name ? 'an object' : `a ${name}`;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function leaf<V>(expected: string, test: (value: unknown) => boolean): Rule<V> {
  return {
    expected,
    check: (value, at, problems) => {
      if (!test(value)) {
        problems.push({ field: at, message: `must be ${expected}, got ${describeValue(value)}` });
      }
    },
  };
}

/** A string. */
export const string: Rule<string> = leaf('a string', (value) => typeof value === 'string');

/** A number (whether whole, and its range, are the validators' rules). */
export const number: Rule<number> = leaf('a number', (value) => typeof value === 'number');

/** `true` or `false`. */
export const boolean: Rule<boolean> = leaf('true or false', (value) => typeof value === 'boolean');

/**
 * One of a closed set of strings (an enum, a union of literals), given as an object with every
 * member as a key, so the compiler checks that the set is complete.
 */
export function oneOf<V extends string>(members: Readonly<Record<V, true>>): Rule<V> {
  const values: readonly string[] = Object.keys(members);
  return {
    expected: `one of ${values.join(', ')}`,
    check: (value, at, problems) => {
      if (typeof value !== 'string' || !values.includes(value)) {
        problems.push({
          field: at,
          message: `must be one of ${values.join(', ')}, got ${describeValue(value)}`,
        });
      }
    },
  };
}

/** A function of the given type (only that it is a function is checked). */
export function func<F>(expected: string): Rule<F> {
  return leaf(expected, (value) => typeof value === 'function');
}

/** An object made by a class's factories (`Duration.seconds(30)`, `SyncPolicy.gated()`). */
export function instance<V>(type: { readonly prototype: V }, expected: string): Rule<V> {
  return leaf(
    expected,
    (value) =>
      typeof value === 'object' &&
      value !== null &&
      Object.prototype.isPrototypeOf.call(type.prototype, value),
  );
}

/**
 * Any object, whose keys are someone else's to check (chart values: `npm run render` compares
 * each key with the chart's own values). It stands for a field of any object type.
 */
export function anyObject(expected: string): Rule<never> {
  return leaf(expected, isPlainObject);
}

/** The rule, for a field the interface marks optional. */
export function optional<V>(rule: Rule<V>): OptionalRule<V> {
  return { ...rule, optional: true };
}

/** Either of two rules (a count or a percentage: `number | string`). */
export function either<A, B>(first: Rule<A>, second: Rule<B>): Rule<A | B> {
  const expected = `${first.expected} or ${second.expected}`;
  return {
    expected,
    check: (value, at, problems) => {
      const seen: ShapeProblem[] = [];
      first.check(value, at, seen);
      if (seen.length === 0) return;
      const other: ShapeProblem[] = [];
      second.check(value, at, other);
      if (other.length === 0) return;
      problems.push({ field: at, message: `must be ${expected}, got ${describeValue(value)}` });
    },
  };
}

/**
 * A list whose items each follow the rule; with `atLeastOne`, not empty, the text saying what
 * it must list and why (`at least one port (the first serves HTTP)`).
 */
export function list<V>(item: Rule<V>, atLeastOne?: string): Rule<readonly V[]> {
  const expected = `a list (each ${item.expected})`;
  return {
    expected,
    check: (value, at, problems) => {
      if (!Array.isArray(value)) {
        problems.push({ field: at, message: `must be ${expected}, got ${describeValue(value)}` });
        return;
      }
      if (atLeastOne !== undefined && value.length === 0) {
        problems.push({ field: at, message: `must list ${atLeastOne}, got []` });
      }
      value.forEach((element, i) => item.check(element, `${at}[${i}]`, problems));
    },
  };
}

/** An object of free keys (names the user chooses) whose values each follow the rule. */
export function record<V>(value: Rule<V>): Rule<Readonly<Record<string, V>>> {
  const expected = `an object (each value ${value.expected})`;
  return {
    expected,
    check: (input, at, problems) => {
      if (!isPlainObject(input)) {
        problems.push({ field: at, message: `must be ${expected}, got ${describeValue(input)}` });
        return;
      }
      for (const [key, element] of Object.entries(input)) {
        if (element !== undefined) value.check(element, `${at}.${key}`, problems);
      }
    },
  };
}

/** Edit distance with transpositions (optimal string alignment), for "did you mean". */
function distance(a: string, b: string): number {
  const rows = Array.from({ length: a.length + 1 }, (_, i) =>
    Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      rows[i][j] = Math.min(rows[i - 1][j] + 1, rows[i][j - 1] + 1, rows[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        rows[i][j] = Math.min(rows[i][j], rows[i - 2][j - 2] + 1);
      }
    }
  }
  return rows[a.length][b.length];
}

/**
 * The known name a misspelled one most likely meant: the one closest to it (ignoring case), if
 * it is close for its length and no other is as close; else the only one it begins or ends a
 * prefix of (`apiToken` for `apiTokenSecret`); undefined otherwise.
 */
export function closestName(name: string, known: readonly string[]): string | undefined {
  const allowed = name.length <= 4 ? 1 : name.length <= 8 ? 2 : 3;
  let best: string | undefined;
  let bestDistance = Infinity;
  let tie = false;
  for (const candidate of known) {
    const d = distance(name.toLowerCase(), candidate.toLowerCase());
    if (d < bestDistance) {
      [best, bestDistance, tie] = [candidate, d, false];
    } else if (d === bestDistance) {
      tie = true;
    }
  }
  if (best !== undefined && bestDistance <= allowed && !tie) return best;
  const lower = name.toLowerCase();
  const prefixed = known.filter((candidate) => {
    const other = candidate.toLowerCase();
    return lower.length >= 4 && (other.startsWith(lower) || lower.startsWith(other));
  });
  return prefixed.length === 1 ? prefixed[0] : undefined;
}

/**
 * An object with exactly the given fields: each key it has must be one of them (or be
 * `undefined`), each required one must be there, and each value must follow its field's rule.
 */
export function object<T>(fields: Fields<T>): Rule<T> {
  const rules = fields as unknown as Readonly<Record<string, Rule<unknown> & { optional?: true }>>;
  const known = Object.keys(rules);
  const expected = 'an object';
  return {
    expected,
    check: (value, at, problems) => {
      if (!isPlainObject(value)) {
        problems.push({ field: at, message: `must be ${expected}, got ${describeValue(value)}` });
        return;
      }
      const prefix = at === '' ? '' : `${at}.`;
      // A misspelled key is one problem: the field it meant is not reported missing as well.
      const meant = new Set<string>();
      for (const key of Object.keys(value)) {
        if (Object.prototype.hasOwnProperty.call(rules, key) || value[key] === undefined) continue;
        const guess = closestName(key, known);
        if (guess) meant.add(guess);
        problems.push({
          field: `${prefix}${key}`,
          message: `unknown field; known fields: ${known.join(', ')}${guess ? `; did you mean '${guess}'?` : ''}`,
        });
      }
      for (const key of known) {
        const rule = rules[key];
        const field = value[key];
        if (field === undefined) {
          if (!rule.optional && !meant.has(key)) {
            problems.push({
              field: `${prefix}${key}`,
              message: `is required (${rule.expected}), got nothing`,
            });
          }
          continue;
        }
        rule.check(field, `${prefix}${key}`, problems);
      }
    },
  };
}

/**
 * Checks a value against a rule. The problems' fields are paths from the value's root; a
 * problem with the root itself (not an object at all) gets the field `whole`.
 */
export function shapeProblems<V>(value: unknown, rule: Rule<V>, whole: string): ShapeProblem[] {
  const problems: ShapeProblem[] = [];
  rule.check(value, '', problems);
  return problems.map((problem) => (problem.field === '' ? { ...problem, field: whole } : problem));
}
