// One measurement of the benchmark, in its own process so its peak RSS is its own.
// Prints one JSON line: what was measured, in milliseconds and kilobytes.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { load } from 'js-yaml';
import { loadConfig } from '../../environments';
import { diffTrees } from '../../synth/diff/compare';
import { formatMarkdown } from '../../synth/diff/format';
import { readTreeAtCommit } from '../../synth/diff/git';
import { runPromote, versionsFileText } from '../../synth/promote';
import { renderTree } from '../../synth/render';
import { toYaml } from '../../synth/serialize';
import { readTree, writeTreeAtomically } from '../../synth/tree';
import { syntheticFleet, withOneAppChanged } from './fleet';

/** A file of the rendered tree as the floor measurement gets it: header text and object. */
export interface FloorInput {
  /** Path in the tree. */
  readonly path: string;
  /** The header comment, copied as is. */
  readonly header: string;
  /** The object (or kustomization) to serialize. */
  readonly object: unknown;
}

function ms(start: bigint): number {
  return Number(process.hrtime.bigint() - start) / 1e6;
}

function peakRssKb(): number {
  return process.resourceUsage().maxRSS;
}

function synth(apps: number, outDir: string, dump: string | undefined, changed: boolean): object {
  const config = loadConfig();
  const fleet = syntheticFleet(config, apps);
  const catalog = changed ? withOneAppChanged(fleet, fleet.apps[0].name) : fleet;
  const start = process.hrtime.bigint();
  const rendered = renderTree(config, undefined, catalog);
  const renderMs = ms(start);
  writeTreeAtomically(outDir, rendered.files);
  const synthMs = ms(start);
  const rssKb = peakRssKb();
  if (dump) {
    // Untimed: the floor's input is exactly these objects, read back from the output.
    const inputs: FloorInput[] = [...rendered.files].map(([path, content]) => {
      const body = content.indexOf('\n', content.indexOf('\n') + 1) + 1;
      return { path, header: content.slice(0, body), object: load(content.slice(body)) };
    });
    fs.writeFileSync(dump, JSON.stringify(inputs));
  }
  return {
    apps,
    objects: rendered.objectCount,
    files: rendered.files.size,
    renderMs,
    synthMs,
    rssKb,
  };
}

function floor(dump: string, outDir: string): object {
  const inputs = JSON.parse(fs.readFileSync(dump, 'utf8')) as FloorInput[];
  const start = process.hrtime.bigint();
  const files = new Map<string, string>();
  for (const input of inputs) files.set(input.path, input.header + toYaml(input.object));
  const serializeMs = ms(start);
  writeTreeAtomically(outDir, files);
  return { files: files.size, serializeMs, floorMs: ms(start), rssKb: peakRssKb() };
}

function diff(from: string, to: string): object {
  const start = process.hrtime.bigint();
  const before = readTree(from);
  const after = readTree(to);
  const readMs = ms(start);
  const compareStart = process.hrtime.bigint();
  const result = diffTrees(before, after);
  const markdown = formatMarkdown(result, { base: from, head: to });
  return {
    readMs,
    compareMs: ms(compareStart),
    diffMs: ms(start),
    resources: result.resources.length,
    markdownChars: markdown.length,
    rssKb: peakRssKb(),
  };
}

/** The CI path: base read from a commit, new tree a synth in memory (rendered untimed). */
function diffGit(repo: string, commit: string, apps: number): object {
  const config = loadConfig();
  const fleet = syntheticFleet(config, apps);
  const after = renderTree(config, undefined, withOneAppChanged(fleet, fleet.apps[0].name)).files;
  const start = process.hrtime.bigint();
  const before = readTreeAtCommit(repo, commit, 'gitops');
  const gitReadMs = ms(start);
  const result = diffTrees(before, after);
  formatMarkdown(result, { base: commit, head: 'synth' });
  return {
    gitReadMs,
    diffMs: ms(start),
    files: before.size,
    resources: result.resources.length,
    rssKb: peakRssKb(),
  };
}

/**
 * `npm run promote` of one app in a fleet whose tree is `outDir` (written by `synth-changed`):
 * the versions files are written first (untimed), then the command runs as people run it.
 */
function promote(apps: number, outDir: string, versionsDir: string): object {
  const config = loadConfig();
  const fleet = syntheticFleet(config, apps);
  const catalog = withOneAppChanged(fleet, fleet.apps[0].name);
  fs.mkdirSync(versionsDir, { recursive: true });
  for (const [environment, byApp] of Object.entries(catalog.versions)) {
    fs.writeFileSync(path.join(versionsDir, `${environment}.json`), versionsFileText(byApp));
  }
  const start = process.hrtime.bigint();
  let err = '';
  const code = runPromote([catalog.apps[1].name, '--env', 'dev', '--version', '3.0.0'], {
    out: () => undefined,
    err: (text) => (err += text),
    config: () => config,
    apps: catalog.apps,
    versionsDir,
    outDir,
  });
  if (code !== 0) throw new Error(`promote exited ${code}: ${err}`);
  return { promoteMs: ms(start), rssKb: peakRssKb() };
}

function main(): void {
  const [mode, ...args] = process.argv.slice(2);
  let result: object;
  switch (mode) {
    case 'synth':
      result = synth(Number(args[0]), args[1], args[2] || undefined, false);
      break;
    case 'synth-changed':
      result = synth(Number(args[0]), args[1], undefined, true);
      break;
    case 'floor':
      result = floor(args[0], args[1]);
      break;
    case 'diff':
      result = diff(args[0], args[1]);
      break;
    case 'promote':
      result = promote(Number(args[0]), args[1], args[2]);
      break;
    case 'diff-git':
      result = diffGit(args[0], args[1], Number(args[2]));
      break;
    default:
      throw new Error(`unknown mode '${mode}'`);
  }
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

main();
