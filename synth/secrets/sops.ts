/**
 * The SOPS file format (YAML, age recipients) without the `sops` binary: what Flux's
 * kustomize-controller decrypts with SOPS's Go code. Follows getsops/sops: `aes/cipher.go`
 * (values), `sops.go` (tree walk, MAC), `stores/stores.go` (metadata), `age/keysource.go`
 * (data key). The YAML side, typing values the way go-yaml does, is in `sops-tree.ts`.
 *
 * Format in short: a random 32-byte data key encrypts every value the crypt rule selects
 * with AES-256-GCM (32-byte IV, the value's key path `a:b:c:` as additional data) into
 * `ENC[AES256_GCM,data:…,iv:…,tag:…,type:str|int|float|bool|time]`; keys stay plain. The
 * MAC is SHA-512 over every value (plain or not, in document order) as upper-case hex,
 * encrypted the same way with `sops.lastmodified` as additional data. Each age recipient
 * gets the data key as an armored age file in `sops.age[].enc`.
 */
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import {
  Decrypter,
  Encrypter,
  armor,
  generateX25519Identity,
  identityToRecipient,
} from 'age-encryption';
import { SopsError } from './sops-error';
import {
  type SopsEntry,
  type SopsMap,
  type SopsNode,
  type SopsScalar,
  formatGoTime,
  parseRfc3339,
  readYamlTree,
  scalarText,
  treeFromValue,
  treeToValue,
  writeYamlTree,
} from './sops-tree';

export { SopsError };

/** SOPS encrypts only these keys' values (Flux convention for Secrets). */
export const SECRET_ENCRYPTED_REGEX = '^(data|stringData)$';

/** Options of {@link encryptSops}. */
export interface SopsEncryptOptions {
  /** age public keys (age1...), at least one. */
  readonly recipients: readonly string[];
  /**
   * A value is encrypted when any key on its path matches this (Go RE2 syntax that is also
   * valid JavaScript). `.*` encrypts every value.
   * @default SECRET_ENCRYPTED_REGEX
   */
  readonly encryptedRegex?: string;
  /** Timestamp written as sops.lastmodified (whole seconds, UTC). @default now */
  readonly now?: Date;
}

/** The `sops.version` written: the SOPS release whose file layout this writes. */
const SOPS_VERSION = '3.10.2';
/** SOPS's `DefaultUnencryptedSuffix`, in force when a file names no crypt rule. */
const DEFAULT_UNENCRYPTED_SUFFIX = '_unencrypted';
const DATA_KEY_BYTES = 32;
const IV_BYTES = 32;
const GCM_TAG_BYTES = 16;
/** sha256("sops"): starts the hash when `mac_only_encrypted` is set (sops.go). */
const MAC_ONLY_ENCRYPTED_INIT = Buffer.from(
  '8a3fd2ad54ce66527b1034f3d147be0b0b975b3bf44f72c6fdadec8176f27d69',
  'hex',
);
/** aes/cipher.go's pattern (not anchored at the end, as there). */
const ENC_PATTERN = /^ENC\[AES256_GCM,data:(.+),iv:(.+),tag:(.+),type:(.+)\]/;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** Which values a file encrypts: SOPS allows one rule; `macOnlyEncrypted` narrows the MAC. */
interface CryptRules {
  readonly unencryptedSuffix?: string;
  readonly encryptedSuffix?: string;
  readonly unencryptedRegex?: string;
  readonly encryptedRegex?: string;
  readonly macOnlyEncrypted: boolean;
}

/** One `sops.age[]` entry: the data key encrypted to one recipient. */
interface AgeKey {
  readonly recipient: string;
  /** An armored age file holding the 32-byte data key. */
  readonly enc: string;
}

interface Metadata {
  readonly age: readonly AgeKey[];
  /** As written in the file. */
  readonly lastModified: string;
  /** Go's `LastModified.Format(time.RFC3339)`: the MAC's additional data. */
  readonly macAdditionalData: string;
  readonly mac: string;
  readonly rules: CryptRules;
  /** Other key sources that hold the data key (`pgp`, `kms`, ...), for error messages. */
  readonly otherKeySources: readonly string[];
}

