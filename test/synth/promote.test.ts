// `npm run promote` (#14 point 5, the command): edits only the versions data, leaves the GitOps
// tree current, and refuses what cannot run with one line and nothing written. Runs in-process
// on copies of environments/versions/ and gitops/.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { APPS } from '../../apps';
import { loadConfig } from '../../environments';
import { REPO_ROOT } from '../../synth/paths';
import { runPromote, versionsFileText } from '../../synth/promote';
import { isEmpty, synth } from '../../synth/synth';
import { loadVersions, loadVersionsFiles } from '../../synth/versions';
import { parse } from 'yaml';

let root: string;
let versionsDir: string;
let outDir: string;

beforeEach(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'promote-'));
  versionsDir = path.join(root, 'versions');
  outDir = path.join(root, 'gitops');
  fs.cpSync(path.join(REPO_ROOT, 'environments/versions'), versionsDir, { recursive: true });
  fs.cpSync(path.join(REPO_ROOT, 'gitops'), outDir, { recursive: true });
});

afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

function promote(...argv: string[]): { code: number; out: string; err: string } {
  let out = '';
  let err = '';
  const code = runPromote(argv, {
    out: (text) => (out += text),
    err: (text) => (err += text),
    config: loadConfig,
    apps: APPS,
    versionsDir,
    outDir,
  });
  return { code, out, err };
}

const versionsFile = (env: string) =>
  fs.readFileSync(path.join(versionsDir, `${env}.json`), 'utf8');

