// Delivery notifications: Argo CD tells each environment's receiver when a sync of an app fails,
// an app degrades, or a new version runs. One webhook service per receiver Secret, and a message
// in the receiver's own format (Slack's incoming webhook, a Feishu/Lark bot, generic JSON), so
// Feishu needs no bridge: the notifications engine's webhook service posts any body we template.
import { stringify } from 'yaml';
import type { AlertReceiver, EnvironmentConfig } from '../config/types';
import { compareStrings } from '../order';

/** The Secret of Argo CD's notification services (the receivers' webhook URLs). */
export const ARGOCD_NOTIFICATIONS_SECRET = 'argocd-notifications-secret';
/** Annotation on an Application: the app it deploys. */
export const APP_ANNOTATION = 'nextgen.dev/app';

/** The notification service of a receiver: named after its Secret. */
export function notificationService(receiver: AlertReceiver): string {
  return receiver.secretName;
}

/** The key of argocd-notifications-secret holding a receiver's webhook URL. */
export function notificationUrlKey(receiver: AlertReceiver): string {
  return `${receiver.secretName}-url`;
}

/** One delivery event: its trigger, its template and what the message says. */
export interface DeliveryEvent {
  /** Trigger name (`on-sync-failed`), as subscriptions name it. */
  readonly trigger: string;
  /** Template name. */
  readonly template: string;
  /** When it fires (an expression on the Application). */
  readonly when: string;
  /** Fire once per value of this field (once per revision), not on every change. */
  readonly oncePer?: string;
  /** What happened, for people. */
  readonly headline: string;
  /** The trigger's description. */
  readonly description: string;
}

/** The events each environment's receiver hears of, per Application. */
export const DELIVERY_EVENTS: readonly DeliveryEvent[] = [
  {
    trigger: 'on-sync-failed',
    template: 'app-sync-failed',
    when: "app.status.operationState != nil and app.status.operationState.phase in ['Error', 'Failed']",
    oncePer: 'app.status.operationState.syncResult.revision',
    headline: 'sync failed',
    description: 'A sync of the app ended in Error or Failed',
  },
  {
    trigger: 'on-health-degraded',
    template: 'app-health-degraded',
    when: "app.status.health.status == 'Degraded'",
    headline: 'degraded',
    description: 'The app is Degraded',
  },
  {
    trigger: 'on-deployed',
    template: 'app-deployed',
    when: "app.status.operationState != nil and app.status.operationState.phase in ['Succeeded'] and app.status.health.status == 'Healthy'",
    oncePer: 'app.status.sync.revision',
    headline: 'deployed',
    description: 'A new revision of the app is synced and Healthy (once per revision)',
  },
];

// Long Go templates stay on one line: folded, they are harder to read in a diff.
const YAML_OPTIONS = { lineWidth: 0 } as const;

// Go template fragments of the message, read from the Application.
const APP = `{{index .app.metadata.annotations "${APP_ANNOTATION}"}}`;
const ENVIRONMENT = '{{index .app.metadata.labels "nextgen.dev/environment"}}';
/**
 * The version: the images the app runs, as Argo CD summarises its live state. Not an annotation
 * of ours: a version bump would then change the Application too, a second change in every
 * review of a bump.
 */
export const APP_IMAGES =
  '{{range $i, $image := .app.status.summary.images}}{{if $i}} {{end}}{{$image}}{{end}}';
const VERSION = APP_IMAGES;
const LINK = '{{.context.argocdUrl}}/applications/argocd/{{.app.metadata.name}}';

/** The JSON body a receiver of the given type takes for an event. */
export function notificationBody(type: AlertReceiver['type'], event: DeliveryEvent): string {
  const text = `[${ENVIRONMENT}] ${APP} ${VERSION}: ${event.headline}. ${LINK}`;
  switch (type) {
    case 'slack':
      return `{"text": "${text}"}`;
    case 'lark':
      // A Feishu/Lark custom bot takes only its own message format.
      return `{"msg_type": "text", "content": {"text": "${text}"}}`;
    case 'generic':
      return `{"event": "${event.trigger}", "app": "${APP}", "environment": "${ENVIRONMENT}", "version": "${VERSION}", "application": "{{.app.metadata.name}}", "url": "${LINK}"}`;
  }
}

/** The receivers of a cluster's environments, one per Secret, sorted by name. */
export function clusterReceivers(environments: readonly EnvironmentConfig[]): AlertReceiver[] {
  const receivers = new Map<string, AlertReceiver>();
  for (const { alertReceiver } of environments) {
    receivers.set(alertReceiver.secretName, alertReceiver);
  }
  return [...receivers.values()].sort((a, b) => compareStrings(a.secretName, b.secretName));
}

/** Argo CD's notification settings: the chart's `notifications` values. */
export interface ArgoCdNotificationValues {
  /** The Secret comes from git (SOPS), not from the chart. */
  readonly secret: { readonly create: false };
  /** `service.webhook.<receiver>`: each receiver's URL (from the Secret) and JSON header. */
  readonly notifiers: Readonly<Record<string, string>>;
  /** `template.<name>`: each event's body for each receiver. */
  readonly templates: Readonly<Record<string, string>>;
  /** `trigger.<name>`: when each event fires. */
  readonly triggers: Readonly<Record<string, string>>;
}

/** The notification values of a cluster whose environments have these receivers. */
export function argocdNotificationValues(
  receivers: readonly AlertReceiver[],
): ArgoCdNotificationValues {
  const notifiers: Record<string, string> = {};
  for (const receiver of receivers) {
    notifiers[`service.webhook.${notificationService(receiver)}`] = stringify(
      {
        url: `$${notificationUrlKey(receiver)}`,
        headers: [{ name: 'Content-Type', value: 'application/json' }],
      },
      YAML_OPTIONS,
    );
  }
  const templates: Record<string, string> = {};
  const triggers: Record<string, string> = {};
  for (const event of DELIVERY_EVENTS) {
    const webhook: Record<string, { method: string; body: string }> = {};
    for (const receiver of receivers) {
      webhook[notificationService(receiver)] = {
        method: 'POST',
        body: notificationBody(receiver.type, event),
      };
    }
    templates[`template.${event.template}`] = stringify({ webhook }, YAML_OPTIONS);
    triggers[`trigger.${event.trigger}`] = stringify(
      [
        {
          description: event.description,
          send: [event.template],
          when: event.when,
          ...(event.oncePer ? { oncePer: event.oncePer } : {}),
        },
      ],
      YAML_OPTIONS,
    );
  }
  return { secret: { create: false }, notifiers, templates, triggers };
}

/** The annotations subscribing an Application to every event, at its environment's receiver. */
export function subscriptionAnnotations(receiver: AlertReceiver): Record<string, string> {
  return Object.fromEntries(
    DELIVERY_EVENTS.map((event) => [
      `notifications.argoproj.io/subscribe.${event.trigger}.${notificationService(receiver)}`,
      '',
    ]),
  );
}