/** A SOPS file split as SOPS's store does: the document without `sops`, and the metadata. */
interface SopsFile {
  readonly data: SopsMap;
  readonly metadata: Metadata;
}

const RULE_FIELDS = {
  unencrypted_suffix: 'unencryptedSuffix',
  encrypted_suffix: 'encryptedSuffix',
  unencrypted_regex: 'unencryptedRegex',
  encrypted_regex: 'encryptedRegex',
} as const;
const COMMENT_RULE_FIELDS = ['unencrypted_comment_regex', 'encrypted_comment_regex'];
const OTHER_KEY_SOURCES = ['pgp', 'kms', 'gcp_kms', 'azure_kv', 'hc_vault', 'hckms'];

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function readSopsFile(text: string): SopsFile {
  const tree = readYamlTree(text);
  const sops = tree.entries.find((entry) => entry.key === 'sops')?.value;
  if (sops === undefined) {
    throw new SopsError('not a SOPS file: it has no top-level `sops` metadata');
  }
  if (sops.kind !== 'map') throw new SopsError('not a SOPS file: `sops` is not a mapping');
  return {
    data: { kind: 'map', entries: tree.entries.filter((entry) => entry.key !== 'sops') },
    metadata: readMetadata(sops),
  };
}

function readMetadata(sops: SopsMap): Metadata {
  const field = (name: string): SopsNode | undefined => {
    const value = sops.entries.find((entry) => entry.key === name)?.value;
    return value?.kind === 'null' ? undefined : value;
  };
  const text = (name: string): string | undefined => {
    const value = field(name);
    if (value === undefined) return undefined;
    if (value.kind !== 'str') throw new SopsError(`sops.${name} must be a string`);
    return value.value === '' ? undefined : value.value;
  };
  const listed = (name: string): boolean => {
    const value = field(name);
    return value?.kind === 'seq' && value.items.length > 0;
  };
  if (listed('key_groups')) {
    throw new SopsError(
      'sops.key_groups (Shamir secret sharing) is not supported: use a flat `sops.age` list',
    );
  }
  const lastModified = text('lastmodified');
  if (lastModified === undefined) {
    throw new SopsError('not a SOPS file: sops.lastmodified is missing');
  }
  const time = parseRfc3339(lastModified);
  if (!time) {
    throw new SopsError(
      `sops.lastmodified ${JSON.stringify(lastModified)} is not an RFC 3339 time`,
    );
  }
  const mac = text('mac');
  if (mac === undefined) {
    throw new SopsError('not a SOPS file: sops.mac is missing (Flux decrypts only files with one)');
  }
  const comments = COMMENT_RULE_FIELDS.filter((name) => text(name) !== undefined);
  const rules = Object.entries(RULE_FIELDS).filter(([name]) => text(name) !== undefined);
  if (rules.length + comments.length > 1) {
    const names = [...rules.map(([name]) => name), ...comments];
    throw new SopsError(`sops: only one crypt rule may be set, found ${names.join(', ')}`);
  }
  if (comments.length > 0) {
    throw new SopsError(`sops.${comments[0]} is not supported: use encrypted_regex`);
  }
  const macOnly = field('mac_only_encrypted');
  const macOnlyEncrypted =
    macOnly?.kind === 'bool' ? macOnly.value : macOnly?.kind === 'str' && macOnly.value === 'true';
  return {
    age: readAgeKeys(field('age')),
    lastModified,
    macAdditionalData: formatGoTime(time, false),
    mac,
    rules:
      rules.length === 0
        ? { unencryptedSuffix: DEFAULT_UNENCRYPTED_SUFFIX, macOnlyEncrypted }
        : ruleOf(rules[0][1], text(rules[0][0]) ?? '', macOnlyEncrypted),
    otherKeySources: OTHER_KEY_SOURCES.filter(listed),
  };
}

function ruleOf(
  property: (typeof RULE_FIELDS)[keyof typeof RULE_FIELDS],
  value: string,
  macOnlyEncrypted: boolean,
): CryptRules {
  const rule: { -readonly [K in keyof CryptRules]: CryptRules[K] } = { macOnlyEncrypted };
  rule[property] = value;
  return rule;
}

