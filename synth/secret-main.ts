// `npm run secret`: see synth/secrets/cli.ts for the commands.
import * as fs from 'node:fs';
import { loadConfig } from '../environments';
import { REPO_ROOT } from './paths';
import { defaultCatalog } from './render';
import { runSecretCommand } from './secrets/cli';

void runSecretCommand(process.argv.slice(2), {
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
  stdin: () => fs.readFileSync(0, 'utf8'),
  root: REPO_ROOT,
  cwd: process.cwd(),
  env: process.env,
  config: loadConfig,
  catalog: defaultCatalog,
}).then((code) => {
  process.exitCode = code;
});