/** Every file of a folder with its content, for "nothing written". */
function snapshot(folder: string): Map<string, string> {
  const files = new Map<string, string>();
  for (const entry of fs.readdirSync(folder, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const file = path.join(entry.parentPath, entry.name);
    files.set(path.relative(folder, file), fs.readFileSync(file, 'utf8'));
  }
  return files;
}

/** Whether the tree is what synth writes from the versions files on disk. */
function treeIsCurrent(): boolean {
  const config = loadConfig();
  const { versions, provenance } = loadVersionsFiles(config.environments, versionsDir);
  const result = synth({
    outDir,
    check: true,
    config,
    catalog: { apps: APPS, versions, provenance },
  });
  return result.difference !== undefined && isEmpty(result.difference);
}

describe('npm run promote', () => {
  it("sets one version in one environment, re-renders only the app's folder and leaves the tree current", () => {
    const before = JSON.parse(versionsFile('test')) as Record<string, string>;
    const rollout = path.join(outDir, 'apps/test/checkout-api/rollout-checkout-api.yaml');
    const outside = (files: Map<string, string>) =>
      [...files].filter(([file]) => !file.startsWith('apps/test/checkout-api/'));
    const untouched = outside(snapshot(outDir));
    const { code, out, err } = promote('checkout-api', '--env', 'test', '--version', '1.7.4');
    expect([code, err]).toEqual([0, '']);
    expect(out.split('\n')[0]).toBe(
      'promote: checkout-api in test: 1.7.3 → 1.7.4 (environments/versions/test.json); re-rendered apps/test/checkout-api/ (13 files)',
    );
    expect(JSON.parse(versionsFile('test'))).toEqual({ ...before, 'checkout-api': '1.7.4' });
    expect(versionsFile('test')).toBe(versionsFileText({ ...before, 'checkout-api': '1.7.4' }));
    expect(fs.readFileSync(rollout, 'utf8')).toContain(
      'image: registry.example.com/payments/checkout-api:1.7.4',
    );
    // Nothing outside the app's folder is written, and the tree is still what synth writes.
    expect(outside(snapshot(outDir))).toEqual(untouched);
    expect(treeIsCurrent()).toBe(true);
  });

  it('promotes what one environment runs to the next, a digest as well as a tag', () => {
    const digest = `sha256:${'a'.repeat(64)}`;
    expect(promote('storefront', '--env', 'dev', '--version', digest).code).toBe(0);
    const { code, out } = promote('storefront', '--from', 'dev', '--to', 'prod');
    expect(code).toBe(0);
    const running = JSON.parse(
      fs.readFileSync(path.join(REPO_ROOT, 'environments/versions/prod.json'), 'utf8'),
    ).storefront;
    expect(out).toContain(`promote: storefront in prod: ${running} → ${digest}`);
    expect(JSON.parse(versionsFile('prod')).storefront).toBe(digest);
    expect(treeIsCurrent()).toBe(true);
  });

  it('says so and writes nothing when the environment already runs the version', () => {
    const before = snapshot(root);
    const { code, out } = promote('checkout-api', '--from', 'test', '--to', 'prod');
    expect(code).toBe(0);
    expect(out).toBe('promote: checkout-api already runs 1.7.3 in prod; nothing to do\n');
    expect(snapshot(root)).toEqual(before);
  });

  it.each([
    [
      ['order-worker', '--env', 'prod', '--version', '1.0.0'],
      "app 'order-worker' environment 'prod' enabled: the app is disabled in 'prod' (environments.prod.enabled: false); enable it in apps/order-worker.ts first",
    ],
    [
      ['order-worker', '--from', 'prod', '--to', 'test'],
      "app 'order-worker' environment 'prod' version: the app is disabled in 'prod' (environments.prod.enabled: false): nothing is deployed there to promote",
    ],
    [
      ['checkout-api', '--env', 'test', '--version', 'latest'],
      "app 'checkout-api' environment 'test' version: 'latest' is not a version: give a tag or a sha256 digest",
    ],
    [
      ['checkout-api', '--env', 'test', '--version', 'v1.2.3+build'],
      "app 'checkout-api' environment 'test' version: must be an image tag ([A-Za-z0-9_][A-Za-z0-9_.-]{0,127}) or a digest sha256:<64 hex>, got 'v1.2.3+build'",
    ],
    [
      ['checkout-api', '--env', 'test', '--version', 'sha256:abc'],
      "app 'checkout-api' environment 'test' version: must be an image tag ([A-Za-z0-9_][A-Za-z0-9_.-]{0,127}) or a digest sha256:<64 hex>, got 'sha256:abc'",
    ],
  ])('refuses %j with one line, writing nothing', (argv, line) => {
    const before = snapshot(root);
    const { code, out, err } = promote(...argv);
    expect([code, out]).toEqual([1, '']);
    expect(err).toBe(`promote refused, nothing written:\n${line}\n`);
    expect(snapshot(root)).toEqual(before);
  });

  it.each([
    [
      ['shop', '--env', 'dev', '--version', '1'],
      "app 'shop': no such app (known: checkout-api, storefront, order-worker)",
    ],
    [
      ['checkout-api', '--env', 'staging', '--version', '1'],
      '--env staging: no such environment (known: dev, test, prod)',
    ],
    [
      ['checkout-api', '--env', 'dev', '--from', 'test', '--to', 'prod'],
      'give either --env and --version, or --from and --to',
    ],
    [['checkout-api', '--from', 'dev', '--to', 'dev'], "--from and --to are both 'dev'"],
    [['checkout-api', '--env', 'dev'], '--env and --version go together'],
    [['--env', 'dev', '--version', '1'], 'name exactly one app'],
  ])('refuses the usage %j', (argv, line) => {
    const before = snapshot(root);
    const { code, err } = promote(...argv);
    expect(code).toBe(2);
    expect(err.split('\n')[0]).toBe(`promote: ${line}`);
    expect(snapshot(root)).toEqual(before);
  });

  it('records where a version came from beside it and on the workload, not in its pods', () => {
    const commit = '0123456789abcdef0123456789abcdef01234567';
    const flags = [
      '--commit',
      commit,
      '--committed-at',
      '2026-12-04T10:15:00Z',
      '--pipeline-run',
      'checkout-api-build-x7k2',
    ];
    expect(promote('checkout-api', '--env', 'dev', '--version', '1.9.0', ...flags).code).toBe(0);
    expect(JSON.parse(versionsFile('dev'))['checkout-api']).toEqual({
      version: '1.9.0',
      commit,
      committedAt: '2026-12-04T10:15:00Z',
      pipelineRun: 'checkout-api-build-x7k2',
    });
    const rollout = parse(
      fs.readFileSync(path.join(outDir, 'apps/dev/checkout-api/rollout-checkout-api.yaml'), 'utf8'),
    ) as {
      metadata: { annotations: Record<string, string> };
      spec: { template: { metadata: Record<string, unknown> } };
    };
    expect(rollout.metadata.annotations).toMatchObject({
      'nextgen.dev/commit': commit,
      'nextgen.dev/committed-at': '2026-12-04T10:15:00Z',
      'nextgen.dev/pipeline-run': 'checkout-api-build-x7k2',
    });
    expect(JSON.stringify(rollout.spec.template.metadata)).not.toContain('nextgen.dev/commit');
    expect(treeIsCurrent()).toBe(true);

    // Promoted on, the version keeps where it came from; a new version without it drops it.
    expect(promote('checkout-api', '--from', 'dev', '--to', 'test').code).toBe(0);
    expect(JSON.parse(versionsFile('test'))['checkout-api']).toMatchObject({
      version: '1.9.0',
      commit,
    });
    expect(promote('checkout-api', '--env', 'dev', '--version', '1.9.1').code).toBe(0);
    expect(JSON.parse(versionsFile('dev'))['checkout-api']).toBe('1.9.1');
    expect(treeIsCurrent()).toBe(true);
  });

  it('refuses provenance that is not a commit, a time or a run name, naming the flag', () => {
    const before = snapshot(root);
    const { code, err } = promote(
      'checkout-api',
      '--env',
      'dev',
      '--version',
      '1.9.0',
      '--commit',
      'HEAD',
      '--committed-at',
      'yesterday',
      '--pipeline-run',
      'Build_1',
    );
    expect(code).toBe(1);
    expect(err).toBe(
      [
        'promote refused, nothing written:',
        '3 problems:',
        "  - app 'checkout-api' environment 'dev' --commit: must be a Git commit, 7 to 40 lower-case hex digits, got 'HEAD'",
        "  - app 'checkout-api' environment 'dev' --committed-at: must be an RFC 3339 time like 2026-12-04T10:15:00Z, got 'yesterday'",
        "  - app 'checkout-api' environment 'dev' --pipeline-run: must be a Kubernetes name (a DNS label), got 'Build_1'",
        '',
      ].join('\n'),
    );
    expect(snapshot(root)).toEqual(before);
  });

  it('reads the object form of a versions entry and refuses a malformed one at synth', () => {
    fs.writeFileSync(
      path.join(versionsDir, 'dev.json'),
      JSON.stringify({
        'checkout-api': { version: '1.8.0', commit: 'abc', owner: 'x' },
        'order-worker': '0.9.2',
        storefront: '2.14.1',
      }),
    );
    expect(() => loadVersions(loadConfig().environments, versionsDir)).toThrow(
      `environment 'dev' versions file ${path.join(versionsDir, 'dev.json')} "checkout-api": must be a tag or digest, or an object of version and optionally commit, committedAt, pipelineRun (unknown: owner)`,
    );
  });
});