function readAgeKeys(node: SopsNode | undefined): AgeKey[] {
  if (node === undefined) return [];
  if (node.kind !== 'seq') throw new SopsError('sops.age must be a list');
  return node.items.map((item, index) => {
    const value = (name: string): string | undefined => {
      if (item.kind !== 'map') return undefined;
      const found = item.entries.find((entry) => entry.key === name)?.value;
      return found?.kind === 'str' ? found.value : undefined;
    };
    const recipient = value('recipient');
    const enc = value('enc');
    if (recipient === undefined || enc === undefined) {
      throw new SopsError(`sops.age[${index}] needs a recipient and an enc string`);
    }
    return { recipient, enc };
  });
}

function compileRule(name: string, pattern: string): RegExp {
  try {
    return new RegExp(pattern);
  } catch (error) {
    throw new SopsError(
      `${name} ${JSON.stringify(pattern)} is not a valid regular expression: ${messageOf(error)}`,
    );
  }
}

/** sops.go's `shouldBeEncrypted` for a value's key path (list indices are not on it). */
function encryptionTest(rules: CryptRules): (keys: readonly string[]) => boolean {
  const unencryptedRegex =
    rules.unencryptedRegex === undefined
      ? undefined
      : compileRule('unencrypted_regex', rules.unencryptedRegex);
  const encryptedRegex =
    rules.encryptedRegex === undefined
      ? undefined
      : compileRule('encrypted_regex', rules.encryptedRegex);
  return (keys) => {
    let encrypted = true;
    const { unencryptedSuffix, encryptedSuffix } = rules;
    if (unencryptedSuffix && keys.some((key) => key.endsWith(unencryptedSuffix))) {
      encrypted = false;
    }
    if (encryptedSuffix) encrypted = keys.some((key) => key.endsWith(encryptedSuffix));
    if (unencryptedRegex && keys.some((key) => unencryptedRegex.test(key))) encrypted = false;
    if (encryptedRegex) encrypted = keys.some((key) => encryptedRegex.test(key));
    return encrypted;
  };
}

type LeafVisitor = (leaf: SopsScalar, keys: readonly string[], display: string) => SopsScalar;

/** Visits the scalars in document order (the MAC's order) and rebuilds the tree. */
function mapLeaves(
  node: SopsNode,
  keys: readonly string[],
  display: string,
  visit: LeafVisitor,
): SopsNode {
  switch (node.kind) {
    case 'map':
      return {
        kind: 'map',
        entries: node.entries.map((entry): SopsEntry => ({
          key: entry.key,
          value: mapLeaves(
            entry.value,
            [...keys, entry.key],
            display ? `${display}.${entry.key}` : entry.key,
            visit,
          ),
        })),
      };
    case 'seq':
      return {
        kind: 'seq',
        items: node.items.map((item, index) =>
          mapLeaves(item, keys, `${display}[${index}]`, visit),
        ),
      };
    case 'null':
      return node;
    default:
      return visit(node, keys, display);
  }
}

function mapDocument(tree: SopsMap, visit: LeafVisitor): SopsMap {
  return mapLeaves(tree, [], '', visit) as SopsMap;
}

/** The additional data of a value: its key path joined by `:`, with a trailing `:`. */
function additionalData(keys: readonly string[]): string {
  return `${keys.join(':')}:`;
}

function encryptScalar(scalar: SopsScalar, key: Buffer, aad: string): string {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, iv, { authTagLength: GCM_TAG_BYTES });
  cipher.setAAD(Buffer.from(aad, 'utf8'));
  const data = Buffer.concat([cipher.update(scalarText(scalar), 'utf8'), cipher.final()]);
  const tag = cipher.getAuthTag();
  const b64 = (bytes: Buffer): string => bytes.toString('base64');
  return `ENC[AES256_GCM,data:${b64(data)},iv:${b64(iv)},tag:${b64(tag)},type:${scalar.kind}]`;
}

function decodeBase64(text: string, what: string, where: string): Buffer {
  if (!BASE64.test(text)) throw new SopsError(`${where}: the ${what} is not valid base64`);
  return Buffer.from(text, 'base64');
}

