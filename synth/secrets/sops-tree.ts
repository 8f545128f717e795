/**
 * A YAML document as SOPS's Go code sees it. SOPS decodes each scalar with go-yaml v3 into
 * `interface{}` and hashes (MAC) and encrypts that typed value, so reading a file here must
 * type every scalar exactly as go-yaml does (`0644` is the int 420, `08` the float 8, an
 * unquoted `2024-01-01` a time, `yes` a string), and writing must quote every string go-yaml
 * (or a YAML 1.1 reader such as kustomize) would read as something else. The `yaml` package
 * parses with its failsafe schema (every scalar a string, style and tag kept) and the typing
 * below follows go-yaml v3's `resolve.go`.
 */
import {
  Document,
  Pair,
  Scalar,
  YAMLMap,
  YAMLSeq,
  isAlias,
  isMap,
  isScalar,
  isSeq,
  parseAllDocuments,
} from 'yaml';
import { SopsError } from './sops-error';

/** A scalar as Go holds it after decoding: the types SOPS encrypts (`type:str|int|...`). */
export type SopsScalar =
  | { readonly kind: 'str'; readonly value: string }
  | { readonly kind: 'int'; readonly value: bigint }
  | { readonly kind: 'float'; readonly value: number }
  | { readonly kind: 'bool'; readonly value: boolean }
  /** A Go `time.Time`, held as its `MarshalText` form (RFC 3339 with nanoseconds). */
  | { readonly kind: 'time'; readonly value: string };

/** One node of the tree: SOPS neither hashes nor encrypts `null`. */
export type SopsNode =
  | SopsScalar
  | { readonly kind: 'null' }
  | SopsMap
  | { readonly kind: 'seq'; readonly items: readonly SopsNode[] };

/** A mapping, in document order (the MAC covers the order). */
export interface SopsMap {
  readonly kind: 'map';
  readonly entries: readonly SopsEntry[];
}

/** One key of a mapping: SOPS supports string keys only. */
export interface SopsEntry {
  readonly key: string;
  readonly value: SopsNode;
}

const NULL: SopsNode = { kind: 'null' };
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const UINT64_MAX = 2n ** 64n - 1n;
// Deeper than any real manifest; stops a recursive alias (`a: &x [*x]`).
const MAX_DEPTH = 200;
// Stops an alias bomb ("billion laughs") from expanding without bound.
const MAX_NODES = 1_000_000;

const TAG = 'tag:yaml.org,2002:';

function str(value: string): SopsScalar {
  return { kind: 'str', value };
}

// go-yaml v3 resolve.go: the exact spellings it looks up first.
const RESOLVE_MAP = new Map<string, SopsNode>([
  ...['true', 'True', 'TRUE'].map((s): [string, SopsNode] => [s, { kind: 'bool', value: true }]),
  ...['false', 'False', 'FALSE'].map((s): [string, SopsNode] => [
    s,
    { kind: 'bool', value: false },
  ]),
  ...['', '~', 'null', 'Null', 'NULL'].map((s): [string, SopsNode] => [s, NULL]),
  ...['.nan', '.NaN', '.NAN'].map((s): [string, SopsNode] => [s, { kind: 'float', value: NaN }]),
  ...['.inf', '.Inf', '.INF', '+.inf', '+.Inf', '+.INF'].map((s): [string, SopsNode] => [
    s,
    { kind: 'float', value: Infinity },
  ]),
  ...['-.inf', '-.Inf', '-.INF'].map((s): [string, SopsNode] => [
    s,
    { kind: 'float', value: -Infinity },
  ]),
]);

const YAML_STYLE_FLOAT = /^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$/;

/** go-yaml's first-character hint: which kinds a plain scalar may resolve to. */
function hintOf(text: string): 'map' | 'float' | 'number' | undefined {
  if (text === '') return 'map';
  const c = text[0];
  if ('yYnNtTfFoO~'.includes(c)) return 'map';
  if (c === '.') return 'float';
  if (c === '+' || c === '-' || (c >= '0' && c <= '9')) return 'number';
  return undefined;
}

/** Go's `strconv.ParseInt(s, 0, 64)` / `ParseUint(s, 0, 64)` without the range check. */
function goParseInt(text: string, signed: boolean): bigint | undefined {
  let body = text;
  let negative = false;
  if (signed && (body.startsWith('+') || body.startsWith('-'))) {
    negative = body.startsWith('-');
    body = body.slice(1);
  }
  let prefix = '';
  let digits = /^[0-9]+$/;
  if (body.length > 1 && body[0] === '0') {
    const marker = body[1].toLowerCase();
    if (marker === 'x' || marker === 'o' || marker === 'b') {
      prefix = `0${marker}`;
      body = body.slice(2);
    } else {
      prefix = '0o';
      body = body.slice(1);
    }
    digits = { '0x': /^[0-9a-fA-F]+$/, '0o': /^[0-7]+$/, '0b': /^[01]+$/ }[prefix] ?? digits;
  }
  if (!digits.test(body)) return undefined;
  const value = BigInt(prefix + body);
  return negative ? -value : value;
}

