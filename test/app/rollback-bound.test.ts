import {
  parseDurationSeconds,
  rollbackBound,
  type AnalysisTemplateObject,
  type RolloutObject,
} from '../../constructs/app/rollback-bound';

const template = (
  metrics: Partial<AnalysisTemplateObject['spec']['metrics'][number]>[],
  name = 'app',
): AnalysisTemplateObject => ({
  metadata: { name },
  spec: { metrics: metrics.map((metric, i) => ({ name: `m${i}`, ...metric })) },
});
const monitor = (interval: string) => ({ spec: { endpoints: [{ interval }] } });
const canary = (pauses: (string | undefined)[], templateName = 'app'): RolloutObject => ({
  spec: {
    strategy: {
      canary: {
        steps: pauses.flatMap((pause, i) => [
          { setWeight: (i + 1) * 10 },
          ...(pause === undefined
            ? []
            : [{ pause: pause === 'manual' ? {} : { duration: pause } }]),
        ]),
        analysis: { templates: [{ templateName }] },
      },
    },
  },
});
const blueGreen = (scaleDownDelaySeconds: number): RolloutObject => ({
  spec: {
    strategy: {
      blueGreen: {
        scaleDownDelaySeconds,
        postPromotionAnalysis: { templates: [{ templateName: 'app' }] },
      },
    },
  },
});

// What the rendered templates hold: no data fails every measurement.
const guarded = (limit: string) => `len(result) > 0 && !isNaN(result[0]) && result[0] >= ${limit}`;
const metric = (fields: Partial<AnalysisTemplateObject['spec']['metrics'][number]>) => ({
  successCondition: guarded('0.99'),
  consecutiveErrorLimit: fields.failureLimit ?? 0,
  ...fields,
});

