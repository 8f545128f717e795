// The offline chart cache: every chart of constructs/platform/versions.ts, as its archive and
// unpacked, in <root>/.cache/charts/, with a lock file recording where each came from and its
// digest. `npm run charts` fills it (fillChartCache); renders and values checks read it through
// loadChartLock, which refuses a cache that is missing or disagrees with versions.ts.
//
// Source order: the mirror folder NEXTGEN_CHART_MIRROR, else ../shared/charts beside the repo,
// else `helm pull` from each chart's repository (a user with internet).
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tar from 'tar';
import { parse } from 'yaml';
import { CHART_VERSIONS, type ChartVersion } from '../../constructs/platform/versions';
import { helmBinary } from './helm';

/** A key of CHART_VERSIONS (`certManager`, `cilium`, ...). */
export type ChartKey = keyof typeof CHART_VERSIONS;

/** Charts to cache, keyed like CHART_VERSIONS (tests pass their own). */
export type ChartVersions = Readonly<Record<string, ChartVersion>>;

/** The environment variable naming a mirror folder of chart archives. */
export const CHART_MIRROR_ENV = 'NEXTGEN_CHART_MIRROR';

/** The mirror used when NEXTGEN_CHART_MIRROR is unset and the folder exists (repo-relative). */
export const SHARED_CHART_MIRROR = '../shared/charts';

/** The cache folder, relative to the repo root. */
export const CHART_CACHE_DIR = '.cache/charts';

/** The lock file's name inside the cache folder. */
export const CHART_LOCK_FILE = 'charts.lock.json';

const VERSIONS_FILE = 'constructs/platform/versions.ts';
const FILL_COMMAND = 'npm run charts';

/** One chart of the cache, as recorded in charts.lock.json. */
export interface ChartLockEntry {
  /** Chart name: versions.ts `chart`, equal to `name` in the archive's Chart.yaml. */
  readonly chart: string;
  /** Chart version: versions.ts `version`, equal to `version` in the archive's Chart.yaml. */
  readonly version: string;
  /** versions.ts `repository` (`https://...` or `oci://...`), where the cluster pulls from. */
  readonly repository: string;
  /**
   * Where the archive in the cache was copied from: the mirror file (relative to the repo
   * root, or absolute when outside the repo's parent folder), or the repository URL when
   * `helm pull` fetched it.
   */
  readonly source: string;
  /** `sha256:<hex>` of the archive (the bytes in the cache, equal to the source's). */
  readonly digest: string;
  /** The archive in the cache, relative to the repo root: `.cache/charts/<chart>-<version>.tgz`. */
  readonly archive: string;
  /** The unpacked chart (the folder holding Chart.yaml), relative to the repo root. */
  readonly dir: string;
}

/** The content of `.cache/charts/charts.lock.json`. */
export interface ChartLockFile {
  /** Format of this file; bumped when a field changes meaning. */
  readonly lockVersion: 1;
  /** One entry per versions.ts key that is cached, sorted by key. */
  readonly charts: Readonly<Record<string, ChartLockEntry>>;
}

/** A lock file checked against versions.ts, as loadChartLock returns it. */
export interface ChartLock<K extends string = ChartKey> {
  /** The repo root the entries' relative paths start from (absolute). */
  readonly root: string;
  /** The lock file (absolute). */
  readonly file: string;
  /** One entry per versions key, each checked against versions.ts and the files on disk. */
  readonly charts: Readonly<Record<K, ChartLockEntry>>;
}

/** Where the archives come from on this run. */
export type ChartSource =
  /** A folder of `<chart>-<version>.tgz` files; `origin` says which setting chose it. */
  | { readonly kind: 'mirror'; readonly dir: string; readonly origin: string }
  /** No mirror: `helm pull` from each chart's repository. */
  | { readonly kind: 'pull' };

/** What happened to one chart in a fill. */
export interface ChartResult {
  /** The versions key. */
  readonly key: string;
  /** `cached`: copied and unpacked now; `unchanged`: already in the cache; `failed`: see error. */
  readonly status: 'cached' | 'unchanged' | 'failed';
  /** The lock entry (absent when failed). */
  readonly entry?: ChartLockEntry;
  /** Why the chart failed. */
  readonly error?: string;
}

