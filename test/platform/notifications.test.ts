// Delivery notifications (#15 point 6): Argo CD sends each environment's receiver a message in
// its own format when a sync fails, an app degrades or a new version runs. The templates are
// evaluated here against the rendered Applications, so a template reading an annotation the
// Applications lack, or a body that is not JSON, fails.
import { parse } from 'yaml';
import type { ArgoCdValues } from '../../constructs/config/argocd';
import { AlertReceiver } from '../../constructs/config/types';
import {
  APP_IMAGES,
  ARGOCD_EVENTS,
  ROLLOUT_EVENTS,
  ROLLOUT_IMAGES,
  argocdNotificationValues,
  notificationBody,
} from '../../constructs/platform/notifications';
import { objectsUnder, releaseValues } from '../support/platform';
import type { RenderedObject } from '../support/tree';

type Application = RenderedObject & {
  metadata: RenderedObject['metadata'] & { annotations: Record<string, string> };
};

const SUBSCRIBE = 'notifications.argoproj.io/subscribe.';

const applications = (cluster: string) =>
  objectsUnder(`argocd/${cluster}/`, 'Application') as Application[];

/** What Argo CD reports of the live app: the images it runs. */
const IMAGES = ['registry.example.com/payments/checkout-api:1.7.3'];

/** Evaluates a Rollout template's Go actions against a rendered Rollout. */
function evaluateRollout(body: string, rollout: RenderedObject): string {
  const containers = (rollout.spec as { template: { spec: { containers: { image: string }[] } } })
    .template.spec.containers;
  return body
    .split(ROLLOUT_IMAGES)
    .join(containers.map(({ image }) => image).join(' '))
    .replace(/\{\{([^}]*)\}\}/g, (_, action: string) => {
      const text = action.trim();
      const label = /^index \.rollout\.metadata\.labels "([^"]+)"$/.exec(text);
      if (label) {
        const value = rollout.metadata.labels?.[label[1]];
        if (value === undefined)
          throw new Error(`${rollout.metadata.name} has no label ${label[1]}`);
        return value;
      }
      if (text === '.rollout.metadata.name') return rollout.metadata.name;
      if (text === '.rollout.metadata.namespace') return rollout.metadata.namespace ?? '';
      throw new Error(`unexpected template action {{${text}}}`);
    });
}

/** Evaluates the Go template actions our bodies use, as the notifications engine would. */
function evaluate(body: string, app: Application, argocdUrl: string): string {
  return body
    .split(APP_IMAGES)
    .join(IMAGES.join(' '))
    .replace(/\{\{([^}]*)\}\}/g, (_, action: string) => {
      const text = action.trim();
      const index = /^index \.app\.metadata\.(labels|annotations) "([^"]+)"$/.exec(text);
      if (index) {
        const map = index[1] === 'labels' ? app.metadata.labels : app.metadata.annotations;
        const value = map?.[index[2]];
        if (value === undefined)
          throw new Error(`${app.metadata.name} has no ${index[1]} ${index[2]}`);
        return value;
      }
      if (text === '.app.metadata.name') return app.metadata.name;
      if (text === '.context.argocdUrl') return argocdUrl;
      throw new Error(`unexpected template action {{${text}}}`);
    });
}