describe('rollbackBound', () => {
  it('canary with the defaults: 30 s + (2 + 1) × 20 s = 90 s', () => {
    const bound = rollbackBound(
      canary(['30s', '30s', '30s', undefined]),
      [template([metric({ interval: '20s', initialDelay: '30s', failureLimit: 2 })])],
      monitor('15s'),
    );
    // within the 120 s default limit, and the 90 s of pauses still outlast detection
    expect(bound).toEqual({
      seconds: 90,
      arithmetic: 'initialDelay 30 s + (failureLimit 2 + 1) × interval 20 s = 90 s',
      problems: [],
    });
  });

  it('takes the slowest metric: 70 s + (3 + 1) × 1m = 310 s', () => {
    const bound = rollbackBound(
      canary(['manual']),
      [
        template([
          metric({ interval: '20s', initialDelay: '60s', failureLimit: 1 }),
          metric({ interval: '1m', initialDelay: '70s', failureLimit: 3 }),
        ]),
      ],
      monitor('30s'),
    );
    // the other metric: 60 s + (1 + 1) × 20 s = 100 s
    expect(bound?.seconds).toBe(310);
    expect(bound?.arithmetic).toBe(
      'initialDelay 70 s + (failureLimit 3 + 1) × interval 60 s = 310 s',
    );
    // a manual pause holds the canary as long as needed
    expect(bound?.problems).toEqual([]);
  });

  it('counts a Prometheus that cannot answer: errors abort only after consecutiveErrorLimit + 1', () => {
    const bound = rollbackBound(
      canary(['manual']),
      // Argo Rollouts' default consecutiveErrorLimit is 4, above this failureLimit of 1
      [
        template([
          {
            ...metric({ interval: '20s', initialDelay: '30s', failureLimit: 1 }),
            consecutiveErrorLimit: undefined,
          },
        ]),
      ],
      monitor('15s'),
    );
    expect(bound?.arithmetic).toBe(
      'initialDelay 30 s + (consecutiveErrorLimit 4 + 1) × interval 20 s = 130 s',
    );
  });

  it('uses Prometheus’ 30 s default when the monitor sets no interval', () => {
    const bound = rollbackBound(
      canary(['5m']),
      [template([metric({ interval: '10s', initialDelay: '60s' })])],
      { spec: { endpoints: [{}] } },
    );
    // failureLimit defaults to 0 in Argo Rollouts
    expect(bound?.seconds).toBe(60 + 1 * 10);
    expect(bound?.problems).toEqual([]);
    // 60 s is two of the 30 s default scrapes; 45 s is not
    expect(
      rollbackBound(
        canary(['5m']),
        [template([metric({ interval: '10s', initialDelay: '45s' })])],
        {
          spec: { endpoints: [{}] },
        },
      )?.problems,
    ).toEqual([
      'the canary analysis fails every good version: its first measurement at initialDelay 45 s comes before ' +
        '2 × scrape interval 30 s = 60 s shows the new version, and no data fails; raise initialDelay to at least 60 s',
    ]);
  });

  it('refuses a metric that passes on no data: a broken scrape would let a bad version through', () => {
    const passesOnNoData = metric({
      interval: '20s',
      initialDelay: '30s',
      failureLimit: 2,
      successCondition: 'len(result) == 0 || isNaN(result[0]) || result[0] >= 0.99',
    });
    expect(
      rollbackBound(canary(['manual']), [template([passesOnNoData])], monitor('15s'))?.problems,
    ).toEqual([
      "metric 'm0' of the canary analysis passes when Prometheus has no data, so a broken scrape lets a bad version through; " +
        "its success condition must start with 'len(result) > 0 && !isNaN(result[0]) &&'",
    ]);
  });

  it('refuses a canary that reaches 100 % before the analysis can fail it', () => {
    const bound = rollbackBound(
      canary(['20s', '20s', undefined]),
      [template([metric({ interval: '20s', initialDelay: '30s', failureLimit: 2 })])],
      monitor('15s'),
    );
    expect(bound?.problems).toEqual([
      'the canary reaches 100 % after 40 s of pauses, before a failing analysis can abort it ' +
        '(initialDelay 30 s + (failureLimit 2 + 1) × interval 20 s = 90 s); ' +
        'lengthen the pauses to at least 90 s in total',
    ]);
  });

  it('blue-green: detection of the post-promotion analysis, if the old version is still there', () => {
    const analysis = [
      template([metric({ interval: '15s', initialDelay: '30s', failureLimit: 2, count: 8 })]),
    ];
    expect(rollbackBound(blueGreen(120), analysis, monitor('15s'))).toEqual({
      seconds: 75,
      arithmetic: 'initialDelay 30 s + (failureLimit 2 + 1) × interval 15 s = 75 s',
      problems: [],
    });
    expect(rollbackBound(blueGreen(60), analysis, monitor('15s'))?.problems).toEqual([
      'scaleDownDelay 60 s removes the previous version before a failing post-promotion analysis ' +
        'can switch back (initialDelay 30 s + (failureLimit 2 + 1) × interval 15 s = 75 s); ' +
        'raise it to at least 75 s',
    ]);
  });

  it('blue-green: an analysis whose count never reaches failureLimit + 1 can never fail', () => {
    const analysis = (count: number) => [
      template([metric({ interval: '10s', initialDelay: '30s', failureLimit: 3, count })]),
    ];
    expect(rollbackBound(blueGreen(600), analysis(3), monitor('15s'))?.problems).toEqual([
      'the post-promotion analysis can never fail: count 3 ends the run before the 4 failed measurements ' +
        '(failureLimit 3 + 1) that fail it; raise count to at least 4',
    ]);
    expect(rollbackBound(blueGreen(600), analysis(4), monitor('15s'))?.problems).toEqual([]);
  });

  it('blue-green: a first measurement before two scrapes fails every good version', () => {
    const analysis = (initialDelay: string) => [
      template([
        metric({ interval: '20s', initialDelay, failureLimit: 2, count: 5 }),
        metric({ interval: '20s', initialDelay, failureLimit: 2, count: 5 }),
      ]),
    ];
    // reported once for the two metrics sharing their timing
    expect(rollbackBound(blueGreen(600), analysis('0s'), monitor('15s'))?.problems).toEqual([
      'the post-promotion analysis fails every good version: its first measurement at initialDelay 0 s comes before ' +
        '2 × scrape interval 15 s = 30 s shows the new version, and no data fails; raise initialDelay to at least 30 s',
    ]);
    expect(rollbackBound(blueGreen(600), analysis('30s'), monitor('15s'))?.problems).toEqual([]);
  });

  it('blue-green: without an interval the analysis measures once', () => {
    const bound = rollbackBound(
      blueGreen(600),
      [template([metric({ initialDelay: '30s', failureLimit: 0 })])],
      monitor('15s'),
    );
    expect(bound?.problems).toEqual([
      'the post-promotion analysis measures once: set an interval so it keeps measuring while the new version serves',
    ]);
  });

  it('has no bound without automated analysis', () => {
    expect(
      rollbackBound(
        { spec: { strategy: { canary: { steps: [{ setWeight: 100 }] } } } },
        [],
        undefined,
      ),
    ).toBeUndefined();
  });

  it('fails loudly when the Rollout references a template that is not rendered', () => {
    expect(() =>
      rollbackBound(canary(['1m'], 'other'), [template([metric({ interval: '1s' })])], undefined),
    ).toThrow("the Rollout references AnalysisTemplate 'other', which is not rendered");
  });
});

describe('parseDurationSeconds', () => {
  it.each([
    ['90s', 90],
    ['1m30s', 90],
    ['2h', 7200],
    ['45', 45],
    [12, 12],
  ] as const)('%p is %p s', (text, seconds) => {
    expect(parseDurationSeconds(text)).toBe(seconds);
  });

  it('rejects what is not a duration', () => {
    expect(() => parseDurationSeconds('soon')).toThrow("not a duration: 'soon'");
  });
});