/** Go's strict `ParseFloat`, for the decimal forms go-yaml lets through. */
function goParseFloat(text: string): number | undefined {
  const value = Number(text);
  // Out of range is an error in Go (ErrRange), not an infinity.
  return Number.isFinite(value) ? value : undefined;
}

/**
 * go-yaml v3's `resolve` of an untagged plain scalar (or one tagged `!!int`, `!!float`,
 * `!!bool`, `!!null`, `!!timestamp`: `tryTime` says whether timestamps are tried).
 */
function resolvePlain(text: string, tryTime: boolean): SopsNode {
  const hint = hintOf(text);
  if (hint === undefined) return str(text);
  const known = RESOLVE_MAP.get(text);
  if (known) return known;
  if (hint === 'float') {
    const value = /^\.[0-9]+([eE][-+]?[0-9]+)?$/.test(text) ? goParseFloat(text) : undefined;
    return value === undefined ? str(text) : { kind: 'float', value };
  }
  if (hint === 'number') {
    const time = tryTime ? parseYamlTimestamp(text) : undefined;
    if (time) return { kind: 'time', value: formatGoTime(time, true) };
    const plain = text.replaceAll('_', '');
    const signed = goParseInt(plain, true);
    if (signed !== undefined && signed >= INT64_MIN && signed <= INT64_MAX) {
      return { kind: 'int', value: signed };
    }
    const unsigned = goParseInt(plain, false);
    if (unsigned !== undefined && unsigned <= UINT64_MAX) {
      // go-yaml gives a uint64, which SOPS cannot walk ("unknown type: uint64").
      throw new SopsError(`integer ${text} is out of range: SOPS supports 64-bit signed integers`);
    }
    if (YAML_STYLE_FLOAT.test(plain)) {
      const value = goParseFloat(plain);
      if (value !== undefined) return { kind: 'float', value };
    }
  }
  return str(text);
}

/** A scalar with its style and tag, typed as go-yaml decodes it into `interface{}`. */
function resolveScalar(text: string, quoted: boolean, tag: string | undefined): SopsNode {
  if (tag === undefined) return quoted ? str(text) : resolvePlain(text, true);
  const short = tag.startsWith(TAG) ? tag.slice(TAG.length) : undefined;
  switch (short) {
    case 'str':
      return str(text);
    case 'binary':
      throw new SopsError(`!!binary values are not supported (value ${JSON.stringify(text)})`);
    case 'int':
    case 'float':
    case 'bool':
    case 'null':
    case 'timestamp': {
      const resolved = resolvePlain(text, short === 'timestamp');
      const kind = { int: 'int', float: 'float', bool: 'bool', null: 'null', timestamp: 'time' }[
        short
      ];
      if (resolved.kind === kind) return resolved;
      if (short === 'float' && resolved.kind === 'int') {
        return { kind: 'float', value: Number(resolved.value) };
      }
      throw new SopsError(`cannot decode ${JSON.stringify(text)} as a !!${short}`);
    }
    default:
      // A local or non-specific tag (`!foo`, `!`): go-yaml keeps the text as a string.
      return str(text);
  }
}

/** Reads the single YAML document of a SOPS file (or of a plain file) into its Go view. */
export function readYamlTree(text: string): SopsMap {
  const docs = parseAllDocuments(text, { schema: 'failsafe', uniqueKeys: true });
  if (docs.length !== 1) {
    throw new SopsError(
      docs.length === 0
        ? 'not a SOPS file: the text holds no YAML document'
        : `the text holds ${docs.length} YAML documents: a SOPS file for Flux holds one`,
    );
  }
  const doc = docs[0];
  if (doc.errors.length > 0) {
    throw new SopsError(`not valid YAML: ${doc.errors[0].message}`);
  }
  const budget = { nodes: 0 };
  const root = fromYaml(doc.contents, doc, 0, budget);
  if (root.kind !== 'map') {
    throw new SopsError('not a SOPS file: the YAML document is not a mapping');
  }
  return root;
}

