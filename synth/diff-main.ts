// `npm run diff`: see synth/diff/cli.ts for the options.
import * as path from 'node:path';
import { loadConfig } from '../environments';
import { helmBinary } from './cluster/helm';
import { cachedCharts, RENDER_CACHE_DIR } from './cluster/whole-cluster';
import { renderChangedReleases } from './diff/charts';
import { runDiffCommand } from './diff/cli';
import { REPO_ROOT } from './paths';

let charts: ReturnType<typeof cachedCharts> | undefined;

process.exitCode = runDiffCommand(process.argv.slice(2), {
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
  isTty: process.stdout.isTTY === true,
  env: process.env,
  cwd: process.cwd(),
  renderCharts: (before, after) =>
    renderChangedReleases(before, after, {
      // Read once, and only when a HelmRelease changed: a missing cache names npm run charts.
      charts: () => (charts ??= cachedCharts(REPO_ROOT)),
      helm: () => helmBinary(REPO_ROOT),
      kubernetesVersion: (cluster) =>
        loadConfig().clusters.find(({ name }) => name === cluster)?.kubernetesVersion,
      cacheDir: path.join(REPO_ROOT, RENDER_CACHE_DIR),
    }),
});
