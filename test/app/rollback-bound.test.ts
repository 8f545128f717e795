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

describe('rollbackBound', () => {
  it('canary with the defaults: 0 s + 2 × 15 s + (2 + 1) × 20 s = 90 s', () => {
    const bound = rollbackBound(
      canary(['30s', '30s', '30s', undefined]),
      [template([{ interval: '20s', initialDelay: '0s', failureLimit: 2 }])],
      monitor('15s'),
    );
    // within the 120 s default limit, and the 90 s of pauses still outlast detection
    expect(bound).toEqual({
      seconds: 90,
      arithmetic:
        'initialDelay 0 s + 2 × scrape interval 15 s + (failureLimit 2 + 1) × interval 20 s = 90 s',
      problems: [],
    });
  });

  it('takes the slowest metric: 10 s + 2 × 30 s + (3 + 1) × 1m = 310 s', () => {
    const bound = rollbackBound(
      canary(['manual']),
      [
        template([
          { interval: '20s', failureLimit: 1 },
          { interval: '1m', initialDelay: '10s', failureLimit: 3 },
        ]),
      ],
      monitor('30s'),
    );
    // the other metric: 0 s + 2 × 30 s + (1 + 1) × 20 s = 100 s
    expect(bound?.seconds).toBe(310);
    expect(bound?.arithmetic).toBe(
      'initialDelay 10 s + 2 × scrape interval 30 s + (failureLimit 3 + 1) × interval 60 s = 310 s',
    );
    // a manual pause holds the canary as long as needed
    expect(bound?.problems).toEqual([]);
  });

  it('uses Prometheus’ 30 s default when the monitor sets no interval', () => {
    const bound = rollbackBound(canary(['5m']), [template([{ interval: '10s' }])], {
      spec: { endpoints: [{}] },
    });
    // failureLimit defaults to 0 in Argo Rollouts
    expect(bound?.seconds).toBe(0 + 2 * 30 + 1 * 10);
  });

  it('refuses a canary that reaches 100 % before the analysis can fail it', () => {
    const bound = rollbackBound(
      canary(['20s', '20s', undefined]),
      [template([{ interval: '20s', failureLimit: 2 }])],
      monitor('15s'),
    );
    expect(bound?.problems).toEqual([
      'the canary reaches 100 % after 40 s of pauses, before a failing analysis can abort it ' +
        '(initialDelay 0 s + 2 × scrape interval 15 s + (failureLimit 2 + 1) × interval 20 s = 90 s); ' +
        'lengthen the pauses to at least 90 s in total',
    ]);
  });

  it('blue-green: detection of the post-promotion analysis, if the old version is still there', () => {
    const analysis = [template([{ interval: '15s', failureLimit: 2, count: 8 }])];
    expect(rollbackBound(blueGreen(120), analysis, monitor('15s'))).toEqual({
      seconds: 75,
      arithmetic:
        'initialDelay 0 s + 2 × scrape interval 15 s + (failureLimit 2 + 1) × interval 15 s = 75 s',
      problems: [],
    });
    // 60 s covered one scrape interval, not the two a new series needs
    expect(rollbackBound(blueGreen(60), analysis, monitor('15s'))?.problems).toEqual([
      'scaleDownDelay 60 s removes the previous version before a failing post-promotion analysis ' +
        'can switch back (initialDelay 0 s + 2 × scrape interval 15 s + (failureLimit 2 + 1) × interval 15 s = 75 s); ' +
        'raise it to at least 75 s',
    ]);
  });

  it('blue-green: an analysis whose count never reaches failureLimit + 1 can never fail', () => {
    const bound = rollbackBound(
      blueGreen(600),
      [template([{ interval: '10s', failureLimit: 3, count: 3 }])],
      monitor('15s'),
    );
    // measurements at 0, 10, 20 s; the first after two 15 s scrapes would be at 30 s (k = 3)
    expect(bound?.problems).toEqual([
      'the post-promotion analysis can never fail: failing takes failureLimit 3 + 1 = 4 failed measurements, ' +
        'the first that can see the new version being at initialDelay 0 s + 3 × interval 10 s = 30 s (after 2 × scrape interval 15 s = 30 s), ' +
        'so the last is at 30 s + 3 × 10 s = 60 s, but count 3 ends the run at 0 s + (3 − 1) × 10 s = 20 s; raise count to at least 7',
    ]);
  });

  it('blue-green: count 3 or 4 with failureLimit 2 can never fail, the measurements before 30 s see no new data', () => {
    const analysis = (count: number, initialDelay = '0s') => [
      template([
        { interval: '20s', initialDelay, failureLimit: 2, count },
        { interval: '20s', initialDelay, failureLimit: 2, count },
      ]),
    ];
    // count ≥ failureLimit + 1 = 3, yet the failures could only come at 40, 60, 80 s: run ends at 40 s
    const never = (count: number) =>
      'the post-promotion analysis can never fail: failing takes failureLimit 2 + 1 = 3 failed measurements, ' +
      'the first that can see the new version being at initialDelay 0 s + 2 × interval 20 s = 40 s (after 2 × scrape interval 15 s = 30 s), ' +
      `so the last is at 40 s + 2 × 20 s = 80 s, but count ${count} ends the run at 0 s + (${count} − 1) × 20 s = ${(count - 1) * 20} s; raise count to at least 5`;
    expect(rollbackBound(blueGreen(600), analysis(3), monitor('15s'))?.problems).toEqual([
      never(3),
    ]);
    // 0, 20, 40, 60 s: the 20 s one comes before the new series has its second sample
    expect(rollbackBound(blueGreen(600), analysis(4), monitor('15s'))?.problems).toEqual([
      never(4),
    ]);
    // 0, 20, 40, 60, 80 s (the default count 5): three measurements from 40 s on
    expect(rollbackBound(blueGreen(600), analysis(5), monitor('15s'))?.problems).toEqual([]);
    // an initial delay of two scrapes makes every measurement count: 30, 50, 70 s; one is not enough
    expect(rollbackBound(blueGreen(600), analysis(3, '30s'), monitor('15s'))?.problems).toEqual([]);
    expect(
      rollbackBound(blueGreen(600), analysis(3, '15s'), monitor('15s'))?.problems,
    ).toHaveLength(1);
  });

  it('blue-green: without an interval every measurement is taken before the new version shows', () => {
    const bound = rollbackBound(
      blueGreen(600),
      [template([{ failureLimit: 0, count: 1 }])],
      monitor('15s'),
    );
    expect(bound?.problems).toEqual([
      'the post-promotion analysis can never fail: failing takes failureLimit 0 + 1 = 1 failed measurements, ' +
        'but every measurement is at initialDelay 0 s, before 2 × scrape interval 15 s = 30 s shows the new version; set an interval or an initialDelay of at least 30 s',
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
      rollbackBound(canary(['1m'], 'other'), [template([{ interval: '1s' }])], undefined),
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
