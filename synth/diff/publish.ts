// Posts the Markdown diff on a pull request (GitHub) or merge request (GitLab), updating the
// comment left by an earlier run (found by its hidden marker) instead of adding another.
import { COMMENT_MARKER } from './format';

/** The subset of `fetch` used here (tests pass a fake). */
export type Fetch = (
  url: string,
  init: { method: string; headers: Record<string, string>; body?: string },
) => Promise<{ ok: boolean; status: number; json(): Promise<unknown>; text(): Promise<string> }>;

/** A comment on the PR/MR. */
export interface ExistingComment {
  /** Comment (GitHub) or note (GitLab) id. */
  readonly id: number;
  /** Its Markdown body. */
  readonly body: string;
}

/** Comments of one PR/MR, behind either forge's API. */
export interface CommentApi {
  /** Every comment, all pages. */
  list(): Promise<ExistingComment[]>;
  /** Adds a comment. */
  create(body: string): Promise<void>;
  /** Replaces a comment's body. */
  update(id: number, body: string): Promise<void>;
}

const PAGE_SIZE = 100;

async function call(
  fetchFn: Fetch,
  url: string,
  method: string,
  headers: Record<string, string>,
  body?: unknown,
): Promise<unknown> {
  const response = await fetchFn(url, {
    method,
    headers: { ...headers, 'Content-Type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  if (!response.ok) {
    throw new Error(
      `${method} ${url}: HTTP ${response.status} ${(await response.text()).slice(0, 300)}`,
    );
  }
  return response.status === 204 ? undefined : response.json();
}

async function allPages(
  fetchFn: Fetch,
  base: string,
  headers: Record<string, string>,
): Promise<ExistingComment[]> {
  const comments: ExistingComment[] = [];
  for (let page = 1; ; page++) {
    const separator = base.includes('?') ? '&' : '?';
    const batch = (await call(
      fetchFn,
      `${base}${separator}per_page=${PAGE_SIZE}&page=${page}`,
      'GET',
      headers,
    )) as ExistingComment[];
    comments.push(...batch.map(({ id, body }) => ({ id, body: body ?? '' })));
    if (batch.length < PAGE_SIZE) return comments;
  }
}

/** Settings of {@link githubComments}. */
export interface GitHubTarget {
  /** API root. @default https://api.github.com (Actions sets GITHUB_API_URL) */
  readonly apiUrl?: string;
  /** `owner/name` (GITHUB_REPOSITORY). */
  readonly repository: string;
  /** Pull request number. */
  readonly pullRequest: number;
  /** GITHUB_TOKEN with `pull-requests: write`. */
  readonly token: string;
}

/** A PR's comments through GitHub's REST API (PR comments are issue comments). */
export function githubComments(target: GitHubTarget, fetchFn: Fetch): CommentApi {
  const api = target.apiUrl ?? 'https://api.github.com';
  const headers = {
    Authorization: `Bearer ${target.token}`,
    Accept: 'application/vnd.github+json',
    'X-GitHub-Api-Version': '2022-11-28',
  };
  const repo = `${api}/repos/${target.repository}`;
  return {
    list: () => allPages(fetchFn, `${repo}/issues/${target.pullRequest}/comments`, headers),
    create: async (body) => {
      await call(fetchFn, `${repo}/issues/${target.pullRequest}/comments`, 'POST', headers, {
        body,
      });
    },
    update: async (id, body) => {
      await call(fetchFn, `${repo}/issues/comments/${id}`, 'PATCH', headers, { body });
    },
  };
}

/** Settings of {@link gitlabComments}. */
export interface GitLabTarget {
  /** API root (CI_API_V4_URL), e.g. https://gitlab.com/api/v4. */
  readonly apiUrl: string;
  /** Project id (CI_PROJECT_ID). */
  readonly projectId: string;
  /** Merge request IID (CI_MERGE_REQUEST_IID). */
  readonly mergeRequestIid: number;
  /** A project access token with the `api` scope (sent as PRIVATE-TOKEN). */
  readonly token: string;
}

/** An MR's notes through GitLab's REST API. */
export function gitlabComments(target: GitLabTarget, fetchFn: Fetch): CommentApi {
  const headers = { 'PRIVATE-TOKEN': target.token };
  const notes = `${target.apiUrl}/projects/${encodeURIComponent(target.projectId)}/merge_requests/${target.mergeRequestIid}/notes`;
  return {
    list: () => allPages(fetchFn, `${notes}?sort=asc&order_by=created_at`, headers),
    create: async (body) => {
      await call(fetchFn, notes, 'POST', headers, { body });
    },
    update: async (id, body) => {
      await call(fetchFn, `${notes}/${id}`, 'PUT', headers, { body });
    },
  };
}

/**
 * Updates the comment carrying the marker, or creates it: one diff comment per PR/MR
 * however many times CI runs. Returns what it did.
 */
export async function upsertDiffComment(
  api: CommentApi,
  body: string,
): Promise<'created' | 'updated'> {
  const marked = body.startsWith(COMMENT_MARKER) ? body : `${COMMENT_MARKER}\n${body}`;
  // Only a comment that starts with the marker is ours: a person quoting it is left alone.
  const previous = (await api.list()).find((comment) => comment.body.startsWith(COMMENT_MARKER));
  if (previous) {
    await api.update(previous.id, marked);
    return 'updated';
  }
  await api.create(marked);
  return 'created';
}

/** Which forge's API to use, from the CI environment; a message naming what is missing otherwise. */
export function commentApiFromEnvironment(
  env: Readonly<Record<string, string | undefined>>,
  fetchFn: Fetch,
  readEvent: (file: string) => string,
): CommentApi {
  const need = (name: string): string => {
    const value = env[name];
    if (!value) throw new Error(`${name} is not set`);
    return value;
  };
  if (env.GITHUB_ACTIONS === 'true') {
    const event = JSON.parse(readEvent(need('GITHUB_EVENT_PATH'))) as {
      pull_request?: { number?: number };
    };
    const pullRequest = event.pull_request?.number;
    if (pullRequest === undefined) throw new Error('not a pull_request event: no PR to comment on');
    return githubComments(
      {
        apiUrl: env.GITHUB_API_URL,
        repository: need('GITHUB_REPOSITORY'),
        pullRequest,
        token: need('GITHUB_TOKEN'),
      },
      fetchFn,
    );
  }
  if (env.GITLAB_CI === 'true') {
    return gitlabComments(
      {
        apiUrl: need('CI_API_V4_URL'),
        projectId: need('CI_PROJECT_ID'),
        mergeRequestIid: Number(need('CI_MERGE_REQUEST_IID')),
        token: need('GITLAB_DIFF_TOKEN'),
      },
      fetchFn,
    );
  }
  throw new Error(
    'neither GitHub Actions (GITHUB_ACTIONS) nor GitLab CI (GITLAB_CI): nowhere to post',
  );
}