function fromYaml(
  node: unknown,
  doc: Document,
  depth: number,
  budget: { nodes: number },
): SopsNode {
  budget.nodes += 1;
  if (depth > MAX_DEPTH || budget.nodes > MAX_NODES) {
    throw new SopsError('the YAML document is too deep or too large (a recursive alias?)');
  }
  if (node === null || node === undefined) return NULL;
  if (isAlias(node)) {
    const target = node.resolve(doc);
    if (!target) throw new SopsError(`unknown YAML alias *${node.source}`);
    return fromYaml(target, doc, depth + 1, budget);
  }
  if (isScalar(node)) {
    const quoted = node.type !== undefined && node.type !== 'PLAIN';
    return resolveScalar(String(node.value), quoted, node.tag);
  }
  if (isMap(node)) {
    const entries = node.items.map((pair): SopsEntry => {
      const key = fromYaml(pair.key, doc, depth + 1, budget);
      if (key.kind !== 'str') {
        throw new SopsError(
          `mapping key ${describe(key)} is not a string: SOPS supports string keys only`,
        );
      }
      return { key: key.value, value: fromYaml(pair.value, doc, depth + 1, budget) };
    });
    return { kind: 'map', entries };
  }
  if (isSeq(node)) {
    return { kind: 'seq', items: node.items.map((item) => fromYaml(item, doc, depth + 1, budget)) };
  }
  throw new SopsError('unsupported YAML node');
}

function describe(node: SopsNode): string {
  switch (node.kind) {
    case 'map':
    case 'seq':
    case 'null':
      return `(a ${node.kind})`;
    case 'int':
      return node.value.toString();
    default:
      return JSON.stringify(node.value);
  }
}

// Plain strings a YAML 1.1 reader (kustomize, kubectl) would read as another type.
const YAML11_NON_STRINGS = [
  /^(y|Y|yes|Yes|YES|n|N|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF)$/,
  /^(~|null|Null|NULL)?$/,
  /^[-+]?(0b[01_]+|0[0-7_]+|0|[1-9][0-9_]*|0x[0-9a-fA-F_]+|[1-9][0-9_]*(:[0-5]?[0-9])+)$/,
  /^[-+]?([0-9][0-9_]*)?\.[0-9_]*([eE][-+]?[0-9]+)?$/,
  /^[-+]?[0-9][0-9_]*(:[0-5]?[0-9])+\.[0-9_]*$/,
  /^([-+]?\.(inf|Inf|INF)|\.(nan|NaN|NAN))$/,
  /^[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}/,
  /^(<<|=)$/,
];

// go-yaml (a libyaml port) reads NEL, LS and PS as line breaks and rejects raw DEL and C1
// controls, which the writer leaves raw: such strings are double-quoted, then escaped.
const GO_RAW_UNSAFE = /[\u007f-\u009f\u2028\u2029]/;
const GO_RAW_UNSAFE_ALL = new RegExp(GO_RAW_UNSAFE.source, 'g');

function escapeForGo(char: string): string {
  const named: Record<string, string> = { '\u0085': '\\N', '\u2028': '\\L', '\u2029': '\\P' };
  return named[char] ?? `\\x${char.charCodeAt(0).toString(16).padStart(2, '0')}`;
}

/** Whether a string written as a plain scalar would be read back as something else. */
function needsQuotes(text: string): boolean {
  if (GO_RAW_UNSAFE.test(text)) return true;
  try {
    if (resolvePlain(text, true).kind !== 'str') return true;
  } catch {
    return true;
  }
  return YAML11_NON_STRINGS.some((pattern) => pattern.test(text));
}

function stringNode(text: string): Scalar {
  const node = new Scalar(text);
  // Left unset, the writer picks plain or quoted by syntax alone (failsafe schema).
  if (needsQuotes(text)) node.type = 'QUOTE_DOUBLE';
  return node;
}

function plainNode(text: string): Scalar {
  const node = new Scalar(text);
  node.type = 'PLAIN';
  return node;
}

/** A float's YAML text that go-yaml reads back as the same float (never as an int). */
function floatYaml(value: number): string {
  if (Number.isNaN(value)) return '.nan';
  if (!Number.isFinite(value)) return value > 0 ? '.inf' : '-.inf';
  const text = Object.is(value, -0) ? '-0' : String(value);
  return /^-?[0-9]+$/.test(text) ? `${text}.0` : text;
}

