// `npm run bench:render`: the whole-cluster render of the reference clusters, cold (empty render
// cache) and warm, the whole-cluster checks, and npm run diff of one HelmRelease value change,
// cold and warm. Prints a table and writes bench/render-results.json.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { APPS } from '../../apps';
import { loadConfig } from '../../environments';
import { helmBinary } from '../../synth/cluster/helm';
import { cachedCharts, checkCluster, loadCluster } from '../../synth/cluster/whole-cluster';
import { renderChangedReleases } from '../../synth/diff/charts';
import { diffTrees } from '../../synth/diff/compare';
import { REPO_ROOT } from '../../synth/paths';
import { renderTree } from '../../synth/render';

/** Targets of issue 11. */
const TARGETS = { coldRenderSeconds: 15, warmRenderSeconds: 2, diffSeconds: 5 };

const seconds = (start: bigint): number => Number(process.hrtime.bigint() - start) / 1e9;

async function main(): Promise<void> {
  const config = loadConfig();
  const files = renderTree(config).files;
  const cacheDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-render-'));
  try {
    const renderAll = async () => {
      const start = process.hrtime.bigint();
      const clusters = [];
      for (const { name } of config.clusters) {
        clusters.push(
          await loadCluster({
            root: REPO_ROOT,
            config,
            apps: APPS,
            cluster: name,
            files,
            cacheDir,
          }),
        );
      }
      return { clusters, seconds: seconds(start) };
    };
    const cold = await renderAll();
    const warm = await renderAll();
    const start = process.hrtime.bigint();
    const problems = cold.clusters.flatMap((cluster) => checkCluster(cluster));
    const checksSeconds = seconds(start);

    // One value of one HelmRelease changes (Loki's retention), as in a typical PR.
    const file = 'platform/dev/controllers/loki/helmrelease-loki.yaml';
    const after = new Map(files).set(
      file,
      files.get(file)!.replace('retention_period: 168h', 'retention_period: 336h'),
    );
    const diffOnce = () => {
      const begin = process.hrtime.bigint();
      const charts = renderChangedReleases(files, after, {
        charts: () => cachedCharts(REPO_ROOT),
        helm: () => helmBinary(REPO_ROOT),
        kubernetesVersion: (cluster) =>
          config.clusters.find(({ name }) => name === cluster)?.kubernetesVersion,
        cacheDir,
      });
      const result = diffTrees(
        new Map([...files, ...charts.before]),
        new Map([...after, ...charts.after]),
      );
      return { seconds: seconds(begin), resources: result.resources.length };
    };
    const diffCold = diffOnce();
    const diffWarm = diffOnce();

    const results = {
      machine: `${os.cpus().length} CPUs, node ${process.version}`,
      clusters: config.clusters.length,
      objects: cold.clusters.reduce((sum, cluster) => sum + cluster.rendered.objects.length, 0),
      coldRenderSeconds: cold.seconds,
      warmRenderSeconds: warm.seconds,
      checksSeconds,
      problems: problems.length,
      diffColdSeconds: diffCold.seconds,
      diffWarmSeconds: diffWarm.seconds,
      diffResources: diffCold.resources,
      targets: TARGETS,
    };
    const row = (label: string, value: number, target?: number) =>
      `  ${label.padEnd(34)} ${value.toFixed(2).padStart(7)} s${target ? `   (target ≤ ${target} s: ${value <= target ? 'ok' : 'MISSED'})` : ''}`;
    console.log(
      `whole-cluster render of ${results.clusters} clusters, ${results.objects} objects (${results.machine})`,
    );
    console.log(
      row(
        'render, cold (empty render cache)',
        results.coldRenderSeconds,
        TARGETS.coldRenderSeconds,
      ),
    );
    console.log(row('render, warm', results.warmRenderSeconds, TARGETS.warmRenderSeconds));
    console.log(row('whole-cluster checks', results.checksSeconds));
    console.log(row('diff of one value, cold', results.diffColdSeconds, TARGETS.diffSeconds));
    console.log(row('diff of one value, warm', results.diffWarmSeconds, TARGETS.diffSeconds));
    console.log(
      `  diff shows ${results.diffResources} changed resources; checks found ${results.problems} problems`,
    );
    const out = path.join(REPO_ROOT, 'bench', 'render-results.json');
    fs.writeFileSync(out, `${JSON.stringify(results, null, 2)}\n`);
    console.log(`wrote ${path.relative(REPO_ROOT, out)}`);
  } finally {
    fs.rmSync(cacheDir, { recursive: true, force: true });
  }
}

void main().catch((error: Error) => {
  console.error(`bench:render: ${error.message}`);
  process.exitCode = 2;
});
