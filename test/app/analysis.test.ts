import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { stringify } from 'yaml';
import { RolloutStrategy, WebService } from '../../constructs/app';
import { renderApps } from '../support/apps';
import { findObject } from '../support/tree';

// The analysis queries, run by promtool against the series Prometheus holds just after a canary
// starts: the stable pods' series from the canary Service are still inside the rate window.

const app = WebService.define({
  name: 'shop',
  team: 'web',
  image: 'registry.example.com/web/shop',
  rollout: RolloutStrategy.canary(),
});
const template = findObject(renderApps([app]), 'apps/prod/shop/', 'AnalysisTemplate', 'shop');
const { metrics } = template.spec as {
  metrics: { name: string; provider: { prometheus: { query: string } } }[];
};

/** A query as Argo Rollouts runs it: every argument the Rollout could pass, substituted. */
function resolved(metric: string): string {
  const query = metrics.find((candidate) => candidate.name === metric)?.provider.prometheus.query;
  if (query === undefined) throw new Error(`no metric '${metric}'`);
  const args: Record<string, string> = {
    namespace: 'prod-shop',
    'latest-hash': 'canary1',
    // what a Service-based query would have been given
    service: 'shop-canary',
  };
  return query.replace(/\{\{args\.([\w-]+)\}\}/g, (_, name: string) => args[name] ?? name);
}

/** Runs `promtool test rules` with expression tests only; throws when one fails. */
function promtoolTest(tests: object[]): void {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'promtool-analysis-'));
  const file = path.join(dir, 'tests.yaml');
  // promtool loads the series only up to the last evaluation step before each eval_time.
  fs.writeFileSync(file, stringify({ rule_files: [], evaluation_interval: '15s', tests }));
  try {
    execFileSync('promtool', ['test', 'rules', file], { encoding: 'utf8', stdio: 'pipe' });
  } catch (error) {
    const { stdout, stderr, code } = error as NodeJS.ErrnoException & {
      stdout?: string;
      stderr?: string;
    };
    if (code === 'ENOENT') throw new Error('promtool not found: `apt-get install prometheus`');
    throw new Error(`promtool test rules failed:\n${stdout ?? ''}${stderr ?? ''}`);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

// Scrapes every 15 s. Until 2m the canary Service selects the stable pods (hash stable1: 100
// requests/s, all 200, under 0.1 s); at 2m the canary starts and the Service selects the new pods
// (hash canary1) instead, which fail 5 % of their requests and answer in 0.5–1 s. The stable
// pods keep serving via `shop`.
const series = (labels: Record<string, string>) =>
  `{${Object.entries(labels)
    .map(([name, value]) => `${name}="${value}"`)
    .join(',')}}`;
const stable = (service: string) => ({
  namespace: 'prod-shop',
  service,
  pod: 'shop-stable1-a',
  rollouts_pod_template_hash: 'stable1',
});
const canary = {
  namespace: 'prod-shop',
  service: 'shop-canary',
  pod: 'shop-canary1-a',
  rollouts_pod_template_hash: 'canary1',
};
const untilCanary = '0+1500x8'; // 0 s .. 2m
const fromCanary = (perScrape: number) => `_x9 0+${perScrape}x2`; // 2m15s .. 2m45s
const inputSeries = [
  {
    series: `http_requests_total${series({ ...stable('shop'), code: '200' })}`,
    values: '0+1500x11',
  },
  {
    series: `http_requests_total${series({ ...stable('shop-canary'), code: '200' })}`,
    values: untilCanary,
  },
  { series: `http_requests_total${series({ ...canary, code: '200' })}`, values: fromCanary(19) },
  { series: `http_requests_total${series({ ...canary, code: '500' })}`, values: fromCanary(1) },
  ...['0.1', '0.5', '1', '+Inf'].flatMap((le) => [
    {
      series: `http_request_duration_seconds_bucket${series({ ...stable('shop-canary'), le })}`,
      values: untilCanary,
    },
    {
      series: `http_request_duration_seconds_bucket${series({ ...canary, le })}`,
      values: fromCanary(le === '0.1' || le === '0.5' ? 0 : 20),
    },
  ]),
];

describe('the AnalysisTemplate queries', () => {
  it('take the namespace and the new ReplicaSet’s hash, nothing else', () => {
    expect((template.spec as { args: unknown }).args).toEqual([
      { name: 'namespace' },
      { name: 'latest-hash' },
    ]);
  });

  it('see the canary’s errors and latency undiluted by the stable pods that just left', () => {
    // 45 s into the canary: 95 % success and p95 0.5 + 0.95 × 0.5 s, failing the default 0.99
    // and 0.5 s. Selecting by the canary Service (stable pods' series still in the 60 s window)
    // gives 0.999 and 0.097 s instead: the bad release would pass.
    expect(() =>
      promtoolTest([
        {
          interval: '15s',
          input_series: inputSeries,
          promql_expr_test: [
            {
              expr: resolved('success-rate'),
              eval_time: '2m45s',
              exp_samples: [{ labels: '{}', value: 0.95 }],
            },
            {
              expr: resolved('latency-p95'),
              eval_time: '2m45s',
              exp_samples: [{ labels: '{}', value: 0.975 }],
            },
          ],
        },
      ]),
    ).not.toThrow();
  });

  it('see a version that fails every request: 0, where a ratio of successes had no data', () => {
    // 30 s into the canary, every request of the new pods answers 500: there is no non-5xx
    // series at all. Dividing successes by requests gave an empty result, which passed.
    const failing = [
      { series: `http_requests_total${series({ ...canary, code: '500' })}`, values: '0+20x4' },
    ];
    expect(() =>
      promtoolTest([
        {
          interval: '15s',
          input_series: failing,
          promql_expr_test: [
            {
              expr: resolved('success-rate'),
              eval_time: '1m',
              exp_samples: [{ labels: '{}', value: 0 }],
            },
          ],
        },
      ]),
    ).not.toThrow();
  });

  it('have no result without traffic to the new version, which the success condition fails', () => {
    expect(() =>
      promtoolTest([
        {
          interval: '15s',
          input_series: inputSeries.filter(({ series }) => !series.includes('canary1')),
          promql_expr_test: [
            { expr: resolved('success-rate'), eval_time: '2m45s', exp_samples: [] },
            { expr: resolved('latency-p95'), eval_time: '2m45s', exp_samples: [] },
          ],
        },
      ]),
    ).not.toThrow();
    for (const metric of metrics as unknown as { successCondition: string }[]) {
      // Argo Rollouts evaluates it with `result` an empty list: `len(result) > 0` is false
      expect(metric.successCondition.startsWith('len(result) > 0 && !isNaN(result[0]) && ')).toBe(
        true,
      );
    }
  });
});
