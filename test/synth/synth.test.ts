import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadConfig } from '../../environments';
import { prodCluster } from '../../environments/clusters/prod';
import { devCluster } from '../../environments/clusters/dev';
import { REPO_ROOT } from '../../synth/paths';
import { renderTree } from '../../synth/render';
import { synth } from '../../synth/synth';
import { readTree } from '../../synth/tree';

const committed = path.join(REPO_ROOT, 'gitops');
let workdir: string;

beforeEach(() => {
  workdir = fs.mkdtempSync(path.join(os.tmpdir(), 'synth-'));
});
afterEach(() => fs.rmSync(workdir, { recursive: true, force: true }));

function copyOfCommitted(): string {
  const out = path.join(workdir, 'gitops');
  fs.cpSync(committed, out, { recursive: true });
  return out;
}

function runCli(...args: string[]) {
  return runCliWith({}, ...args);
}

function runCliWith(env: Record<string, string>, ...args: string[]) {
  return spawnSync(process.execPath, ['scripts/run-ts.js', 'synth/main.ts', ...args], {
    cwd: REPO_ROOT,
    encoding: 'utf8',
    env: { ...process.env, ...env },
  });
}

describe('determinism', () => {
  it('renders byte-identical trees from the same input', () => {
    const first = renderTree(loadConfig());
    const second = renderTree(loadConfig());
    expect([...second.files]).toEqual([...first.files]);
  });

  it('writes byte-identical folders on two runs', () => {
    const a = path.join(workdir, 'a');
    const b = path.join(workdir, 'b');
    synth({ outDir: a });
    synth({ outDir: b });
    expect(readTree(b)).toEqual(readTree(a));
  });
});

describe('--check', () => {
  it('passes on the committed gitops/ tree (it is current)', () => {
    const result = synth({ outDir: committed, check: true });
    expect(result.difference).toEqual({ stale: [], missing: [], extra: [] });
  });

  it('lists a hand-edited, a deleted and an added file, and writes nothing', () => {
    const out = copyOfCommitted();
    const edited = 'platform/dev/controllers/cert-manager/helmrelease-cert-manager.yaml';
    fs.appendFileSync(path.join(out, edited), '# hand edit\n');
    fs.rmSync(path.join(out, 'clusters/prod/kustomization-apps.yaml'));
    fs.writeFileSync(path.join(out, 'platform/dev/stray.yaml'), 'kind: Stray\n');
    const before = readTree(out);

    const result = synth({ outDir: out, check: true });
    expect(result.difference).toEqual({
      stale: [edited],
      missing: ['clusters/prod/kustomization-apps.yaml'],
      extra: ['platform/dev/stray.yaml'],
    });
    expect(readTree(out)).toEqual(before);
  });

  it('exits 1 from the command line, listing the file and the fix', () => {
    const out = copyOfCommitted();
    fs.appendFileSync(path.join(out, 'clusters/dev/kustomization.yaml'), '# edit\n');
    const run = runCli('--check', '--out', out);
    expect(run.status).toBe(1);
    expect(run.stderr).toContain(
      `stale    ${path.relative(REPO_ROOT, out)}/clusters/dev/kustomization.yaml`,
    );
    expect(run.stderr).toContain('Fix: run `npm run synth` and commit the result');
  });

  it('exits 0 from the command line on a current tree', () => {
    const run = runCli('--check');
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/^synth --check: gitops\/ is current \(\d+ files\)/);
  });
});

describe('locale', () => {
  // Lithuanian sorts `y` with `i` and Swedish puts `w` with `v`: a locale-aware sort of
  // names (kyverno, kube-system, ...) would give each machine its own output.
  it.each(['lt_LT.UTF-8', 'sv_SE.UTF-8'])(
    'regression: output does not depend on the locale (%s)',
    (locale) => {
      const run = runCliWith({ LC_ALL: locale, LANG: locale }, '--check');
      expect(run.stderr).toBe('');
      expect(run.status).toBe(0);
    },
  );
});

describe('--cluster', () => {
  it('rewrites only the chosen cluster and keeps the others byte for byte', () => {
    const out = copyOfCommitted();
    fs.appendFileSync(path.join(out, 'platform/prod/kustomization.yaml'), '# prod edit\n');
    fs.appendFileSync(path.join(out, 'platform/dev/kustomization.yaml'), '# dev edit\n');
    synth({ outDir: out, clusters: ['dev'] });
    const after = readTree(out);
    expect(after.get('platform/prod/kustomization.yaml')).toContain('# prod edit');
    expect(after.get('platform/dev/kustomization.yaml')).not.toContain('# dev edit');
  });

  it('refuses an unknown cluster, listing the known ones', () => {
    const run = runCli('--cluster', 'staging', '--out', path.join(workdir, 'x'));
    expect(run.status).toBe(1);
    expect(run.stderr).toBe(
      "synth failed, nothing written:\ncluster 'staging' name: is not defined; known clusters: dev, prod\n",
    );
    expect(fs.existsSync(path.join(workdir, 'x'))).toBe(false);
  });
});

describe('atomicity', () => {
  it('leaves the tree byte-identical when the configuration is bad', () => {
    const out = copyOfCommitted();
    const before = readTree(out);
    const config = {
      clusters: [
        devCluster,
        { ...prodCluster, platform: { certManager: { values: { replicaCount: 0 } } } },
      ],
      environments: loadConfig().environments,
    };
    // dev renders fine; the failure comes halfway, while rendering prod
    expect(() => synth({ outDir: out, config })).toThrow(
      "cluster 'prod' platform.certManager.values.replicaCount",
    );
    expect(readTree(out)).toEqual(before);
  });

  it('leaves the tree byte-identical when writing fails halfway, and cleans up', () => {
    const out = copyOfCommitted();
    const before = readTree(out);
    // The module object itself (the `import * as` namespace is read-only).
    const nodeFs = jest.requireActual<typeof fs>('node:fs');
    const realWrite = nodeFs.writeFileSync;
    let writes = 0;
    const spy = jest.spyOn(nodeFs, 'writeFileSync').mockImplementation((...args) => {
      if (++writes === 10) throw new Error('disk full');
      return realWrite(...args);
    });
    try {
      expect(() => synth({ outDir: out })).toThrow('disk full');
    } finally {
      spy.mockRestore();
    }
    expect(writes).toBe(10);
    expect(readTree(out)).toEqual(before);
    expect(fs.readdirSync(workdir)).toEqual(['gitops']);
  });

  it('answers an unknown option with the usage, no stack trace, and writes nothing', () => {
    const out = copyOfCommitted();
    const before = readTree(out);
    const run = runCli('--out', out, '--clusterz', 'dev');
    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(/^synth: Unknown option '--clusterz'/);
    expect(run.stderr).toContain('usage: npm run synth');
    expect(run.stderr).not.toMatch(/\n\s+at /);
    expect(readTree(out)).toEqual(before);
  });
});

describe('the synth command', () => {
  it('writes the reference tree in well under 2 s in a fresh process', () => {
    const out = path.join(workdir, 'gitops');
    const started = Date.now();
    const output = execFileSync(
      process.execPath,
      ['scripts/run-ts.js', 'synth/main.ts', '--out', out],
      {
        cwd: REPO_ROOT,
        encoding: 'utf8',
      },
    );
    const elapsed = Date.now() - started;
    expect(output).toMatch(/^synth: wrote \d+ objects in \d+ files to /);
    expect(readTree(out)).toEqual(readTree(committed));
    expect(elapsed).toBeLessThan(2000);
  });
});