describe('Argo CD delivery notifications', () => {
  it.each([
    ['dev', ['alerts-slack']],
    ['prod', ['alerts-feishu']],
  ])(
    '%s: one webhook service per receiver Secret, its URL from the notifications Secret',
    (cluster, services) => {
      const { notifications } = releaseValues<ArgoCdValues>(cluster, 'argocd');
      expect(notifications.secret).toEqual({ create: false });
      expect(Object.keys(notifications.notifiers)).toEqual(
        services.map((service) => `service.webhook.${service}`),
      );
      for (const service of services) {
        expect(parse(notifications.notifiers[`service.webhook.${service}`])).toEqual({
          url: `$${service}-url`,
          headers: [{ name: 'Content-Type', value: 'application/json' }],
        });
      }
      expect(Object.keys(notifications.triggers).sort()).toEqual([
        'trigger.on-deployed',
        'trigger.on-health-degraded',
        'trigger.on-sync-failed',
      ]);
    },
  );

  it("prod: a Feishu bot message naming app, environment, version (the images it runs) and the app's page", () => {
    const values = releaseValues<ArgoCdValues>('prod', 'argocd');
    const template = parse(values.notifications.templates['template.app-deployed']) as {
      webhook: Record<string, { method: string; body: string }>;
    };
    const app = applications('prod').find(({ metadata }) => metadata.name === 'prod-checkout-api')!;
    const body = evaluate(
      template.webhook['alerts-feishu'].body,
      app,
      `https://${values.global.domain}`,
    );
    expect(template.webhook['alerts-feishu'].method).toBe('POST');
    expect(JSON.parse(body)).toEqual({
      msg_type: 'text',
      content: {
        text: '[prod] checkout-api registry.example.com/payments/checkout-api:1.7.3: deployed. https://argocd.prod.platform.example.com/applications/argocd/prod-checkout-api',
      },
    });
  });

  it.each(['dev', 'prod'])(
    '%s: every Application subscribes to every event at its environment receiver, and every body evaluates to JSON',
    (cluster) => {
      const values = releaseValues<ArgoCdValues>(cluster, 'argocd');
      const apps = applications(cluster);
      expect(apps.length).toBeGreaterThan(0);
      for (const app of apps) {
        const subscriptions = Object.keys(app.metadata.annotations)
          .filter((key) => key.startsWith(SUBSCRIBE))
          .map((key) => key.slice(SUBSCRIBE.length).split('.'));
        expect(subscriptions.map(([trigger]) => trigger).sort()).toEqual(
          ARGOCD_EVENTS.map(({ trigger }) => trigger).sort(),
        );
        for (const [trigger, service] of subscriptions) {
          expect(values.notifications.triggers[`trigger.${trigger}`]).toBeDefined();
          expect(values.notifications.notifiers[`service.webhook.${service}`]).toBeDefined();
          const event = ARGOCD_EVENTS.find((candidate) => candidate.trigger === trigger)!;
          const template = parse(values.notifications.templates[`template.${event.template}`]) as {
            webhook: Record<string, { body: string }>;
          };
          expect(() =>
            JSON.parse(evaluate(template.webhook[service].body, app, 'https://argocd.example')),
          ).not.toThrow();
        }
      }
    },
  );

  it('sends Slack its incoming-webhook text and a generic receiver plain JSON', () => {
    const app = {
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'Application',
      metadata: {
        name: 'dev-checkout-api',
        labels: { 'nextgen.dev/environment': 'dev' },
        annotations: { 'nextgen.dev/app': 'checkout-api' },
      },
    } as Application;
    const failed = ARGOCD_EVENTS.find(({ trigger }) => trigger === 'on-sync-failed')!;
    expect(
      JSON.parse(evaluate(notificationBody('slack', failed), app, 'https://argocd.x')),
    ).toEqual({
      text: '[dev] checkout-api registry.example.com/payments/checkout-api:1.7.3: sync failed. https://argocd.x/applications/argocd/dev-checkout-api',
    });
    expect(
      JSON.parse(evaluate(notificationBody('generic', failed), app, 'https://argocd.x')),
    ).toEqual({
      event: 'on-sync-failed',
      app: 'checkout-api',
      environment: 'dev',
      version: 'registry.example.com/payments/checkout-api:1.7.3',
      object: 'dev-checkout-api',
      url: 'https://argocd.x/applications/argocd/dev-checkout-api',
    });
    const values = argocdNotificationValues([
      AlertReceiver.webhook({ secretName: 'relay' }),
      AlertReceiver.slack({ channel: '#x', secretName: 'alerts-slack' }),
    ]);
    expect(Object.keys(values.notifiers)).toEqual([
      'service.webhook.relay',
      'service.webhook.alerts-slack',
    ]);
  });
});

describe('Argo Rollouts notifications', () => {
  type RolloutsValues = {
    notifications: {
      notifiers: Record<string, string>;
      templates: Record<string, string>;
      triggers: Record<string, string>;
    };
  };

  it('prod: an aborted canary tells Feishu the app, environment, images and its Argo CD page', () => {
    const values = releaseValues<RolloutsValues>('prod', 'argo-rollouts');
    const rollout = objectsUnder('apps/prod/checkout-api/', 'Rollout')[0];
    const template = parse(values.notifications.templates['template.rollout-aborted']) as {
      webhook: Record<string, { body: string }>;
    };
    expect(JSON.parse(evaluateRollout(template.webhook['alerts-feishu'].body, rollout))).toEqual({
      msg_type: 'text',
      content: {
        text: '[prod] checkout-api registry.example.com/payments/checkout-api:1.7.3: rollout aborted, traffic back on the stable version. https://argocd.prod.platform.example.com/applications/argocd/prod-checkout-api',
      },
    });
    // Event triggers: the controller fires on-rollout-aborted on its RolloutAborted event.
    expect(parse(values.notifications.triggers['trigger.on-rollout-aborted'])).toEqual([
      {
        description: 'The rollout was aborted (a failed analysis or a person)',
        send: ['rollout-aborted'],
      },
    ]);
  });

  it.each(['dev', 'prod'])(
    '%s: every Rollout subscribes to aborts and completions at its environment receiver, and every body evaluates to JSON',
    (cluster) => {
      const values = releaseValues<RolloutsValues>(cluster, 'argo-rollouts');
      const rollouts = objectsUnder('apps/', 'Rollout').filter(
        ({ metadata }) => (metadata.namespace ?? '').startsWith('prod-') === (cluster === 'prod'),
      );
      expect(rollouts.length).toBeGreaterThan(0);
      for (const rollout of rollouts) {
        const annotations =
          (rollout.metadata as { annotations?: Record<string, string> }).annotations ?? {};
        const subscriptions = Object.keys(annotations)
          .filter((key) => key.startsWith(SUBSCRIBE))
          .map((key) => key.slice(SUBSCRIBE.length).split('.'));
        expect(subscriptions.map(([trigger]) => trigger).sort()).toEqual(
          ROLLOUT_EVENTS.map(({ trigger }) => trigger).sort(),
        );
        for (const [trigger, service] of subscriptions) {
          expect(values.notifications.notifiers[`service.webhook.${service}`]).toBeDefined();
          const event = ROLLOUT_EVENTS.find((candidate) => candidate.trigger === trigger)!;
          const template = parse(values.notifications.templates[`template.${event.template}`]) as {
            webhook: Record<string, { body: string }>;
          };
          expect(() =>
            JSON.parse(evaluateRollout(template.webhook[service].body, rollout)),
          ).not.toThrow();
        }
      }
    },
  );
});
