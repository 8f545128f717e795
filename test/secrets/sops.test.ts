import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { decryptSops as sopsAgeDecrypt } from 'sops-age';
import { parse } from 'yaml';
import {
  SECRET_ENCRYPTED_REGEX,
  SopsError,
  decryptSops,
  encryptSops,
  generateAgeKey,
  plaintextValues,
  reencryptSops,
  sopsMetadata,
} from '../../synth/secrets/sops';
import { readYamlTree } from '../../synth/secrets/sops-tree';

const ROOT = join(__dirname, '..', '..');
const FIXTURES = join(__dirname, '..', 'fixtures', 'sops');

function fixture(name: string): string {
  return readFileSync(join(FIXTURES, name), 'utf8');
}

type AgeKey = Awaited<ReturnType<typeof generateAgeKey>>;

const SECRET = {
  apiVersion: 'v1',
  kind: 'Secret',
  metadata: { name: 'db', namespace: 'shop', labels: { tier: 'db' } },
  type: 'Opaque',
  stringData: { username: 'app', password: 'hunter2: with # and spaces' },
  data: { token: Buffer.from('t0k3n').toString('base64') },
};

const ENC_VALUE =
  /^ENC\[AES256_GCM,data:[A-Za-z0-9+/=]+,iv:([A-Za-z0-9+/=]+),tag:[A-Za-z0-9+/=]+,type:str\]$/;

/** The SopsError a promise rejects with (fails the test if it resolves or throws another). */
async function sopsFailure(promise: Promise<unknown>): Promise<SopsError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(SopsError);
    return error as SopsError;
  }
  throw new Error('expected a SopsError, but the call succeeded');
}

function syncFailure(call: () => unknown): SopsError {
  try {
    call();
  } catch (error) {
    expect(error).toBeInstanceOf(SopsError);
    return error as SopsError;
  }
  throw new Error('expected a SopsError, but the call succeeded');
}

/** Changes one base64 character of the ciphertext on the line `<key>: ENC[...`. */
function tamperCiphertext(text: string, key: string): string {
  const line = new RegExp(`(\\n *${key}: ENC\\[AES256_GCM,data:)(.)`);
  expect(text).toMatch(line);
  return text.replace(line, (_match, head: string, c: string) => head + (c === 'A' ? 'B' : 'A'));
}

function replaceOnce(text: string, from: string | RegExp, to: string): string {
  expect(text).toMatch(from);
  return text.replace(from, to);
}

let alice: AgeKey;
let bob: AgeKey;
let carol: AgeKey;
let aliceSecret: string;

beforeAll(async () => {
  [alice, bob, carol] = await Promise.all([generateAgeKey(), generateAgeKey(), generateAgeKey()]);
  aliceSecret = await encryptSops(SECRET, {
    recipients: [alice.recipient],
    now: new Date('2026-03-01T12:34:56.789Z'),
  });
});

describe('generateAgeKey', () => {
  test('makes an X25519 identity and its recipient', () => {
    expect(alice.identity).toMatch(/^AGE-SECRET-KEY-1[0-9A-Z]{58}$/);
    expect(alice.recipient).toMatch(/^age1[0-9a-z]{58}$/);
    expect(bob.recipient).not.toBe(alice.recipient);
  });
});

