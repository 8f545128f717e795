// npm run diff renders the charts of changed HelmReleases at base and head and compares their
// objects, Secrets masked, with the real charts of the cache.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parse, stringify } from 'yaml';
import { loadConfig } from '../../environments';
import { helmBinary } from '../../synth/cluster/helm';
import { cachedCharts } from '../../synth/cluster/whole-cluster';
import { renderChangedReleases, type ChartDiffOptions } from '../../synth/diff/charts';
import { runDiffCommand } from '../../synth/diff/cli';
import type { TreeFiles } from '../../synth/diff/model';
import { REPO_ROOT } from '../../synth/paths';
import { referenceTree, type Loose } from '../support/tree';

const LOKI = 'platform/dev/controllers/loki/helmrelease-loki.yaml';
const MONITORING =
  'platform/prod/controllers/kube-prometheus-stack/helmrelease-kube-prometheus-stack.yaml';

const cacheDir = fs.mkdtempSync(path.join(os.tmpdir(), 'diff-charts-'));
afterAll(() => fs.rmSync(cacheDir, { recursive: true, force: true }));

const options: ChartDiffOptions = {
  charts: () => cachedCharts(REPO_ROOT),
  helm: () => helmBinary(REPO_ROOT),
  kubernetesVersion: (cluster) =>
    loadConfig().clusters.find(({ name }) => name === cluster)?.kubernetesVersion,
  cacheDir,
};

function edited(file: string, edit: (release: Loose) => void): TreeFiles {
  const files = new Map(referenceTree().files);
  const release = parse(files.get(file)!) as Loose;
  edit(release);
  files.set(file, stringify(release));
  return files;
}

function diffOf(after: TreeFiles): { code: number; out: string; err: string } {
  let out = '';
  let err = '';
  const code = runDiffCommand(['--format', 'json'], {
    out: (text) => (out += text),
    err: (text) => (err += text),
    isTty: false,
    env: {},
    cwd: REPO_ROOT,
    synthesize: () => after,
    renderCharts: (from, to) => renderChangedReleases(from, to, options),
  });
  return { code, out, err };
}

describe('rendered objects of changed HelmReleases', () => {
  it('renders nothing when no HelmRelease changed', () => {
    const tree = referenceTree().files;
    const changes = renderChangedReleases(tree, new Map(tree), {
      ...options,
      charts: () => {
        throw new Error('the chart cache must not be read');
      },
    });
    expect([changes.rendered, changes.notes, changes.before.size, changes.after.size]).toEqual([
      [],
      [],
      0,
      0,
    ]);
  });

  it("shows what a values change does to the chart's objects", () => {
    const after = edited(LOKI, (release) => {
      const values = (release.spec as Loose).values as Loose;
      ((values.loki as Loose).limits_config as Loose).retention_period = '336h';
    });
    const changes = renderChangedReleases(referenceTree().files, after, options);
    expect(changes.rendered).toEqual(['dev: loki/loki (loki 6.29.0)']);
    const file = 'platform/dev/rendered/loki/loki.yaml';
    expect([...changes.before.keys(), ...changes.after.keys()]).toEqual([file, file]);
    expect(changes.before.get(file)).toContain('retention_period: 168h');
    expect(changes.after.get(file)).toContain('retention_period: 336h');
  });

  it('lists the changed rendered objects in npm run diff, Secrets masked', () => {
    const after = edited(MONITORING, (release) => {
      const values = (release.spec as Loose).values as Loose;
      (values.alertmanager as Loose).config = { global: { resolve_timeout: '10m' } };
    });
    const { code, out, err } = diffOf(after);
    expect([code, err]).toEqual([0, '']);
    const report = JSON.parse(out) as {
      resources: {
        id: { kind: string; namespace: string; name: string };
        newPath?: string;
        hunks: unknown[];
      }[];
    };
    const rendered = report.resources.filter(({ newPath }) =>
      newPath?.startsWith('platform/prod/rendered/'),
    );
    // Alertmanager's configuration is a Secret the chart renders from the values.
    const secret = rendered.find(
      ({ id }) =>
        id.kind === 'Secret' && id.name === 'alertmanager-kube-prometheus-stack-alertmanager',
    );
    expect(secret).toBeDefined();
    const hunks = JSON.stringify(secret!.hunks);
    expect(hunks).toContain('<masked: new value>');
    // The new configuration never shows, encoded or not.
    expect(hunks).not.toContain('10m');
    expect(out).not.toContain(Buffer.from('resolve_timeout: 10m').toString('base64').slice(0, 16));
  });

  it('says which release it could not render, and why, when a chart version is not cached', () => {
    const after = edited(LOKI, (release) => {
      ((release.spec as Loose).chart as { spec: Loose }).spec.version = '6.30.0';
    });
    const changes = renderChangedReleases(referenceTree().files, after, options);
    expect(changes.rendered).toEqual([]);
    expect(changes.notes).toEqual([
      expect.stringMatching(
        /^HelmRelease loki\/loki \(dev\): rendered objects not compared: chart loki 6\.30\.0 is not in the chart cache/,
      ),
    ]);
  });
});
