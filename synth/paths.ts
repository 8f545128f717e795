import * as path from 'node:path';

/** The repository root (this file lives in `<root>/synth/`). */
export const REPO_ROOT = path.resolve(__dirname, '..');

/** Where `npm run synth` writes the GitOps tree unless `--out` says otherwise. */
export const DEFAULT_OUT_DIR = path.join(REPO_ROOT, 'gitops');

/** How cdk8s.yaml and the docs spell the CRD folder; `NEXTGEN_CRDS_DIR` replaces it. */
export const DEFAULT_CRDS_DIR = '../shared/crds';
