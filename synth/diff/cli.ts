// `npm run diff`: argument handling and the run itself, as a function so tests call it
// in-process with their own output and environment.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { ConfigError } from '../../constructs/errors';
import { loadConfig } from '../../environments';
import { type PlatformConfig, ClusterTier } from '../../constructs/config/types';
import { DEFAULT_OUT_DIR } from '../paths';
import { renderTree } from '../render';
import { readTree } from '../tree';
import type { RenderedChanges } from './charts';
import { diffTrees } from './compare';
import { formatJson, formatMarkdown, formatText, type DiffSides } from './format';
import { defaultBase, readTreeAtCommit, repositoryRoot, resolveRef } from './git';
import { hasDifferences, type DiffResult, type Scope, type TreeFiles } from './model';

export const USAGE = `usage: npm run diff -- [--base REF | --from DIR] [--to DIR] [options]

Compares the GitOps tree resource by resource (group, kind, namespace, name).
  old side: gitops/ as committed at --base REF (default: the merge base of HEAD with the
            default branch; HEAD when there is no such branch), or the folder --from DIR
  new side: a fresh in-memory synth of the working tree, or the folder --to DIR

  --format F      terminal (colour, default on a terminal), plain, markdown, json
  --context N     lines of context in each diff (default 3)
  --max-chars N   markdown: size cap of the comment (default 65000)
  --output FILE   write the report to FILE instead of stdout
  --exit-code     exit 1 when there are differences (default: 0 unless an error)
  --no-charts     do not render the charts of changed HelmReleases

For each HelmRelease whose chart version or values change, the chart's objects are rendered
at base and head (helm template, offline, from the chart cache) and compared too, under
platform/<cluster>/rendered/<namespace>/<release>.yaml.

Exit codes: 0 no differences (or differences without --exit-code), 1 differences with
--exit-code, 2 error.`;

/** Output formats. */
export type DiffFormat = 'terminal' | 'plain' | 'markdown' | 'json';
const FORMATS: readonly DiffFormat[] = ['terminal', 'plain', 'markdown', 'json'];

/** Where the command writes and what it may look at. */
export interface DiffIo {
  /** Writes the report (stdout). */
  readonly out: (text: string) => void;
  /** Writes errors (stderr). */
  readonly err: (text: string) => void;
  /** Whether stdout is a terminal (decides the default format). */
  readonly isTty: boolean;
  /** Environment variables (NO_COLOR, FORCE_COLOR). */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Folder git commands run in and relative paths resolve from. */
  readonly cwd: string;
  /**
   * The new tree when no `--to` is given.
   * @default a fresh synth of the working tree (renderTree of the reference configuration)
   */
  readonly synthesize?: () => TreeFiles;
  /**
   * The configuration deciding which clusters and environments are production.
   * @default the reference configuration (a cluster or environment named prod if it fails to load)
   */
  readonly config?: () => PlatformConfig;
  /**
   * The GitOps folder whose committed version `--base` reads.
   * @default gitops/ of this repository
   */
  readonly gitopsDir?: string;
  /**
   * Renders the charts of the HelmReleases that differ between the trees.
   * @default none: only the GitOps files are compared (diff-main.ts passes the real renderer)
   */
  readonly renderCharts?: (before: TreeFiles, after: TreeFiles) => RenderedChanges;
}

/** Production scopes: clusters of the production tier and the environments they host. */
export function productionScopes(config: PlatformConfig): (scope: Scope) => boolean {
  const clusters = new Set(
    config.clusters.filter((c) => c.tier === ClusterTier.PRODUCTION).map((c) => c.name),
  );
  const environments = new Set(
    config.environments.filter((e) => clusters.has(e.cluster)).map((e) => e.name),
  );
  return (scope) =>
    scope.type === 'cluster'
      ? clusters.has(scope.name)
      : scope.type === 'environment' && environments.has(scope.name);
}

function defaultSynthesize(): TreeFiles {
  return renderTree(loadConfig()).files;
}

function readFolder(folder: string, flag: string): Map<string, string> {
  if (!fs.existsSync(folder) || !fs.statSync(folder).isDirectory()) {
    throw new UsageError(`${flag} ${folder}: no such folder`);
  }
  return readTree(folder);
}

class UsageError extends Error {}