/** The outcome of fillChartCache. */
export interface FillResult {
  /** Where the archives came from. */
  readonly source: ChartSource;
  /** One result per versions key, in versions order. */
  readonly results: readonly ChartResult[];
  /** The lock file (absolute); it lists the charts that did not fail. */
  readonly lockFile: string;
  /** Whether the lock file's content changed on this run. */
  readonly lockChanged: boolean;
}

/** Options of fillChartCache. */
export interface FillOptions {
  /** The repo root; the cache is `<root>/.cache/charts`. */
  readonly root: string;
  /** Charts to cache; CHART_VERSIONS by default. */
  readonly versions?: ChartVersions;
  /** Environment read for NEXTGEN_CHART_MIRROR; process.env by default. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Receives one line per chart; silent by default. */
  readonly log?: (line: string) => void;
  /** The helm binary for pulls; helmBinary(root) by default (only called when pulling). */
  readonly helm?: () => string;
}

/** The archive's file name in a mirror and in the cache. */
export function chartArchiveName(chart: ChartVersion): string {
  return `${chart.chart}-${chart.version}.tgz`;
}

/** The `helm pull` arguments that download a chart into `destination`. */
export function helmPullArgs(chart: ChartVersion, destination: string): string[] {
  const repository = chart.repository.replace(/\/+$/, '');
  const reference = repository.startsWith('oci://')
    ? [`${repository}/${chart.chart}`]
    : [chart.chart, '--repo', repository];
  return ['pull', ...reference, '--version', chart.version, '--destination', destination];
}

/** Chooses the source: NEXTGEN_CHART_MIRROR, else ../shared/charts when it exists, else pull. */
export function chartSource(
  root: string,
  env: Readonly<Record<string, string | undefined>> = process.env,
): ChartSource {
  const given = env[CHART_MIRROR_ENV];
  if (given) {
    const dir = path.resolve(root, given);
    if (!fs.statSync(dir, { throwIfNoEntry: false })?.isDirectory()) {
      throw new Error(`${CHART_MIRROR_ENV}=${given}: ${dir} is not a folder`);
    }
    return { kind: 'mirror', dir, origin: CHART_MIRROR_ENV };
  }
  const shared = path.resolve(root, SHARED_CHART_MIRROR);
  if (fs.statSync(shared, { throwIfNoEntry: false })?.isDirectory()) {
    return { kind: 'mirror', dir: shared, origin: `default mirror, ${CHART_MIRROR_ENV} unset` };
  }
  return { kind: 'pull' };
}

function sha256(file: string): string {
  return 'sha256:' + createHash('sha256').update(fs.readFileSync(file)).digest('hex');
}

/** A repo-relative path with forward slashes (absolute when far outside the repo). */
function shown(root: string, file: string): string {
  const relative = path.relative(root, file);
  if (relative.startsWith(`..${path.sep}..`)) return file;
  return relative.split(path.sep).join('/');
}

function unique(): string {
  return `${process.pid}-${Math.random().toString(36).slice(2, 10)}`;
}

/** `name` and `version` of a Chart.yaml, as strings (undefined when absent). */
function readChartYaml(file: string): { name?: string; version?: string } {
  const doc = parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown> | null;
  const field = (value: unknown) =>
    value === undefined || value === null ? undefined : String(value);
  return { name: field(doc?.name), version: field(doc?.version) };
}

/**
 * Unpacks `<chart>/...` of an archive into `dir` (without the `<chart>/` prefix) and checks
 * its Chart.yaml against versions.ts. Throws, naming the file, the key and both versions.
 */
function unpackAndVerify(archive: string, dir: string, key: string, expected: ChartVersion): void {
  const prefix = `${expected.chart}/`;
  const outside: string[] = [];
  fs.mkdirSync(dir, { recursive: true });
  try {
    tar.x({
      file: archive,
      cwd: dir,
      sync: true,
      strip: 1,
      strict: true,
      preserveOwner: false,
      filter: (entryPath) => {
        const inside = entryPath.startsWith(prefix);
        if (!inside) outside.push(entryPath);
        return inside;
      },
    });
  } catch (error) {
    throw new Error(`${archive} is not a readable chart archive: ${(error as Error).message}`);
  }
  const chartYaml = path.join(dir, 'Chart.yaml');
  const where = `${VERSIONS_FILE} CHART_VERSIONS.${key}`;
  if (!fs.existsSync(chartYaml)) {
    const top = outside.length > 0 ? ` (it holds ${outside.slice(0, 3).join(', ')})` : '';
    throw new Error(
      `${archive} has no ${prefix}Chart.yaml${top}; ${where} expects chart ` +
        `${expected.chart} ${expected.version}`,
    );
  }
  const found = readChartYaml(chartYaml);
  if (found.name !== expected.chart || found.version !== expected.version) {
    throw new Error(
      `${archive}: its ${prefix}Chart.yaml says name ${found.name ?? '(none)'} version ` +
        `${found.version ?? '(none)'}, but ${where} expects name ${expected.chart} version ` +
        `${expected.version}; refusing it`,
    );
  }
}

