// `npm run bench [-- --sizes 100,300,1000] [--out FILE] [--keep]`: synth time and peak RSS of
// a synthetic fleet at several sizes, the serialization floor, and the diff of two fleets
// differing in one app. Each measurement runs in a child process (clean RSS, cold caches
// of the construct library as in a real run). Prints a table and writes JSON.
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { REPO_ROOT } from '../../synth/paths';

/** Targets of issue 6. */
const TARGETS = {
  synthSeconds: 10,
  rssMiB: 1024,
  floorRatio: 3,
  diffSeconds: 2,
  flatness: 1.5,
  // `npm run promote` in the largest fleet, a fresh process (#14).
  promoteSeconds: 4,
};

interface SynthRun {
  apps: number;
  objects: number;
  files: number;
  renderMs: number;
  synthMs: number;
  rssKb: number;
  wallMs: number;
}
interface FloorRun {
  files: number;
  serializeMs: number;
  floorMs: number;
  rssKb: number;
}
interface DiffRun {
  readMs: number;
  compareMs: number;
  diffMs: number;
  resources: number;
  markdownChars: number;
  rssKb: number;
}
interface PromoteRun {
  promoteMs: number;
  rssKb: number;
}
interface GitDiffRun {
  gitReadMs: number;
  diffMs: number;
  files: number;
  resources: number;
  rssKb: number;
}

function worker<T>(...args: string[]): T & { wallMs: number } {
  const start = process.hrtime.bigint();
  const run = spawnSync(
    process.execPath,
    [path.join(REPO_ROOT, 'scripts/run-ts.js'), 'scripts/bench/worker.ts', ...args],
    { cwd: REPO_ROOT, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 },
  );
  const wallMs = Number(process.hrtime.bigint() - start) / 1e6;
  if (run.status !== 0) throw new Error(`bench worker ${args[0]} failed:\n${run.stderr}`);
  const lines = run.stdout.trim().split('\n');
  return { ...(JSON.parse(lines[lines.length - 1]) as T), wallMs };
}

function git(cwd: string, ...args: string[]): string {
  return execFileSync(
    'git',
    ['-c', 'user.name=bench', '-c', 'user.email=bench@example.com', ...args],
    {
      cwd,
      encoding: 'utf8',
      maxBuffer: 64 * 1024 * 1024,
    },
  ).trim();
}

const s = (millis: number) => (millis / 1000).toFixed(2);
const mib = (kb: number) => (kb / 1024).toFixed(0);

