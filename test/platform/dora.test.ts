// The DORA recording rules (#15 points 2 and 3, for deployment frequency and change failure
// rate), proven with promtool on a small history: five deployments and one aborted rollout of
// checkout-api in prod in the last day, and storefront's counter starting after a controller
// restart.
import { doraRecordingRules } from '../../constructs/platform/dora';
import { testRules } from '../support/promtool';

const events = (namespace: string, name: string, reason: string, values: string) => ({
  series: `rollout_events_total{namespace="argo-rollouts",exported_namespace="${namespace}",name="${name}",reason="${reason}",type="Normal",job="argo-rollouts-metrics"}`,
  values,
});
const namespaceLabels = (namespace: string, environment: string, team: string) => ({
  series: `kube_namespace_labels{namespace="${namespace}",label_nextgen_dev_environment="${environment}",label_nextgen_dev_team="${team}",job="kube-state-metrics"}`,
  values: '1x45',
});
const rules = { groups: [{ name: 'platform.dora', rules: doraRecordingRules() }] };

describe('DORA recording rules', () => {
  it('count deployments and failed changes exactly, and derive the rate and frequency', () => {
    const output = testRules(rules, [
      {
        interval: '1h',
        input_series: [
          namespaceLabels('prod-checkout-api', 'prod', 'payments'),
          namespaceLabels('prod-storefront', 'prod', 'web'),
          // Deployments at 10 h to 14 h, none before or after.
          events('prod-checkout-api', 'checkout-api', 'RolloutCompleted', '0x9 1 2 3 4 5x26'),
          // One rollout aborted at 12 h.
          events('prod-checkout-api', 'checkout-api', 'RolloutAborted', '0x11 1x29'),
          // The controller restarted at 20 h; storefront completed two rollouts since.
          events('prod-storefront', 'storefront', 'RolloutCompleted', '_x19 2x21'),
        ],
        promql_expr_test: [
          {
            eval_time: '30h',
            expr: 'team_environment_app:dora_deployments:count1d',
            exp_samples: [
              {
                labels: `team_environment_app:dora_deployments:count1d{team="payments",environment="prod",app="checkout-api"}`,
                value: 5,
              },
              {
                labels: `team_environment_app:dora_deployments:count1d{team="web",environment="prod",app="storefront"}`,
                value: 2,
              },
            ],
          },
          {
            eval_time: '30h',
            expr: 'team_environment_app:dora_failed_deployments:count1d',
            exp_samples: [
              {
                labels: `team_environment_app:dora_failed_deployments:count1d{team="payments",environment="prod",app="checkout-api"}`,
                value: 1,
              },
            ],
          },
          {
            eval_time: '30h',
            expr: 'team_environment_app:dora_change_failure_rate:ratio1d',
            exp_samples: [
              // 1 aborted of 6 changes; storefront had none.
              {
                labels: `team_environment_app:dora_change_failure_rate:ratio1d{team="payments",environment="prod",app="checkout-api"}`,
                value: 1 / 6,
              },
              {
                labels: `team_environment_app:dora_change_failure_rate:ratio1d{team="web",environment="prod",app="storefront"}`,
                value: 0,
              },
            ],
          },
          {
            eval_time: '30h',
            expr: 'team_environment_app:dora_deployment_frequency:per_day7d{app="checkout-api"}',
            exp_samples: [
              {
                labels: `team_environment_app:dora_deployment_frequency:per_day7d{team="payments",environment="prod",app="checkout-api"}`,
                value: 5 / 7,
              },
            ],
          },
          // A day after the last deployment, the 1 d window holds none.
          {
            eval_time: '39h',
            expr: 'team_environment_app:dora_deployments:count1d{app="checkout-api"}',
            exp_samples: [
              {
                labels: `team_environment_app:dora_deployments:count1d{team="payments",environment="prod",app="checkout-api"}`,
                value: 0,
              },
            ],
          },
        ],
      },
    ]);
    expect(output).toContain('SUCCESS');
  });
});
