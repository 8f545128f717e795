// Issue #17, unknown fields and type errors at run time: every props object a user writes (app
// props of each kind, environment overrides, environments, clusters, platform settings) is
// refused with one line when it has a key its interface lacks, lacks a key it requires, or holds
// a value of the wrong type, as a JavaScript caller or an `as` cast can write them. And the
// schemas cannot drift from the interfaces: the compiler holds them equal.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as ts from 'typescript';
import { Duration } from 'cdk8s';
import {
  AppKind,
  RolloutStrategy,
  ScheduledTask,
  WebService,
  Worker,
  WorkerLiveness,
  type ScheduledTaskProps,
  type WebServiceProps,
  type WorkerProps,
} from '../../constructs/app';
import { checkAppShape } from '../../constructs/app/known-keys';
import { assertConfigShape } from '../../constructs/config/known-keys';
import { CertificateAuthority } from '../../constructs/config/cert-manager';
import { MetalLbAnnouncement } from '../../constructs/config/metallb';
import type { PlatformSettings } from '../../constructs/config/settings';
import {
  AlertReceiver,
  SyncPolicy,
  type ClusterConfig,
  type EnvironmentConfig,
} from '../../constructs/config/types';

import { APPS } from '../../apps';
import { CLUSTERS, ENVIRONMENTS } from '../../environments';
import { devCluster } from '../../environments/clusters/dev';
import { prodCluster } from '../../environments/clusters/prod';
import { dev } from '../../environments/dev';
import { prod } from '../../environments/prod';
import { test as testEnv } from '../../environments/test';
import { REPO_ROOT } from '../../synth/paths';
import { synth } from '../../synth/synth';
import { renderError, thrownLines } from '../support/apps';

/** A value as a JavaScript caller (or an `as` cast) passes it, past the compiler. */
function untyped<T>(value: unknown): T {
  return value as T;
}

const base = { name: 'shop', team: 'web', image: 'registry.example.com/web/shop' };
const web = (props: Record<string, unknown>) =>
  thrownLines(() => WebService.define(untyped<WebServiceProps>({ ...base, ...props })));
const worker = (props: Record<string, unknown>) =>
  thrownLines(() =>
    Worker.define(
      untyped<WorkerProps>({ ...base, liveness: WorkerLiveness.none('a test'), ...props }),
    ),
  );
const task = (props: Record<string, unknown>) =>
  thrownLines(() =>
    ScheduledTask.define(untyped<ScheduledTaskProps>({ ...base, schedule: '0 3 * * *', ...props })),
  );

const APP_FIELDS =
  'name, team, image, command, resources, env, config, secrets, replicas, autoscaling, disruptionBudget, callers, dependencies, external, metrics, environments';
const OVERRIDE_FIELDS = 'enabled, replicas, resources, env, autoscaling, external';
const SIZE_FIELDS = 'cpuRequest, cpuLimit, memoryRequest, memoryLimit';

