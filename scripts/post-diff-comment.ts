// CI step: `node scripts/run-ts.js scripts/post-diff-comment.ts diff.md` posts or updates the
// one manifest-diff comment on the current pull request (GitHub) or merge request (GitLab).
import * as fs from 'node:fs';
import { commentApiFromEnvironment, upsertDiffComment, type Fetch } from '../synth/diff/publish';

async function main(): Promise<number> {
  const file = process.argv[2];
  if (!file) {
    console.error('usage: post-diff-comment <markdown file>');
    return 2;
  }
  try {
    const api = commentApiFromEnvironment(process.env, fetch as unknown as Fetch, (path) =>
      fs.readFileSync(path, 'utf8'),
    );
    const done = await upsertDiffComment(api, fs.readFileSync(file, 'utf8'));
    console.log(`post-diff-comment: ${done} the diff comment`);
    return 0;
  } catch (error) {
    console.error(`post-diff-comment: ${(error as Error).message}`);
    return 2;
  }
}

void main().then((code) => (process.exitCode = code));
