// Nothing in plain text, ever: no file git tracks (test fixtures aside) holds an unencrypted
// Secret value, a private age key, or a SOPS file with a value left in the clear.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { plaintextValues } from '../../synth/secrets/sops';
import { REPO_ROOT } from '../../synth/paths';

/** Files git tracks plus the new ones it would add, test fixtures and node_modules aside. */
function repositoryFiles(): string[] {
  const listed = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard'], {
    cwd: REPO_ROOT,
    encoding: 'utf8',
  });
  return listed
    .split('\n')
    .filter((file) => file !== '' && !file.startsWith('test/fixtures/'))
    .filter((file) => fs.existsSync(path.join(REPO_ROOT, file)));
}

/** An age private key: the prefix and 58 bech32 characters. */
const AGE_IDENTITY = /AGE-SECRET-KEY-1[02-9AC-HJ-NP-Z]{58}/;

/** Why a YAML file leaks a Secret value, if it does. */
function leaks(file: string, text: string): string[] {
  const problems: string[] = [];
  for (const document of parseAllDocuments(text)) {
    if (document.errors.length > 0) continue;
    const object = document.toJS() as {
      kind?: string;
      data?: Record<string, unknown>;
      stringData?: Record<string, unknown>;
      sops?: unknown;
    } | null;
    if (object?.kind !== 'Secret') continue;
    const values = { ...object.data, ...object.stringData };
    if (Object.keys(values).length === 0) continue;
    if (!object.sops) problems.push(`${file}: Secret with values and no SOPS encryption`);
  }
  if (text.includes('\nsops:') || text.startsWith('sops:')) {
    for (const value of plaintextValues(text)) problems.push(`${file}: ${value} is not encrypted`);
  }
  return problems;
}

describe('nothing in plain text', () => {
  const files = repositoryFiles();

  it('finds the encrypted Secrets it guards', () => {
    expect(files.filter((file) => file.startsWith('secrets/')).length).toBeGreaterThan(0);
  });

  it('holds no private age key, no unencrypted Secret value, no half-encrypted SOPS file', () => {
    const problems: string[] = [];
    for (const file of files) {
      const text = fs.readFileSync(path.join(REPO_ROOT, file), 'utf8');
      if (AGE_IDENTITY.test(text)) problems.push(`${file}: holds a private age key`);
      if (/\.ya?ml$/.test(file)) problems.push(...leaks(file, text));
    }
    expect(problems).toEqual([]);
  });

  it('would see each kind of leak', () => {
    expect(leaks('x.yaml', 'kind: Secret\nstringData:\n  password: hunter2\n')).toEqual([
      'x.yaml: Secret with values and no SOPS encryption',
    ]);
  });
});