describe('app props: every field of every kind is accepted', () => {
  // Every field given, nested ones too: a rule that refused a valid value would show here.
  const everything = {
    ...base,
    command: ['/app', '--serve'],
    resources: { cpuRequest: '100m', cpuLimit: '1', memoryRequest: '128Mi', memoryLimit: '1Gi' },
    env: { LOG_LEVEL: 'info' },
    config: { FEATURE: 'on' },
    secrets: [{ secretName: 'db', providedBy: 'Vault', keys: { DATABASE_URL: 'url' } }],
    external: [
      { host: 'db.example.com', ports: [5432] },
      { cidr: '10.30.0.0/24', ports: [443] },
    ],
    environments: {
      prod: {
        enabled: true,
        replicas: 3,
        resources: { memoryLimit: '2Gi' },
        env: { LOG_LEVEL: 'warn' },
        autoscaling: { minReplicas: 3, maxReplicas: 6, targetCpuPercent: 60 },
        external: [{ host: 'db.prod.example.com', ports: [5432] }],
      },
    },
  };
  const replicated = {
    replicas: 2,
    autoscaling: { minReplicas: 2, maxReplicas: 4, targetCpuPercent: 70 },
    disruptionBudget: { maxUnavailable: 1 },
    callers: ['other'],
    dependencies: ['other'],
    metrics: { port: 'http', path: '/metrics', interval: Duration.seconds(15) },
  };

  it('a web service with every field, and with each rollout template', () => {
    for (const rollout of [
      RolloutStrategy.rolling({ maxSurge: 1, maxUnavailable: '25%' }),
      RolloutStrategy.canary({
        steps: [{ weight: 50, pause: RolloutStrategy.MANUAL }, { weight: 100 }],
      }),
      RolloutStrategy.blueGreen({ smokeTest: { path: '/ready' } }),
    ]) {
      expect(
        web({
          ...everything,
          ...replicated,
          ports: [{ name: 'http', port: 8080 }],
          probes: { readinessPath: '/ready', livenessPath: '/live' },
          host: (domain: string) => `shop.${domain}`,
          rollout,
        }),
      ).toEqual([]);
    }
    expect(web({ host: 'shop.example.com' })).toEqual([]);
  });

  it('a worker and a scheduled task with every field', () => {
    expect(
      worker({
        ...everything,
        ...replicated,
        ports: [{ name: 'http', port: 9090 }],
        liveness: WorkerLiveness.exec(['/bin/check']),
      }),
    ).toEqual([]);
    expect(task({ ...everything, timeout: Duration.minutes(10) })).toEqual([]);
  });

  it('the reference apps', () => {
    for (const app of APPS)
      expect(thrownLines(() => checkAppShape(app.kind, app.props))).toEqual([]);
  });

  it('an undefined value counts as left out', () => {
    expect(web({ replicas: undefined, environments: { prod: { enabled: undefined } } })).toEqual(
      [],
    );
  });
});

describe('app props: an unknown field is refused, naming the path and the closest known one', () => {
  it.each([
    [
      'the props themselves',
      { rollouts: RolloutStrategy.canary() },
      `app 'shop' rollouts: unknown field; known fields: ${APP_FIELDS}, ports, probes, host, rollout; did you mean 'rollout'?`,
    ],
    [
      'an environment override (regression: `enable: false` deployed the app to prod)',
      { environments: { prod: { enable: false } } },
      `app 'shop' environments.prod.enable: unknown field; known fields: ${OVERRIDE_FIELDS}; did you mean 'enabled'?`,
    ],
    [
      "an override's autoscaling",
      { environments: { test: { autoscaling: { minReplicas: 1, maxReplica: 2 } } } },
      "app 'shop' environments.test.autoscaling.maxReplica: unknown field; known fields: minReplicas, maxReplicas, targetCpuPercent; did you mean 'maxReplicas'?",
    ],
    [
      "an override's resources (no known name is close)",
      { environments: { dev: { resources: { cpu: '1' } } } },
      `app 'shop' environments.dev.resources.cpu: unknown field; known fields: ${SIZE_FIELDS}`,
    ],
    [
      "an override's external destination",
      { environments: { prod: { external: [{ host: 'db.example.com', port: [5432] }] } } },
      "app 'shop' environments.prod.external[0].port: unknown field; known fields: host, cidr, ports; did you mean 'ports'?",
    ],
    [
      'resources',
      { resources: { memoryLimt: '1Gi' } },
      `app 'shop' resources.memoryLimt: unknown field; known fields: ${SIZE_FIELDS}; did you mean 'memoryLimit'?`,
    ],
    [
      'a port',
      {
        ports: [
          { name: 'http', port: 80 },
          { nmae: 'grpc', port: 81 },
        ],
      },
      "app 'shop' ports[1].nmae: unknown field; known fields: name, port; did you mean 'name'?",
    ],
    [
      'the probes',
      { probes: { readinesPath: '/ready' } },
      "app 'shop' probes.readinesPath: unknown field; known fields: readinessPath, livenessPath; did you mean 'readinessPath'?",
    ],
    [
      'autoscaling',
      { autoscaling: { minReplicas: 1, maxReplicas: 2, targetCPUPercent: 50 } },
      "app 'shop' autoscaling.targetCPUPercent: unknown field; known fields: minReplicas, maxReplicas, targetCpuPercent; did you mean 'targetCpuPercent'?",
    ],
    [
      'the disruption budget',
      { disruptionBudget: { maxUnavaliable: 1 } },
      "app 'shop' disruptionBudget.maxUnavaliable: unknown field; known fields: minAvailable, maxUnavailable; did you mean 'maxUnavailable'?",
    ],
    [
      'the metrics',
      { metrics: { intervall: Duration.seconds(30) } },
      "app 'shop' metrics.intervall: unknown field; known fields: port, path, interval; did you mean 'interval'?",
    ],
    [
      'a secret reference',
      { secrets: [{ secretName: 'db', key: { URL: 'url' } }] },
      "app 'shop' secrets[0].key: unknown field; known fields: secretName, providedBy, keys; did you mean 'keys'?",
    ],
    [
      'an external destination',
      { external: [{ hosts: 'db.example.com', ports: [5432] }] },
      "app 'shop' external[0].hosts: unknown field; known fields: host, cidr, ports; did you mean 'host'?",
    ],
  ])('in %s', (_where, props, line) => {
    expect(web(props)).toEqual([line]);
  });

  it("in a worker's and a scheduled task's props, which have their own fields", () => {
    expect(worker({ livenes: WorkerLiveness.none('x') })).toEqual([
      `app 'shop' livenes: unknown field; known fields: ${APP_FIELDS}, ports, liveness; did you mean 'liveness'?`,
    ]);
    const taskFields =
      'name, team, image, command, resources, env, config, secrets, dependencies, external, environments, schedule, timeout';
    expect(task({ timout: Duration.minutes(1) })).toEqual([
      `app 'shop' timout: unknown field; known fields: ${taskFields}; did you mean 'timeout'?`,
    ]);
    // A task runs to completion: what only long-running apps have is unknown there.
    expect(task({ replicas: 2, host: 'shop.example.com' })).toEqual([
      `app 'shop' replicas: unknown field; known fields: ${taskFields}`,
      `app 'shop' host: unknown field; known fields: ${taskFields}`,
    ]);
  });

  it('lists every unknown field at once', () => {
    expect(web({ enviroments: {}, secret: [] })).toEqual([
      `app 'shop' enviroments: unknown field; known fields: ${APP_FIELDS}, ports, probes, host, rollout; did you mean 'environments'?`,
      `app 'shop' secret: unknown field; known fields: ${APP_FIELDS}, ports, probes, host, rollout; did you mean 'secrets'?`,
    ]);
  });
});

