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
      'CephHealthError',
      'CephHealthWarning',
      'CertificateExpiresSoon',
      'CertificateNotReady',
      'ClusterCpuOvercommitted',
      'ClusterMemoryOvercommitted',
      'DeploymentRolloutLagging',
      'FluxReconciliationFailing',
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
});
