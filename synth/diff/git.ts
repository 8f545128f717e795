// Reads the GitOps tree as committed at a git ref: one `git ls-tree` and one
// `git cat-file --batch` for every file, however many files there are.
import { spawnSync } from 'node:child_process';

/** A git failure a user can act on (bad ref, not a repository, shallow clone). */
export class GitError extends Error {}

function git(cwd: string, args: readonly string[], input?: Buffer): Buffer {
  const run = spawnSync('git', args, { cwd, input, maxBuffer: 4 * 1024 * 1024 * 1024 });
  if (run.error) throw new GitError(`git ${args[0]}: ${run.error.message}`);
  if (run.status !== 0) {
    throw new GitError(`git ${args.join(' ')} failed: ${run.stderr.toString().trim()}`);
  }
  return run.stdout;
}

function tryGit(cwd: string, args: readonly string[]): string | undefined {
  const run = spawnSync('git', args, { cwd, encoding: 'utf8' });
  return run.status === 0 ? run.stdout.trim() : undefined;
}

/** The top folder of the repository holding `cwd`. */
export function repositoryRoot(cwd: string): string {
  return git(cwd, ['rev-parse', '--show-toplevel']).toString().trim();
}

/** A resolved base: the ref as the user knows it and the commit it names. */
export interface BaseRef {
  /** What to show: `origin/main`, `merge-base of HEAD and main`. */
  readonly label: string;
  /** Full commit id. */
  readonly commit: string;
}

/** Resolves a ref to a commit; a clear error if it does not exist (e.g. not fetched). */
export function resolveRef(cwd: string, ref: string): BaseRef {
  const commit = tryGit(cwd, ['rev-parse', '--verify', '--quiet', `${ref}^{commit}`]);
  if (!commit) {
    throw new GitError(
      `unknown git ref '${ref}' (in CI, check out with full history: fetch-depth: 0, or fetch the base branch)`,
    );
  }
  return { label: ref, commit };
}

/**
 * The default base: the merge base of HEAD with the default branch (the remote's HEAD,
 * else origin/main or origin/master, else a local main or master). Without any of those
 * (a fresh repository without remote), HEAD itself: the diff then shows uncommitted work.
 */
export function defaultBase(cwd: string): BaseRef {
  const remoteHead = tryGit(cwd, [
    'symbolic-ref',
    '--quiet',
    '--short',
    'refs/remotes/origin/HEAD',
  ]);
  const candidates = [remoteHead, 'origin/main', 'origin/master', 'main', 'master'];
  for (const candidate of candidates) {
    if (!candidate || !tryGit(cwd, ['rev-parse', '--verify', '--quiet', `${candidate}^{commit}`])) {
      continue;
    }
    const mergeBase = tryGit(cwd, ['merge-base', 'HEAD', candidate]);
    if (!mergeBase) {
      throw new GitError(
        `no merge base between HEAD and ${candidate} (a shallow clone? fetch with fetch-depth: 0, or pass --base)`,
      );
    }
    return { label: `merge-base(HEAD, ${candidate}) ${mergeBase.slice(0, 8)}`, commit: mergeBase };
  }
  const head = resolveRef(cwd, 'HEAD');
  return { label: `HEAD ${head.commit.slice(0, 8)}`, commit: head.commit };
}

/**
 * The files under `folder` (relative to the repository root) at a commit, keyed by path
 * relative to `folder`. A folder absent at that commit is an empty tree.
 */
export function readTreeAtCommit(
  root: string,
  commit: string,
  folder: string,
): Map<string, string> {
  const prefix = folder.replace(/\/+$/, '') + '/';
  const listing = git(root, [
    'ls-tree',
    '-r',
    '-z',
    '--full-tree',
    commit,
    '--',
    prefix,
  ]).toString();
  const blobs: { path: string; id: string }[] = [];
  for (const entry of listing.split('\0')) {
    if (!entry) continue;
    const tab = entry.indexOf('\t');
    const [mode, type, id] = entry.slice(0, tab).split(' ');
    // Symlinks (120000) and submodules are not manifests.
    if (type !== 'blob' || mode === '120000') continue;
    blobs.push({ path: entry.slice(tab + 1).slice(prefix.length), id });
  }
  const files = new Map<string, string>();
  if (blobs.length === 0) return files;
  const output = git(
    root,
    ['cat-file', '--batch', '--buffer'],
    Buffer.from(blobs.map((b) => b.id).join('\n') + '\n'),
  );
  let offset = 0;
  for (const blob of blobs) {
    const newline = output.indexOf(0x0a, offset);
    const header = output.toString('utf8', offset, newline).split(' ');
    if (header[0] !== blob.id || header[1] !== 'blob') {
      throw new GitError(`git cat-file: unexpected answer '${header.join(' ')}' for ${blob.path}`);
    }
    const size = Number(header[2]);
    files.set(blob.path, output.toString('utf8', newline + 1, newline + 1 + size));
    offset = newline + 1 + size + 1;
  }
  return files;
}