describe('encryptSops and decryptSops', () => {
  test('round-trip a Secret, keys outside data and stringData staying plain', async () => {
    expect(await decryptSops(aliceSecret, [alice.identity])).toEqual(SECRET);
    expect(aliceSecret).toMatch(
      /^apiVersion: v1\nkind: Secret\nmetadata:\n {2}name: db\n {2}namespace: shop\n {2}labels:\n {4}tier: db\ntype: Opaque\nstringData:\n/,
    );
    const written = parse(aliceSecret) as {
      stringData: Record<string, string>;
      data: Record<string, string>;
      sops: Record<string, unknown>;
    };
    for (const value of [...Object.values(written.stringData), ...Object.values(written.data)]) {
      const iv = ENC_VALUE.exec(value)?.[1];
      expect(iv).toBeDefined();
      // SOPS's AES-GCM uses a 32-byte IV (aes/cipher.go nonceSize).
      expect(Buffer.from(iv ?? '', 'base64')).toHaveLength(32);
    }
    expect(aliceSecret).not.toContain('hunter2');
    expect(aliceSecret).not.toContain(SECRET.data.token);
    expect(Object.keys(written.sops)).toEqual([
      'age',
      'lastmodified',
      'mac',
      'encrypted_regex',
      'version',
    ]);
    expect(written.sops).toMatchObject({
      age: [
        {
          recipient: alice.recipient,
          enc: expect.stringMatching(/^-----BEGIN AGE ENCRYPTED FILE-----\n/),
        },
      ],
      lastmodified: '2026-03-01T12:34:56Z',
      mac: expect.stringMatching(/^ENC\[AES256_GCM,data:/),
      encrypted_regex: SECRET_ENCRYPTED_REGEX,
    });
  });

  test('a changed ciphertext fails to decrypt, naming the value', async () => {
    const error = await sopsFailure(
      decryptSops(tamperCiphertext(aliceSecret, 'password'), [alice.identity]),
    );
    expect(error.message).toMatch(/^stringData\.password: decryption failed \(AES-GCM/);
  });

  test('a ciphertext moved to another key fails: the key path is authenticated', async () => {
    const values = parse(aliceSecret) as { stringData: { username: string; password: string } };
    const swapped = aliceSecret
      .replace(values.stringData.username, 'USERNAME')
      .replace(values.stringData.password, values.stringData.username)
      .replace('USERNAME', values.stringData.password);
    const error = await sopsFailure(decryptSops(swapped, [alice.identity]));
    expect(error.message).toMatch(/^stringData\.username: decryption failed/);
  });

  test('a changed plain value fails the MAC', async () => {
    const changed = replaceOnce(aliceSecret, '  name: db\n', '  name: evil\n');
    const error = await sopsFailure(decryptSops(changed, [alice.identity]));
    expect(error.message).toMatch(/^MAC mismatch: the file was changed after it was encrypted/);
  });

  test('a changed MAC or lastmodified fails the MAC check', async () => {
    const mac = tamperCiphertext(aliceSecret, 'mac');
    expect((await sopsFailure(decryptSops(mac, [alice.identity]))).message).toMatch(
      /^MAC check failed: sops\.mac: decryption failed/,
    );
    const time = replaceOnce(aliceSecret, '"2026-03-01T12:34:56Z"', '"2026-03-01T12:34:57Z"');
    expect((await sopsFailure(decryptSops(time, [alice.identity]))).message).toMatch(
      /^MAC check failed/,
    );
  });

  test('types numbers and booleans as SOPS does, and quotes strings YAML would misread', async () => {
    const document = {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'typed', annotations: { on: 'off', n: '1e3', when: '2024-01-01' } },
      stringData: { port: 5432, ratio: 0.25, enabled: true, mode: '0644', empty: '', none: null },
    };
    const text = await encryptSops(document, { recipients: [alice.recipient] });
    expect(text).toContain('    "on": "off"\n    "n": "1e3"\n    when: "2024-01-01"\n');
    expect(text).toMatch(/\n {2}port: ENC\[AES256_GCM,[^\n]*,type:int\]\n/);
    expect(text).toMatch(/\n {2}ratio: ENC\[AES256_GCM,[^\n]*,type:float\]\n/);
    expect(text).toMatch(/\n {2}enabled: ENC\[AES256_GCM,[^\n]*,type:bool\]\n/);
    expect(text).toMatch(/\n {2}mode: ENC\[AES256_GCM,[^\n]*,type:str\]\n/);
    // SOPS encrypts neither empty strings nor nulls.
    expect(text).toContain('\n  empty: ""\n  none: null\n');
    expect(await decryptSops(text, [alice.identity])).toEqual(document);
  });

  test('escapes characters go-yaml reads as line breaks or rejects raw (NEL, LS, C1, DEL)', async () => {
    const odd = 'a\u0085b\u2028c\u0080d\u007fe\nf';
    const document = { metadata: { annotations: { odd } }, stringData: { odd } };
    const text = await encryptSops(document, { recipients: [alice.recipient] });
    expect(text).toContain('    odd: "a\\Nb\\Lc\\x80d\\x7fe\\nf"\n');
    expect(text).not.toMatch(/[\u007f-\u009f\u2028\u2029]/);
    expect(await decryptSops(text, [alice.identity])).toEqual(document);
  });

  test('rejects what it cannot encrypt, saying why', async () => {
    const recipients = [alice.recipient];
    const cases: [Promise<unknown>, RegExp][] = [
      [encryptSops({ sops: {} }, { recipients }), /top-level `sops` key/],
      [encryptSops({ data: { at: new Date() } }, { recipients }), /^data\.at: .*type Date/],
      [encryptSops(SECRET, { recipients: [] }), /at least one age recipient/],
      [encryptSops(SECRET, { recipients: ['ssh-ed25519 AAAA'] }), /not an age public key/],
      [encryptSops(SECRET, { recipients: ['age1nope'] }), /invalid age recipient age1nope/],
      [encryptSops(SECRET, { recipients, encryptedRegex: '(' }), /encrypted_regex "\(" is not/],
    ];
    for (const [call, message] of cases) expect((await sopsFailure(call)).message).toMatch(message);
  });
});

describe('an independent decoder, sops-age, reads what encryptSops writes', () => {
  test('decrypts a Secret and typed values', async () => {
    expect(
      await sopsAgeDecrypt(aliceSecret, { secretKey: alice.identity, fileType: 'yaml' }),
    ).toEqual(SECRET);
    const typed = { stringData: { port: 5432, ratio: 0.25, enabled: false, list: ['a', 'b'] } };
    const text = await encryptSops(typed, { recipients: [bob.recipient] });
    expect(await sopsAgeDecrypt(text, { secretKey: bob.identity, fileType: 'yaml' })).toEqual(
      typed,
    );
  });

  test('does not check the MAC (its decrypt() leaves the check empty), decryptSops does', async () => {
    const changed = replaceOnce(aliceSecret, '  name: db\n', '  name: evil\n');
    const lenient = (await sopsAgeDecrypt(changed, {
      secretKey: alice.identity,
      fileType: 'yaml',
    })) as { metadata: { name: string } };
    expect(lenient.metadata.name).toBe('evil');
    expect((await sopsFailure(decryptSops(changed, [alice.identity]))).message).toMatch(/MAC/);
  });
});

interface Written {
  readonly file: string;
  readonly keys: string;
  readonly version: string;
  /** A plain value to change for the tampered copy. */
  readonly plain: string;
  readonly check: (document: Record<string, unknown>) => void;
}

const SOPS_WRITTEN: readonly Written[] = [
  {
    file: 'getsops-example.sops',
    keys: 'getsops-keys.txt',
    version: '3.7.1',
    plain: 'going to remain in clear text',
    check: (document) =>
      expect(document).toMatchObject({
        app2: { db: { user: 'eve', password: 'c4r1b0u' } },
        an_array: ['secretuser1', 'secretuser2', expect.any(String), 'some other value'],
        somebooleans: [true, false],
        number: 1234568000,
        this: { is: { a: { nested: { value: 'with something secret in it' } } } },
        nested_unencrypted: { this: { is: { all: 'going to remain in clear text' } } },
      }),
  },
  {
    file: 'flux-age.sops',
    keys: 'flux-age.txt',
    version: '3.9.0',
    plain: 'name: age',
    check: (document) =>
      expect(document).toEqual({
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name: 'age' },
        stringData: { key: 'value' },
      }),
  },
  {
    file: 'flux-global-secret.sops',
    keys: 'flux-age-global.txt',
    version: '3.10.2',
    plain: 'namespace: default',
    check: (document) =>
      expect(document).toMatchObject({
        metadata: { name: 'global-age-secret', namespace: 'default' },
        type: 'Opaque',
        stringData: { key: 'global-value' },
      }),
  },
  {
    file: 'flux-age-pq.sops',
    keys: 'flux-age-pq.txt',
    version: '3.12.1',
    plain: 'name: age-pq',
    check: (document) => expect(document).toMatchObject({ stringData: { key: 'value' } }),
  },
];

