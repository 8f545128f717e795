// npm run render / npm run images, run in-process on the reference configuration.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { APPS } from '../../../apps';
import { loadConfig } from '../../../environments';
import { runClusterCommand, type ClusterCommand, type ClusterIo } from '../../../synth/cluster/cli';
import { crdsDir } from '../../../synth/cluster/crds';
import { REPO_ROOT } from '../../../synth/paths';
import { referenceTree } from '../../support/tree';

async function run(
  command: ClusterCommand,
  argv: string[],
  overrides: Partial<ClusterIo> = {},
): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await runClusterCommand(command, argv, {
    out: (text) => (out += text),
    err: (text) => (err += text),
    root: REPO_ROOT,
    cwd: REPO_ROOT,
    config: loadConfig,
    apps: APPS,
    synthesize: () => referenceTree().files,
    ...overrides,
  });
  return { code, out, err };
}

describe('npm run images', () => {
  it('prints every image the cluster pulls, sorted, once each, charts included', async () => {
    const { code, out, err } = await run('images', ['--cluster', 'prod']);
    expect([code, err]).toEqual([0, '']);
    const images = out.trimEnd().split('\n');
    expect(images).toEqual([...new Set(images)].sort());
    // Ours (an app), a chart's default (Cilium, pinned by digest) and a value we set (Ceph).
    expect(images).toEqual(
      expect.arrayContaining([
        'registry.example.com/payments/checkout-api:1.7.3',
        'quay.io/ceph/ceph:v19.2.3',
        expect.stringMatching(/^quay\.io\/cilium\/cilium:v1\.19\.4@sha256:[0-9a-f]{64}$/),
      ]),
    );
    expect(images.every((image) => !image.endsWith(':latest'))).toBe(true);
  });

  it('refuses an unknown cluster, naming the known ones', async () => {
    const { code, out, err } = await run('images', ['--cluster', 'staging']);
    expect([code, out]).toEqual([2, '']);
    expect(err).toMatch(/^images: --cluster staging: no such cluster \(known: dev, prod\)\n/);
  });
});

describe('npm run render', () => {
  it('summarizes every HelmRelease with its chart and writes what each renders', async () => {
    const outDir = fs.mkdtempSync(path.join(os.tmpdir(), 'render-cli-'));
    try {
      const { code, out, err } = await run('render', ['--cluster', 'dev', '--out', outDir]);
      expect([code, err]).toEqual([0, '']);
      expect(out).toMatch(/^cluster dev: \d+ objects/);
      expect(out).toMatch(/rook-ceph\/ceph-csi-drivers +ceph-csi-drivers 1\.0\.4 +\d+: .*2 Driver/);
      expect(out).toContain('every whole-cluster check passes');
      const written = fs.readFileSync(
        path.join(outDir, 'dev', 'rook-ceph', 'rook-ceph.yaml'),
        'utf8',
      );
      expect(written).toContain('# HelmRelease rook-ceph/rook-ceph: rook-ceph/templates/');
      expect(written).toMatch(/^kind: Deployment$/m);
    } finally {
      fs.rmSync(outDir, { recursive: true, force: true });
    }
  });

  it('fails naming the command that fills a missing chart cache', async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'render-cli-root-'));
    // The CRDs stay found (they resolve from the root too): only the chart cache is missing.
    const saved = process.env.NEXTGEN_CRDS_DIR;
    process.env.NEXTGEN_CRDS_DIR = crdsDir(REPO_ROOT);
    try {
      const { code, err } = await run('render', ['--cluster', 'dev'], { root });
      expect(code).toBe(2);
      expect(err).toMatch(/^render: chart cache missing: .* does not exist; run "npm run charts"/);
    } finally {
      if (saved === undefined) delete process.env.NEXTGEN_CRDS_DIR;
      else process.env.NEXTGEN_CRDS_DIR = saved;
      fs.rmSync(root, { recursive: true, force: true });
    }
  });
});