describe('app props: a missing or mistyped field is refused before any rule reads it', () => {
  it.each([
    [
      'a required field left out',
      { image: undefined },
      "app 'shop' image: is required (a string), got nothing",
    ],
    ['a count as a string', { replicas: '3' }, "app 'shop' replicas: must be a number, got '3'"],
    [
      'a flag as a string',
      { environments: { prod: { enabled: 'false' } } },
      "app 'shop' environments.prod.enabled: must be true or false, got 'false'",
    ],
    [
      'a variable as a number',
      { env: { RETRIES: 3 } },
      "app 'shop' env.RETRIES: must be a string, got 3",
    ],
    [
      'a list as a string',
      { callers: 'storefront' },
      "app 'shop' callers: must be a list (each a string), got 'storefront'",
    ],
    [
      'an object as a list',
      { probes: ['/ready'] },
      "app 'shop' probes: must be an object, got a list of 1",
    ],
    [
      'overrides as a list',
      { environments: [{ replicas: 2 }] },
      "app 'shop' environments: must be an object (each value an object), got a list of 1",
    ],
    [
      'a duration as seconds',
      { metrics: { interval: 15 } },
      "app 'shop' metrics.interval: must be a Duration like Duration.seconds(30), got 15",
    ],
    [
      'a port number as a string',
      { ports: [{ name: 'http', port: '8080' }] },
      "app 'shop' ports[0].port: must be a number, got '8080'",
    ],
    [
      'no ports at all (the first serves HTTP)',
      { ports: [] },
      "app 'shop' ports: must list at least one port (the first serves HTTP through the gateway), got []",
    ],
    [
      'a host as a number',
      { host: 5 },
      "app 'shop' host: must be a string or a function of the domain, got 5",
    ],
    [
      'a rollout by name',
      { rollout: 'canary' },
      "app 'shop' rollout: must be a rollout template (RolloutStrategy.rolling(), .canary({...}) or .blueGreen({...})), got 'canary'",
    ],
    [
      'a hand-made canary without steps',
      { rollout: { kind: 'canary', steps: 'slow', analysis: {} } },
      "app 'shop' rollout.steps: must be a list of steps (as RolloutStrategy.canary() makes it), got 'slow'",
    ],
    [
      'a hand-made blue-green without analysis',
      { rollout: { kind: 'blueGreen', smokeTest: {} } },
      "app 'shop' rollout.analysis: must be an object (as RolloutStrategy.blueGreen() makes it), got undefined",
    ],
  ])('%s', (_what, props, line) => {
    expect(web(props)).toEqual([line]);
  });

  it("a worker's liveness not made by WorkerLiveness, a task's timeout in minutes", () => {
    expect(worker({ liveness: { kind: 'none', reason: 'x' } })).toEqual([
      "app 'shop' liveness: must be a WorkerLiveness (WorkerLiveness.http(), .exec([...]) or .none(reason)), got an object",
    ]);
    expect(task({ timeout: 30, schedule: undefined })).toEqual([
      "app 'shop' schedule: is required (a string), got nothing",
      "app 'shop' timeout: must be a Duration like Duration.seconds(30), got 30",
    ]);
  });

  it('props that are no object, or have no name', () => {
    expect(thrownLines(() => WebService.define(untyped<WebServiceProps>('shop')))).toEqual([
      "app (no name) (props): must be an object, got 'shop'",
    ]);
    expect(
      thrownLines(() => checkAppShape(AppKind.WEB_SERVICE, { team: 'web', image: 'x/y' })),
    ).toEqual(['app (no name) name: is required (a string), got nothing']);
  });

  it('a host function that throws or returns no string, in each environment it runs in', () => {
    const throwing = WebService.define({
      ...base,
      host: (domain) => {
        if (domain === 'example.com') throw new Error('no public host yet');
        return `shop.${domain}`;
      },
    });
    expect(renderError([throwing])).toBe(
      "app 'shop' env 'prod' host: the host function threw for the domain 'example.com': no public host yet",
    );
    const numeric = WebService.define({
      ...base,
      host: untyped<(domain: string) => string>(() => 42),
      environments: { test: { enabled: false }, prod: { enabled: false } },
    });
    expect(renderError([numeric])).toBe(
      "app 'shop' env 'dev' host: the host function must return a host name (a string) for the domain 'dev.example.com', got 42",
    );
  });
});

