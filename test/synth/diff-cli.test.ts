import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadConfig } from '../../environments';
import { productionScopes, runDiffCommand, type DiffIo } from '../../synth/diff/cli';
import { defaultBase, readTreeAtCommit } from '../../synth/diff/git';
import { generatedHeader, toYaml } from '../../synth/serialize';

let workdir: string;
beforeEach(() => {
  workdir = fs.mkdtempSync(path.join(os.tmpdir(), 'diff-'));
});
afterEach(() => fs.rmSync(workdir, { recursive: true, force: true }));

function configMap(name: string, data: Record<string, string>): string {
  return (
    generatedHeader(['apps/a.ts']) +
    toYaml({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'n' }, data })
  );
}

function writeTree(root: string, files: Record<string, string>): void {
  fs.rmSync(root, { recursive: true, force: true });
  for (const [file, content] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
    fs.writeFileSync(path.join(root, file), content);
  }
}

function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.com', ...args], {
    cwd,
    encoding: 'utf8',
  }).trim();
}

function run(args: string[], overrides: Partial<DiffIo> = {}) {
  let stdout = '';
  let stderr = '';
  const code = runDiffCommand(args, {
    out: (text) => (stdout += text),
    err: (text) => (stderr += text),
    isTty: false,
    env: {},
    cwd: workdir,
    ...overrides,
  });
  return { code, stdout, stderr };
}

const A = 'apps/dev/a/configmap-a.yaml';

describe('--from/--to and exit codes', () => {
  beforeEach(() => {
    writeTree(path.join(workdir, 'old'), { [A]: configMap('a', { k: '1' }) });
    writeTree(path.join(workdir, 'new'), { [A]: configMap('a', { k: '2' }) });
    writeTree(path.join(workdir, 'same'), { [A]: configMap('a', { k: '1' }) });
  });

  it('exits 0 with differences unless --exit-code, then 1', () => {
    const plain = run(['--from', 'old', '--to', 'new']);
    expect(plain.code).toBe(0);
    expect(plain.stdout).toContain('-  k: "1"');
    expect(plain.stdout).toContain('+  k: "2"');
    expect(run(['--from', 'old', '--to', 'new', '--exit-code']).code).toBe(1);
  });

  it('exits 0 without differences, even with --exit-code', () => {
    const same = run(['--from', 'old', '--to', 'same', '--exit-code']);
    expect(same.code).toBe(0);
    expect(same.stdout).toContain('No differences.');
  });

  it('exits 2 on errors: unknown flag, bad format, missing folder, both --base and --from', () => {
    for (const args of [
      ['--colour'],
      ['--from', 'old', '--to', 'new', '--format', 'html'],
      ['--from', 'nowhere', '--to', 'new'],
      ['--from', 'old', '--base', 'HEAD', '--to', 'new'],
      ['--from', 'old', '--to', 'new', '--context', '-1'],
    ]) {
      const result = run(args);
      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(/^diff: /);
      expect(result.stdout).toBe('');
    }
  });

  it('chooses colour for a terminal unless NO_COLOR, and writes --output files', () => {
    expect(run(['--from', 'old', '--to', 'new'], { isTty: true }).stdout).toContain('\u001b[');
    expect(
      run(['--from', 'old', '--to', 'new'], { isTty: true, env: { NO_COLOR: '1' } }).stdout,
    ).not.toContain('\u001b[');
    const out = run(['--from', 'old', '--to', 'new', '--format', 'markdown', '--output', 'd.md']);
    expect(out.stdout).toBe('');
    expect(fs.readFileSync(path.join(workdir, 'd.md'), 'utf8')).toContain('<details>');
  });
});

