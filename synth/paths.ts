import * as path from 'node:path';

/** The repository root (this file lives in `<root>/synth/`). */
export const REPO_ROOT = path.resolve(__dirname, '..');

/** Where `npm run synth` writes the GitOps tree unless `--out` says otherwise. */
export const DEFAULT_OUT_DIR = path.join(REPO_ROOT, 'gitops');

/** How cdk8s.yaml and the docs spell the CRD folder; `NEXTGEN_CRDS_DIR` replaces it. */
export const DEFAULT_CRDS_DIR = '../shared/crds';

/**
 * The folder holding the upstream CRDs and schemas (`../shared/crds` beside the repo by
 * default). One setting, read by the import script and the schema-validation tests.
 */
export function crdsDir(): string {
  return path.resolve(REPO_ROOT, process.env.NEXTGEN_CRDS_DIR ?? DEFAULT_CRDS_DIR);
}
