// Regenerates constructs/imports/ from the CRDs listed in cdk8s.yaml, one `cdk8s import`
// per file (one call imports only one file), each with its prefix so that API groups split
// across files do not overwrite each other. Deterministic: same CRDs and cdk8s-cli, same output.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse } from 'yaml';
import { crdsDir } from '../synth/cluster/crds';
import { DEFAULT_CRDS_DIR, REPO_ROOT } from '../synth/paths';

const IMPORTS_DIR = path.join(REPO_ROOT, 'constructs', 'imports');

interface Cdk8sConfig {
  readonly imports?: readonly string[];
}

function main(): void {
  const config = parse(fs.readFileSync(path.join(REPO_ROOT, 'cdk8s.yaml'), 'utf8')) as Cdk8sConfig;
  const specs = config.imports ?? [];
  const cli = path.join(REPO_ROOT, 'node_modules', '.bin', 'cdk8s');
  fs.rmSync(IMPORTS_DIR, { recursive: true, force: true });
  fs.mkdirSync(IMPORTS_DIR, { recursive: true });
  for (const spec of specs) {
    const [prefix, file] = spec.split(':=');
    if (!prefix || !file?.startsWith(DEFAULT_CRDS_DIR + '/')) {
      throw new Error(
        `cdk8s.yaml imports: '${spec}' must read '<prefix>:=${DEFAULT_CRDS_DIR}/<file>'`,
      );
    }
    const source = path.join(crdsDir(REPO_ROOT), file.slice(DEFAULT_CRDS_DIR.length + 1));
    if (!fs.existsSync(source)) {
      throw new Error(`cdk8s.yaml imports: '${prefix}' points at ${source}, which does not exist`);
    }
    execFileSync(
      cli,
      [
        'import',
        `${prefix}:=${source}`,
        '-l',
        'typescript',
        '-o',
        IMPORTS_DIR,
        '--no-check-upgrade',
        // without this, cdk8s import appends each import (absolute path) to cdk8s.yaml
        '--no-save',
      ],
      {
        stdio: ['ignore', 'ignore', 'inherit'],
        env: { ...process.env, CDK8S_CHECK_UPGRADE: 'false' },
      },
    );
    console.log(`imported ${prefix} <- ${path.relative(REPO_ROOT, source)}`);
  }
}

main();