/** The shape problems of the reference configuration with one cluster or environment replaced. */
function configLines(change: {
  cluster?: Record<string, unknown>;
  environment?: Record<string, unknown>;
}): string[] {
  const clusters = [devCluster, { ...prodCluster, ...change.cluster }];
  const environments = [dev, { ...testEnv, ...change.environment }, prod];
  return thrownLines(() => assertConfigShape({ clusters, environments }));
}
const platformLines = (platform: Record<string, unknown>) => configLines({ cluster: { platform } });

describe('clusters, environments and platform settings: every field is accepted', () => {
  it('the reference configuration', () => {
    expect(
      thrownLines(() => assertConfigShape({ clusters: CLUSTERS, environments: ENVIRONMENTS })),
    ).toEqual([]);
  });

  it('a cluster with every field and every platform setting given', () => {
    const values = { values: {} };
    const platform: Required<PlatformSettings> = {
      certManager: {
        enabled: true,
        ...values,
        authority: CertificateAuthority.privateCa({ commonName: 'root' }),
        acme: {
          email: 'ops@example.com',
          server: 'https://acme.example.com/directory',
          cloudflare: { apiTokenSecret: 'cloudflare' },
          environments: ['prod'],
        },
      },
      cilium: { enabled: true, ...values, publishUi: false, gatewayAddress: '10.20.0.200' },
      metallb: { enabled: true, ...values, announcement: MetalLbAnnouncement.l2() },
      rookCeph: {
        enabled: true,
        ...values,
        replication: 3,
        monitors: 3,
        filesystem: false,
        objectStore: true,
        csiDriversValues: {},
      },
      flux: {
        enabled: true,
        values: {
          logLevel: 'debug',
          helmController: {
            resources: { requests: { cpu: '100m', memory: '256Mi' }, limits: { memory: '512Mi' } },
            concurrent: 4,
          },
          kustomizeController: { concurrent: 4 },
          sourceController: {},
          notificationController: {},
          extraControllers: ['source-watcher'],
          podMonitor: true,
        },
        alertSeverity: 'info',
      },
      kubeletServingCertApprover: {
        enabled: true,
        values: { replicas: 1, resources: { requests: { cpu: '10m' } } },
      },
      metricsServer: { enabled: true, values: { resources: { limits: { memory: '64Mi' } } } },
      kyverno: {
        enabled: true,
        ...values,
        allowedRegistries: ['ghcr.io/acme/'],
        failureAction: 'Enforce',
      },
      monitoring: { enabled: true, ...values },
      loki: { enabled: true, ...values },
      alloy: { enabled: true, ...values },
      argocd: {
        enabled: true,
        ...values,
        teams: [{ name: 'web', group: 'web-engineers' }],
        sso: {
          name: 'SSO',
          issuer: 'https://sso.example.com',
          clientId: 'argocd',
          clientSecret: { secretName: 'argocd-sso', key: 'secret' },
          adminGroup: 'admins',
        },
      },
      argoRollouts: { enabled: true, ...values, publishUi: true },
      tekton: {
        enabled: true,
        ...values,
        publishUi: false,
        pruner: { keep: 5, schedule: '0 4 * * *' },
      },
    };
    const cluster: ClusterConfig = {
      ...prodCluster,
      apiPort: 6443,
      nodes: [{ ...prodCluster.nodes[0], storageDevices: ['/dev/sdb'] }],
      gitops: { ...prodCluster.gitops, knownHosts: [] },
      secrets: {
        ageRecipients: prodCluster.secrets.ageRecipients,
        external: [{ namespace: 'web', name: 'token', providedBy: 'Vault' }],
      },
      platform,
    };
    const environment: EnvironmentConfig = {
      ...testEnv,
      namespacePrefix: 'qa',
      rollbackLimit: Duration.minutes(3),
      syncPolicy: SyncPolicy.gated(),
      alertReceiver: AlertReceiver.webhook({ secretName: 'hook' }),
    };
    expect(configLines({ cluster: { ...cluster }, environment: { ...environment } })).toEqual([]);
  });
});

