// Cron schedules as a Kubernetes CronJob takes them: five fields (minute hour day-of-month
// month day-of-week) or one of the named macros. The rules are those of the parser the
// CronJob controller and API server use (robfig/cron v3, standard mode), so a schedule that
// passes here is one Kubernetes accepts.

/** The macros a CronJob accepts in place of five fields. */
export const CRON_MACROS: readonly string[] = [
  '@yearly',
  '@annually',
  '@monthly',
  '@weekly',
  '@daily',
  '@midnight',
  '@hourly',
];

/** Five fields (minute hour day-of-month month day-of-week), as a Kubernetes CronJob takes. */
const FIVE_FIELDS = /^(\S+\s+){4}\S+$/;

/** Whether a schedule has the shape of a cron expression: five fields, or a macro. */
export function isCronSchedule(schedule: string): boolean {
  return CRON_MACROS.includes(schedule) || FIVE_FIELDS.test(schedule.trim());
}

/** One of the five fields: its name, its bounds and, for month and day-of-week, its names. */
interface CronField {
  readonly name: string;
  readonly min: number;
  readonly max: number;
  readonly names?: readonly string[];
  /** Whether '?' may stand for '*' (day-of-month and day-of-week). */
  readonly question?: boolean;
}

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
// Kubernetes' parser counts Sunday as 0 only: '7' is out of range there.
const WEEKDAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];

const FIELDS: readonly CronField[] = [
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day-of-month', min: 1, max: 31, question: true },
  { name: 'month', min: 1, max: 12, names: MONTHS },
  { name: 'day-of-week', min: 0, max: 6, names: WEEKDAYS, question: true },
];

/** What a field allows, for messages: `0-59`, `1-12 or JAN-DEC`. */
function allowed(field: CronField): string {
  const range = `${field.min}-${field.max}`;
  if (!field.names) return range;
  const first = field.names[0].toUpperCase();
  const last = field.names[field.names.length - 1].toUpperCase();
  return `${range} or ${first}-${last}`;
}

/** A value of a field (a number, or a month or weekday name), or why it is not one. */
function parseValue(field: CronField, text: string): number | string {
  if (/^\d+$/.test(text)) {
    const value = Number(text);
    if (value < field.min || value > field.max) {
      return `${field.name} field '${text}' is out of range ${allowed(field)}`;
    }
    return value;
  }
  const index = field.names?.indexOf(text.toLowerCase()) ?? -1;
  if (index >= 0) return index + field.min;
  return field.names
    ? `${field.name} field '${text}' is not a number or name of ${allowed(field)}`
    : `${field.name} field '${text}' is not a number (${field.name} takes ${allowed(field)}; names are for month and day-of-week only)`;
}

/** Why one comma-separated item of a field is wrong (`*`, `a`, `a-b`, each with `/n`), if it is. */
function itemProblem(field: CronField, item: string): string | undefined {
  const parts = item.split('/');
  if (parts.length > 2) return `${field.name} field '${item}' has more than one '/'`;
  const [range, step] = parts;
  if (step !== undefined) {
    if (!/^\d+$/.test(step)) return `${field.name} field '${item}' has a step that is not a number`;
    if (Number(step) === 0)
      return `${field.name} field '${item}' has a step of 0; a step is at least 1`;
  }
  if (range === '*' || (field.question === true && range === '?')) return undefined;
  const ends = range.split('-');
  if (ends.length > 2 || ends.some((end) => end === '')) {
    return `${field.name} field '${item}' must be '*', a value, a range a-b or a step */n or a-b/n`;
  }
  const values: number[] = [];
  for (const end of ends) {
    const value = parseValue(field, end);
    if (typeof value === 'string') return value;
    values.push(value);
  }
  if (values.length === 2 && values[0] > values[1]) {
    return `${field.name} field '${item}' is a range that ends before it starts`;
  }
  return undefined;
}

/**
 * What is wrong with each field of a five-field schedule, one message per wrong field, each
 * naming the field and ending with the schedule (`minute field '61' is out of range 0-59, got
 * '61 * * * *'`). Empty for a valid schedule, a macro, or one that is not five fields at all
 * (see {@link isCronSchedule} for that).
 */
export function cronFieldProblems(schedule: string): string[] {
  if (CRON_MACROS.includes(schedule) || !FIVE_FIELDS.test(schedule.trim())) return [];
  const texts = schedule.trim().split(/\s+/);
  const problems: string[] = [];
  FIELDS.forEach((field, i) => {
    const items = texts[i].split(',');
    const problem = items.includes('')
      ? `${field.name} field '${texts[i]}' has an empty list item`
      : items.map((item) => itemProblem(field, item)).find((found) => found !== undefined);
    if (problem !== undefined) problems.push(`${problem}, got '${schedule}'`);
  });
  return problems;
}