function decryptScalar(text: string, key: Buffer, aad: string, where: string): SopsScalar {
  const match = ENC_PATTERN.exec(text);
  if (!match) {
    throw new SopsError(`${where}: not an encrypted value (expected ENC[AES256_GCM,...])`);
  }
  const data = decodeBase64(match[1], 'data', where);
  const iv = decodeBase64(match[2], 'iv', where);
  const tag = decodeBase64(match[3], 'tag', where);
  let plain: Buffer;
  try {
    if (iv.length === 0 || tag.length !== GCM_TAG_BYTES) throw new Error('bad iv or tag length');
    const decipher = createDecipheriv('aes-256-gcm', key, iv, { authTagLength: GCM_TAG_BYTES });
    decipher.setAAD(Buffer.from(aad, 'utf8'));
    decipher.setAuthTag(tag);
    plain = Buffer.concat([decipher.update(data), decipher.final()]);
  } catch {
    throw new SopsError(
      `${where}: decryption failed (AES-GCM authentication): the value, its key path ` +
        "or the file's data key was changed",
    );
  }
  return typedScalar(plain, match[4], where);
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** aes/cipher.go's decoding of the plaintext by its `type:` (Go's strconv rules). */
function typedScalar(plain: Buffer, type: string, where: string): SopsScalar {
  const text = ((): string => {
    try {
      return utf8.decode(plain);
    } catch {
      throw new SopsError(`${where}: the decrypted value is not UTF-8`);
    }
  })();
  const invalid = (): SopsError =>
    new SopsError(`${where}: the decrypted value is not a valid ${type}`);
  switch (type) {
    case 'str':
    case 'bytes':
      return { kind: 'str', value: text };
    case 'int': {
      if (!/^[-+]?[0-9]+$/.test(text)) throw invalid();
      const value = BigInt(text);
      if (value < -(2n ** 63n) || value >= 2n ** 63n) throw invalid();
      return { kind: 'int', value };
    }
    case 'float': {
      if (/^[-+]?(inf|infinity)$/i.test(text)) {
        return { kind: 'float', value: text.startsWith('-') ? -Infinity : Infinity };
      }
      if (/^nan$/i.test(text)) return { kind: 'float', value: NaN };
      const value = Number(text);
      if (!/^[-+]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][-+]?[0-9]+)?$/.test(text)) throw invalid();
      if (!Number.isFinite(value)) throw invalid();
      return { kind: 'float', value };
    }
    case 'bool':
      if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(text))
        return { kind: 'bool', value: true };
      if (['0', 'f', 'F', 'FALSE', 'false', 'False'].includes(text)) {
        return { kind: 'bool', value: false };
      }
      throw invalid();
    case 'time': {
      const time = parseRfc3339(text);
      if (!time) throw invalid();
      return { kind: 'time', value: formatGoTime(time, true) };
    }
    default:
      throw new SopsError(`${where}: unknown SOPS value type ${JSON.stringify(type)}`);
  }
}

function newMacHash(rules: CryptRules): ReturnType<typeof createHash> {
  const hash = createHash('sha512');
  if (rules.macOnlyEncrypted) hash.update(MAC_ONLY_ENCRYPTED_INIT);
  return hash;
}

/** sops.go's `Tree.Encrypt`: the encrypted tree and the encrypted MAC. */
function encryptTree(
  data: SopsMap,
  key: Buffer,
  rules: CryptRules,
  lastModified: string,
): { readonly tree: SopsMap; readonly mac: string } {
  const encrypts = encryptionTest(rules);
  const hash = newMacHash(rules);
  const tree = mapDocument(data, (leaf, keys) => {
    const encrypted = encrypts(keys);
    if (!rules.macOnlyEncrypted || encrypted) hash.update(scalarText(leaf), 'utf8');
    // SOPS leaves empty strings as they are (aes.Cipher.Encrypt).
    if (!encrypted || (leaf.kind === 'str' && leaf.value === '')) return leaf;
    return { kind: 'str', value: encryptScalar(leaf, key, additionalData(keys)) };
  });
  const mac = hash.digest('hex').toUpperCase();
  return { tree, mac: encryptScalar({ kind: 'str', value: mac }, key, lastModified) };
}