describe('files SOPS itself wrote', () => {
  test.each(SOPS_WRITTEN)(
    '$file (SOPS $version) decrypts and its MAC verifies',
    async (written) => {
      const text = fixture(written.file);
      expect(text).toContain(`version: ${written.version}\n`);
      expect(plaintextValues(text)).toEqual([]);
      written.check(await decryptSops(text, [fixture(written.keys)]));
    },
  );

  test.each(SOPS_WRITTEN)(
    '$file: a copy with a changed plain value fails its MAC',
    async (written) => {
      const text = replaceOnce(fixture(written.file), written.plain, `${written.plain}x`);
      const error = await sopsFailure(decryptSops(text, [fixture(written.keys)]));
      expect(error.message).toMatch(/^MAC mismatch/);
    },
  );

  test('flux-age.sops: a copy with a changed ciphertext fails to decrypt', async () => {
    const text = tamperCiphertext(fixture('flux-age.sops'), 'key');
    const error = await sopsFailure(decryptSops(text, [fixture('flux-age.txt')]));
    expect(error.message).toMatch(/^stringData\.key: decryption failed/);
  });

  test("getsops-example.sops: each of its two recipients' keys opens it alone", async () => {
    const keys = fixture('getsops-keys.txt')
      .split('\n')
      .filter((line) => line.startsWith('AGE-SECRET-KEY-'));
    expect(keys).toHaveLength(2);
    const expected = await decryptSops(fixture('getsops-example.sops'), keys);
    for (const key of keys) {
      expect(await decryptSops(fixture('getsops-example.sops'), [key])).toEqual(expected);
    }
  });

  test('reencryptSops keeps the values, their types and the crypt rule of a SOPS-written file', async () => {
    const original = fixture('getsops-example.sops');
    const keys = fixture('getsops-keys.txt');
    const rotated = await reencryptSops(original, [keys], [bob.recipient]);
    expect(await decryptSops(rotated, [bob.identity])).toEqual(await decryptSops(original, [keys]));
    expect(rotated).toMatch(/\nnumber: ENC\[AES256_GCM,[^\n]*,type:float\]\n/);
    expect(rotated).toMatch(/\n {2}- ENC\[AES256_GCM,[^\n]*,type:bool\]\n/);
    expect(rotated).toContain('\n  unencrypted_suffix: _unencrypted\n');
    expect(rotated).toContain('\n  - remain in clear text\n');
    expect((await sopsFailure(decryptSops(rotated, [keys]))).message).toMatch(/^wrong key/);
  });
});