/** Reads a lock file; undefined when it is absent. */
function readLockFile(file: string): ChartLockFile | undefined {
  if (!fs.existsSync(file)) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (error) {
    throw new Error(`${file} is not valid JSON (${(error as Error).message})`);
  }
  const lock = parsed as Partial<ChartLockFile> | null;
  if (lock?.lockVersion !== 1 || typeof lock.charts !== 'object' || lock.charts === null) {
    throw new Error(`${file} is not a chart lock file of format 1`);
  }
  return lock as ChartLockFile;
}

/** The lock file's text: sorted keys, fixed field order, so equal caches give equal bytes. */
export function formatChartLock(charts: Readonly<Record<string, ChartLockEntry>>): string {
  const sorted: Record<string, ChartLockEntry> = {};
  for (const key of Object.keys(charts).sort()) {
    const e = charts[key]!;
    sorted[key] = {
      chart: e.chart,
      version: e.version,
      repository: e.repository,
      source: e.source,
      digest: e.digest,
      archive: e.archive,
      dir: e.dir,
    };
  }
  const file: ChartLockFile = { lockVersion: 1, charts: sorted };
  return JSON.stringify(file, null, 2) + '\n';
}

/** Writes a file under a private name and renames it into place. */
function writeAtomically(file: string, content: string | Buffer): void {
  const staging = `${file}.${unique()}.tmp`;
  try {
    fs.writeFileSync(staging, content);
    fs.renameSync(staging, file);
  } finally {
    fs.rmSync(staging, { force: true });
  }
}

/** Whether the cache already holds this chart as `previous` records it. */
function alreadyCached(
  root: string,
  previous: ChartLockEntry | undefined,
  chart: ChartVersion,
  digest: string | undefined,
): previous is ChartLockEntry {
  if (!previous) return false;
  if (previous.chart !== chart.chart || previous.version !== chart.version) return false;
  if (previous.repository !== chart.repository) return false;
  if (digest !== undefined && previous.digest !== digest) return false;
  const archive = path.join(root, previous.archive);
  if (!fs.existsSync(archive) || sha256(archive) !== previous.digest) return false;
  return fs.existsSync(path.join(root, previous.dir, 'Chart.yaml'));
}

/** Downloads one chart with helm into a fresh folder; returns the archive's path. */
function pull(helm: string, chart: ChartVersion, destination: string): string {
  fs.mkdirSync(destination, { recursive: true });
  const args = helmPullArgs(chart, destination);
  try {
    execFileSync(helm, args, { stdio: ['ignore', 'pipe', 'pipe'], timeout: 300_000 });
  } catch (error) {
    const stderr = (error as { stderr?: Buffer }).stderr?.toString().trim();
    throw new Error(`helm ${args.join(' ')} failed: ${stderr || (error as Error).message}`);
  }
  const archives = fs.readdirSync(destination).filter((name) => name.endsWith('.tgz'));
  if (archives.length !== 1) {
    throw new Error(`helm ${args.join(' ')} left ${archives.length} archives, expected one`);
  }
  return path.join(destination, archives[0]!);
}

