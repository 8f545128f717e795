// synth's type check of what users write: apps/ and environments/, plus the schemas of the
// props they may hold (the known-keys files), go through the TypeScript compiler before synth
// loads them, since the bundle synth runs (scripts/run-ts.js, esbuild) strips types unchecked.
// A clean result is cached in .cache/ under a content hash of every file the compiler read
// from this repository, with tsconfig.json and package-lock.json (the compiler and the
// libraries' types): an unchanged tree costs reading and hashing those files, not a compile.
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type * as TypeScript from 'typescript';

/** The cache file, relative to the repository root. */
export const TYPECHECK_CACHE = '.cache/synth-typecheck.json';

/** Folders whose every `.ts` file is checked. */
const INPUT_FOLDERS = ['apps', 'environments'];

/**
 * Also checked: the schemas of what users write. A prop added to an interface but not to its
 * schema would be refused at run time as unknown; the compiler names the schema instead.
 */
const SCHEMA_FILES = [
  'constructs/contract/known-keys.ts',
  'constructs/app/known-keys.ts',
  'constructs/config/known-keys.ts',
];

/** Hashed on every run besides what the compiler read. */
const SETTINGS_FILES = ['tsconfig.json', 'package-lock.json'];

/** Bumped when what the cache means changes. */
const CACHE_FORMAT = 1;

/** What the cache holds after a clean check. */
interface CacheEntry {
  readonly format: number;
  /** Hash of {@link CacheEntry.files}' paths and contents. */
  readonly digest: string;
  /** Every file the result depends on, relative to the root, sorted. */
  readonly files: readonly string[];
}

/** The outcome of {@link typeCheckInputs}. */
export interface TypeCheckResult {
  /** One line per error, `apps/shop.ts:12:5: <message>`; empty when the input type-checks. */
  readonly errors: readonly string[];
  /** Whether the clean result came from the cache (no file changed since the last check). */
  readonly cached: boolean;
}

/** The `.ts` files of a folder and its subfolders, relative to the root. */
function tsFilesUnder(root: string, folder: string): string[] {
  const absolute = path.join(root, folder);
  if (!fs.existsSync(absolute)) return [];
  return fs
    .readdirSync(absolute, { recursive: true, encoding: 'utf8' })
    .filter((file) => file.endsWith('.ts') && !file.endsWith('.d.ts'))
    .map((file) => path.posix.join(folder, file.split(path.sep).join('/')));
}

/** The files checked: every `.ts` file of the input folders, and the schemas. */
export function checkedFiles(root: string): string[] {
  const inputs = INPUT_FOLDERS.flatMap((folder) => tsFilesUnder(root, folder));
  const schemas = SCHEMA_FILES.filter((file) => fs.existsSync(path.join(root, file)));
  return [...inputs, ...schemas].sort();
}

/** Hash of the files' paths and contents; undefined when one of them is gone. */
function digestOf(root: string, files: readonly string[]): string | undefined {
  const hash = crypto.createHash('sha1').update(`synth-typecheck ${CACHE_FORMAT}\0`);
  for (const file of files) {
    let content: Buffer;
    try {
      content = fs.readFileSync(path.join(root, file));
    } catch {
      return undefined;
    }
    hash.update(`${file}\0${content.length}\0`).update(content);
  }
  return hash.digest('hex');
}

function readCache(root: string): CacheEntry | undefined {
  try {
    const entry = JSON.parse(
      fs.readFileSync(path.join(root, TYPECHECK_CACHE), 'utf8'),
    ) as CacheEntry;
    return entry.format === CACHE_FORMAT && Array.isArray(entry.files) ? entry : undefined;
  } catch {
    return undefined;
  }
}

/** Written under a private name and renamed: a concurrent synth never reads half a file. */
function writeCache(root: string, entry: CacheEntry): void {
  const file = path.join(root, TYPECHECK_CACHE);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const staging = `${file}.${process.pid}`;
  fs.writeFileSync(staging, `${JSON.stringify(entry, null, 1)}\n`);
  fs.renameSync(staging, file);
}