describe('multiple recipients', () => {
  let shared: string;
  beforeAll(async () => {
    shared = await encryptSops(SECRET, { recipients: [alice.recipient, bob.recipient] });
  });

  test('either identity decrypts', async () => {
    expect(sopsMetadata(shared).recipients).toEqual([alice.recipient, bob.recipient]);
    expect(await decryptSops(shared, [alice.identity])).toEqual(SECRET);
    expect(await decryptSops(shared, [bob.identity])).toEqual(SECRET);
    const keysFile = `# created: today\n# public key: ${bob.recipient}\n${bob.identity}\n`;
    expect(await decryptSops(shared, [keysFile])).toEqual(SECRET);
  });

  test('a wrong identity gets a clear error naming both sides', async () => {
    const error = await sopsFailure(decryptSops(shared, [carol.identity]));
    expect(error.message).toMatch(/^wrong key: no age recipient of the file matches/);
    expect(error.message).toContain(alice.recipient);
    expect(error.message).toContain(bob.recipient);
    expect(error.message).toContain(carol.recipient);
    expect(error.message).not.toContain(carol.identity);
  });

  test('an invalid identity is named by position, never printed', async () => {
    const bad = 'AGE-SECRET-KEY-1NOTAKEY';
    const error = await sopsFailure(decryptSops(shared, [alice.identity, bad]));
    expect(error.message).toMatch(/^age identity #2 is invalid/);
    expect(error.message).not.toContain(bad);
    expect((await sopsFailure(decryptSops(shared, ['# only a comment']))).message).toMatch(
      /no age identity given/,
    );
  });
});

describe('plaintextValues', () => {
  test('is empty for a proper file', () => {
    expect(plaintextValues(aliceSecret)).toEqual([]);
  });

  test('reports a plain data.password in a SOPS file', () => {
    const text = replaceOnce(aliceSecret, /\n {2}token: ENC\[[^\n]*/, '\n  password: aHVudGVyMg==');
    expect(plaintextValues(text)).toEqual(['data.password']);
  });

  test('follows the file rule: without encrypted_regex, all but *_unencrypted keys', () => {
    const text = replaceOnce(
      fixture('getsops-example.sops'),
      /^myapp1: ENC\[[^\n]*/,
      'myapp1: plain',
    );
    expect(plaintextValues(text)).toEqual(['myapp1']);
  });

  test('throws for a file that is not SOPS at all', () => {
    const plain = 'apiVersion: v1\nkind: Secret\nstringData:\n  password: hunter2\n';
    expect(syncFailure(() => plaintextValues(plain)).message).toMatch(/^not a SOPS file/);
  });
});

describe('sopsMetadata', () => {
  test('reads recipients, lastmodified and encrypted_regex without a key', () => {
    expect(sopsMetadata(fixture('flux-age.sops'))).toEqual({
      recipients: ['age1l44xcng8dqj32nlv6d930qvvrny05hglzcv9qpc7kxjc6902ma4qufys29'],
      lastModified: '2024-11-12T13:33:42Z',
      encryptedRegex: '^(data|stringData)$',
    });
    expect(sopsMetadata(fixture('getsops-example.sops'))).toEqual({
      recipients: [
        'age1yt3tfqlfrwdwx0z0ynwplcr6qxcxfaqycuprpmy89nr83ltx74tqdpszlw',
        'age1tmaae3ld5vpevmsh5yacsauzx8jetg300mpvc4ugp5zr5l6ssq9sla97ep',
      ],
      lastModified: '2022-03-15T22:11:15Z',
    });
  });

  test('throws SopsError for a file that is not SOPS or lacks what Flux needs', () => {
    const cases: [string, RegExp][] = [
      ['kind: Secret\n', /^not a SOPS file: it has no top-level `sops`/],
      ['- a\n', /^not a SOPS file: the YAML document is not a mapping/],
      ['a: [\n', /^not valid YAML/],
      ['sops: {lastmodified: "2024-01-01T00:00:00Z"}\n', /sops\.mac is missing/],
      ['a: 1\n---\nb: 2\n', /2 YAML documents/],
    ];
    for (const [text, message] of cases) {
      expect(syncFailure(() => sopsMetadata(text)).message).toMatch(message);
    }
  });
});

describe('reencryptSops', () => {
  test('moves a file to new recipients with a new data key', async () => {
    const rotated = await reencryptSops(
      aliceSecret,
      [alice.identity],
      [bob.recipient, carol.recipient],
    );
    expect(sopsMetadata(rotated)).toMatchObject({
      recipients: [bob.recipient, carol.recipient],
      encryptedRegex: SECRET_ENCRYPTED_REGEX,
    });
    expect(await decryptSops(rotated, [carol.identity])).toEqual(SECRET);
    expect((await sopsFailure(decryptSops(rotated, [alice.identity]))).message).toMatch(
      /^wrong key/,
    );
    expect((await sopsFailure(reencryptSops(aliceSecret, [bob.identity], []))).message).toMatch(
      /^wrong key/,
    );
  });
});

describe('the Go view of YAML (go-yaml v3 typing, which the MAC covers)', () => {
  test.each([
    ['0644', { kind: 'int', value: 420n }],
    ['08', { kind: 'float', value: 8 }],
    ['0b101', { kind: 'int', value: 5n }],
    ['0x1F', { kind: 'int', value: 31n }],
    ['1_000', { kind: 'int', value: 1000n }],
    ['.5', { kind: 'float', value: 0.5 }],
    ['1e3', { kind: 'float', value: 1000 }],
    ['yes', { kind: 'str', value: 'yes' }],
    ['True', { kind: 'bool', value: true }],
    ['~', { kind: 'null' }],
    ['"0644"', { kind: 'str', value: '0644' }],
    ['2024-01-01', { kind: 'time', value: '2024-01-01T00:00:00Z' }],
    ['2024-1-2 3:04:05.120', { kind: 'time', value: '2024-01-02T03:04:05.12Z' }],
    ['!!str 5', { kind: 'str', value: '5' }],
    ['!!float 5', { kind: 'float', value: 5 }],
    ['!custom 5', { kind: 'str', value: '5' }],
  ])('v: %s', (source, expected) => {
    expect(readYamlTree(`v: ${source}\n`).entries[0].value).toEqual(expected);
  });

  test('only string keys, as SOPS requires', () => {
    expect(syncFailure(() => readYamlTree('1: a\n')).message).toMatch(/key 1 is not a string/);
  });
});

describe('age-encryption is ESM-only', () => {
  test('the esbuild runner (scripts/run-ts.js) loads it too', () => {
    const run = spawnSync(
      process.execPath,
      ['scripts/run-ts.js', 'test/fixtures/sops/runner-entry.ts'],
      { cwd: ROOT, encoding: 'utf8' },
    );
    expect({ status: run.status, stderr: run.stderr }).toMatchObject({ status: 0 });
    expect(JSON.parse(run.stdout)).toEqual({ stringData: { a: 'b' } });
  });
});