const COMPONENT_FIELDS = 'enabled, values';

describe('clusters, environments and platform settings: an unknown field is refused', () => {
  it.each([
    [
      'a cluster',
      { nodeSubnets: '10.20.0.0/24' },
      "cluster 'prod' nodeSubnets: unknown field; known fields: name, tier, nodeSubnet, controlPlaneVip, apiPort, nodes, talosVersion, kubernetesVersion, loadBalancerAddresses, domain, gitops, secrets, mirror, platform; did you mean 'nodeSubnet'?",
    ],
    [
      'a node',
      { nodes: [{ ...prodCluster.nodes[0], storageDevice: ['/dev/sdb'] }] },
      "cluster 'prod' nodes[0].storageDevice: unknown field; known fields: name, ip, role, installDisk, storageDevices; did you mean 'storageDevices'?",
    ],
    [
      'the GitOps repository',
      { gitops: { ...prodCluster.gitops, knownHost: [] } },
      "cluster 'prod' gitops.knownHost: unknown field; known fields: url, branch, path, knownHosts; did you mean 'knownHosts'?",
    ],
    [
      'the secrets',
      { secrets: { ageRecipient: [] } },
      "cluster 'prod' secrets.ageRecipient: unknown field; known fields: ageRecipients, external; did you mean 'ageRecipients'?",
    ],
    [
      'an external secret',
      {
        secrets: {
          ...prodCluster.secrets,
          external: [{ namespace: 'a', name: 'b', provider: 'Vault' }],
        },
      },
      "cluster 'prod' secrets.external[0].provider: unknown field; known fields: namespace, name, providedBy",
      // Not close enough to name: the field it may have meant is missing as well.
      "cluster 'prod' secrets.external[0].providedBy: is required (a string), got nothing",
    ],
    [
      'the platform settings',
      { platform: { argoCd: {} } },
      "cluster 'prod' platform.argoCd: unknown field; known fields: certManager, cilium, metallb, rookCeph, flux, kubeletServingCertApprover, metricsServer, kyverno, monitoring, loki, alloy, argocd, argoRollouts, tekton; did you mean 'argocd'?",
    ],
  ])('in %s', (_where, cluster, ...lines) => {
    expect(configLines({ cluster })).toEqual(lines);
  });

  it.each([
    ['certManager', `${COMPONENT_FIELDS}, authority, acme`],
    ['cilium', `${COMPONENT_FIELDS}, publishUi, gatewayAddress`],
    ['metallb', `${COMPONENT_FIELDS}, announcement`],
    [
      'rookCeph',
      `${COMPONENT_FIELDS}, replication, monitors, filesystem, objectStore, csiDriversValues`,
    ],
    ['flux', `${COMPONENT_FIELDS}, alertSeverity`],
    ['kubeletServingCertApprover', COMPONENT_FIELDS],
    ['metricsServer', COMPONENT_FIELDS],
    ['kyverno', `${COMPONENT_FIELDS}, allowedRegistries, failureAction`],
    ['monitoring', `${COMPONENT_FIELDS}, alertReceiver`],
    ['loki', COMPONENT_FIELDS],
    ['alloy', COMPONENT_FIELDS],
    ['argocd', `${COMPONENT_FIELDS}, teams, sso`],
    ['argoRollouts', `${COMPONENT_FIELDS}, publishUi`],
    ['tekton', `${COMPONENT_FIELDS}, publishUi, pruner`],
  ])('in the %s settings (regression: `enable: false` left the component on)', (key, fields) => {
    expect(platformLines({ [key]: { enable: false } })).toEqual([
      `cluster 'prod' platform.${key}.enable: unknown field; known fields: ${fields}; did you mean 'enabled'?`,
    ]);
  });

  it.each([
    [
      {
        certManager: {
          acme: { emial: 'a@example.com', cloudflare: { apiTokenSecret: 'x' }, environments: [] },
        },
      },
      "cluster 'prod' platform.certManager.acme.emial: unknown field; known fields: email, server, cloudflare, environments; did you mean 'email'?",
    ],
    [
      {
        certManager: {
          acme: { email: 'a@example.com', cloudflare: { apiToken: 'x' }, environments: [] },
        },
      },
      "cluster 'prod' platform.certManager.acme.cloudflare.apiToken: unknown field; known fields: apiTokenSecret; did you mean 'apiTokenSecret'?",
    ],
    [
      { argocd: { teams: [{ name: 'web', groups: 'web-engineers' }] } },
      "cluster 'prod' platform.argocd.teams[0].groups: unknown field; known fields: name, group; did you mean 'group'?",
    ],
    [
      {
        argocd: {
          sso: {
            name: 'SSO',
            issuer: 'https://sso',
            clientID: 'x',
            clientSecret: { secretName: 's', key: 'k' },
          },
        },
      },
      "cluster 'prod' platform.argocd.sso.clientID: unknown field; known fields: name, issuer, clientId, clientSecret, adminGroup; did you mean 'clientId'?",
    ],
    [
      { tekton: { pruner: { keeps: 3 } } },
      "cluster 'prod' platform.tekton.pruner.keeps: unknown field; known fields: keep, schedule; did you mean 'keep'?",
    ],
    [
      { flux: { values: { loglevel: 'debug' } } },
      "cluster 'prod' platform.flux.values.loglevel: unknown field; known fields: logLevel, helmController, kustomizeController, sourceController, notificationController, extraControllers, podMonitor; did you mean 'logLevel'?",
    ],
    [
      { flux: { values: { helmController: { concurency: 2 } } } },
      "cluster 'prod' platform.flux.values.helmController.concurency: unknown field; known fields: resources, concurrent; did you mean 'concurrent'?",
    ],
    [
      { flux: { values: { sourceController: { resources: { requests: { cpus: '1' } } } } } },
      "cluster 'prod' platform.flux.values.sourceController.resources.requests.cpus: unknown field; known fields: cpu, memory; did you mean 'cpu'?",
    ],
    [
      { metricsServer: { values: { replica: 2 } } },
      "cluster 'prod' platform.metricsServer.values.replica: unknown field; known fields: replicas, resources; did you mean 'replicas'?",
    ],
  ])('in nested platform settings: %j', (platform, line) => {
    expect(platformLines(platform)).toEqual([line]);
  });

  it('in an environment and its default sizes', () => {
    expect(
      configLines({
        environment: {
          defaultReplica: 1,
          defaultResources: { ...testEnv.defaultResources, cpuLimits: '1' },
        },
      }),
    ).toEqual([
      "environment 'test' defaultReplica: unknown field; known fields: name, cluster, domain, namespacePrefix, defaultReplicas, defaultResources, syncPolicy, alertReceiver, rollbackLimit; did you mean 'defaultReplicas'?",
      `environment 'test' defaultResources.cpuLimits: unknown field; known fields: ${SIZE_FIELDS}; did you mean 'cpuLimit'?`,
    ]);
  });
});