/** A diagnostic as one line, `file:line:column: message`, the file relative to the root. */
function formatDiagnostic(
  ts: typeof TypeScript,
  diagnostic: TypeScript.Diagnostic,
  root: string,
): string {
  const message = ts
    .flattenDiagnosticMessageText(diagnostic.messageText, '\n')
    .split('\n')
    .map((part) => part.trim())
    .filter((part) => part.length > 0)
    .join(' ');
  if (!diagnostic.file || diagnostic.start === undefined) return `typescript: ${message}`;
  const { line, character } = diagnostic.file.getLineAndCharacterOfPosition(diagnostic.start);
  const file = path.relative(root, diagnostic.file.fileName).split(path.sep).join('/');
  return `${file}:${line + 1}:${character + 1}: ${message}`;
}

/** Runs the compiler on the checked files; returns the errors and the files it read. */
async function compile(
  root: string,
  rootFiles: readonly string[],
): Promise<{ errors: string[]; read: string[]; unchanged: boolean }> {
  // Loaded only here: it takes longer to load than a cached synth takes as a whole.
  const ts = await import('typescript');
  const configFile = path.join(root, 'tsconfig.json');
  const config = ts.readConfigFile(configFile, ts.sys.readFile);
  const parsed = ts.parseJsonConfigFileContent(config.config ?? {}, ts.sys, root);
  const options: TypeScript.CompilerOptions = {
    ...parsed.options,
    noEmit: true,
    // jest's globals are for test/, which this check does not cover.
    types: (parsed.options.types ?? []).filter((name) => name !== 'jest'),
  };
  const program = ts.createProgram({
    rootNames: rootFiles.map((file) => path.join(root, file)),
    options,
  });
  const diagnostics: TypeScript.Diagnostic[] = [
    ...(config.error ? [config.error] : []),
    ...parsed.errors,
    ...program.getOptionsDiagnostics(),
    ...program.getGlobalDiagnostics(),
  ];
  for (const file of rootFiles) {
    const source = program.getSourceFile(path.join(root, file));
    if (!source) continue;
    diagnostics.push(
      ...program.getSyntacticDiagnostics(source),
      ...program.getSemanticDiagnostics(source),
    );
  }
  const errors = diagnostics
    .filter((diagnostic) => diagnostic.category === ts.DiagnosticCategory.Error)
    .map((diagnostic) => formatDiagnostic(ts, diagnostic, root));

  // The repository's files the compiler read (libraries' types change with package-lock.json).
  const read: string[] = [];
  let unchanged = true;
  for (const source of program.getSourceFiles()) {
    const relative = path.relative(root, source.fileName).split(path.sep).join('/');
    if (relative.startsWith('..') || relative.split('/').includes('node_modules')) continue;
    read.push(relative);
    // Saved while the compiler ran: the result is not that of the file on disk.
    if (unchanged && fs.readFileSync(source.fileName, 'utf8') !== source.text) unchanged = false;
  }
  return { errors: [...new Set(errors)], read, unchanged };
}

/**
 * Type-checks the user's input files (every `.ts` file of apps/ and environments/, and the
 * schemas of what they hold) with the repository's tsconfig.json, unless nothing changed since
 * the last clean check. Returns each error as one line naming the file, line and column.
 */
export async function typeCheckInputs(root: string): Promise<TypeCheckResult> {
  const inputs = checkedFiles(root);
  const cache = readCache(root);
  if (cache) {
    const files = [...new Set([...cache.files, ...inputs])].sort();
    if (digestOf(root, files) === cache.digest) return { errors: [], cached: true };
  }
  const { errors, read, unchanged } = await compile(root, inputs);
  if (errors.length === 0 && unchanged) {
    const files = [...new Set([...read, ...inputs, ...SETTINGS_FILES])]
      .filter((file) => fs.existsSync(path.join(root, file)))
      .sort();
    const digest = digestOf(root, files);
    if (digest !== undefined) writeCache(root, { format: CACHE_FORMAT, digest, files });
  }
  return { errors, cached: false };
}
