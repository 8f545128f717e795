// `npm run charts`: fills .cache/charts with every chart of constructs/platform/versions.ts
// (from NEXTGEN_CHART_MIRROR, else ../shared/charts, else helm pull) and writes the lock file
// that renders and values checks read. One line per chart; exits 1 if any chart failed.
import * as path from 'node:path';
import { fillChartCache } from '../synth/cluster/charts';
import { REPO_ROOT } from '../synth/paths';

function main(): number {
  const started = process.hrtime.bigint();
  const result = fillChartCache({ root: REPO_ROOT, log: (line) => console.log(line) });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const failed = result.results.filter((r) => r.status === 'failed');
  const cached = result.results.filter((r) => r.status === 'cached').length;
  const lock = path.relative(REPO_ROOT, result.lockFile);
  const from =
    result.source.kind === 'mirror' ? path.relative(REPO_ROOT, result.source.dir) : 'helm pull';
  console.log(
    `${result.results.length} charts from ${from}: ${cached} cached, ` +
      `${result.results.length - cached - failed.length} unchanged, ${failed.length} failed ` +
      `in ${seconds.toFixed(2)} s; ${lock} ${result.lockChanged ? 'written' : 'unchanged'}`,
  );
  for (const { key, error } of failed) console.error(`error: ${key}: ${error}`);
  return failed.length > 0 ? 1 : 0;
}

process.exitCode = main();
