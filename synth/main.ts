// `npm run synth [-- --out DIR] [--cluster NAME]... [--check]`
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { ConfigError } from '../constructs/errors';
import { failureLine } from './failure';
import { DEFAULT_OUT_DIR, REPO_ROOT } from './paths';
import { typeCheckInputs } from './typecheck';

const USAGE = `usage: npm run synth -- [--out DIR] [--cluster NAME]... [--check]

  --out DIR        write the GitOps tree to DIR (default: gitops/)
  --cluster NAME   render only this cluster (repeatable); other clusters' files are kept
  --check          write nothing; exit 1 listing every stale, missing or extra file

The files of apps/ and environments/ are type-checked first (cached in .cache/ while
unchanged). SYNTH_TRACE=1 prints the stack of an unexpected error.`;

async function main(): Promise<number> {
  let args;
  try {
    args = parseArgs({
      options: {
        out: { type: 'string' },
        cluster: { type: 'string', multiple: true },
        check: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
        'from-cdk8s-cli': { type: 'boolean', default: false },
      },
      strict: true,
    }).values;
  } catch (error) {
    console.error(`synth: ${(error as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (args.help) {
    console.log(USAGE);
    return 0;
  }
  // `cdk8s synth` runs this program with CDK8S_OUTDIR set to its output folder.
  const cdk8sOut = args['from-cdk8s-cli'] ? process.env.CDK8S_OUTDIR : undefined;
  const outDir = path.resolve(args.out ?? cdk8sOut ?? DEFAULT_OUT_DIR);
  const shown = path.relative(REPO_ROOT, outDir) || '.';

  try {
    const typeCheck = await typeCheckInputs(REPO_ROOT);
    if (typeCheck.errors.length > 0) {
      console.error(`synth failed, nothing written:\n${typeCheck.errors.join('\n')}`);
      return 1;
    }
    // Loaded only now, inside this handler: an app or environment file that throws while it
    // loads (a ConfigError from `WebService.define`, a negative Duration) ends in one line too.
    const { isEmpty, synth } = await import('./synth');
    const { SOPS_CONFIG_FILE } = await import('./secrets/creation-rules');
    const started = process.hrtime.bigint();
    // .sops.yaml belongs to this repository's tree only, not to a copy written elsewhere.
    const sopsConfigFile =
      outDir === DEFAULT_OUT_DIR ? path.join(REPO_ROOT, SOPS_CONFIG_FILE) : undefined;
    const result = synth({ outDir, clusters: args.cluster, check: args.check, sopsConfigFile });
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    if (result.difference) {
      if (result.sopsConfigStale) {
        console.error(
          `synth --check: ${SOPS_CONFIG_FILE} differs from the one derived from the clusters' secrets.ageRecipients.\n` +
            'Fix: run `npm run synth` and commit the result.',
        );
        return 1;
      }
      if (isEmpty(result.difference)) {
        console.log(`synth --check: ${shown}/ is current (${result.fileCount} files)`);
        return 0;
      }
      const { stale, missing, extra } = result.difference;
      const lines = [
        ...stale.map((file) => `  stale    ${shown}/${file}`),
        ...missing.map((file) => `  missing  ${shown}/${file}`),
        ...extra.map((file) => `  extra    ${shown}/${file}`),
      ];
      console.error(
        `synth --check: ${shown}/ differs from a fresh synth (${lines.length} files):\n` +
          `${lines.join('\n')}\n` +
          'Fix: run `npm run synth` and commit the result (never edit gitops/ by hand).',
      );
      return 1;
    }
    console.log(
      `synth: wrote ${result.objectCount} objects in ${result.fileCount} files to ${shown}/ in ${ms.toFixed(0)} ms`,
    );
    return 0;
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(`synth failed, nothing written:\n${error.message}`);
      return 1;
    }
    console.error(`synth failed, nothing written:\n${failureLine(error, REPO_ROOT)}`);
    if (process.env.SYNTH_TRACE) console.error((error as Error).stack ?? String(error));
    return 2;
  }
}

void main().then((code) => {
  process.exitCode = code;
});