/** sops.go's `Tree.Decrypt` plus the MAC check of `decrypt.DataWithFormat`. */
function openTree(file: SopsFile, key: Buffer): SopsMap {
  const { rules, mac, macAdditionalData } = file.metadata;
  const encrypts = encryptionTest(rules);
  const hash = newMacHash(rules);
  const tree = mapDocument(file.data, (leaf, keys, display) => {
    const encrypted = encrypts(keys);
    let plain = leaf;
    if (encrypted) {
      if (leaf.kind !== 'str') {
        throw new SopsError(
          `${display}: expected an encrypted value (ENC[...]), found a ${leaf.kind}`,
        );
      }
      if (leaf.value !== '') plain = decryptScalar(leaf.value, key, additionalData(keys), display);
    }
    if (!rules.macOnlyEncrypted || encrypted) hash.update(scalarText(plain), 'utf8');
    return plain;
  });
  const computed = hash.digest('hex').toUpperCase();
  let stored: SopsScalar;
  try {
    stored = decryptScalar(mac, key, macAdditionalData, 'sops.mac');
  } catch (error) {
    throw new SopsError(
      `MAC check failed: ${messageOf(error)} (or sops.lastmodified, its additional data, was)`,
    );
  }
  if (stored.kind !== 'str' || stored.value !== computed) {
    throw new SopsError(
      `MAC mismatch: the file was changed after it was encrypted (sops.mac holds ` +
        `${scalarText(stored)}, the values give ${computed})`,
    );
  }
  return tree;
}

/** The identities: each entry one key or a keys file (`#` comment lines and blanks skipped). */
function parseIdentities(identities: readonly string[]): string[] {
  const keys = identities
    .flatMap((entry) => entry.split(/\r?\n/))
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'));
  if (keys.length === 0) throw new SopsError('no age identity given (AGE-SECRET-KEY-1...)');
  return keys;
}

/** The data key, from the first `sops.age` entry one of the identities opens. */
async function decryptDataKey(metadata: Metadata, identities: readonly string[]): Promise<Buffer> {
  const keys = parseIdentities(identities);
  if (metadata.age.length === 0) {
    const others = metadata.otherKeySources;
    throw new SopsError(
      'the file has no age recipient' +
        (others.length > 0 ? ` (its data key is encrypted with ${others.join(', ')} only)` : ''),
    );
  }
  const decrypter = new Decrypter();
  keys.forEach((key, index) => {
    try {
      if (!key.startsWith('AGE-SECRET-KEY-')) throw new Error('expected AGE-SECRET-KEY-1...');
      decrypter.addIdentity(key);
    } catch (error) {
      // The identity itself is secret: name it by position only.
      throw new SopsError(`age identity #${index + 1} is invalid: ${messageOf(error)}`);
    }
  });
  const failures: string[] = [];
  for (const [index, entry] of metadata.age.entries()) {
    try {
      const dataKey = await decrypter.decrypt(armor.decode(entry.enc));
      if (dataKey.length !== DATA_KEY_BYTES) {
        throw new Error(`the data key has ${dataKey.length} bytes, not ${DATA_KEY_BYTES}`);
      }
      return Buffer.from(dataKey);
    } catch (error) {
      if (!/no identity matched/.test(messageOf(error))) {
        failures.push(`sops.age[${index}] (${entry.recipient}): ${messageOf(error)}`);
      }
    }
  }
  if (failures.length > 0) {
    throw new SopsError(`cannot decrypt the data key: ${failures.join('; ')}`);
  }
  const ours = await Promise.all(keys.map((key) => identityToRecipient(key)));
  throw new SopsError(
    `wrong key: no age recipient of the file matches the identities given ` +
      `(file: ${metadata.age.map((entry) => entry.recipient).join(', ')}; ` +
      `identities are for: ${ours.join(', ')})`,
  );
}

function checkRecipients(recipients: readonly string[]): string[] {
  const unique = [...new Set(recipients.map((recipient) => recipient.trim()))];
  if (unique.length === 0) throw new SopsError('at least one age recipient (age1...) is needed');
  for (const recipient of unique) {
    if (!recipient.startsWith('age1')) {
      throw new SopsError(
        `recipient ${JSON.stringify(recipient)} is not an age public key (age1...)`,
      );
    }
  }
  return unique;
}