function toYaml(node: SopsNode): YAMLMap | YAMLSeq | Scalar {
  switch (node.kind) {
    case 'map': {
      const map = new YAMLMap();
      for (const entry of node.entries)
        map.items.push(new Pair(stringNode(entry.key), toYaml(entry.value)));
      return map;
    }
    case 'seq': {
      const seq = new YAMLSeq();
      for (const item of node.items) seq.items.push(toYaml(item));
      return seq;
    }
    case 'str':
      return stringNode(node.value);
    case 'int':
      return plainNode(node.value.toString());
    case 'float':
      return plainNode(floatYaml(node.value));
    case 'bool':
      return plainNode(node.value ? 'true' : 'false');
    case 'time':
      return plainNode(node.value);
    case 'null':
      return plainNode('null');
  }
}

/** Writes a tree as YAML that go-yaml reads back as the same tree (2-space indent, no folding). */
export function writeYamlTree(tree: SopsMap): string {
  const doc = new Document(null, { schema: 'failsafe' });
  doc.contents = toYaml(tree);
  // Only double-quoted scalars hold these characters (needsQuotes), where escapes are valid.
  return doc
    .toString({ lineWidth: 0, indent: 2, indentSeq: true })
    .replace(GO_RAW_UNSAFE_ALL, escapeForGo);
}

/**
 * The bytes SOPS hashes and encrypts for a scalar (`sops.ToBytes`, `aes.Cipher.Encrypt`):
 * floats in Go's shortest `'f'` form, booleans as Python's `True`/`False`.
 */
export function scalarText(scalar: SopsScalar): string {
  switch (scalar.kind) {
    case 'str':
    case 'time':
      return scalar.value;
    case 'int':
      return scalar.value.toString();
    case 'float':
      return goFormatFloat(scalar.value);
    case 'bool':
      return scalar.value ? 'True' : 'False';
  }
}

/** Go's `strconv.FormatFloat(v, 'f', -1, 64)`: shortest round-trip digits, no exponent. */
export function goFormatFloat(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (!Number.isFinite(value)) return value > 0 ? '+Inf' : '-Inf';
  if (Object.is(value, -0)) return '-0';
  const text = String(value);
  const match = /^(-?)([0-9])(?:\.([0-9]+))?e([-+][0-9]+)$/.exec(text);
  if (!match) return text;
  const [, sign, lead, fraction = '', exponent] = match;
  const digits = lead + fraction;
  const point = 1 + Number(exponent);
  if (point <= 0) return `${sign}0.${'0'.repeat(-point)}${digits}`;
  if (point >= digits.length) return `${sign}${digits}${'0'.repeat(point - digits.length)}`;
  return `${sign}${digits.slice(0, point)}.${digits.slice(point)}`;
}

/** A parsed Go time, to the nanosecond, with its zone offset. */
interface GoTime {
  readonly date: string;
  readonly clock: string;
  /** Up to 9 fraction digits (Go keeps nanoseconds and truncates the rest). */
  readonly fraction: string;
  readonly offsetMinutes: number;
}

function pad(value: number | string, width: number): string {
  return String(value).padStart(width, '0');
}

function validClock(hour: number, minute: number, second: number): boolean {
  return hour < 24 && minute < 60 && second < 60;
}

function validDate(year: number, month: number, day: number): boolean {
  if (month < 1 || month > 12 || day < 1) return false;
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  const days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1];
  return day <= days;
}

function offsetOf(zone: string | undefined): number | undefined {
  if (zone === undefined || zone === 'Z') return 0;
  const hours = Number(zone.slice(1, 3));
  const minutes = Number(zone.slice(4, 6));
  if (hours > 24 || minutes > 60) return undefined;
  return (zone[0] === '-' ? -1 : 1) * (hours * 60 + minutes);
}

function goTime(parts: readonly (string | undefined)[]): GoTime | undefined {
  const [year, month, day, hour = '0', minute = '0', second = '0', fraction = '', zone] = parts;
  const y = Number(year);
  const [mo, d, h, mi, s] = [month, day, hour, minute, second].map(Number);
  if (!validDate(y, mo, d) || !validClock(h, mi, s)) return undefined;
  const offsetMinutes = offsetOf(zone);
  if (offsetMinutes === undefined) return undefined;
  return {
    date: `${year}-${pad(mo, 2)}-${pad(d, 2)}`,
    clock: `${pad(h, 2)}:${pad(mi, 2)}:${pad(s, 2)}`,
    fraction: fraction.slice(0, 9),
    offsetMinutes,
  };
}

