// Issue #17, type errors and crashes: `npm run synth` type-checks apps/ and environments/ before
// it loads them (the esbuild bundle it runs strips types unchecked), caches a clean result by
// the content of every file the check read, and ends every failure while the input loads in one
// line naming the input file. The command runs on a copy of the repository, never on gitops/.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { AppDefinition, AppKind, WebService, type PortOptions } from '../../constructs/app';
import { ConfigError } from '../../constructs/errors';
import { CLUSTERS } from '../../environments';
import { dev } from '../../environments/dev';
import { prod } from '../../environments/prod';
import { test as testEnv } from '../../environments/test';
import { failureLine } from '../../synth/failure';
import { REPO_ROOT } from '../../synth/paths';
import { buildCluster } from '../../synth/render';
import { TYPECHECK_CACHE, checkedFiles, typeCheckInputs } from '../../synth/typecheck';

/** What synth needs to load the input and type-check it; node_modules is linked, not copied. */
const COPIED = [
  'apps',
  'environments',
  'constructs',
  'synth',
  'scripts/run-ts.js',
  'tsconfig.json',
  'package.json',
  'package-lock.json',
];

const copies: string[] = [];
afterAll(() => {
  for (const copy of copies) fs.rmSync(copy, { recursive: true, force: true });
});

/** A fresh copy of the repository's sources in a temporary folder. */
function copyOfRepository(): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'synth-typecheck-'));
  copies.push(root);
  for (const entry of COPIED) {
    fs.cpSync(path.join(REPO_ROOT, entry), path.join(root, entry), { recursive: true });
  }
  fs.symlinkSync(path.join(REPO_ROOT, 'node_modules'), path.join(root, 'node_modules'), 'dir');
  return root;
}

/** Replaces text in a file of a copy; returns the 1-based line and column where it now stands. */
function edit(
  root: string,
  file: string,
  from: string,
  to: string,
): { line: number; column: number } {
  const absolute = path.join(root, file);
  const text = fs.readFileSync(absolute, 'utf8');
  expect(text).toContain(from);
  const edited = text.replace(from, to);
  fs.writeFileSync(absolute, edited);
  const before = edited.slice(0, edited.indexOf(to)).split('\n');
  return { line: before.length, column: before[before.length - 1].length + 1 };
}

/** Runs `npm run synth` (its script) in a copy, writing to a folder that must stay absent. */
function synthIn(root: string) {
  const out = path.join(root, 'gitops');
  const run = spawnSync(process.execPath, ['scripts/run-ts.js', 'synth/main.ts', '--out', out], {
    cwd: root,
    encoding: 'utf8',
  });
  return { ...run, wrote: fs.existsSync(out) };
}

describe('npm run synth on a type error', () => {
  it('refuses it with one line per error, naming file, line and column, and writes nothing', () => {
    const root = copyOfRepository();
    // The typo of the issue (`enable` deployed the app to prod), and a count as a string.
    const typo = edit(
      root,
      'apps/order-worker.ts',
      'prod: { enabled: false }',
      'prod: { enable: false }',
    );
    const count = edit(
      root,
      'environments/prod.ts',
      'defaultReplicas: 3,',
      "defaultReplicas: '3',",
    );
    const run = synthIn(root);
    expect(run.stderr).toBe(
      [
        'synth failed, nothing written:',
        `apps/order-worker.ts:${typo.line}:${typo.column + 'prod: { '.length}: Object literal may only specify known properties, but 'enable' does not exist in type 'EnvironmentOverrides'. Did you mean to write 'enabled'?`,
        `environments/prod.ts:${count.line}:${count.column}: Type 'string' is not assignable to type 'number'.`,
        '',
      ].join('\n'),
    );
    expect(run.status).toBe(1);
    expect(run.wrote).toBe(false);
    // A failed check is not cached: the next run checks again.
    expect(fs.existsSync(path.join(root, TYPECHECK_CACHE))).toBe(false);
  });

  it('ends an unknown field the compiler never saw (an `as` cast) in one line, and writes nothing', () => {
    const root = copyOfRepository();
    edit(
      root,
      'apps/order-worker.ts',
      'prod: { enabled: false }',
      'prod: { enable: false } as never',
    );
    const run = synthIn(root);
    expect(run.stderr).toBe(
      "synth failed, nothing written:\napp 'order-worker' environments.prod.enable: unknown field; known fields: enabled, replicas, resources, env, autoscaling, external; did you mean 'enabled'?\n",
    );
    expect(run.status).toBe(1);
    expect(run.wrote).toBe(false);
  });

  it('regression: a negative duration thrown while an app file loads ends in one line at that file', () => {
    const root = copyOfRepository();
    const at = edit(root, 'apps/checkout-api.ts', 'Duration.millis(300)', 'Duration.millis(-300)');
    const run = synthIn(root);
    expect(run.stderr).toMatch(
      new RegExp(
        `^synth failed, nothing written:\\napps/checkout-api\\.ts:${at.line}:\\d+: Duration amounts cannot be negative\\. Received: -300\\n$`,
      ),
    );
    expect(run.stderr).not.toContain('    at ');
    expect(run.status).toBe(2);
    expect(run.wrote).toBe(false);
  });
});