/** Runs `npm run diff` with the given arguments; returns the exit code. */
export function runDiffCommand(argv: readonly string[], io: DiffIo): number {
  try {
    const { values } = parseArgs({
      args: [...argv],
      options: {
        base: { type: 'string' },
        from: { type: 'string' },
        to: { type: 'string' },
        format: { type: 'string' },
        context: { type: 'string' },
        'max-chars': { type: 'string' },
        output: { type: 'string' },
        'exit-code': { type: 'boolean', default: false },
        'no-charts': { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
      strict: true,
      allowPositionals: false,
    });
    if (values.help) {
      io.out(`${USAGE}\n`);
      return 0;
    }
    if (values.base !== undefined && values.from !== undefined) {
      throw new UsageError('give --base or --from, not both');
    }
    const format = (values.format ?? (io.isTty ? 'terminal' : 'plain')) as DiffFormat;
    if (!FORMATS.includes(format)) {
      throw new UsageError(`--format must be one of ${FORMATS.join(', ')}, got '${format}'`);
    }
    const number = (flag: string, text: string | undefined, fallback: number): number => {
      if (text === undefined) return fallback;
      const value = Number(text);
      if (!Number.isInteger(value) || value < 0) {
        throw new UsageError(`${flag} must be a whole number, got '${text}'`);
      }
      return value;
    };
    const context = number('--context', values.context, 3);
    const maxChars = number('--max-chars', values['max-chars'], 65000);

    let before: TreeFiles;
    let baseLabel: string;
    if (values.from !== undefined) {
      const folder = path.resolve(io.cwd, values.from);
      before = readFolder(folder, '--from');
      baseLabel = values.from;
    } else {
      const root = repositoryRoot(io.cwd);
      const base = values.base !== undefined ? resolveRef(root, values.base) : defaultBase(root);
      const gitops = path
        .relative(root, path.resolve(io.gitopsDir ?? DEFAULT_OUT_DIR))
        .split(path.sep)
        .join('/');
      before = readTreeAtCommit(root, base.commit, gitops);
      baseLabel =
        values.base !== undefined ? `${base.label} (${base.commit.slice(0, 8)})` : base.label;
    }
    let after: TreeFiles;
    let headLabel: string;
    if (values.to !== undefined) {
      after = readFolder(path.resolve(io.cwd, values.to), '--to');
      headLabel = values.to;
    } else {
      after = (io.synthesize ?? defaultSynthesize)();
      headLabel = 'working tree (fresh synth)';
    }

    let isProduction: ((scope: Scope) => boolean) | undefined;
    try {
      isProduction = productionScopes((io.config ?? loadConfig)());
    } catch {
      // Comparing folders of another layout: fall back to the name `prod`.
      isProduction = undefined;
    }
    let charts: RenderedChanges | undefined;
    if (io.renderCharts && !values['no-charts']) {
      charts = io.renderCharts(before, after);
      before = new Map([...before, ...charts.before]);
      after = new Map([...after, ...charts.after]);
    }
    const diffed = diffTrees(before, after, { context, isProduction });
    const result = charts ? { ...diffed, warnings: [...diffed.warnings, ...charts.notes] } : diffed;
    const report = render(result, { base: baseLabel, head: headLabel }, format, maxChars, io);
    if (values.output !== undefined) fs.writeFileSync(path.resolve(io.cwd, values.output), report);
    else io.out(report);
    return values['exit-code'] && hasDifferences(result) ? 1 : 0;
  } catch (error) {
    const message = (error as Error).message;
    if (
      error instanceof UsageError ||
      (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')
    ) {
      io.err(`diff: ${message}\n\n${USAGE}\n`);
    } else if (error instanceof ConfigError) {
      io.err(`diff: synth of the working tree failed:\n${message}\n`);
    } else {
      io.err(`diff: ${message}\n`);
    }
    return 2;
  }
}

function render(
  result: DiffResult,
  sides: DiffSides,
  format: DiffFormat,
  maxChars: number,
  io: DiffIo,
): string {
  switch (format) {
    case 'json':
      return formatJson(result, sides);
    case 'markdown':
      return formatMarkdown(result, sides, { maxChars });
    case 'plain':
      return formatText(result, sides, { color: false });
    case 'terminal': {
      const color =
        io.env.NO_COLOR === undefined || io.env.NO_COLOR === ''
          ? io.isTty || (io.env.FORCE_COLOR ?? '') !== ''
          : false;
      return formatText(result, sides, { color });
    }
  }
}
