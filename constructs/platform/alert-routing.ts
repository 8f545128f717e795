// Where Alertmanager sends each alert: to the receiver of the environment it concerns (its app
// namespaces, or its Argo CD Applications), everything else to the platform's receiver, with
// grouping, inhibition and repeat intervals. Slack is native; a Feishu/Lark bot and a generic
// receiver get a webhook, Feishu's with a templated payload (Alertmanager >= 0.32's `payload`,
// kube-prometheus-stack 88 runs 0.33.1), so no bridge is needed.
import { namespacePrefix } from '../config/rules';
import type { AlertReceiver, EnvironmentConfig } from '../config/types';
import type { AlertmanagerConfig, AlertmanagerReceiver } from '../config/monitoring';
import { ALERT_GROUPS } from './monitoring-alerts';
import { distinctReceivers, notificationUrlKey } from './notifications';

/** The Secret holding each receiver's webhook URL, mounted into Alertmanager. */
export const ALERTMANAGER_RECEIVERS_SECRET = 'alertmanager-receivers';
/** Where the operator mounts the Secrets listed in `alertmanagerSpec.secrets`. */
const SECRETS_DIR = '/etc/alertmanager/secrets';
/** The receiver that drops what nobody needs to read (Watchdog, InfoInhibitor). */
export const NULL_RECEIVER = 'null';
/**
 * Alerts that mean the whole cluster is in trouble: while one fires, alerts of the apps'
 * namespaces are held back (one page, not one per app).
 */
export const CLUSTER_OUTAGE_ALERTS = ['KubeAPIDown', 'CephHealthError'] as const;

/**
 * The receiver of platform alerts (everything not about an environment's apps): the cluster's
 * `platform.monitoring.alertReceiver`, else its first environment's; none without environments.
 */
export function platformReceiver(
  configured: AlertReceiver | undefined,
  environments: readonly EnvironmentConfig[],
): AlertReceiver | undefined {
  return configured ?? environments[0]?.alertReceiver;
}

/** Every receiver Alertmanager sends to on a cluster: the environments' and the platform's. */
export function alertmanagerReceivers(
  configured: AlertReceiver | undefined,
  environments: readonly EnvironmentConfig[],
): AlertReceiver[] {
  const platform = platformReceiver(configured, environments);
  return distinctReceivers([
    ...environments.map(({ alertReceiver }) => alertReceiver),
    ...(platform ? [platform] : []),
  ]);
}

/** The Alertmanager receiver of an alert receiver: named after its Secret. */
export function receiverName(receiver: AlertReceiver): string {
  return receiver.secretName;
}

const urlFile = (receiver: AlertReceiver): string =>
  `${SECRETS_DIR}/${ALERTMANAGER_RECEIVERS_SECRET}/${notificationUrlKey(receiver)}`;

// One line per notification: status, alert, namespace, summary and where to look.
const TEXT =
  '(printf "[%s] %s %s: %s %s" (.Status | toUpper) .GroupLabels.alertname .GroupLabels.namespace .CommonAnnotations.summary .ExternalURL)';

function receiverConfig(receiver: AlertReceiver): AlertmanagerReceiver {
  const name = receiverName(receiver);
  switch (receiver.type) {
    case 'slack':
      return {
        name,
        slack_configs: [
          {
            api_url_file: urlFile(receiver),
            channel: receiver.channel,
            send_resolved: true,
            title:
              '[{{ .Status | toUpper }}] {{ .GroupLabels.alertname }} {{ .GroupLabels.namespace }}',
            text: '{{ range .Alerts }}{{ .Annotations.summary }}\n{{ end }}',
          },
        ],
      };
    case 'lark':
      // The bot takes only its own format. A templated string that parses as YAML becomes an
      // object, so the content is JSON from toJson (the summary's quotes and colons escaped).
      return {
        name,
        webhook_configs: [
          {
            url_file: urlFile(receiver),
            send_resolved: true,
            payload: { msg_type: 'text', content: `{{ dict "text" ${TEXT} | toJson }}` },
          },
        ],
      };
    case 'generic':
      return { name, webhook_configs: [{ url_file: urlFile(receiver), send_resolved: true }] };
  }
}

/** The Argo CD alerts, whose `name` label is the Application's (`<environment>-<app>`). */
const ARGOCD_ALERTS = ALERT_GROUPS.argocd.map(({ alert }) => alert);

/**
 * The Alertmanager configuration of a cluster: each environment's app namespaces and Argo CD
 * Applications to its receiver, the rest to the platform's, Watchdog to nobody.
 */
export function alertmanagerConfig(
  environments: readonly EnvironmentConfig[],
  platform: AlertReceiver,
): AlertmanagerConfig {
  const receivers = distinctReceivers([
    ...environments.map(({ alertReceiver }) => alertReceiver),
    platform,
  ]);
  const appNamespaces = environments.map((environment) => `${namespacePrefix(environment)}-.+`);
  return {
    global: { resolve_timeout: '5m' },
    route: {
      receiver: receiverName(platform),
      group_by: ['alertname', 'namespace'],
      group_wait: '30s',
      group_interval: '5m',
      repeat_interval: '4h',
      routes: [
        { receiver: NULL_RECEIVER, matchers: ['alertname=~"Watchdog|InfoInhibitor"'] },
        ...environments.flatMap((environment) => [
          {
            receiver: receiverName(environment.alertReceiver),
            matchers: [`namespace=~"${namespacePrefix(environment)}-.+"`],
          },
          {
            receiver: receiverName(environment.alertReceiver),
            matchers: [`alertname=~"${ARGOCD_ALERTS.join('|')}"`, `name=~"${environment.name}-.+"`],
          },
        ]),
      ],
    },
    inhibit_rules: [
      // A critical alert holds back the warning (and info) of the same alert and namespace, a
      // warning the info; InfoInhibitor (kube-prometheus-stack's) the infos of its namespace.
      {
        source_matchers: ['severity="critical"'],
        target_matchers: ['severity=~"warning|info"'],
        equal: ['alertname', 'namespace'],
      },
      {
        source_matchers: ['severity="warning"'],
        target_matchers: ['severity="info"'],
        equal: ['alertname', 'namespace'],
      },
      {
        source_matchers: ['alertname="InfoInhibitor"'],
        target_matchers: ['severity="info"'],
        equal: ['namespace'],
      },
      ...(appNamespaces.length > 0
        ? [
            {
              source_matchers: [`alertname=~"${CLUSTER_OUTAGE_ALERTS.join('|')}"`],
              target_matchers: [`namespace=~"${appNamespaces.join('|')}"`],
            },
          ]
        : []),
    ],
    receivers: [{ name: NULL_RECEIVER }, ...receivers.map(receiverConfig)],
  };
}
