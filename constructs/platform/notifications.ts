// Delivery notifications: Argo CD tells each environment's receiver when a sync of an app fails,
// an app degrades, or a new version runs; Argo Rollouts when a rollout is aborted or completes.
// One webhook service per receiver Secret (both speak the notifications engine), and a message
// in the receiver's own format (Slack's incoming webhook, a Feishu/Lark bot, generic JSON), so
// Feishu needs no bridge: the notifications engine's webhook service posts any body we template.
import { stringify } from 'yaml';
import type { AlertReceiver, EnvironmentConfig } from '../config/types';
import { ENVIRONMENT_LABEL, STANDARD_LABELS } from '../contract/labels';
import { compareStrings } from '../order';

/** The Secret of Argo CD's notification services (the receivers' webhook URLs). */
export const ARGOCD_NOTIFICATIONS_SECRET = 'argocd-notifications-secret';
/** The Secret of Argo Rollouts' notification services (its controller reads this name only). */
export const ROLLOUTS_NOTIFICATIONS_SECRET = 'argo-rollouts-notification-secret';
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
  /**
   * When it fires (an expression on the Application); none for Argo Rollouts' triggers, which
   * fire on the controller's event of the same name (RolloutAborted: `on-rollout-aborted`).
   */
  readonly when?: string;
  /** Fire once per value of this field (once per revision), not on every change. */
  readonly oncePer?: string;
  /** What happened, for people. */
  readonly headline: string;
  /** The trigger's description. */
  readonly description: string;
}