describe('--base: the committed tree from git', () => {
  let repo: string;
  let gitops: string;
  const synthesize = (files: Record<string, string>) => () => new Map(Object.entries(files));

  beforeEach(() => {
    repo = path.join(workdir, 'repo');
    gitops = path.join(repo, 'gitops');
    fs.mkdirSync(repo);
    git(repo, 'init', '-q', '-b', 'main');
    writeTree(gitops, {
      [A]: configMap('a', { k: '1' }),
      'apps/dev/b/configmap-b.yaml': configMap('b', { k: '1' }),
      'apps/dev/b/kustomization.yaml': 'resources:\n  - configmap-b.yaml\n',
    });
    fs.writeFileSync(path.join(repo, 'README.md'), 'outside gitops/\n');
    git(repo, 'add', '.');
    git(repo, 'commit', '-q', '-m', 'base');
  });

  it('reads every file under gitops/ at a commit in one batch, byte for byte', () => {
    const files = readTreeAtCommit(repo, git(repo, 'rev-parse', 'HEAD'), 'gitops');
    expect([...files.keys()].sort()).toEqual([
      A,
      'apps/dev/b/configmap-b.yaml',
      'apps/dev/b/kustomization.yaml',
    ]);
    expect(files.get(A)).toBe(fs.readFileSync(path.join(gitops, A), 'utf8'));
  });

  it('diffs a fresh synth against the commit: change, removal, exit code', () => {
    const result = run(['--base', 'HEAD', '--exit-code'], {
      cwd: repo,
      gitopsDir: gitops,
      synthesize: synthesize({ [A]: configMap('a', { k: '2' }) }),
    });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/Manifest diff: HEAD \([0-9a-f]{8}\) → working tree/);
    expect(result.stdout).toContain('~ changed environment dev: ConfigMap n/a');
    expect(result.stdout).toContain('- removed environment dev: ConfigMap n/b');
    expect(result.stdout).toContain('- apps/dev/b/kustomization.yaml: -configmap-b.yaml');
  });

  it('defaults to the merge base with main, so commits on a branch are part of the diff', () => {
    git(repo, 'checkout', '-q', '-b', 'feature');
    writeTree(gitops, { [A]: configMap('a', { k: '3' }) });
    git(repo, 'add', '-A', 'gitops');
    git(repo, 'commit', '-q', '-m', 'feature');
    const mainCommit = git(repo, 'rev-parse', 'main');
    expect(defaultBase(repo).commit).toBe(mainCommit);
    const result = run(['--format', 'json'], {
      cwd: repo,
      gitopsDir: gitops,
      synthesize: synthesize({ [A]: configMap('a', { k: '3' }) }),
    });
    const json = JSON.parse(result.stdout) as { base: string; resources: { status: string }[] };
    expect(json.base).toContain('merge-base(HEAD, main)');
    expect(json.resources.map((r) => r.status)).toEqual(['changed', 'removed']);
  });

  it('falls back to HEAD in a repository without remote or main branch', () => {
    git(repo, 'branch', '-q', '-m', 'main', 'trunk');
    expect(defaultBase(repo)).toEqual({
      label: expect.stringMatching(/^HEAD [0-9a-f]{8}$/),
      commit: git(repo, 'rev-parse', 'HEAD'),
    });
  });

  it('exits 2 naming an unknown ref and the fetch-depth hint', () => {
    const result = run(['--base', 'origin/nope'], {
      cwd: repo,
      gitopsDir: gitops,
      synthesize: synthesize({}),
    });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("unknown git ref 'origin/nope'");
    expect(result.stderr).toContain('fetch-depth: 0');
  });
});

describe('production scopes come from the configuration', () => {
  it('the prod cluster and the environments it hosts', () => {
    const isProduction = productionScopes(loadConfig());
    expect(isProduction({ type: 'cluster', name: 'prod' })).toBe(true);
    expect(isProduction({ type: 'environment', name: 'prod' })).toBe(true);
    expect(isProduction({ type: 'cluster', name: 'dev' })).toBe(false);
    expect(isProduction({ type: 'environment', name: 'test' })).toBe(false);
  });
});

describe('the npm run diff entry point', () => {
  it('runs end to end, with the exit codes of the command line', () => {
    const runCli = (...args: string[]) =>
      spawnSync(process.execPath, ['scripts/run-ts.js', 'synth/diff-main.ts', ...args], {
        cwd: path.resolve(__dirname, '../..'),
        encoding: 'utf8',
        env: { ...process.env, NO_COLOR: '1' },
      });
    writeTree(path.join(workdir, 'x'), { [A]: configMap('a', { k: '1' }) });
    const differ = runCli('--from', path.join(workdir, 'x'), '--to', workdir, '--exit-code');
    expect(differ.status).toBe(1);
    expect(differ.stdout).toContain('1 added, 0 changed, 1 removed');
    const bad = runCli('--format', 'nope');
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain('--format must be one of');
  });
});