describe('clusters, environments and platform settings: a missing or mistyped field is refused', () => {
  it.each([
    [{ nodeSubnet: undefined }, "cluster 'prod' nodeSubnet: is required (a string), got nothing"],
    [
      { tier: 'prod' },
      "cluster 'prod' tier: must be one of non-production, production, got 'prod'",
    ],
    [{ apiPort: '6443' }, "cluster 'prod' apiPort: must be a number, got '6443'"],
    [
      { nodes: [{ ...prodCluster.nodes[0], role: 'master' }] },
      "cluster 'prod' nodes[0].role: must be one of control-plane, worker, got 'master'",
    ],
    [
      { loadBalancerAddresses: '10.20.0.192/27' },
      "cluster 'prod' loadBalancerAddresses: must be a list (each a string), got '10.20.0.192/27'",
    ],
    [
      { platform: { monitoring: { values: 'small' } } },
      "cluster 'prod' platform.monitoring.values: must be an object of chart values, got 'small'",
    ],
    [
      { platform: { kyverno: { failureAction: 'enforce' } } },
      "cluster 'prod' platform.kyverno.failureAction: must be one of Audit, Enforce, got 'enforce'",
    ],
    [
      { platform: { flux: { values: { extraControllers: ['image-automation'] } } } },
      "cluster 'prod' platform.flux.values.extraControllers[0]: must be one of image-reflector-controller, image-automation-controller, source-watcher, got 'image-automation'",
    ],
    [
      { platform: { metallb: { announcement: 'bgp' } } },
      "cluster 'prod' platform.metallb.announcement: must be a MetalLbAnnouncement (MetalLbAnnouncement.l2() or .bgp({...})), got 'bgp'",
    ],
    [
      { platform: { certManager: { authority: { kind: 'selfsigned' } } } },
      "cluster 'prod' platform.certManager.authority: must be a CertificateAuthority (CertificateAuthority.selfSigned() or .privateCa()), got an object",
    ],
  ])('a cluster with %j', (cluster, line) => {
    expect(configLines({ cluster })).toEqual([line]);
  });

  it.each([
    [{ defaultReplicas: '1' }, "environment 'test' defaultReplicas: must be a number, got '1'"],
    [
      { syncPolicy: 'automatic' },
      "environment 'test' syncPolicy: must be a SyncPolicy (SyncPolicy.automatic() or SyncPolicy.gated()), got 'automatic'",
    ],
    [
      { alertReceiver: { type: 'slack' } },
      "environment 'test' alertReceiver: must be an AlertReceiver (AlertReceiver.slack({...}), .lark({...}) or .webhook({...})), got an object",
    ],
    [
      { rollbackLimit: 120 },
      "environment 'test' rollbackLimit: must be a Duration like Duration.seconds(30), got 120",
    ],
    [
      { defaultResources: undefined },
      "environment 'test' defaultResources: is required (an object), got nothing",
    ],
  ])('an environment with %j', (environment, line) => {
    expect(configLines({ environment })).toEqual([line]);
  });

  it('names an entry without a name by its place in the list', () => {
    expect(configLines({ environment: { name: 7 } })).toEqual([
      'environment ENVIRONMENTS[1] name: must be a string, got 7',
    ]);
  });
});

