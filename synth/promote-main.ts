// `npm run promote -- <app> --env ENV --version VERSION | --from ENV --to ENV`: see synth/promote.ts.
import * as path from 'node:path';
import { APPS } from '../apps';
import { sourceFiles } from '../constructs/contract/layout';
import { loadConfig } from '../environments';
import { failureLine } from './failure';
import { DEFAULT_OUT_DIR, REPO_ROOT } from './paths';
import { runPromote } from './promote';
import { SOPS_CONFIG_FILE } from './secrets/creation-rules';

try {
  process.exitCode = runPromote(process.argv.slice(2), {
    out: (text) => process.stdout.write(text),
    err: (text) => process.stderr.write(text),
    config: loadConfig,
    apps: APPS,
    versionsDir: path.join(REPO_ROOT, sourceFiles.versionsFolder),
    outDir: DEFAULT_OUT_DIR,
    sopsConfigFile: path.join(REPO_ROOT, SOPS_CONFIG_FILE),
  });
} catch (error) {
  process.stderr.write(`promote failed, nothing written:\n${failureLine(error, REPO_ROOT)}\n`);
  process.exitCode = 2;
}
