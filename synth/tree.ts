// Reading, comparing and atomically replacing a GitOps tree on disk.
import * as fs from 'node:fs';
import * as path from 'node:path';

/** Reads every file under a folder into a map of `/`-separated relative path to content. */
export function readTree(root: string): Map<string, string> {
  const files = new Map<string, string>();
  if (!fs.existsSync(root)) return files;
  const walk = (dir: string, prefix: string): void => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const relative = prefix ? `${prefix}/${entry.name}` : entry.name;
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full, relative);
      else files.set(relative, fs.readFileSync(full, 'utf8'));
    }
  };
  walk(root, '');
  return files;
}

/** How a tree on disk differs from a freshly rendered one. */
export interface TreeDifference {
  /** Files whose content differs. */
  readonly stale: string[];
  /** Files synth would write that are not on disk. */
  readonly missing: string[];
  /** Files on disk synth would not write. */
  readonly extra: string[];
}

/** Compares the expected files with the actual ones, each list sorted. */
export function compareTrees(
  expected: ReadonlyMap<string, string>,
  actual: ReadonlyMap<string, string>,
): TreeDifference {
  const stale: string[] = [];
  const missing: string[] = [];
  for (const [file, content] of expected) {
    const current = actual.get(file);
    if (current === undefined) missing.push(file);
    else if (current !== content) stale.push(file);
  }
  const extra = [...actual.keys()].filter((file) => !expected.has(file));
  return { stale: stale.sort(), missing: missing.sort(), extra: extra.sort() };
}

/** Whether the difference is empty. */
export function isEmpty(difference: TreeDifference): boolean {
  return difference.stale.length + difference.missing.length + difference.extra.length === 0;
}

/**
 * Replaces `root` with exactly `files`. Everything is written to a sibling temporary folder
 * first and swapped in with two renames, so a failure while writing leaves `root` untouched.
 */
export function writeTreeAtomically(root: string, files: ReadonlyMap<string, string>): void {
  const parent = path.dirname(path.resolve(root));
  const base = path.basename(root);
  const stamp = `${process.pid}-${Date.now()}`;
  const staging = path.join(parent, `.${base}.new-${stamp}`);
  const retired = path.join(parent, `.${base}.old-${stamp}`);
  fs.mkdirSync(parent, { recursive: true });
  try {
    fs.mkdirSync(staging, { recursive: true });
    // Each folder is created once (tens of thousands of files share a few thousand folders).
    const created = new Set<string>();
    for (const [file, content] of files) {
      const target = path.join(staging, ...file.split('/'));
      const folder = path.dirname(target);
      if (!created.has(folder)) {
        fs.mkdirSync(folder, { recursive: true });
        created.add(folder);
      }
      fs.writeFileSync(target, content);
    }
  } catch (error) {
    fs.rmSync(staging, { recursive: true, force: true });
    throw error;
  }
  const hadRoot = fs.existsSync(root);
  if (hadRoot) fs.renameSync(root, retired);
  try {
    fs.renameSync(staging, root);
  } catch (error) {
    if (hadRoot) fs.renameSync(retired, root);
    fs.rmSync(staging, { recursive: true, force: true });
    throw error;
  }
  fs.rmSync(retired, { recursive: true, force: true });
}