async function encryptDataKey(dataKey: Buffer, recipients: readonly string[]): Promise<AgeKey[]> {
  const keys: AgeKey[] = [];
  // One age file per recipient, as SOPS writes (age/keysource.go).
  for (const recipient of recipients) {
    const encrypter = new Encrypter();
    try {
      encrypter.addRecipient(recipient);
    } catch (error) {
      throw new SopsError(`invalid age recipient ${recipient}: ${messageOf(error)}`);
    }
    const file = await encrypter.encrypt(new Uint8Array(dataKey));
    keys.push({ recipient, enc: armor.encode(file) });
  }
  return keys;
}

function str(value: string): SopsScalar {
  return { kind: 'str', value };
}

/** The `sops:` mapping, its keys in the order SOPS 3.10 writes them. */
function metadataTree(
  age: readonly AgeKey[],
  lastModified: string,
  mac: string,
  rules: CryptRules,
): SopsMap {
  const entries: SopsEntry[] = [
    {
      key: 'age',
      value: {
        kind: 'seq',
        items: age.map((entry): SopsMap => ({
          kind: 'map',
          entries: [
            { key: 'recipient', value: str(entry.recipient) },
            { key: 'enc', value: str(entry.enc) },
          ],
        })),
      },
    },
    { key: 'lastmodified', value: str(lastModified) },
    { key: 'mac', value: str(mac) },
  ];
  for (const [name, property] of Object.entries(RULE_FIELDS)) {
    const value = rules[property];
    if (value !== undefined) entries.push({ key: name, value: str(value) });
  }
  if (rules.macOnlyEncrypted) {
    entries.push({ key: 'mac_only_encrypted', value: { kind: 'bool', value: true } });
  }
  entries.push({ key: 'version', value: str(SOPS_VERSION) });
  return { kind: 'map', entries };
}

function sameTree(a: SopsNode, b: SopsNode): boolean {
  if (a.kind === 'map' && b.kind === 'map') {
    return (
      a.entries.length === b.entries.length &&
      a.entries.every(
        (entry, index) =>
          entry.key === b.entries[index].key && sameTree(entry.value, b.entries[index].value),
      )
    );
  }
  if (a.kind === 'seq' && b.kind === 'seq') {
    return (
      a.items.length === b.items.length && a.items.every((item, i) => sameTree(item, b.items[i]))
    );
  }
  if (a.kind === 'null' || b.kind === 'null') return a.kind === b.kind;
  if (a.kind === 'map' || a.kind === 'seq' || b.kind === 'map' || b.kind === 'seq') return false;
  return a.kind === b.kind && Object.is(a.value, b.value);
}

/** Encrypts a tree to the recipients and writes the SOPS YAML. */
async function sealTree(
  data: SopsMap,
  rules: CryptRules,
  recipients: readonly string[],
  now: Date,
): Promise<string> {
  const to = checkRecipients(recipients);
  encryptionTest(rules);
  if (Number.isNaN(now.getTime())) throw new SopsError('the `now` timestamp is an invalid Date');
  const lastModified = now.toISOString().replace(/\.[0-9]{3}Z$/, 'Z');
  if (!parseRfc3339(lastModified)) {
    throw new SopsError(`the \`now\` timestamp ${lastModified} is outside RFC 3339's years`);
  }
  const dataKey = randomBytes(DATA_KEY_BYTES);
  const { tree, mac } = encryptTree(data, dataKey, rules, lastModified);
  const age = await encryptDataKey(dataKey, to);
  const text = writeYamlTree({
    kind: 'map',
    entries: [...tree.entries, { key: 'sops', value: metadataTree(age, lastModified, mac, rules) }],
  });
  // What Go will read must be what was hashed: read the text back as SOPS would.
  let readBack: SopsMap;
  try {
    readBack = openTree(readSopsFile(text), dataKey);
  } catch (error) {
    throw new SopsError(
      `internal error: the written SOPS file does not verify: ${messageOf(error)}`,
    );
  }
  if (!sameTree(readBack, data)) {
    throw new SopsError('internal error: the written SOPS file does not read back as the document');
  }
  return text;
}

