import { APPS } from '../../apps';
import { ENVIRONMENTS } from '../../environments';
import { findObject, objectsOf, referenceTree, type RenderedObject } from '../support/tree';

const tree = referenceTree();
const spec = (object: RenderedObject) => object.spec as Record<string, unknown>;

describe('Argo CD registrations of the reference apps', () => {
  it('has one Application per app per environment, on the environment’s cluster', () => {
    const applications = (cluster: string) =>
      objectsOf(tree)
        .filter(
          ({ file, object }) =>
            file.startsWith(`argocd/${cluster}/`) && object.kind === 'Application',
        )
        .map(({ object }) => object.metadata.name);
    // Derived from APPS, so adding an app (README "Add an app") keeps this true.
    const expected = (cluster: string) =>
      ENVIRONMENTS.filter((environment) => environment.cluster === cluster)
        .flatMap((environment) =>
          APPS.filter((app) => app.enabledIn(environment)).map(
            (app) => `${environment.name}-${app.name}`,
          ),
        )
        .sort();
    expect(applications('dev')).toEqual(expected('dev'));
    expect(applications('prod')).toEqual(expected('prod'));
    // dev and test share the dev cluster; the worker is disabled in prod
    expect(applications('dev')).toEqual(
      expect.arrayContaining(['dev-checkout-api', 'test-order-worker', 'test-storefront']),
    );
    expect(applications('prod')).toEqual(
      expect.arrayContaining(['prod-checkout-api', 'prod-storefront']),
    );
    expect(applications('prod')).not.toContain('prod-order-worker');
  });

  it('points each Application at its folder of this repository, in its namespace and project', () => {
    const application = findObject(tree, 'argocd/prod/', 'Application', 'prod-checkout-api');
    expect(application.metadata.namespace).toBe('argocd');
    expect(spec(application)).toMatchObject({
      project: 'payments',
      source: {
        repoURL: 'ssh://git@git.example.com/nextgen/gitops.git',
        targetRevision: 'main',
        path: 'gitops/apps/prod/checkout-api',
      },
      destination: { server: 'https://kubernetes.default.svc', namespace: 'prod-checkout-api' },
    });
    expect(tree.files.has('apps/prod/checkout-api/kustomization.yaml')).toBe(true);
  });

  it('syncs automatically with prune and self-heal in dev and test, and waits for a person in prod', () => {
    const syncPolicy = (cluster: string, name: string) =>
      spec(findObject(tree, `argocd/${cluster}/`, 'Application', name)).syncPolicy as Record<
        string,
        unknown
      >;
    expect(syncPolicy('dev', 'dev-storefront').automated).toEqual({ prune: true, selfHeal: true });
    expect(syncPolicy('dev', 'test-storefront').automated).toEqual({ prune: true, selfHeal: true });
    expect(syncPolicy('prod', 'prod-storefront').automated).toBeUndefined();
  });

  it('keeps self-heal from undoing the canary route weights the Rollouts plugin sets', () => {
    for (const [cluster, env] of [
      ['dev', 'dev'],
      ['dev', 'test'],
      ['prod', 'prod'],
    ]) {
      const application = spec(
        findObject(tree, `argocd/${cluster}/`, 'Application', `${env}-checkout-api`),
      );
      expect(application.ignoreDifferences).toEqual([
        {
          group: 'gateway.networking.k8s.io',
          kind: 'HTTPRoute',
          name: 'checkout-api',
          namespace: `${env}-checkout-api`,
          jqPathExpressions: ['.spec.rules[].backendRefs[]?.weight'],
        },
      ]);
      // a sync (self-heal's included) applies only out-of-sync objects, so a route differing
      // only in its weights is not written back; RespectIgnoreDifferences would freeze the
      // route's whole rules array on a CRD (argo-cd #17694)
      const options = (application.syncPolicy as { syncOptions: string[] }).syncOptions;
      expect(options).toContain('ApplyOutOfSyncOnly=true');
      expect(options).not.toContain('RespectIgnoreDifferences=true');
    }
    // the route it names is the one the Rollout's plugin manages
    const rollout = spec(findObject(tree, 'apps/dev/checkout-api/', 'Rollout', 'checkout-api'));
    expect(rollout).toMatchObject({
      strategy: {
        canary: {
          trafficRouting: {
            plugins: {
              'argoproj-labs/gatewayAPI': {
                httpRoute: 'checkout-api',
                namespace: 'dev-checkout-api',
              },
            },
          },
        },
      },
    });
    // blue-green switches Services, not route weights: nothing to ignore
    const storefront = spec(findObject(tree, 'argocd/dev/', 'Application', 'dev-storefront'));
    expect(storefront.ignoreDifferences).toBeUndefined();
    expect(storefront.syncPolicy).toMatchObject({ syncOptions: ['PruneLast=true'] });
  });

  it('gives each team a project limited to this repo, its own namespaces and the app kinds', () => {
    const project = spec(findObject(tree, 'argocd/dev/', 'AppProject', 'payments'));
    expect(project.sourceRepos).toEqual(['ssh://git@git.example.com/nextgen/gitops.git']);
    expect(project.destinations).toEqual([
      { server: 'https://kubernetes.default.svc', namespace: 'dev-checkout-api' },
      { server: 'https://kubernetes.default.svc', namespace: 'dev-order-worker' },
      { server: 'https://kubernetes.default.svc', namespace: 'test-checkout-api' },
      { server: 'https://kubernetes.default.svc', namespace: 'test-order-worker' },
    ]);
    // Flux creates the apps' namespaces: a team may create or relabel none.
    expect(project.clusterResourceWhitelist).toEqual([]);
    expect(project.namespaceResourceWhitelist).toContainEqual({
      group: 'argoproj.io',
      kind: 'Rollout',
    });
    expect(project.namespaceResourceWhitelist).not.toContainEqual({
      group: 'rbac.authorization.k8s.io',
      kind: 'RoleBinding',
    });
    expect(spec(findObject(tree, 'argocd/prod/', 'AppProject', 'web')).destinations).toEqual([
      { server: 'https://kubernetes.default.svc', namespace: 'prod-storefront' },
    ]);
  });

  it('creates what a workload needs, its network policy included, in an earlier sync wave', () => {
    const wave = (object: RenderedObject) =>
      Number(
        (object.metadata as { annotations?: Record<string, string> }).annotations?.[
          'argocd.argoproj.io/sync-wave'
        ] ?? 0,
      );
    for (const app of [
      'apps/prod/checkout-api/',
      'apps/prod/storefront/',
      'apps/dev/order-worker/',
    ]) {
      const objects = objectsOf(tree).filter(({ file }) => file.startsWith(app));
      const workloads = objects.filter(({ object }) =>
        ['Deployment', 'Rollout', 'CronJob'].includes(object.kind),
      );
      expect(workloads).toHaveLength(1);
      const workloadWave = wave(workloads[0].object);
      // The namespace itself comes from Flux (argocd/<cluster>/), before any sync.
      const needed = ['ResourceQuota', 'LimitRange', 'ServiceAccount', 'CiliumNetworkPolicy'];
      if (app.includes('checkout-api')) needed.push('ConfigMap');
      if (app.includes('/prod/')) needed.push('AnalysisTemplate');
      for (const kind of needed) {
        const found = objects.filter(({ object }) => object.kind === kind);
        // blue-green: the post-promotion analysis and the preview's smoke test
        expect(found).toHaveLength(
          kind === 'AnalysisTemplate' && app.includes('storefront') ? 2 : 1,
        );
        // pods never start before their namespace is restricted and their policy is in place
        expect(wave(found[0].object)).toBeLessThan(workloadWave);
      }
    }
  });
});