describe('the type check cache', () => {
  it('checks a clean tree once, then only hashes it until a file the check read changes', async () => {
    const root = copyOfRepository();
    expect(await typeCheckInputs(root)).toEqual({ errors: [], cached: false });
    expect(await typeCheckInputs(root)).toEqual({ errors: [], cached: true });

    // A file the apps import (not an input file itself) invalidates the result...
    fs.appendFileSync(path.join(root, 'constructs/app/props.ts'), '\n// edited\n');
    expect(await typeCheckInputs(root)).toEqual({ errors: [], cached: false });
    expect(await typeCheckInputs(root)).toEqual({ errors: [], cached: true });
    // ...one no input reaches does not.
    fs.appendFileSync(path.join(root, 'synth/tree.ts'), '\n// edited\n');
    expect(await typeCheckInputs(root)).toEqual({ errors: [], cached: true });

    // A new input file is checked; removed again, the last clean result stands.
    fs.writeFileSync(path.join(root, 'apps/extra.ts'), "export const replicas: number = 'two';\n");
    expect(await typeCheckInputs(root)).toEqual({
      errors: ["apps/extra.ts:1:14: Type 'string' is not assignable to type 'number'."],
      cached: false,
    });
    fs.rmSync(path.join(root, 'apps/extra.ts'));
    expect(await typeCheckInputs(root)).toEqual({ errors: [], cached: true });
  });

  it('checks every file of apps/ and environments/ and the schemas of what they hold', () => {
    const files = checkedFiles(REPO_ROOT);
    expect(files).toEqual(
      expect.arrayContaining([
        'apps/index.ts',
        'apps/checkout-api.ts',
        'environments/index.ts',
        'environments/clusters/prod.ts',
        'constructs/app/known-keys.ts',
        'constructs/config/known-keys.ts',
        'constructs/contract/known-keys.ts',
      ]),
    );
    expect(files.every((file) => /^(apps|environments)\/|\/known-keys\.ts$/.test(file))).toBe(true);
  });
});

describe('what synth prints for an error no rule catches', () => {
  it('regression: two inputs whose names combine to one construct id name the cluster and the id', () => {
    // Environment `dev` with app `a-b`, environment `dev-a` with app `b`: both `dev-a-b`. The
    // catalogue refuses this pair; the construct tree, built without it, names it too.
    const environments = [
      { ...dev, namespacePrefix: 'one' },
      { ...testEnv, name: 'dev-a', namespacePrefix: 'two', domain: 'a.example.com' },
      prod,
    ];
    const app = (name: string) =>
      WebService.define({ name, team: 'web', image: 'registry.example.com/web/shop' });
    const versions = { 'a-b': '1.0.0', b: '1.0.0' };
    const build = () =>
      buildCluster({ clusters: CLUSTERS, environments }, 'dev', {
        apps: [app('a-b'), app('b')],
        versions: { dev: versions, 'dev-a': versions, prod: versions },
      });
    expect(build).toThrow(ConfigError);
    expect(build).toThrow(
      "cluster 'dev' names: two objects get the construct id 'dev-a-b' in dev (ClusterGitOps): it is made of environment, app or team names, and two of them combine alike; rename one",
    );
  });

  const thrownAt = (message: string, frames: string[]) => {
    const error = new Error(message);
    error.stack = [`Error: ${message}`, ...frames.map((frame) => `    at ${frame}`)].join('\n');
    return error;
  };

  it('an error while a cluster is built names the cluster', () => {
    class Broken extends AppDefinition {
      public constructor() {
        super(AppKind.WORKER, { name: 'broken', team: 'web', image: 'registry.example.com/web/x' });
      }
      public get ports(): readonly PortOptions[] {
        return [];
      }
      public build(): never {
        throw new TypeError('props.x is undefined');
      }
    }
    const versions = { broken: '1.0.0' };
    expect(() =>
      buildCluster({ clusters: CLUSTERS, environments: [dev, testEnv, prod] }, 'dev', {
        apps: [new Broken()],
        versions: { dev: versions, test: versions, prod: versions },
      }),
    ).toThrow(new TypeError("cluster 'dev': props.x is undefined"));
  });

  it('the input file and line when the stack passes through one', () => {
    const error = thrownAt('boom', [
      `Duration (${REPO_ROOT}/node_modules/cdk8s/lib/duration.js:10:11)`,
      `Object.<anonymous> (${REPO_ROOT}/constructs/app/rollout.ts:5:6)`,
      `${REPO_ROOT}/environments/dev.ts:3:5`,
    ]);
    expect(failureLine(error, REPO_ROOT)).toBe('environments/dev.ts:3:5: boom');
  });

  it('else the innermost place of the program, as an error to report, on one line', () => {
    const error = thrownAt('x is\nundefined', [
      'Array.map (<anonymous>)',
      `render (${REPO_ROOT}/constructs/platform/monitoring.ts:243:8)`,
    ]);
    expect(failureLine(error, REPO_ROOT)).toBe(
      'unexpected error (at constructs/platform/monitoring.ts:243:8): x is undefined; no rule names the input at fault yet, so please report it (SYNTH_TRACE=1 shows the stack)',
    );
  });

  it('a file system error as Node words it', () => {
    const error = Object.assign(new Error("EACCES: permission denied, mkdir '/gitops'"), {
      code: 'EACCES',
      syscall: 'mkdir',
    });
    expect(failureLine(error, REPO_ROOT)).toBe(
      "file system error: EACCES: permission denied, mkdir '/gitops'",
    );
  });
});