/** Caches one chart; returns its entry and whether anything was written. */
function cacheChart(
  root: string,
  cacheDir: string,
  source: ChartSource,
  key: string,
  chart: ChartVersion,
  previous: ChartLockEntry | undefined,
  helm: () => string,
): { entry: ChartLockEntry; wrote: boolean } {
  const name = chartArchiveName(chart);
  const archive = path.join(cacheDir, name);
  const dir = path.join(cacheDir, name.replace(/\.tgz$/, ''));
  const staging = path.join(cacheDir, `.staging-${name}-${unique()}`);
  try {
    let sourceFile: string;
    let sourceName: string;
    if (source.kind === 'mirror') {
      sourceFile = path.join(source.dir, name);
      sourceName = shown(root, sourceFile);
      if (!fs.existsSync(sourceFile)) {
        throw new Error(
          `${name} is not in the mirror ${shown(root, source.dir)} (${source.origin}); ` +
            `put it there (with internet: helm ${helmPullArgs(chart, shown(root, source.dir)).join(' ')}), ` +
            `or fix ${VERSIONS_FILE} CHART_VERSIONS.${key}`,
        );
      }
    } else {
      sourceName = chart.repository;
      // Pulls only what the cache lacks: a rerun needs no network.
      if (alreadyCached(root, previous, chart, undefined)) {
        return { entry: { ...previous, source: sourceName }, wrote: false };
      }
      sourceFile = pull(helm(), chart, path.join(staging, 'pull'));
    }

    const digest = sha256(sourceFile);
    const entry: ChartLockEntry = {
      chart: chart.chart,
      version: chart.version,
      repository: chart.repository,
      source: sourceName,
      digest,
      archive: shown(root, archive),
      dir: shown(root, dir),
    };
    if (alreadyCached(root, previous, chart, digest) && previous.archive === entry.archive) {
      return { entry, wrote: false };
    }
    const unpacked = path.join(staging, 'chart');
    unpackAndVerify(sourceFile, unpacked, key, chart);
    if (path.resolve(sourceFile) !== path.resolve(archive)) {
      writeAtomically(archive, fs.readFileSync(sourceFile));
    }
    // Unpacked and checked aside, then renamed in: the folder is never half-written.
    const old = path.join(staging, 'old');
    if (fs.existsSync(dir)) fs.renameSync(dir, old);
    fs.renameSync(unpacked, dir);
    return { entry, wrote: true };
  } finally {
    fs.rmSync(staging, { recursive: true, force: true });
  }
}

/**
 * Fills `<root>/.cache/charts` with every chart of `versions`: copies (or pulls) each
 * archive, checks its Chart.yaml, unpacks it and writes the lock file. A chart whose archive
 * is already cached with the same digest is left alone. A chart that fails does not stop the
 * others; it is reported in the results and left out of the lock file.
 */
export function fillChartCache(options: FillOptions): FillResult {
  const root = path.resolve(options.root);
  const versions: ChartVersions = options.versions ?? CHART_VERSIONS;
  const log = options.log ?? (() => undefined);
  const helm = options.helm ?? (() => helmBinary(root));
  const source = chartSource(root, options.env ?? process.env);
  const cacheDir = path.join(root, CHART_CACHE_DIR);
  const lockFile = path.join(cacheDir, CHART_LOCK_FILE);
  fs.mkdirSync(cacheDir, { recursive: true });

  let previous: ChartLockFile | undefined;
  try {
    previous = readLockFile(lockFile);
  } catch {
    previous = undefined; // a damaged lock file is rebuilt from the archives
  }
  const keys = Object.keys(versions);
  const width = Math.max(0, ...keys.map((key) => key.length));
  const nameWidth = Math.max(0, ...keys.map((key) => chartArchiveName(versions[key]!).length));
  const results: ChartResult[] = [];
  const charts: Record<string, ChartLockEntry> = {};
  for (const key of keys) {
    const chart = versions[key]!;
    const label = `${key.padEnd(width)}  ${`${chart.chart} ${chart.version}`.padEnd(nameWidth - 4)}`;
    try {
      const { entry, wrote } = cacheChart(
        root,
        cacheDir,
        source,
        key,
        chart,
        previous?.charts[key],
        helm,
      );
      charts[key] = entry;
      const status = wrote ? 'cached' : 'unchanged';
      results.push({ key, status, entry });
      log(`${status.padEnd(9)}  ${label}  ${entry.digest.slice(0, 19)}  from ${entry.source}`);
    } catch (error) {
      const message = (error as Error).message;
      results.push({ key, status: 'failed', error: message });
      log(`${'FAILED'.padEnd(9)}  ${label}  ${message}`);
    }
  }

  // Remove what an earlier run cached and no versions key uses any more.
  const kept = new Set(keys.map((key) => chartArchiveName(versions[key]!)));
  for (const entry of Object.values(previous?.charts ?? {})) {
    if (kept.has(path.basename(entry.archive))) continue;
    fs.rmSync(path.join(root, entry.archive), { force: true });
    fs.rmSync(path.join(root, entry.dir), { recursive: true, force: true });
  }

  const text = formatChartLock(charts);
  const lockChanged = !fs.existsSync(lockFile) || fs.readFileSync(lockFile, 'utf8') !== text;
  if (lockChanged) writeAtomically(lockFile, text);
  return { source, results, lockFile, lockChanged };
}

