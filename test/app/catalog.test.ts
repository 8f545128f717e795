import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Duration } from 'cdk8s';
import {
  RolloutStrategy,
  ScheduledTask,
  WebService,
  Worker,
  type WebServiceProps,
} from '../../constructs/app';
import { loadConfig } from '../../environments';
import { REPO_ROOT } from '../../synth/paths';
import { synth } from '../../synth/synth';
import { readTree } from '../../synth/tree';
import { renderError, versionsFor } from '../support/apps';

const web = (props: Partial<WebServiceProps> = {}) =>
  WebService.define({
    name: 'shop',
    team: 'web',
    image: 'registry.example.com/web/shop',
    ...props,
  });

describe('bad app input: one clear message naming app, environment, field and rule', () => {
  it('a name that is not DNS-1123', () => {
    expect(renderError([web({ name: 'Shop_API' })])).toContain(
      "app 'Shop_API' name: must be a DNS-1123 label (lower-case letters, digits and '-'), got 'Shop_API'",
    );
  });

  it('a name too long for the namespace rule', () => {
    const name = 'a'.repeat(60);
    expect(renderError([web({ name })])).toContain(
      `app '${name}' env 'dev' name: namespace 'dev-${name}' is 64 characters, over the 63 a namespace may have; shorten the app name`,
    );
  });

  it('duplicate app names', () => {
    expect(renderError([web(), web({ host: 'other.example.org' })])).toContain(
      "app 'shop' name: app name 'shop' is already used (must be unique)",
    );
  });

  it('two apps claiming the same host', () => {
    const message = renderError([
      web(),
      web({ name: 'shop-v2', host: (domain) => `shop.${domain}` }),
    ]);
    expect(message).toContain(
      "app 'shop-v2' env 'dev' host: host 'shop.dev.example.com' is already claimed by app 'shop'",
    );
    expect(message).toContain(
      "app 'shop-v2' env 'prod' host: host 'shop.example.com' is already claimed by app 'shop'",
    );
  });

  it('ports outside 1-65535 and duplicate ports', () => {
    const message = renderError([
      web({
        ports: [
          { name: 'http', port: 0 },
          { name: 'admin', port: 70000 },
          { name: 'http', port: 8081 },
        ],
      }),
    ]);
    expect(message).toContain("app 'shop' ports[0].port: must be from 1 to 65535, got 0");
    expect(message).toContain("app 'shop' ports[1].port: must be from 1 to 65535, got 70000");
    expect(message).toContain("app 'shop' ports[2]: duplicate port name 'http'");
  });

  it('canary weights that do not increase strictly', () => {
    const rollout = RolloutStrategy.canary({
      steps: [{ weight: 10 }, { weight: 50 }, { weight: 30 }, { weight: 100 }],
    });
    expect(renderError([web({ rollout })])).toBe(
      "app 'shop' rollout.steps: canary weights must be whole percentages that increase strictly and end at 100, got [10, 50, 30, 100]",
    );
  });

  it('canary weights that do not end at 100', () => {
    const rollout = RolloutStrategy.canary({
      steps: [{ weight: 10, pause: Duration.minutes(5) }, { weight: 50 }],
    });
    expect(renderError([web({ rollout })])).toBe(
      "app 'shop' rollout.steps: canary weights must be whole percentages that increase strictly and end at 100, got [10, 50]",
    );
  });

  it('an image with the :latest tag, or no repository', () => {
    expect(renderError([web({ image: 'registry.example.com/web/shop:latest' })])).toBe(
      "app 'shop' image: must not use the ':latest' tag (got 'registry.example.com/web/shop:latest'); give the repository only, versions come from environments/versions/<env>.json",
    );
    expect(renderError([web({ image: '' })])).toBe(
      "app 'shop' image: must be an image repository without tag or digest, like registry.example.com/team/app, got ''",
    );
    expect(renderError([web({ image: 'registry.example.com/web/shop:1.2' })])).toContain(
      "app 'shop' image: must be an image repository without tag",
    );
  });

  it('min replicas above max', () => {
    expect(renderError([web({ autoscaling: { minReplicas: 5, maxReplicas: 3 } })])).toBe(
      "app 'shop' autoscaling.maxReplicas: must not be below minReplicas (3 < 5)",
    );
  });

  it('a memory limit below its request, in the environment where it happens', () => {
    const environments = { prod: { resources: { memoryRequest: '1Gi', memoryLimit: '512Mi' } } };
    expect(renderError([web({ environments })])).toBe(
      "app 'shop' env 'prod' resources.memoryLimit: must not be below memoryRequest (512Mi < 1Gi)",
    );
  });

  it('a rollback bound over the environment limit, showing the arithmetic', () => {
    const rollout = RolloutStrategy.canary({
      steps: [{ weight: 50, pause: Duration.minutes(10) }, { weight: 100 }],
      analysis: { interval: Duration.seconds(30), failureLimit: 4 },
    });
    expect(renderError([web({ rollout })])).toBe(
      "app 'shop' env 'dev' rollout: worst-case rollback takes initialDelay 0 s + scrape interval 15 s + (failureLimit 4 + 1) × interval 30 s = 165 s, over the environment's limit of 120 s; shorten the analysis interval, failureLimit or initialDelay",
    );
  });

  it('a canary that finishes before its analysis can fail it', () => {
    const rollout = RolloutStrategy.canary({
      steps: [{ weight: 50, pause: Duration.seconds(10) }, { weight: 100 }],
    });
    expect(renderError([web({ rollout })])).toContain(
      "app 'shop' env 'dev' rollout: the canary reaches 100 % after 10 s of pauses, before a failing analysis can abort it",
    );
  });

  it('a blue-green scale-down delay shorter than the post-promotion analysis', () => {
    const rollout = RolloutStrategy.blueGreen({ scaleDownDelay: Duration.seconds(30) });
    expect(renderError([web({ rollout })])).toContain(
      "app 'shop' env 'dev' rollout: scaleDownDelay 30 s removes the previous version before a failing post-promotion analysis can switch back",
    );
  });

  it('an override for an environment that does not exist', () => {
    expect(renderError([web({ environments: { staging: { replicas: 2 } } })])).toBe(
      "app 'shop' environments.staging: overrides unknown environment 'staging'; known environments: dev, test, prod",
    );
  });

  it('a missing image version for an enabled environment', () => {
    const app = web({ environments: { test: { enabled: false } } });
    const versions = { dev: { shop: '1.0.0' }, test: {}, prod: {} };
    expect(renderError([app], versions)).toBe(
      'app \'shop\' env \'prod\' version: no image version in environments/versions/prod.json; add "shop": "<tag or sha256 digest>"',
    );
  });

  it('"latest" as a version, and a version for an app that does not exist', () => {
    const versions = { ...versionsFor([web()]), dev: { shop: 'latest', ghost: '1.0' } };
    const message = renderError([web()], versions);
    expect(message).toContain(
      "app 'shop' env 'dev' version: 'latest' is not a version; pin a tag or sha256 digest in environments/versions/dev.json",
    );
    expect(message).toContain(
      "environment 'dev' versions file environments/versions/dev.json: lists 'ghost', which is no app in apps/",
    );
  });

  it('callers from another team and unknown dependencies', () => {
    const worker = Worker.define({
      name: 'mailer',
      team: 'crm',
      image: 'registry.example.com/crm/mailer',
    });
    const message = renderError([web({ callers: ['mailer'], dependencies: ['billing'] }), worker]);
    expect(message).toContain(
      "app 'shop' callers: 'mailer' belongs to team 'crm', not 'web'; only same-team callers may be declared",
    );
    expect(message).toContain("app 'shop' dependencies: names unknown app 'billing'");
  });

  it('a disruption budget that would block node drains', () => {
    expect(renderError([web({ replicas: 2, disruptionBudget: { minAvailable: 2 } })])).toContain(
      "app 'shop' env 'dev' disruptionBudget.minAvailable: 2 with as few as 2 replica(s) would block every node drain",
    );
  });

  it('a schedule that is not cron', () => {
    const task = ScheduledTask.define({
      name: 'nightly',
      team: 'web',
      image: 'registry.example.com/web/nightly',
      schedule: 'every night',
    });
    expect(renderError([task])).toBe(
      "app 'nightly' schedule: must be a five-field cron expression like '0 3 * * *', got 'every night'",
    );
  });
});

describe('bad app input writes nothing', () => {
  it('leaves gitops/ byte-identical', () => {
    const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'apps-')), 'gitops');
    fs.cpSync(path.join(REPO_ROOT, 'gitops'), out, { recursive: true });
    const before = readTree(out);
    const catalog = { apps: [web({ name: 'Bad' })], versions: {} };
    expect(() => synth({ outDir: out, config: loadConfig(), catalog })).toThrow("app 'Bad' name");
    expect(readTree(out)).toEqual(before);
    fs.rmSync(path.dirname(out), { recursive: true, force: true });
  });
});