describe('synth', () => {
  it('refuses an unknown field before any rule reads the configuration, and writes nothing', () => {
    const outDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bad-keys-'));
    try {
      const config = {
        clusters: [
          devCluster,
          { ...prodCluster, platform: { loki: untyped<never>({ enable: false }) } },
        ],
        environments: ENVIRONMENTS,
      };
      expect(thrownLines(() => synth({ outDir: path.join(outDir, 'gitops'), config }))).toEqual([
        "cluster 'prod' platform.loki.enable: unknown field; known fields: enabled, values; did you mean 'enabled'?",
      ]);
      expect(fs.readdirSync(outDir)).toEqual([]);
    } finally {
      fs.rmSync(outDir, { recursive: true, force: true });
    }
  });
});

describe('the schemas cannot drift from the interfaces', () => {
  // The real schema files, and a probe beside them with one schema per way to drift: the
  // compiler must accept the first and name each drift in the second.
  const schemaFiles = [
    'constructs/contract/known-keys.ts',
    'constructs/app/known-keys.ts',
    'constructs/config/known-keys.ts',
  ].map((file) => path.join(REPO_ROOT, file));
  const probe = path.join(REPO_ROOT, 'constructs/contract/drift-probe.ts');
  const probeText = `
import {object, optional, string, number} from './known-keys';
interface Props { readonly name: string; readonly size?: number; readonly added?: string }
export const missing = object<Props>({ name: string, size: optional(number) });
export const extra = object<Props>({ name: string, size: optional(number), added: optional(string), gone: string });
export const notOptional = object<Props>({ name: string, size: number, added: optional(string) });
export const notRequired = object<Props>({ name: optional(string), size: optional(number), added: optional(string) });
export const wrongType = object<Props>({ name: number, size: optional(number), added: optional(string) });
export const exact = object<Props>({ name: string, size: optional(number), added: optional(string) });
`;
  let diagnostics: Map<string, string[]>;

  beforeAll(() => {
    const options: ts.CompilerOptions = {
      strict: true,
      noEmit: true,
      skipLibCheck: true,
      target: ts.ScriptTarget.ES2022,
      module: ts.ModuleKind.CommonJS,
      moduleResolution: ts.ModuleResolutionKind.Node10,
      esModuleInterop: true,
      types: ['node'],
    };
    const host = ts.createCompilerHost(options);
    const readFile = host.readFile.bind(host);
    const getSourceFile = host.getSourceFile.bind(host);
    host.fileExists = (file) => file === probe || fs.existsSync(file);
    host.readFile = (file) => (file === probe ? probeText : readFile(file));
    host.getSourceFile = (file, language) =>
      file === probe
        ? ts.createSourceFile(file, probeText, language)
        : getSourceFile(file, language);
    const program = ts.createProgram([...schemaFiles, probe], options, host);
    diagnostics = new Map(
      [...schemaFiles, probe].map((file) => [
        file,
        ts.getPreEmitDiagnostics(program, program.getSourceFile(file)).map((d) => {
          const { line } = d.file!.getLineAndCharacterOfPosition(d.start!);
          return `${line + 1}: ${ts.flattenDiagnosticMessageText(d.messageText, ' ')}`;
        }),
      ]),
    );
  }, 60000);

  it('every schema matches its interface: an added prop left out of its schema fails here', () => {
    for (const file of schemaFiles) expect(diagnostics.get(file)).toEqual([]);
  });

  it('the compiler names a missing key, an extra key, a wrong optionality and a wrong type', () => {
    const lines = diagnostics.get(probe) ?? [];
    const at = (line: number) => lines.filter((entry) => entry.startsWith(`${line}: `));
    expect(at(4).join()).toContain("Property 'added' is missing");
    expect(at(5).join()).toContain("'gone' does not exist in type 'Fields<Props>'");
    expect(at(6).join()).toContain("Property 'optional' is missing");
    expect(at(7).join()).toContain("Types of property 'optional' are incompatible");
    expect(at(8).join()).toContain(
      "Type 'Rule<number>' is not assignable to type 'RequiredRule<string>'",
    );
    expect(at(9)).toEqual([]);
    expect(lines).toHaveLength(5);
  });
});