/** Encrypts a YAML document (e.g. a Secret object) into SOPS YAML text. */
export async function encryptSops(
  document: Record<string, unknown>,
  options: SopsEncryptOptions,
): Promise<string> {
  const tree = treeFromValue(document, '');
  if (tree.kind !== 'map') throw new SopsError('the document to encrypt must be an object');
  if (tree.entries.some((entry) => entry.key === 'sops')) {
    throw new SopsError(
      'the document has a top-level `sops` key, which SOPS reserves for its metadata',
    );
  }
  const encryptedRegex = options.encryptedRegex ?? SECRET_ENCRYPTED_REGEX;
  if (encryptedRegex === '')
    throw new SopsError('encryptedRegex must not be empty (`.*` encrypts all)');
  return sealTree(
    tree,
    { encryptedRegex, macOnlyEncrypted: false },
    options.recipients,
    options.now ?? new Date(),
  );
}

/**
 * Decrypts SOPS YAML text with age identities (AGE-SECRET-KEY-1..., or whole keys files),
 * verifying the MAC; throws SopsError with a clear message (wrong key / MAC mismatch / not
 * a SOPS file / no age recipient matches). Values come back typed as SOPS decodes them
 * (ints as numbers, bigints beyond 2^53; `time` values as RFC 3339 strings).
 */
export async function decryptSops(
  text: string,
  identities: readonly string[],
): Promise<Record<string, unknown>> {
  const file = readSopsFile(text);
  const dataKey = await decryptDataKey(file.metadata, identities);
  return treeToValue(openTree(file, dataKey)) as Record<string, unknown>;
}

/** The SOPS metadata without decrypting: age recipients, lastmodified, encrypted_regex. Throws SopsError if not a SOPS file. */
export function sopsMetadata(text: string): {
  readonly recipients: readonly string[];
  readonly lastModified: string;
  readonly encryptedRegex?: string;
} {
  const { metadata } = readSopsFile(text);
  const { encryptedRegex } = metadata.rules;
  return {
    recipients: metadata.age.map((entry) => entry.recipient),
    lastModified: metadata.lastModified,
    ...(encryptedRegex === undefined ? {} : { encryptedRegex }),
  };
}

/**
 * Paths of values that should be encrypted (match the file's crypt rule: encrypted_regex,
 * or everything but `*_unencrypted` keys when it names none) but are not ENC[...] — for a
 * "nothing in plain text" guard. Empty for a proper file. Nulls and empty strings do not
 * count: SOPS never encrypts them. Paths read `data.password`, `list[0].key`. Throws
 * SopsError if the text is not a SOPS file at all.
 */
export function plaintextValues(text: string): string[] {
  const file = readSopsFile(text);
  const encrypts = encryptionTest(file.metadata.rules);
  const plain: string[] = [];
  mapDocument(file.data, (leaf, keys, display) => {
    const sealed = leaf.kind === 'str' && (leaf.value === '' || ENC_PATTERN.test(leaf.value));
    if (encrypts(keys) && !sealed) plain.push(display);
    return leaf;
  });
  return plain;
}

/**
 * Re-encrypts to a new recipient set (decrypt with identities, encrypt again): a new data
 * key, fresh IVs and lastmodified, the file's crypt rule kept. Comments are not kept.
 */
export async function reencryptSops(
  text: string,
  identities: readonly string[],
  recipients: readonly string[],
): Promise<string> {
  const file = readSopsFile(text);
  const dataKey = await decryptDataKey(file.metadata, identities);
  return sealTree(openTree(file, dataKey), file.metadata.rules, recipients, new Date());
}

/** Generates an age key pair (for tests and for the operator's first key): { identity, recipient }. */
export async function generateAgeKey(): Promise<{ identity: string; recipient: string }> {
  // X25519, not the post-quantum hybrid (age1pq1...), which SOPS before 3.12 cannot open.
  const identity = await generateX25519Identity();
  return { identity, recipient: await identityToRecipient(identity) };
}
