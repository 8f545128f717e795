// scripts/mirror-bundle.sh, dry run: the command each kind of bundle line becomes.
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { REPO_ROOT } from '../../synth/paths';

const SCRIPT = path.join(REPO_ROOT, 'scripts', 'mirror-bundle.sh');

function dryRun(lines: readonly string[]): string[] {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bundle-'));
  const file = path.join(dir, 'bundle.tsv');
  fs.writeFileSync(file, `# header\n${lines.join('\n')}\n`);
  const out = execFileSync('bash', [SCRIPT, file], {
    env: { ...process.env, DRY_RUN: '1', TMPDIR: dir },
    encoding: 'utf8',
  });
  return out
    .trimEnd()
    .split('\n')
    .map((line) => line.trimEnd().replace(/\/[^ ]*bundle-[^/ ]+\/tmp\.[^/ ]+/g, '$WORK'));
}

describe('scripts/mirror-bundle.sh', () => {
  it('copies images with crane, keeping a digest-only image findable by digest', () => {
    expect(
      dryRun([
        'image\tquay.io/a/b:v1\tharbor.example.com/quay/a/b:v1',
        'image\tquay.io/a/c:v2@sha256:abc\tharbor.example.com/quay/a/c:v2@sha256:abc',
        'image\tghcr.io/a/d@sha256:def\tharbor.example.com/ghcr/a/d@sha256:def',
      ]),
    ).toEqual([
      'crane copy quay.io/a/b:v1 harbor.example.com/quay/a/b:v1',
      'crane copy quay.io/a/c:v2@sha256:abc harbor.example.com/quay/a/c:v2',
      'crane copy ghcr.io/a/d@sha256:def harbor.example.com/ghcr/a/d:sha256-def',
    ]);
  });

  it('pulls charts from Helm and OCI repositories and pushes them to an OCI or HTTP mirror', () => {
    expect(
      dryRun([
        'chart\thttps://helm.cilium.io\tcilium\t1.19.4\toci://harbor.example.com/charts',
        'chart\toci://quay.io/jetstack/charts\tcert-manager\tv1.21.1\thttps://nexus.example.com/repository/helm/',
      ]),
    ).toEqual([
      'helm pull cilium --repo https://helm.cilium.io --version 1.19.4 --destination $WORK',
      'helm push $WORK/cilium-1.19.4.tgz oci://harbor.example.com/charts',
      'helm pull oci://quay.io/jetstack/charts/cert-manager --version v1.21.1 --destination $WORK',
      'curl -fsS --upload-file $WORK/cert-manager-v1.21.1.tgz https://nexus.example.com/repository/helm/cert-manager-v1.21.1.tgz',
    ]);
  });

  it('copies signed OCI artifacts with cosign, Git with every tag, and files by PUT', () => {
    expect(
      dryRun([
        'oci\toci://ghcr.io/fluxcd/flux-manifests\tv2.9.4\toci://harbor.example.com/ghcr/fluxcd/flux-manifests',
        'git\thttps://github.com/rook/rook\tv1.20.6\thttps://git.example.com/mirror/rook/rook',
        'download\thttps://github.com/a/b/x.tar\thttps://nexus.example.com/raw/github.com/a/b/x.tar',
      ]),
    ).toEqual([
      'cosign copy ghcr.io/fluxcd/flux-manifests:v2.9.4 harbor.example.com/ghcr/fluxcd/flux-manifests:v2.9.4',
      'git clone --quiet --mirror https://github.com/rook/rook $WORK/git-3',
      'git -C $WORK/git-3 push --quiet --mirror https://git.example.com/mirror/rook/rook',
      'curl -fsSL -o $WORK/4-x.tar https://github.com/a/b/x.tar',
      'curl -fsS --upload-file $WORK/4-x.tar https://nexus.example.com/raw/github.com/a/b/x.tar',
    ]);
  });

  it('stops at a line of unknown kind, naming the file and line', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bundle-'));
    const file = path.join(dir, 'bundle.tsv');
    fs.writeFileSync(file, 'image\ta\tb\nblob\tx\ty\n');
    const result = spawnSync('bash', [SCRIPT, file], {
      env: { ...process.env, DRY_RUN: '1' },
      encoding: 'utf8',
    });
    expect(result.status).toBe(2);
    expect(result.stderr).toBe(`${file}:2: unknown kind 'blob'\n`);
  });
});
