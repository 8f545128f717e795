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
import { loadVersions } from '../../synth/versions';

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
  const result = synth({
    outDir,
    check: true,
    config,
    catalog: { apps: APPS, versions: loadVersions(config.environments, versionsDir) },
  });
  return result.difference !== undefined && isEmpty(result.difference);
}

describe('npm run promote', () => {
  it('sets one version in one environment, re-renders its cluster and leaves the tree current', () => {
    const before = JSON.parse(versionsFile('test')) as Record<string, string>;
    const rollout = path.join(outDir, 'apps/test/checkout-api/rollout-checkout-api.yaml');
    const untouched = snapshot(path.join(outDir, 'platform'));
    const { code, out, err } = promote('checkout-api', '--env', 'test', '--version', '1.7.4');
    expect([code, err]).toEqual([0, '']);
    expect(out.split('\n')[0]).toBe(
      'promote: checkout-api in test: 1.7.3 → 1.7.4 (environments/versions/test.json); re-rendered cluster dev: 1 of its 239 files changed',
    );
    expect(JSON.parse(versionsFile('test'))).toEqual({ ...before, 'checkout-api': '1.7.4' });
    expect(versionsFile('test')).toBe(versionsFileText({ ...before, 'checkout-api': '1.7.4' }));
    expect(fs.readFileSync(rollout, 'utf8')).toContain(
      'image: registry.example.com/payments/checkout-api:1.7.4',
    );
    expect(snapshot(path.join(outDir, 'platform'))).toEqual(untouched);
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
});