/** The events each environment's receiver hears of, per Application. */
export const ARGOCD_EVENTS: readonly DeliveryEvent[] = [
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

/** The events each environment's receiver hears of, per Rollout. */
export const ROLLOUT_EVENTS: readonly DeliveryEvent[] = [
  {
    trigger: 'on-rollout-aborted',
    template: 'rollout-aborted',
    headline: 'rollout aborted, traffic back on the stable version',
    description: 'The rollout was aborted (a failed analysis or a person)',
  },
  {
    trigger: 'on-rollout-completed',
    template: 'rollout-completed',
    headline: 'rollout completed',
    description: 'The new version serves all traffic',
  },
];

// Long Go templates stay on one line: folded, they are harder to read in a diff.
const YAML_OPTIONS = { lineWidth: 0 } as const;

/** What a message says and where each part is read from (Go template fragments). */
export interface MessageFields {
  /** The app's name. */
  readonly app: string;
  /** The environment's name. */
  readonly environment: string;
  /** The version: the images running or rolling out. */
  readonly version: string;
  /** The object's name (the Application, or the Rollout). */
  readonly object: string;
  /** A link to the app in Argo CD; empty when there is none. */
  readonly link: string;
}

/**
 * The version of an Application: the images it runs, as Argo CD summarises its live state. Not
 * an annotation of ours: a version bump would then change the Application too, a second change
 * in every review of a bump.
 */
export const APP_IMAGES =
  '{{range $i, $image := .app.status.summary.images}}{{if $i}} {{end}}{{$image}}{{end}}';

/** An Application's message fields. */
export const APPLICATION_FIELDS: MessageFields = {
  app: `{{index .app.metadata.annotations "${APP_ANNOTATION}"}}`,
  environment: `{{index .app.metadata.labels "${ENVIRONMENT_LABEL}"}}`,
  version: APP_IMAGES,
  object: '{{.app.metadata.name}}',
  link: '{{.context.argocdUrl}}/applications/argocd/{{.app.metadata.name}}',
};

/** The images of a Rollout's new version. */
export const ROLLOUT_IMAGES =
  '{{range $i, $c := .rollout.spec.template.spec.containers}}{{if $i}} {{end}}{{$c.image}}{{end}}';

/**
 * A Rollout's message fields; the link is its Argo CD Application's page (`<env>-<app>`) when
 * Argo CD runs on the cluster (`argocdUrl`).
 */
export function rolloutFields(argocdUrl: string | undefined): MessageFields {
  const app = `{{index .rollout.metadata.labels "${STANDARD_LABELS.name}"}}`;
  const environment = `{{index .rollout.metadata.labels "${ENVIRONMENT_LABEL}"}}`;
  return {
    app,
    environment,
    version: ROLLOUT_IMAGES,
    object: '{{.rollout.metadata.namespace}}/{{.rollout.metadata.name}}',
    link: argocdUrl === undefined ? '' : `${argocdUrl}/applications/argocd/${environment}-${app}`,
  };
}

/** The JSON body a receiver of the given type takes for an event. */
export function notificationBody(
  type: AlertReceiver['type'],
  event: DeliveryEvent,
  fields: MessageFields = APPLICATION_FIELDS,
): string {
  const link = fields.link === '' ? '' : ` ${fields.link}`;
  const text = `[${fields.environment}] ${fields.app} ${fields.version}: ${event.headline}.${link}`;
  switch (type) {
    case 'slack':
      return `{"text": "${text}"}`;
    case 'lark':
      // A Feishu/Lark custom bot takes only its own message format.
      return `{"msg_type": "text", "content": {"text": "${text}"}}`;
    case 'generic':
      return `{"event": "${event.trigger}", "app": "${fields.app}", "environment": "${fields.environment}", "version": "${fields.version}", "object": "${fields.object}", "url": "${fields.link}"}`;
  }
}

/** Receivers, one per Secret, sorted by name. */
export function distinctReceivers(list: readonly AlertReceiver[]): AlertReceiver[] {
  const receivers = new Map<string, AlertReceiver>();
  for (const receiver of list) receivers.set(receiver.secretName, receiver);
  return [...receivers.values()].sort((a, b) => compareStrings(a.secretName, b.secretName));
}

/** The receivers of a cluster's environments, one per Secret, sorted by name. */
export function clusterReceivers(environments: readonly EnvironmentConfig[]): AlertReceiver[] {
  return distinctReceivers(environments.map(({ alertReceiver }) => alertReceiver));
}

/** The `notifications` chart values of argo-cd and argo-rollouts (same engine, same keys). */
export interface NotificationValues {
  /** The Secret comes from git (SOPS), not from the chart. */
  readonly secret: { readonly create: false };
  /** `service.webhook.<receiver>`: each receiver's URL (from the Secret) and JSON header. */
  readonly notifiers: Readonly<Record<string, string>>;
  /** `template.<name>`: each event's body for each receiver. */
  readonly templates: Readonly<Record<string, string>>;
  /** `trigger.<name>`: when each event fires. */
  readonly triggers: Readonly<Record<string, string>>;
}

/** The notification values for these receivers, events and message fields. */
export function notificationValues(
  receivers: readonly AlertReceiver[],
  events: readonly DeliveryEvent[],
  fields: MessageFields,
): NotificationValues {
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
  for (const event of events) {
    const webhook: Record<string, { method: string; body: string }> = {};
    for (const receiver of receivers) {
      webhook[notificationService(receiver)] = {
        method: 'POST',
        body: notificationBody(receiver.type, event, fields),
      };
    }
    templates[`template.${event.template}`] = stringify({ webhook }, YAML_OPTIONS);
    triggers[`trigger.${event.trigger}`] = stringify(
      [
        {
          description: event.description,
          send: [event.template],
          ...(event.when ? { when: event.when } : {}),
          ...(event.oncePer ? { oncePer: event.oncePer } : {}),
        },
      ],
      YAML_OPTIONS,
    );
  }
  return { secret: { create: false }, notifiers, templates, triggers };
}

/** Argo CD's notification values for these receivers. */
export function argocdNotificationValues(receivers: readonly AlertReceiver[]): NotificationValues {
  return notificationValues(receivers, ARGOCD_EVENTS, APPLICATION_FIELDS);
}

/** The annotations subscribing an object to every one of the events, at a receiver. */
export function subscriptionAnnotations(
  receiver: AlertReceiver,
  events: readonly DeliveryEvent[] = ARGOCD_EVENTS,
): Record<string, string> {
  return Object.fromEntries(
    events.map((event) => [
      `notifications.argoproj.io/subscribe.${event.trigger}.${notificationService(receiver)}`,
      '',
    ]),
  );
}