function main(): number {
  const { values } = parseArgs({
    options: {
      sizes: { type: 'string', default: '100,300,1000' },
      out: { type: 'string', default: path.join(REPO_ROOT, 'bench', 'results.json') },
      keep: { type: 'boolean', default: false },
      'no-git': { type: 'boolean', default: false },
    },
  });
  const sizes = values.sizes.split(',').map(Number);
  if (sizes.some((n) => !Number.isInteger(n) || n < 1)) {
    console.error(`bench: --sizes must list whole numbers, got '${values.sizes}'`);
    return 2;
  }
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'nextgen-bench-'));
  console.log(`bench: fleets of ${sizes.join(', ')} apps x 3 environments in ${work}`);
  try {
    const synthRuns: (SynthRun & { floor: FloorRun })[] = [];
    for (const apps of sizes) {
      const dump = path.join(work, `objects-${apps}.json`);
      const out = path.join(work, `synth-${apps}`);
      const run = worker<SynthRun>('synth', String(apps), out, dump);
      const floorRun = worker<FloorRun>('floor', dump, path.join(work, `floor-${apps}`));
      fs.rmSync(dump);
      fs.rmSync(path.join(work, `floor-${apps}`), { recursive: true });
      synthRuns.push({ ...run, floor: floorRun });
      console.log(
        `  ${apps} apps: synth ${s(run.synthMs)} s, floor ${s(floorRun.floorMs)} s, peak RSS ${mib(run.rssKb)} MiB`,
      );
    }

    // The diff of two largest fleets differing in one app's version (every environment).
    const largest = sizes[sizes.length - 1];
    const base = path.join(work, `synth-${largest}`);
    const changed = path.join(work, 'changed');
    worker<SynthRun>('synth-changed', String(largest), changed);
    const diffRun = worker<DiffRun>('diff', base, changed);
    // One promotion in the largest fleet, on its own copy (the diff's folders stay as they are).
    const promoted = path.join(work, 'promoted');
    fs.cpSync(changed, promoted, { recursive: true });
    const promoteRun = worker<PromoteRun>(
      'promote',
      String(largest),
      promoted,
      path.join(work, 'versions'),
    );
    let gitRun: GitDiffRun | undefined;
    if (!values['no-git']) {
      // The CI path: base read from a commit with ls-tree + cat-file --batch.
      const repo = path.join(work, 'repo');
      fs.mkdirSync(repo);
      git(repo, 'init', '-q');
      // No background auto-gc racing the measurement; pack once, as a real clone is packed.
      git(repo, 'config', 'gc.auto', '0');
      fs.renameSync(base, path.join(repo, 'gitops'));
      git(repo, 'add', 'gitops');
      git(repo, 'commit', '-q', '-m', 'base');
      git(repo, 'gc', '-q');
      gitRun = worker<GitDiffRun>(
        'diff-git',
        repo,
        git(repo, 'rev-parse', 'HEAD'),
        String(largest),
      );
    }

    const first = synthRuns[0];
    const last = synthRuns[synthRuns.length - 1];
    const perApp = (run: SynthRun) => run.synthMs / run.apps;
    const rows = synthRuns.map((run) => ({
      apps: run.apps,
      objects: run.objects,
      files: run.files,
      synthSeconds: run.synthMs / 1000,
      renderSeconds: run.renderMs / 1000,
      msPerApp: perApp(run),
      processWallSeconds: run.wallMs / 1000,
      peakRssMiB: run.rssKb / 1024,
      floorSeconds: run.floor.floorMs / 1000,
      floorSerializeSeconds: run.floor.serializeMs / 1000,
      synthOverFloor: run.synthMs / run.floor.floorMs,
    }));
    const checks = [
      {
        target: `synth of ${last.apps} apps <= ${TARGETS.synthSeconds} s`,
        value: `${s(last.synthMs)} s`,
        met: last.synthMs <= TARGETS.synthSeconds * 1000,
      },
      {
        target: `peak RSS of ${last.apps} apps <= ${TARGETS.rssMiB} MiB`,
        value: `${mib(last.rssKb)} MiB`,
        met: last.rssKb / 1024 <= TARGETS.rssMiB,
      },
      {
        target: `time per app flat (${last.apps} vs ${first.apps} apps, <= ${TARGETS.flatness}x)`,
        value: `${(perApp(last) / perApp(first)).toFixed(2)}x`,
        met: perApp(last) / perApp(first) <= TARGETS.flatness,
      },
      {
        target: `synth <= ${TARGETS.floorRatio}x floor (${last.apps} apps)`,
        value: `${(last.synthMs / last.floor.floorMs).toFixed(2)}x`,
        met: last.synthMs / last.floor.floorMs <= TARGETS.floorRatio,
      },
      {
        target: `diff of two ${largest}-app folders on disk <= ${TARGETS.diffSeconds} s`,
        value: `${s(diffRun.diffMs)} s (reading ${s(diffRun.readMs)} s)`,
        met: diffRun.diffMs <= TARGETS.diffSeconds * 1000,
      },
      {
        target: `npm run promote in the ${largest}-app fleet <= ${TARGETS.promoteSeconds} s (fresh process)`,
        value: `${s(promoteRun.wallMs)} s (the command itself ${s(promoteRun.promoteMs)} s)`,
        met: promoteRun.wallMs <= TARGETS.promoteSeconds * 1000,
      },
      ...(gitRun
        ? [
            {
              target: `diff as CI runs it (git base vs synth in memory) <= ${TARGETS.diffSeconds} s`,
              value: `${s(gitRun.diffMs)} s (git read ${s(gitRun.gitReadMs)} s)`,
              met: gitRun.diffMs <= TARGETS.diffSeconds * 1000,
            },
          ]
        : []),
    ];

    const header = [
      'apps',
      'objects',
      'files',
      'render s',
      'synth s',
      'ms/app',
      'RSS MiB',
      'serialize s',
      'floor s',
      'synth/floor',
      'wall s',
    ];
    const table = [
      header,
      ...rows.map((r) => [
        String(r.apps),
        String(r.objects),
        String(r.files),
        r.renderSeconds.toFixed(2),
        r.synthSeconds.toFixed(2),
        r.msPerApp.toFixed(2),
        r.peakRssMiB.toFixed(0),
        r.floorSerializeSeconds.toFixed(2),
        r.floorSeconds.toFixed(2),
        r.synthOverFloor.toFixed(2),
        r.processWallSeconds.toFixed(2),
      ]),
    ];
    const widths = header.map((_, i) => Math.max(...table.map((row) => row[i].length)));
    console.log('');
    for (const row of table) console.log(row.map((cell, i) => cell.padStart(widths[i])).join('  '));
    console.log(
      `\ndiff (${largest} apps, one app changed): read ${s(diffRun.readMs)} s + compare ${s(diffRun.compareMs)} s = ${s(diffRun.diffMs)} s, ` +
        `${diffRun.resources} resources` +
        (gitRun
          ? `; git base vs synth in memory: git read ${s(gitRun.gitReadMs)} s (${gitRun.files} files), total ${s(gitRun.diffMs)} s`
          : ''),
    );
    console.log('');
    for (const check of checks)
      console.log(`${check.met ? 'met ' : 'MISS'}  ${check.target}: ${check.value}`);

    const result = {
      date: new Date().toISOString(),
      node: process.version,
      cpus: os.cpus().length,
      cpuModel: os.cpus()[0]?.model,
      loadAverage: os.loadavg(),
      synth: rows,
      diff: { apps: largest, ...diffRun, git: gitRun },
      promote: { apps: largest, ...promoteRun },
      targets: checks,
    };
    fs.mkdirSync(path.dirname(path.resolve(values.out)), { recursive: true });
    fs.writeFileSync(values.out, `${JSON.stringify(result, null, 2)}\n`);
    console.log(
      `\nbench: wrote ${path.relative(process.cwd(), path.resolve(values.out)) || values.out}`,
    );
    return 0;
  } finally {
    if (values.keep) console.log(`bench: kept ${work}`);
    else fs.rmSync(work, { recursive: true, force: true });
  }
}

process.exitCode = main();
