// Alertmanager routing (#15 point 5): every alert of the platform's rule set, for every
// environment, reaches the receiver of the environment it concerns, platform alerts the
// platform's receiver, Watchdog nobody; proven with amtool on the rendered configuration.
import type { MonitoringValues } from '../../constructs/config/monitoring';
import { AlertReceiver, type EnvironmentConfig } from '../../constructs/config/types';
import { CLUSTER_OUTAGE_ALERTS, alertmanagerConfig } from '../../constructs/platform/alert-routing';
import { ALERT_GROUPS } from '../../constructs/platform/monitoring-alerts';
import { dev } from '../../environments/dev';
import { prod } from '../../environments/prod';
import { test as testEnv } from '../../environments/test';
import { amtool, routeOf } from '../support/amtool';
import { releaseValues } from '../support/platform';

// Each environment with a receiver of its own (the reference shares one between dev and test),
// so a route to the wrong environment shows.
const environments: EnvironmentConfig[] = [
  { ...dev, alertReceiver: AlertReceiver.slack({ channel: '#dev', secretName: 'alerts-dev' }) },
  { ...testEnv, alertReceiver: AlertReceiver.webhook({ secretName: 'alerts-test' }) },
  { ...prod, alertReceiver: AlertReceiver.lark({ secretName: 'alerts-prod' }) },
];
const platform = AlertReceiver.slack({ channel: '#platform', secretName: 'alerts-platform' });
const config = alertmanagerConfig(environments, platform);

/** The labels an alert carries when it is about an app of the environment. */
function appAlertLabels(group: string, alert: string, environment: EnvironmentConfig) {
  const app = `${environment.name}-checkout-api`;
  return group === 'argocd'
    ? { alertname: alert, namespace: 'argocd', name: app, severity: 'warning' }
    : { alertname: alert, namespace: app, name: 'checkout-api', severity: 'critical' };
}

describe('Alertmanager routes', () => {
  const appGroups = ['argocd', 'delivery'];
  const appAlerts = Object.entries(ALERT_GROUPS)
    .filter(([group]) => appGroups.includes(group))
    .flatMap(([group, rules]) => rules.map(({ alert }) => ({ group, alert })));
  const platformAlerts = Object.entries(ALERT_GROUPS)
    .filter(([group]) => !appGroups.includes(group))
    .flatMap(([, rules]) => rules.map(({ alert }) => alert));

  it.each(environments.map((environment) => [environment.name, environment] as const))(
    "%s: every app alert (ours and the chart's) goes to the environment's receiver",
    (_name, environment) => {
      expect(appAlerts.length).toBeGreaterThan(4);
      for (const { group, alert } of appAlerts) {
        expect([alert, routeOf(config, appAlertLabels(group, alert, environment))]).toEqual([
          alert,
          environment.alertReceiver.secretName,
        ]);
      }
      // kube-prometheus-stack's own rules about the app's pods route by namespace too.
      expect(
        routeOf(config, {
          alertname: 'KubePodCrashLooping',
          namespace: `${environment.name}-checkout-api`,
          severity: 'warning',
        }),
      ).toBe(environment.alertReceiver.secretName);
    },
  );

  it("sends platform alerts to the platform's receiver and Watchdog to nobody", () => {
    expect(platformAlerts).toEqual(
      expect.arrayContaining(['CephHealthError', 'ResourceOvercommit']),
    );
    for (const alert of platformAlerts) {
      expect([alert, routeOf(config, { alertname: alert, namespace: 'rook-ceph' })]).toEqual([
        alert,
        'alerts-platform',
      ]);
    }
    expect(routeOf(config, { alertname: 'KubeNodeNotReady', node: 'dev-worker-1' })).toBe(
      'alerts-platform',
    );
    expect(routeOf(config, { alertname: 'Watchdog', severity: 'none' })).toBe('null');
    // Argo CD's own pods are the platform's, not an environment's.
    expect(routeOf(config, { alertname: 'KubePodCrashLooping', namespace: 'argocd' })).toBe(
      'alerts-platform',
    );
  });

  it('groups, repeats and inhibits: one page for a cluster-wide outage, not one per app', () => {
    expect(config.route).toMatchObject({
      group_by: ['alertname', 'namespace'],
      group_wait: '30s',
      group_interval: '5m',
      repeat_interval: '4h',
    });
    expect(config.inhibit_rules).toContainEqual({
      source_matchers: [`alertname=~"${CLUSTER_OUTAGE_ALERTS.join('|')}"`],
      target_matchers: ['namespace=~"dev-.+|test-.+|prod-.+"'],
    });
    expect(config.inhibit_rules[0]).toEqual({
      source_matchers: ['severity="critical"'],
      target_matchers: ['severity=~"warning|info"'],
      equal: ['alertname', 'namespace'],
    });
  });

  it('posts Slack natively, a Feishu bot its own message, a generic receiver the standard JSON', () => {
    const receiver = (name: string) => config.receivers.find((r) => r.name === name)!;
    expect(receiver('alerts-dev').slack_configs?.[0]).toMatchObject({
      api_url_file: '/etc/alertmanager/secrets/alertmanager-receivers/alerts-dev-url',
      channel: '#dev',
      send_resolved: true,
    });
    expect(receiver('alerts-prod').webhook_configs?.[0]).toEqual({
      url_file: '/etc/alertmanager/secrets/alertmanager-receivers/alerts-prod-url',
      send_resolved: true,
      payload: {
        msg_type: 'text',
        content:
          '{{ dict "text" (printf "[%s] %s %s: %s %s" (.Status | toUpper) .GroupLabels.alertname .GroupLabels.namespace .CommonAnnotations.summary .ExternalURL) | toJson }}',
      },
    });
    expect(receiver('alerts-test').webhook_configs?.[0]).toEqual({
      url_file: '/etc/alertmanager/secrets/alertmanager-receivers/alerts-test-url',
      send_resolved: true,
    });
    expect(receiver('null')).toEqual({ name: 'null' });
  });
});

describe('the rendered Alertmanager configuration', () => {
  it.each([
    ['dev', 'alerts-slack'],
    ['prod', 'alerts-feishu'],
  ])('%s: passes amtool check-config and routes to its receivers', (cluster, receiver) => {
    const values = releaseValues<MonitoringValues>(cluster, 'kube-prometheus-stack');
    const rendered = values.alertmanager.config!;
    expect(values.alertmanager.alertmanagerSpec.secrets).toEqual(['alertmanager-receivers']);
    expect(amtool(['check-config', 'alertmanager.yml'], rendered)).toContain('SUCCESS');
    expect(rendered.route.receiver).toBe(receiver);
    expect(
      routeOf(rendered, { alertname: 'RolloutDegraded', namespace: `${cluster}-checkout-api` }),
    ).toBe(receiver);
  });
});
