import { objectsUnder } from '../support/platform';
import { checkRules, testRules } from '../support/promtool';
import { ALERT_GROUPS } from '../../constructs/platform/monitoring-alerts';

describe('Monitoring alerts', () => {
  it('renders the day-one alerts', () => {
    const alerts = objectsUnder(
      'platform/dev/configs/kube-prometheus-stack/',
      'PrometheusRule',
    ).flatMap((rule) =>
      (rule.spec as { groups: { rules: { alert: string }[] }[] }).groups.flatMap((g) =>
        g.rules.map((r) => r.alert),
      ),
    );
    expect(alerts.sort()).toEqual([
      'ArgoCdAppDegraded',
      'ArgoCdAppOutOfSync',
      'ArgoSyncFailed',
      'CephHealthError',
      'CephHealthWarning',
      'CertificateExpiresSoon',
      'CertificateNotReady',
      'ClusterCpuOvercommitted',
      'ClusterMemoryOvercommitted',
      'DeploymentLag',
      'DeploymentRolloutLagging',
      'FluxReconciliationFailing',
      'ResourceOvercommit',
      'RolloutDegraded',
    ]);
    const argocd = ALERT_GROUPS.argocd.find((rule) => rule.alert === 'ArgoCdAppDegraded');
    expect(argocd).toMatchObject({ for: '10m', labels: { severity: 'critical' } });
  });

  it.each(['dev', 'prod'])(
    'every rendered PrometheusRule on %s passes promtool check rules',
    (cluster) => {
      const rules = objectsUnder(`platform/${cluster}/`, 'PrometheusRule');
      expect(rules.length).toBeGreaterThan(0);
      for (const rule of rules) {
        expect(checkRules(rule.spec as object)).toContain('SUCCESS');
      }
    },
  );

  it.each(['cpu', 'memory'] as const)(
    'counts only Pending and Running pods toward %s overcommit (promtool test rules)',
    (resource) => {
      // Regression: requests of finished pods (kube-state-metrics keeps them until the pod is
      // deleted) counted as used capacity and fired the alert on an idle cluster.
      const alert = resource === 'cpu' ? 'ClusterCpuOvercommitted' : 'ClusterMemoryOvercommitted';
      const rule = ALERT_GROUPS.capacity.find((candidate) => candidate.alert === alert);
      const pod = (name: string, phase: string, requests: number) => [
        {
          series: `kube_pod_container_resource_requests{resource="${resource}",namespace="a",pod="${name}",container="c",node="n1"}`,
          values: `${requests}x30`,
        },
        ...['Pending', 'Running', 'Succeeded', 'Failed'].map((candidate) => ({
          series: `kube_pod_status_phase{namespace="a",pod="${name}",phase="${candidate}"}`,
          values: `${candidate === phase ? 1 : 0}x30`,
        })),
      ];
      const allocatable = {
        series: `kube_node_status_allocatable{resource="${resource}",node="n1"}`,
        values: '10x30',
      };
      const output = testRules({ groups: [{ name: 'capacity', rules: [rule] }] }, [
        {
          interval: '1m',
          // 5 of 10 requested by a running pod; a finished Job's 5 more must not count.
          input_series: [allocatable, ...pod('web', 'Running', 5), ...pod('job', 'Succeeded', 5)],
          alert_rule_test: [{ eval_time: '20m', alertname: alert, exp_alerts: [] }],
        },
        {
          interval: '1m',
          // 9.5 of 10 requested by a running and a pending pod: overcommitted.
          input_series: [allocatable, ...pod('web', 'Running', 5), ...pod('next', 'Pending', 4.5)],
          alert_rule_test: [
            {
              eval_time: '20m',
              alertname: alert,
              exp_alerts: [
                {
                  exp_labels: { severity: 'warning' },
                  exp_annotations: { ...rule?.annotations },
                },
              ],
            },
          ],
        },
      ]);
      expect(output).toContain('SUCCESS');
    },
  );

  it("alerts on a Degraded rollout once per rollout and namespace, as Prometheus stores the controller's labels (promtool test rules)", () => {
    // Regression: scraped from the controller in argo-rollouts, `namespace` is the controller's
    // and the rollout's is `exported_namespace`: dev's and test's checkout-api merged into one
    // alert on namespace argo-rollouts.
    const rule = ALERT_GROUPS.delivery.find((candidate) => candidate.alert === 'RolloutDegraded');
    const info = (namespace: string, phase: string) => ({
      series: `rollout_info{namespace="argo-rollouts",exported_namespace="${namespace}",name="checkout-api",phase="${phase}",job="argo-rollouts-metrics"}`,
      values: '1x20',
    });
    const output = testRules({ groups: [{ name: 'delivery', rules: [rule] }] }, [
      {
        interval: '1m',
        input_series: [
          info('dev-checkout-api', 'Degraded'),
          info('test-checkout-api', 'Degraded'),
          info('prod-checkout-api', 'Healthy'),
        ],
        alert_rule_test: [
          {
            eval_time: '10m',
            alertname: 'RolloutDegraded',
            exp_alerts: ['dev-checkout-api', 'test-checkout-api'].map((namespace) => ({
              exp_labels: { severity: 'critical', namespace, name: 'checkout-api' },
              exp_annotations: {
                summary: `Rollout ${namespace}/checkout-api is Degraded`,
                description: rule?.annotations?.description,
              },
            })),
          },
        ],
      },
    ]);
    expect(output).toContain('SUCCESS');
  });

  it('counts neither the capacity nor the load of nodes that take no workloads (promtool test rules)', () => {
    // Regression: a tainted control plane's allocatable halved the measured load of a full
    // worker pool, so the overcommit alert never fired.
    const rule = ALERT_GROUPS.capacity.find(
      (candidate) => candidate.alert === 'ClusterCpuOvercommitted',
    );
    const phase = (pod: string) =>
      ['Pending', 'Running', 'Succeeded', 'Failed'].map((candidate) => ({
        series: `kube_pod_status_phase{namespace="a",pod="${pod}",phase="${candidate}"}`,
        values: `${candidate === 'Running' ? 1 : 0}x30`,
      }));
    const output = testRules({ groups: [{ name: 'capacity', rules: [rule] }] }, [
      {
        interval: '1m',
        input_series: [
          { series: 'kube_node_status_allocatable{resource="cpu",node="worker"}', values: '10x30' },
          { series: 'kube_node_status_allocatable{resource="cpu",node="cp"}', values: '10x30' },
          {
            series:
              'kube_node_spec_taint{node="cp",key="node-role.kubernetes.io/control-plane",effect="NoSchedule"}',
            values: '1x30',
          },
          {
            series:
              'kube_pod_container_resource_requests{resource="cpu",namespace="a",pod="web",container="c",node="worker"}',
            values: '9.5x30',
          },
          // The control plane's own pods run on it whatever the taint says.
          {
            series:
              'kube_pod_container_resource_requests{resource="cpu",namespace="a",pod="etcd",container="c",node="cp"}',
            values: '1x30',
          },
          ...phase('web'),
          ...phase('etcd'),
        ],
        alert_rule_test: [
          {
            eval_time: '20m',
            alertname: 'ClusterCpuOvercommitted',
            exp_alerts: [
              { exp_labels: { severity: 'warning' }, exp_annotations: { ...rule?.annotations } },
            ],
          },
        ],
      },
    ]);
    expect(output).toContain('SUCCESS');
  });

  it('alerts on out-of-sync apps that sync by themselves, not on gated ones waiting for a Sync (promtool test rules)', () => {
    const rule = ALERT_GROUPS.argocd.find((candidate) => candidate.alert === 'ArgoCdAppOutOfSync');
    const app = (name: string, autosync: boolean) => ({
      series: `argocd_app_info{namespace="argocd",name="${name}",project="payments",sync_status="OutOfSync",health_status="Healthy",autosync_enabled="${autosync}"}`,
      values: '1x30',
    });
    const output = testRules({ groups: [{ name: 'argocd', rules: [rule] }] }, [
      {
        interval: '1m',
        input_series: [app('dev-checkout-api', true), app('prod-checkout-api', false)],
        alert_rule_test: [
          {
            eval_time: '20m',
            alertname: 'ArgoCdAppOutOfSync',
            exp_alerts: [
              {
                exp_labels: {
                  severity: 'warning',
                  namespace: 'argocd',
                  name: 'dev-checkout-api',
                  project: 'payments',
                },
                exp_annotations: {
                  ...rule?.annotations,
                  summary: 'Argo CD app dev-checkout-api is out of sync',
                },
              },
            ],
          },
        ],
      },
    ]);
    expect(output).toContain('SUCCESS');
  });

  const rule = (group: string, alert: string) =>
    ALERT_GROUPS[group].find((candidate) => candidate.alert === alert)!;
  const firing = (labels: Record<string, string>, annotations: Record<string, string>) => ({
    exp_labels: labels,
    exp_annotations: annotations,
  });

  it("alerts on a failed sync, an app's first one included, and stops 15 minutes after (promtool test rules)", () => {
    const failed = rule('argocd', 'ArgoSyncFailed');
    const syncs = (name: string, phase: string, values: string) => ({
      series: `argocd_app_sync_total{namespace="argocd",name="${name}",project="payments",phase="${phase}",dest_server="https://kubernetes.default.svc"}`,
      values,
    });
    const annotations = (name: string) => ({
      ...failed.annotations,
      summary: `Argo CD could not sync ${name}`,
      description: failed.annotations.description.replace('{{ $labels.name }}', name),
    });
    const output = testRules({ groups: [{ name: 'argocd', rules: [failed] }] }, [
      {
        interval: '1m',
        input_series: [
          // dev: its first failed sync at 30 m (the series appears then), none after.
          syncs('dev-checkout-api', 'Failed', '_x29 1x40'),
          // test: failed once long ago (before 15 m), again at 41 m.
          syncs('test-checkout-api', 'Error', '1x40 2x30'),
          // prod: only successful syncs.
          syncs('prod-checkout-api', 'Succeeded', '1+1x70'),
        ],
        alert_rule_test: [
          {
            eval_time: '32m',
            alertname: 'ArgoSyncFailed',
            exp_alerts: [
              firing(
                { severity: 'warning', name: 'dev-checkout-api', project: 'payments' },
                annotations('dev-checkout-api'),
              ),
            ],
          },
          {
            eval_time: '50m',
            alertname: 'ArgoSyncFailed',
            exp_alerts: [
              firing(
                { severity: 'warning', name: 'test-checkout-api', project: 'payments' },
                annotations('test-checkout-api'),
              ),
            ],
          },
          // 15 minutes after the last failure of each: quiet.
          { eval_time: '58m', alertname: 'ArgoSyncFailed', exp_alerts: [] },
        ],
      },
    ]);
    expect(output).toContain('SUCCESS');
  });

  it('alerts when Git has held a version for an hour that does not run, gated apps included (promtool test rules)', () => {
    const lag = rule('argocd', 'DeploymentLag');
    const app = (name: string, status: string, autosync: boolean) => ({
      series: `argocd_app_info{namespace="argocd",name="${name}",project="payments",sync_status="${status}",health_status="Healthy",autosync_enabled="${autosync}"}`,
      values: '1x90',
    });
    const output = testRules({ groups: [{ name: 'argocd', rules: [lag] }] }, [
      {
        interval: '1m',
        input_series: [
          app('prod-checkout-api', 'OutOfSync', false),
          app('dev-checkout-api', 'Synced', true),
        ],
        alert_rule_test: [
          { eval_time: '50m', alertname: 'DeploymentLag', exp_alerts: [] },
          {
            eval_time: '70m',
            alertname: 'DeploymentLag',
            exp_alerts: [
              firing(
                {
                  severity: 'warning',
                  name: 'prod-checkout-api',
                  project: 'payments',
                  autosync_enabled: 'false',
                },
                {
                  ...lag.annotations,
                  summary: 'Argo CD app prod-checkout-api has not run what Git holds for an hour',
                },
              ),
            ],
          },
        ],
      },
    ]);
    expect(output).toContain('SUCCESS');
  });

  it('alerts when the CPU limits of running pods exceed the allocatable CPU (promtool test rules)', () => {
    const overcommit = rule('capacity', 'ResourceOvercommit');
    const pod = (name: string, phase: string, limit: number) => [
      {
        series: `kube_pod_container_resource_limits{resource="cpu",namespace="a",pod="${name}",container="c",node="n1"}`,
        values: `${limit}x30`,
      },
      ...['Pending', 'Running', 'Succeeded', 'Failed'].map((candidate) => ({
        series: `kube_pod_status_phase{namespace="a",pod="${name}",phase="${candidate}"}`,
        values: `${candidate === phase ? 1 : 0}x30`,
      })),
    ];
    const allocatable = {
      series: 'kube_node_status_allocatable{resource="cpu",node="n1"}',
      values: '10x30',
    };
    const output = testRules({ groups: [{ name: 'capacity', rules: [overcommit] }] }, [
      {
        interval: '1m',
        // 8 of 10 by a running pod; a finished Job's 8 more hold nothing.
        input_series: [allocatable, ...pod('web', 'Running', 8), ...pod('job', 'Succeeded', 8)],
        alert_rule_test: [{ eval_time: '20m', alertname: 'ResourceOvercommit', exp_alerts: [] }],
      },
      {
        interval: '1m',
        // 8 + 4 of 10: the limits exceed what the node has.
        input_series: [allocatable, ...pod('web', 'Running', 8), ...pod('api', 'Pending', 4)],
        alert_rule_test: [
          {
            eval_time: '20m',
            alertname: 'ResourceOvercommit',
            exp_alerts: [firing({ severity: 'warning' }, { ...overcommit.annotations })],
          },
        ],
      },
    ]);
    expect(output).toContain('SUCCESS');
  });

  it('points each of the named alerts at its README runbook', () => {
    for (const alert of ['ArgoSyncFailed', 'DeploymentLag', 'ResourceOvercommit']) {
      const found = Object.values(ALERT_GROUPS)
        .flat()
        .find((candidate) => candidate.alert === alert)!;
      expect(found.annotations.runbook_url).toBe(`README.md#${alert.toLowerCase()}`);
    }
  });
});
