import { COMMENT_MARKER } from '../../synth/diff/format';
import {
  commentApiFromEnvironment,
  githubComments,
  gitlabComments,
  upsertDiffComment,
  type Fetch,
} from '../../synth/diff/publish';

interface Call {
  url: string;
  method: string;
  headers: Record<string, string>;
  body?: unknown;
}

/** A fake forge: answers GETs from `pages` (one array per page), records every call. */
function fakeFetch(pages: { id: number; body: string }[][]): { fetch: Fetch; calls: Call[] } {
  const calls: Call[] = [];
  const fetch: Fetch = async (url, init) => {
    calls.push({
      url,
      method: init.method,
      headers: init.headers,
      body: init.body === undefined ? undefined : JSON.parse(init.body),
    });
    const page = Number(new URL(url).searchParams.get('page') ?? '1');
    const payload = init.method === 'GET' ? (pages[page - 1] ?? []) : { id: 1 };
    return { ok: true, status: 200, json: async () => payload, text: async () => '' };
  };
  return { fetch, calls };
}

const body = `${COMMENT_MARKER}\n### Manifest diff\n`;
const github = { repository: 'acme/gitops', pullRequest: 7, token: 't0ken' };

describe('one diff comment per pull request', () => {
  it('creates the comment when none carries the marker', async () => {
    const { fetch, calls } = fakeFetch([[{ id: 1, body: 'LGTM' }]]);
    expect(await upsertDiffComment(githubComments(github, fetch), body)).toBe('created');
    expect(calls.map((c) => `${c.method} ${c.url}`)).toEqual([
      'GET https://api.github.com/repos/acme/gitops/issues/7/comments?per_page=100&page=1',
      'POST https://api.github.com/repos/acme/gitops/issues/7/comments',
    ]);
    expect(calls[1].body).toEqual({ body });
    expect(calls[1].headers.Authorization).toBe('Bearer t0ken');
  });

  it('updates the marked comment found on a later page instead of adding one', async () => {
    const first = Array.from({ length: 100 }, (_, i) => ({ id: i + 1, body: 'chatter' }));
    const { fetch, calls } = fakeFetch([first, [{ id: 555, body: `${COMMENT_MARKER}\nold` }]]);
    expect(await upsertDiffComment(githubComments(github, fetch), body)).toBe('updated');
    expect(calls.map((c) => c.method)).toEqual(['GET', 'GET', 'PATCH']);
    expect(calls[2].url).toBe('https://api.github.com/repos/acme/gitops/issues/comments/555');
  });

  it('leaves alone a comment that merely quotes the marker', async () => {
    const { fetch, calls } = fakeFetch([[{ id: 4, body: `see this: ${COMMENT_MARKER}` }]]);
    expect(await upsertDiffComment(githubComments(github, fetch), body)).toBe('created');
    expect(calls.map((c) => c.method)).toEqual(['GET', 'POST']);
  });

  it('updates a GitLab merge request note with PUT and the PRIVATE-TOKEN header', async () => {
    const { fetch, calls } = fakeFetch([[{ id: 9, body: `${COMMENT_MARKER} old` }]]);
    const api = gitlabComments(
      {
        apiUrl: 'https://gitlab.example.com/api/v4',
        projectId: 'team/gitops',
        mergeRequestIid: 3,
        token: 'glpat',
      },
      fetch,
    );
    expect(await upsertDiffComment(api, 'no marker yet')).toBe('updated');
    expect(calls[1]).toMatchObject({
      method: 'PUT',
      url: 'https://gitlab.example.com/api/v4/projects/team%2Fgitops/merge_requests/3/notes/9',
      headers: { 'PRIVATE-TOKEN': 'glpat' },
      body: { body: `${COMMENT_MARKER}\nno marker yet` },
    });
  });

  it('fails with the HTTP status when the token may not write', async () => {
    const fetch: Fetch = async () => ({
      ok: false,
      status: 403,
      json: async () => ({}),
      text: async () => 'Resource not accessible by integration',
    });
    await expect(upsertDiffComment(githubComments(github, fetch), body)).rejects.toThrow(
      /HTTP 403 Resource not accessible by integration/,
    );
  });
});

describe('the forge is read from the CI environment', () => {
  const { fetch } = fakeFetch([]);
  it('GitHub Actions: the PR number from the event file', async () => {
    const calls: string[] = [];
    const api = commentApiFromEnvironment(
      {
        GITHUB_ACTIONS: 'true',
        GITHUB_EVENT_PATH: '/e.json',
        GITHUB_REPOSITORY: 'a/b',
        GITHUB_TOKEN: 't',
      },
      async (url, init) => {
        calls.push(url);
        return fetch(url, init);
      },
      () => JSON.stringify({ pull_request: { number: 42 } }),
    );
    await api.list();
    expect(calls[0]).toContain('/repos/a/b/issues/42/comments');
  });

  it('names what is missing', () => {
    expect(() => commentApiFromEnvironment({ GITLAB_CI: 'true' }, fetch, () => '')).toThrow(
      'CI_API_V4_URL is not set',
    );
    expect(() =>
      commentApiFromEnvironment(
        { GITHUB_ACTIONS: 'true', GITHUB_EVENT_PATH: 'x' },
        fetch,
        () => '{"push":{}}',
      ),
    ).toThrow('not a pull_request event');
    expect(() => commentApiFromEnvironment({}, fetch, () => '')).toThrow(/nowhere to post/);
  });
});
