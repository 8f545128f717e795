// `npm run diff`: see synth/diff/cli.ts for the options.
import { runDiffCommand } from './diff/cli';

process.exitCode = runDiffCommand(process.argv.slice(2), {
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
  isTty: process.stdout.isTTY === true,
  env: process.env,
  cwd: process.cwd(),
});