/** go-yaml's timestamp formats (`2006-1-2T15:4:5.999999999Z07:00`, `2006-1-2 15:4:5`, `2006-1-2`). */
function parseYamlTimestamp(text: string): GoTime | undefined {
  const zoned =
    /^([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})[Tt]([0-9]{1,2}):([0-9]{1,2}):([0-9]{1,2})(?:[.,]([0-9]+))?(Z|[-+][0-9]{2}:[0-9]{2})$/.exec(
      text,
    );
  if (zoned) return goTime(zoned.slice(1));
  const spaced =
    /^([0-9]{4})-([0-9]{1,2})-([0-9]{1,2}) ([0-9]{1,2}):([0-9]{1,2}):([0-9]{1,2})(?:[.,]([0-9]+))?$/.exec(
      text,
    );
  if (spaced) return goTime(spaced.slice(1));
  const dateOnly = /^([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})$/.exec(text);
  return dateOnly ? goTime(dateOnly.slice(1)) : undefined;
}

/** Go's `time.Parse(time.RFC3339, text)` (fraction allowed), or undefined if it fails. */
export function parseRfc3339(text: string): GoTime | undefined {
  const match =
    /^([0-9]{4})-([0-9]{2})-([0-9]{2})T([0-9]{2}):([0-9]{2}):([0-9]{2})(?:\.([0-9]+))?(Z|[-+][0-9]{2}:[0-9]{2})$/.exec(
      text,
    );
  return match ? goTime(match.slice(1)) : undefined;
}

/** Go's `Format(time.RFC3339Nano)` (`nanos`) or `Format(time.RFC3339)` of a time. */
export function formatGoTime(time: GoTime, nanos: boolean): string {
  const fraction = nanos ? time.fraction.replace(/0+$/, '') : '';
  const offset = Math.abs(time.offsetMinutes);
  const zone =
    time.offsetMinutes === 0
      ? 'Z'
      : `${time.offsetMinutes < 0 ? '-' : '+'}${pad(Math.floor(offset / 60), 2)}:${pad(offset % 60, 2)}`;
  return `${time.date}T${time.clock}${fraction ? `.${fraction}` : ''}${zone}`;
}

/** A JavaScript value as the tree SOPS would build from its YAML (`display` names it in errors). */
export function treeFromValue(value: unknown, display: string): SopsNode {
  switch (typeof value) {
    case 'string':
      return str(wellFormed(value, display));
    case 'boolean':
      return { kind: 'bool', value };
    case 'bigint':
      if (value < INT64_MIN || value > INT64_MAX) {
        throw new SopsError(
          `${display}: integer ${value} is out of the 64-bit range SOPS supports`,
        );
      }
      return { kind: 'int', value };
    case 'number':
      // Go reads an integral plain scalar as an int; beyond 2^53 only a float keeps the value.
      return Number.isSafeInteger(value)
        ? { kind: 'int', value: BigInt(value) }
        : { kind: 'float', value };
    case 'object':
      if (value === null) return NULL;
      if (Array.isArray(value)) {
        return {
          kind: 'seq',
          items: value.map((item, index) => {
            if (item === undefined)
              throw new SopsError(`${display}[${index}]: undefined in a list`);
            return treeFromValue(item, `${display}[${index}]`);
          }),
        };
      }
      if (isPlainObject(value)) {
        const entries = Object.entries(value)
          .filter(([, item]) => item !== undefined)
          .map(([key, item]) => ({
            key: wellFormed(key, display),
            value: treeFromValue(item, display ? `${display}.${key}` : key),
          }));
        return { kind: 'map', entries };
      }
      break;
    default:
      break;
  }
  const type =
    typeof value === 'object' && value !== null
      ? (value.constructor?.name ?? 'object')
      : typeof value;
  throw new SopsError(
    `${display || 'document'}: cannot encrypt a value of type ${type}; ` +
      'use strings, numbers, booleans, null, arrays and plain objects',
  );
}

/** The string, unless it holds a lone surrogate (which UTF-8 cannot carry). */
function wellFormed(text: string, display: string): string {
  if (Buffer.from(text, 'utf8').toString('utf8') !== text) {
    throw new SopsError(`${display || 'document'}: a string holds a lone UTF-16 surrogate`);
  }
  return text;
}

function isPlainObject(value: object): value is Record<string, unknown> {
  const prototype: unknown = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

/** The tree as JavaScript values: ints as numbers (bigints beyond 2^53), times as strings. */
export function treeToValue(node: SopsNode): unknown {
  switch (node.kind) {
    case 'map':
      return Object.fromEntries(node.entries.map((entry) => [entry.key, treeToValue(entry.value)]));
    case 'seq':
      return node.items.map(treeToValue);
    case 'null':
      return null;
    case 'int': {
      const number = Number(node.value);
      return Number.isSafeInteger(number) ? number : node.value;
    }
    default:
      return node.value;
  }
}
