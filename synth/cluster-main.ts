// `npm run render`, `npm run images` and `npm run bundle`: see synth/cluster/cli.ts for the options.
import { APPS } from '../apps';
import { loadConfig } from '../environments';
import { runClusterCommand, type ClusterCommand } from './cluster/cli';
import { REPO_ROOT } from './paths';
import { renderTree } from './render';

const [command, ...argv] = process.argv.slice(2);
if (command !== 'render' && command !== 'images' && command !== 'bundle') {
  console.error(
    `usage: node scripts/run-ts.js synth/cluster-main.ts render|images|bundle [options]`,
  );
  process.exitCode = 2;
} else {
  void runClusterCommand(command satisfies ClusterCommand, argv, {
    out: (text) => process.stdout.write(text),
    err: (text) => process.stderr.write(text),
    root: REPO_ROOT,
    cwd: process.cwd(),
    config: loadConfig,
    apps: APPS,
    synthesize: (config) => renderTree(config).files,
  }).then((code) => {
    process.exitCode = code;
  });
}