/**
 * Reads the chart cache and checks it against versions.ts: every key has an entry with the
 * same chart, version and repository, its archive's sha256 equals the recorded digest, and
 * the unpacked Chart.yaml has the same name and version. Throws one error listing every
 * problem, which names each chart and says to run `npm run charts`.
 */
export function loadChartLock(root: string): ChartLock<ChartKey>;
export function loadChartLock<K extends string>(
  root: string,
  versions: Readonly<Record<K, ChartVersion>>,
): ChartLock<K>;
export function loadChartLock(
  root: string,
  versions: ChartVersions = CHART_VERSIONS,
): ChartLock<string> {
  const absoluteRoot = path.resolve(root);
  const file = path.join(absoluteRoot, CHART_CACHE_DIR, CHART_LOCK_FILE);
  const remedy =
    `run "${FILL_COMMAND}" (it fills ${CHART_CACHE_DIR} from the mirror folder ` +
    `${CHART_MIRROR_ENV}, else ${SHARED_CHART_MIRROR}, else helm pull)`;
  let lock: ChartLockFile | undefined;
  try {
    lock = readLockFile(file);
  } catch (error) {
    throw new Error(`chart cache: ${(error as Error).message}; ${remedy}`);
  }
  if (!lock) {
    throw new Error(`chart cache missing: ${shown(absoluteRoot, file)} does not exist; ${remedy}`);
  }
  const problems: string[] = [];
  const charts: Record<string, ChartLockEntry> = {};
  for (const [key, chart] of Object.entries(versions)) {
    const label = `${key} (${chart.chart} ${chart.version})`;
    const entry = lock.charts[key];
    if (!entry) {
      problems.push(`${label}: not in the cache`);
      continue;
    }
    if (entry.chart !== chart.chart || entry.version !== chart.version) {
      problems.push(`${label}: the cache holds ${entry.chart} ${entry.version}`);
      continue;
    }
    if (entry.repository !== chart.repository) {
      problems.push(
        `${label}: cached from repository ${entry.repository}, not ${chart.repository}`,
      );
      continue;
    }
    const archive = path.join(absoluteRoot, entry.archive);
    if (!fs.existsSync(archive)) {
      problems.push(`${label}: archive ${entry.archive} is missing`);
      continue;
    }
    const digest = sha256(archive);
    if (digest !== entry.digest) {
      problems.push(
        `${label}: ${entry.archive} has digest ${digest}, the lock says ${entry.digest}`,
      );
      continue;
    }
    const chartYaml = path.join(absoluteRoot, entry.dir, 'Chart.yaml');
    if (!fs.existsSync(chartYaml)) {
      problems.push(`${label}: unpacked chart ${entry.dir}/Chart.yaml is missing`);
      continue;
    }
    const found = readChartYaml(chartYaml);
    if (found.name !== chart.chart || found.version !== chart.version) {
      problems.push(`${label}: ${entry.dir}/Chart.yaml says ${found.name} ${found.version}`);
      continue;
    }
    charts[key] = entry;
  }
  if (problems.length > 0) {
    throw new Error(
      `chart cache ${CHART_CACHE_DIR} disagrees with ${VERSIONS_FILE}:\n` +
        problems.map((problem) => `  - ${problem}`).join('\n') +
        `\n${remedy}`,
    );
  }
  return { root: absoluteRoot, file, charts };
}

/** The lock entry of one chart. */
export function chartEntry<K extends string>(lock: ChartLock<K>, key: K): ChartLockEntry {
  const entry = lock.charts[key];
  if (!entry) throw new Error(`chart cache has no entry ${key}; run "${FILL_COMMAND}"`);
  return entry;
}

/** The unpacked chart folder (holding Chart.yaml) of one chart, absolute. */
export function chartDir<K extends string>(lock: ChartLock<K>, key: K): string {
  return path.join(lock.root, chartEntry(lock, key).dir);
}

/** The cached archive (`.tgz`) of one chart, absolute. */
export function chartArchive<K extends string>(lock: ChartLock<K>, key: K): string {
  return path.join(lock.root, chartEntry(lock, key).archive);
}
