import { teamPolicy } from '../../constructs/platform/argocd';
import { findObject, referenceTree } from '../support/tree';
import {
  configWithCluster,
  platformError,
  releaseValues,
  renderError,
  renderWithPlatform,
} from '../support/platform';
import { type ArgoCdValues } from '../../constructs/config/argocd';
import { PLATFORM_LISTENER } from '../../constructs/contract/gateway';

const values = (cluster: string, tree = referenceTree()) =>
  releaseValues<ArgoCdValues>(cluster, 'argocd', tree);

describe('ArgoCd', () => {
  it('runs single replicas with plain Redis in dev', () => {
    const dev = values('dev');
    expect([dev.controller.replicas, dev.repoServer.replicas, dev.applicationSet.replicas]).toEqual(
      [1, 1, 1],
    );
    expect(dev.server.autoscaling.enabled).toBe(false);
    expect(dev.redis.enabled).toBe(true);
    expect(dev['redis-ha'].enabled).toBe(false);
  });

  it('runs HA in prod: sharded controllers, Redis HA, two repo servers, autoscaled server', () => {
    const prod = values('prod');
    expect(prod.controller.replicas).toBe(2);
    expect(prod.configs.params['controller.sharding.algorithm']).toBe('round-robin');
    expect(prod.repoServer.replicas).toBe(2);
    expect(prod.server.autoscaling).toEqual({ enabled: true, minReplicas: 2, maxReplicas: 5 });
    expect(prod.redis.enabled).toBe(false);
    expect(prod['redis-ha'].enabled).toBe(true);
  });

  it('serves plain HTTP behind the Gateway on argocd.<cluster domain>', () => {
    expect(values('prod').global.domain).toBe('argocd.prod.platform.example.com');
    expect(values('prod').configs.params['server.insecure']).toBe(true);
    const route = findObject(
      referenceTree(),
      'platform/prod/configs/argocd/',
      'HTTPRoute',
      'argocd',
    );
    expect(route.spec).toMatchObject({
      parentRefs: [{ name: 'platform', namespace: 'gateway', sectionName: PLATFORM_LISTENER }],
      hostnames: ['argocd.prod.platform.example.com'],
      rules: [{ backendRefs: [{ name: 'argocd-server', port: 80 }] }],
    });
  });

  it('shows Rollouts through the Rollouts UI extension', () => {
    expect(values('dev').server.extensions).toEqual({
      enabled: true,
      extensionList: [
        {
          name: 'rollout-extension',
          env: [
            {
              name: 'EXTENSION_URL',
              value:
                'https://github.com/argoproj-labs/rollout-extension/releases/download/v0.3.7/extension.tar',
            },
          ],
        },
      ],
    });
  });

  it('gives each team its own project and everyone else read-only access', () => {
    const rbac = values('dev').configs.rbac;
    expect(rbac['policy.default']).toBe('role:readonly');
    expect(rbac['policy.csv']).toBe(
      [
        'p, role:payments, applications, *, payments/*, allow',
        'p, role:payments, logs, get, payments/*, allow',
        'p, role:payments, exec, create, payments/*, deny',
        'g, payments-engineers, role:payments',
        'p, role:web, applications, *, web/*, allow',
        'p, role:web, logs, get, web/*, allow',
        'p, role:web, exec, create, web/*, deny',
        'g, web-engineers, role:web',
        '',
      ].join('\n'),
    );
    expect(teamPolicy([])).toBe('');
  });

  it('configures OIDC with the client secret referenced by Secret name and key', () => {
    const tree = renderWithPlatform('prod', {
      argocd: {
        sso: {
          name: 'Company SSO',
          issuer: 'https://sso.example.com',
          clientId: 'argocd',
          clientSecret: { secretName: 'argocd-oidc', key: 'clientSecret' },
          adminGroup: 'platform-admins',
        },
      },
    });
    const prod = values('prod', tree);
    expect(prod.configs.cm['oidc.config']).toContain('clientSecret: $argocd-oidc:clientSecret');
    expect(prod.configs.cm['oidc.config']).toContain('issuer: https://sso.example.com');
    expect(prod.configs.rbac['policy.csv']).toBe('g, platform-admins, role:admin\n');
  });

  it('scrapes every component where monitoring runs', () => {
    const prod = values('prod');
    for (const component of [prod.controller, prod.repoServer, prod.server, prod.applicationSet]) {
      expect(component.metrics).toEqual({ enabled: true, serviceMonitor: { enabled: true } });
    }
  });

  describe('bad input', () => {
    it('refuses Redis HA on fewer than three nodes', () => {
      expect(
        platformError('dev', {
          argocd: { values: { redis: { enabled: false }, 'redis-ha': { enabled: true } } },
        }),
      ).toBe(
        "cluster 'dev' platform.argocd.values.redis-ha.enabled: Redis HA spreads 3 replicas over separate nodes that run workloads, but the cluster has 1",
      );
    });

    it('counts only the nodes that run workloads: control planes do not when workers exist', () => {
      // Regression: three control planes and one worker passed as four nodes.
      const config = configWithCluster('prod', (cluster) => ({
        ...cluster,
        nodes: cluster.nodes.filter(
          (node) => !['prod-worker-2', 'prod-worker-3'].includes(node.name),
        ),
        // One disk left: Ceph's single copy chosen knowingly, so only Argo CD's rule is at stake.
        platform: { ...cluster.platform, rookCeph: { replication: 1 } },
      }));
      expect(renderError(config)).toContain(
        "cluster 'prod' platform.argocd.values.redis-ha.enabled: Redis HA spreads 3 replicas over separate nodes that run workloads, but the cluster has 1",
      );
    });

    it('refuses both Redis flavours at once', () => {
      expect(platformError('prod', { argocd: { values: { redis: { enabled: true } } } })).toBe(
        "cluster 'prod' platform.argocd.values.redis: exactly one of redis.enabled and redis-ha.enabled must be true, got true and true",
      );
    });

    it('refuses a duplicate team and a non-https issuer', () => {
      expect(
        platformError('prod', {
          argocd: {
            teams: [
              { name: 'web', group: 'a' },
              { name: 'web', group: 'b' },
            ],
            sso: {
              name: 'SSO',
              issuer: 'http://sso',
              clientId: 'argocd',
              clientSecret: { secretName: 'argocd-oidc', key: 'clientSecret' },
            },
          },
        }),
      ).toBe(
        [
          '2 problems:',
          "  - cluster 'prod' platform.argocd.teams[1].name: must be a unique DNS-1123 label (the team's AppProject), got 'web'",
          "  - cluster 'prod' platform.argocd.sso.issuer: must be an https:// URL, got 'http://sso'",
        ].join('\n'),
      );
    });
  });
});
