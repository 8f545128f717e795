// `npm run crds`: fetches the pinned upstream CRDs and schemas from GitHub into .cache/crds
// (for machines without ../shared/crds and without NEXTGEN_CRDS_DIR). Needs internet; every
// file is checked against its pinned sha256. Exits 1, saying why, when a file cannot be had.
import * as path from 'node:path';
import { CRDS_CACHE_DIR, CRD_FILES, fetchCrds } from '../synth/cluster/crds';
import { REPO_ROOT } from '../synth/paths';

async function main(): Promise<number> {
  const started = process.hrtime.bigint();
  const result = await fetchCrds({ root: REPO_ROOT, log: (line) => console.log(line) });
  const seconds = (Number(process.hrtime.bigint() - started) / 1e9).toFixed(2);
  console.log(
    `${CRD_FILES.length} CRD files: ${result.fetched} fetched, ${result.unchanged} unchanged, ` +
      `${result.failures.length} failed, ${result.skipped} not tried in ${seconds} s`,
  );
  if (result.failures.length > 0) {
    const skipped =
      result.skipped > 0 ? ` (${result.skipped} not tried after a network error)` : '';
    console.error(
      `error: ${result.failures.length + result.skipped} of ${CRD_FILES.length} files could not ` +
        `be fetched into ${CRDS_CACHE_DIR}${skipped}, so it is not usable yet; first: ` +
        `${result.failures[0]}\nRerun "npm run crds" with internet, or point NEXTGEN_CRDS_DIR ` +
        `at a copy of the CRD folder.`,
    );
    return 1;
  }
  console.log(`${path.relative(REPO_ROOT, result.lockFile)} written`);
  return 0;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  },
);
