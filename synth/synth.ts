// The synth command as a function, so tests run it in-process.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { sopsConfig } from './secrets/creation-rules';
import { CLUSTERS, ENVIRONMENTS, loadConfig } from '../environments';
import { assertConfigShape } from '../constructs/config/known-keys';
import type { PlatformConfig } from '../constructs/config/types';
import type { AppCatalog } from '../constructs/app/catalog';
import { defaultCatalog, renderTree } from './render';
import { compareTrees, isEmpty, readTree, writeTreeAtomically, type TreeDifference } from './tree';
import { compareStrings } from '../constructs/order';

/** Options of {@link synth}. */
export interface SynthOptions {
  /** Folder of the GitOps tree. */
  readonly outDir: string;
  /**
   * Render only these clusters; the rest of the tree on disk is kept as it is.
   * @default every cluster
   */
  readonly clusters?: readonly string[];
  /**
   * Compare with the tree on disk instead of writing.
   * @default false
   */
  readonly check?: boolean;
  /**
   * The configuration to render.
   * @default the reference configuration in environments/
   */
  readonly config?: PlatformConfig;
  /**
   * The apps and their versions.
   * @default apps/index.ts with environments/versions/<env>.json
   */
  readonly catalog?: AppCatalog;
  /**
   * Where `.sops.yaml` (derived from the clusters' age recipients) is written, or with `check`
   * compared.
   * @default - not written (the command passes the repository's)
   */
  readonly sopsConfigFile?: string;
}

/** What a synth did. */
export interface SynthResult {
  /** Objects rendered. */
  readonly objectCount: number;
  /** Files rendered (objects plus kustomization.yaml files). */
  readonly fileCount: number;
  /** With `check`: how the tree on disk differs (empty when current). */
  readonly difference?: TreeDifference;
  /** With `check` and `sopsConfigFile`: whether `.sops.yaml` differs from the derived one. */
  readonly sopsConfigStale?: boolean;
}

function owned(file: string, prefixes: readonly string[]): boolean {
  return prefixes.some((prefix) => file.startsWith(prefix));
}

/**
 * Renders the GitOps tree and writes it atomically, or with `check` compares it with the tree
 * on disk. Bad configuration throws a ConfigError before anything is written.
 */
export function synth(options: SynthOptions): SynthResult {
  // Unknown or mistyped fields first: the rules that follow read the fields they expect.
  assertConfigShape(options.config ?? { clusters: CLUSTERS, environments: ENVIRONMENTS });
  const config = options.config ?? loadConfig();
  const rendered = renderTree(config, options.clusters, options.catalog ?? defaultCatalog(config));
  // A full write replaces the tree whole; only --check and --cluster need what is on disk.
  const onDisk =
    options.check || options.clusters ? readTree(options.outDir) : new Map<string, string>();

  let expected: ReadonlyMap<string, string> = rendered.files;
  let actual: ReadonlyMap<string, string> = onDisk;
  if (options.clusters) {
    // Only the selected clusters' folders are compared or replaced; the rest stays as is.
    const isOwned = (file: string) => owned(file, rendered.ownedPrefixes);
    if (options.check) {
      actual = new Map([...onDisk].filter(([file]) => isOwned(file)));
    } else {
      const kept = [...onDisk].filter(([file]) => !isOwned(file));
      expected = new Map([...kept, ...rendered.files].sort(([a], [b]) => compareStrings(a, b)));
    }
  }

  const result = { objectCount: rendered.objectCount, fileCount: rendered.files.size };
  const sops = options.sopsConfigFile ? sopsConfig(config) : undefined;
  if (options.check) {
    const sopsConfigStale =
      options.sopsConfigFile !== undefined &&
      (!fs.existsSync(options.sopsConfigFile) ||
        fs.readFileSync(options.sopsConfigFile, 'utf8') !== sops);
    return { ...result, difference: compareTrees(expected, actual), sopsConfigStale };
  }
  writeTreeAtomically(path.resolve(options.outDir), expected);
  if (options.sopsConfigFile && sops !== undefined) fs.writeFileSync(options.sopsConfigFile, sops);
  return result;
}

export { isEmpty };
