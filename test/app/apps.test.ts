import { APPS } from '../../apps';
import { ScheduledTask, Worker, WorkerLiveness } from '../../constructs/app';
import { ENVIRONMENTS } from '../../environments';
import { renderApps, renderError } from '../support/apps';
import {
  findObject,
  objectsOf,
  referenceTree,
  type Loose,
  type RenderedObject,
} from '../support/tree';

interface PodSpec {
  securityContext?: Record<string, unknown>;
  automountServiceAccountToken?: boolean;
  containers: {
    name: string;
    image: string;
    securityContext?: Record<string, unknown>;
    resources?: unknown;
  }[];
}

/** Every pod template in a tree: Deployments, Rollouts and CronJobs. */
function podTemplates(objects: { file: string; object: RenderedObject }[]): [string, PodSpec][] {
  return objects.flatMap(({ file, object }) => {
    const spec = object.spec as Record<string, Loose>;
    if (object.kind === 'Deployment' || object.kind === 'Rollout')
      return [[file, spec.template.spec]];
    if (object.kind === 'CronJob') return [[file, spec.jobTemplate.spec.template.spec]];
    return [];
  });
}

describe('the reference apps', () => {
  const tree = referenceTree();

  it('render an HTTP API with canary, a blue-green service and a rolling worker', () => {
    expect(
      findObject(tree, 'apps/dev/checkout-api/', 'Rollout', 'checkout-api').spec,
    ).toHaveProperty('strategy.canary');
    expect(findObject(tree, 'apps/prod/storefront/', 'Rollout', 'storefront').spec).toHaveProperty(
      'strategy.blueGreen',
    );
    expect(
      findObject(tree, 'apps/test/order-worker/', 'Deployment', 'order-worker').spec,
    ).toHaveProperty('strategy.type', 'RollingUpdate');
  });

  it('run in dev and test, and only the first two in prod', () => {
    const appFiles = [...tree.files.keys()].filter(
      (file) => file.startsWith('apps/') && file.split('/').length === 4,
    );
    const folders = [...new Set(appFiles.map((file) => file.split('/').slice(0, 3).join('/')))];
    // Derived from APPS, so adding an app (README "Add an app") keeps this true.
    const expected = ENVIRONMENTS.flatMap((environment) =>
      APPS.filter((app) => app.enabledIn(environment)).map(
        (app) => `apps/${environment.name}/${app.name}`,
      ),
    );
    expect(folders.sort()).toEqual(expected.sort());
    for (const env of ['dev', 'test']) {
      for (const app of ['checkout-api', 'storefront', 'order-worker']) {
        expect(folders).toContain(`apps/${env}/${app}`);
      }
    }
    expect(folders).toContain('apps/prod/checkout-api');
    expect(folders).toContain('apps/prod/storefront');
    expect(folders).not.toContain('apps/prod/order-worker');
  });

  it('take their image version per environment from environments/versions', () => {
    const image = (env: string, app: string, kind: string) =>
      (findObject(tree, `apps/${env}/${app}/`, kind, app).spec as Record<string, Loose>).template
        .spec.containers[0].image as string;
    expect(image('dev', 'checkout-api', 'Rollout')).toBe(
      'registry.example.com/payments/checkout-api:1.8.0',
    );
    expect(image('prod', 'checkout-api', 'Rollout')).toBe(
      'registry.example.com/payments/checkout-api:1.7.3',
    );
    expect(image('prod', 'storefront', 'Rollout')).toMatch(
      /^registry\.example\.com\/web\/storefront@sha256:[a-f0-9]{64}$/,
    );
  });

  it('let the worker call checkout-api, a same-team caller it declares', () => {
    const policy = findObject(tree, 'apps/dev/checkout-api/', 'CiliumNetworkPolicy', 'checkout-api')
      .spec as {
      ingress: { fromEndpoints?: { matchLabels: Record<string, string> }[] }[];
    };
    expect(policy.ingress).toContainEqual({
      fromEndpoints: [{ matchLabels: { 'k8s:io.kubernetes.pod.namespace': 'dev-order-worker' } }],
      toPorts: [{ ports: [{ port: '8080', protocol: 'TCP' }] }],
    });
    const worker = findObject(tree, 'apps/dev/order-worker/', 'CiliumNetworkPolicy', 'order-worker')
      .spec as {
      egress: unknown[];
    };
    expect(worker.egress).toContainEqual({
      toEndpoints: [{ matchLabels: { 'k8s:io.kubernetes.pod.namespace': 'dev-checkout-api' } }],
      toPorts: [{ ports: [{ port: '8080', protocol: 'TCP' }] }],
    });
  });

  it('let storefront call checkout-api, a dependency of another team (ingress on its side)', () => {
    for (const env of ['dev', 'test', 'prod']) {
      const checkout = findObject(
        tree,
        `apps/${env}/checkout-api/`,
        'CiliumNetworkPolicy',
        'checkout-api',
      ).spec as { ingress: unknown[] };
      expect(checkout.ingress).toContainEqual({
        fromEndpoints: [
          { matchLabels: { 'k8s:io.kubernetes.pod.namespace': `${env}-storefront` } },
        ],
        toPorts: [{ ports: [{ port: '8080', protocol: 'TCP' }] }],
      });
      const storefront = findObject(
        tree,
        `apps/${env}/storefront/`,
        'CiliumNetworkPolicy',
        'storefront',
      ).spec as { egress: unknown[] };
      expect(storefront.egress).toContainEqual({
        toEndpoints: [
          { matchLabels: { 'k8s:io.kubernetes.pod.namespace': `${env}-checkout-api` } },
        ],
        toPorts: [{ ports: [{ port: '8080', protocol: 'TCP' }] }],
      });
    }
  });

  it('open nothing for a caller that is not enabled in the environment (order-worker in prod)', () => {
    const policy = JSON.stringify(
      findObject(tree, 'apps/prod/checkout-api/', 'CiliumNetworkPolicy', 'checkout-api'),
    );
    expect(policy).not.toContain('prod-order-worker');
  });

  it('give Argo CD no Secret: each is SOPS-encrypted beside the namespace Flux creates', () => {
    const secrets = objectsOf(tree).filter(({ object }) => object.kind === 'Secret');
    expect(secrets.filter(({ file }) => file.startsWith('apps/'))).toEqual([]);
    expect(
      secrets
        .filter(({ object }) => object.metadata.name === 'checkout-db')
        .map(({ file }) => file)
        .sort(),
    ).toEqual([
      'argocd/dev/secret-dev-checkout-api-checkout-db.yaml',
      'argocd/dev/secret-test-checkout-api-checkout-db.yaml',
      'argocd/prod/secret-prod-checkout-api-checkout-db.yaml',
    ]);
    for (const { object } of secrets) {
      expect(Object.values(object.stringData as Record<string, string>)).toEqual(
        Object.values(object.stringData as Record<string, string>).map(() =>
          expect.stringMatching(/^ENC\[AES256_GCM,data:/),
        ),
      );
    }
  });
});

describe('Pod Security "restricted" on every app pod template', () => {
  const task = ScheduledTask.define({
    name: 'nightly-report',
    team: 'web',
    image: 'registry.example.com/web/report',
    schedule: '0 3 * * *',
  });
  // The apps' folders: the platform's own pods (metrics-server, the kubelet serving-certificate
  // approver) talk to the API with their service account; test/platform/metrics-server.test.ts
  // holds them to Pod Security "restricted".
  const objects = [...objectsOf(referenceTree()), ...objectsOf(renderApps([task]))].filter(
    ({ file }) => file.startsWith('apps/'),
  );

  it.each(podTemplates(objects))('%s', (_file, pod) => {
    expect(pod.automountServiceAccountToken).toBe(false);
    expect(pod.securityContext).toMatchObject({
      runAsNonRoot: true,
      seccompProfile: { type: 'RuntimeDefault' },
    });
    for (const container of pod.containers) {
      expect(container.securityContext).toEqual({
        allowPrivilegeEscalation: false,
        readOnlyRootFilesystem: true,
        runAsNonRoot: true,
        capabilities: { drop: ['ALL'] },
        seccompProfile: { type: 'RuntimeDefault' },
      });
      expect(container.resources).toBeDefined();
    }
  });
});

describe('Worker and ScheduledTask', () => {
  const worker = Worker.define({
    name: 'indexer',
    team: 'search',
    image: 'registry.example.com/search/indexer',
    liveness: WorkerLiveness.exec(['/indexer', 'healthcheck']),
  });
  const task = ScheduledTask.define({
    name: 'cleanup',
    team: 'search',
    image: 'registry.example.com/search/cleanup',
    schedule: '*/15 * * * *',
  });
  const tree = renderApps([worker, task]);
  const container = (app: string) =>
    (
      findObject(tree, `apps/dev/${app}/`, 'Deployment', app).spec as {
        template: { spec: { containers: { livenessProbe?: unknown }[] } };
      }
    ).template.spec.containers[0];
  const kinds = (app: string) =>
    objectsOf(tree)
      .filter(({ file }) => file.startsWith(`apps/dev/${app}/`))
      .map(({ object }) => object.kind)
      .sort();

  it('a worker without ports has no Service, route or monitor, and no ingress at all', () => {
    expect(kinds('indexer')).toEqual([
      'CiliumNetworkPolicy',
      'Deployment',
      'LimitRange',
      'PodDisruptionBudget',
      'ResourceQuota',
      'ServiceAccount',
    ]);
    const policy = findObject(tree, 'apps/dev/indexer/', 'CiliumNetworkPolicy', 'indexer').spec as {
      ingress: unknown[];
    };
    expect(policy.ingress).toEqual([{}]);
    // No port to probe: it chose a command.
    expect(container('indexer').livenessProbe).toEqual({
      exec: { command: ['/indexer', 'healthcheck'] },
      periodSeconds: 10,
      failureThreshold: 3,
    });
  });

  it('probes a worker on its metrics port by default, and refuses one with nothing to probe', () => {
    // Regression: order-worker had no probe, so a hung consumer ran for ever.
    const reference = findObject(
      referenceTree(),
      'apps/dev/order-worker/',
      'Deployment',
      'order-worker',
    );
    const spec = reference.spec as {
      template: { spec: { containers: { livenessProbe?: unknown }[] } };
    };
    expect(spec.template.spec.containers[0].livenessProbe).toEqual({
      httpGet: { path: '/metrics', port: 'metrics' },
      periodSeconds: 10,
      failureThreshold: 3,
    });
    const bare = { name: 'bare', team: 'search', image: 'registry.example.com/search/bare' };
    expect(renderError([Worker.define(bare)])).toBe(
      "app 'bare' liveness: a worker needs a liveness probe, and it has no port to probe: add its metrics or health port to ports (probed by default), or set liveness to WorkerLiveness.exec([...]) or WorkerLiveness.none('<why>')",
    );
    expect(renderError([Worker.define({ ...bare, liveness: WorkerLiveness.none(' ') })])).toBe(
      "app 'bare' liveness: WorkerLiveness.none needs the reason the worker has no probe",
    );
    expect(
      renderError([
        Worker.define({
          ...bare,
          ports: [{ name: 'metrics', port: 9090 }],
          liveness: WorkerLiveness.http({ port: 'health' }),
        }),
      ]),
    ).toBe("app 'bare' liveness: probes port 'health', which is not one of its ports (metrics)");
    // An explicit opt-out renders no probe.
    const optedOut = renderApps([
      Worker.define({ ...bare, liveness: WorkerLiveness.none('exits on its own when stuck') }),
    ]);
    const deployment = findObject(optedOut, 'apps/dev/bare/', 'Deployment', 'bare')
      .spec as typeof spec;
    expect(deployment.template.spec.containers[0].livenessProbe).toBeUndefined();
  });

  it('a scheduled task is a CronJob that never overlaps and stops after its timeout', () => {
    expect(kinds('cleanup')).toEqual([
      'CiliumNetworkPolicy',
      'CronJob',
      'LimitRange',
      'ResourceQuota',
      'ServiceAccount',
    ]);
    expect(findObject(tree, 'apps/dev/cleanup/', 'CronJob', 'cleanup').spec).toMatchObject({
      schedule: '*/15 * * * *',
      concurrencyPolicy: 'Forbid',
      jobTemplate: {
        spec: { activeDeadlineSeconds: 1800, template: { spec: { restartPolicy: 'Never' } } },
      },
    });
  });
});
