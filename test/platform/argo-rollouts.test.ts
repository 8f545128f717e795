import { ARTIFACT_VERSIONS } from '../../constructs/platform/versions';
import { findObject, referenceTree } from '../support/tree';
import { objectsUnder, releaseValues, renderWithPlatform } from '../support/platform';
import type { ArgoRolloutsValues } from '../../constructs/config/argo-rollouts';
import { PLATFORM_LISTENER, ROLLOUTS_GATEWAY_PLUGIN } from '../../constructs/contract/gateway';

const values = (cluster: string, tree = referenceTree()) =>
  releaseValues<ArgoRolloutsValues>(cluster, 'argo-rollouts', tree);

describe('ArgoRollouts', () => {
  it('loads the Gateway API traffic router under the name rollouts reference', () => {
    expect(values('dev').controller.trafficRouterPlugins).toEqual([
      { name: ROLLOUTS_GATEWAY_PLUGIN, location: ARTIFACT_VERSIONS.rolloutsGatewayPlugin },
    ]);
    expect(ROLLOUTS_GATEWAY_PLUGIN).toBe('argoproj-labs/gatewayAPI');
  });

  it("lets the controller edit HTTPRoutes and the plugin's state ConfigMap, no other", () => {
    const role = findObject(
      referenceTree(),
      'platform/dev/controllers/argo-rollouts/',
      'ClusterRole',
      'argo-rollouts-gateway-api',
    );
    expect(role.rules).toEqual([
      {
        apiGroups: ['gateway.networking.k8s.io'],
        resources: ['httproutes', 'grpcroutes'],
        verbs: ['get', 'list', 'watch', 'update', 'patch'],
      },
      {
        apiGroups: [''],
        resources: ['configmaps'],
        resourceNames: ['argo-gatewayapi-configmap'],
        verbs: ['get', 'update', 'patch'],
      },
      { apiGroups: [''], resources: ['configmaps'], verbs: ['create'] },
    ]);
    // The chart's own provider rules would grant create and update on every ConfigMap.
    expect(values('dev').providerRBAC.enabled).toBe(false);
    const binding = findObject(
      referenceTree(),
      'platform/dev/controllers/argo-rollouts/',
      'ClusterRoleBinding',
      'argo-rollouts-gateway-api',
    );
    expect(binding.subjects).toEqual([
      { kind: 'ServiceAccount', name: 'argo-rollouts', namespace: 'argo-rollouts' },
    ]);
  });

  it('runs one controller in dev, two in prod, with metrics and a read-only dashboard everywhere', () => {
    expect(values('dev').controller.replicas).toBe(1);
    expect(values('prod').controller).toMatchObject({
      replicas: 2,
      metrics: { enabled: true, serviceMonitor: { enabled: true } },
    });
    // Regression: dev's dashboard (no login) let anyone promote or abort rollouts.
    expect(values('dev').dashboard).toMatchObject({ enabled: true, readonly: true });
    expect(values('prod').dashboard).toMatchObject({ enabled: true, readonly: true });
    // The chart's dashboard container has no securityContext: without one it breaks the
    // restricted profile of the argo-rollouts namespace.
    expect(values('prod').dashboard).toMatchObject({
      containerSecurityContext: {
        allowPrivilegeEscalation: false,
        capabilities: { drop: ['ALL'] },
        seccompProfile: { type: 'RuntimeDefault' },
      },
    });
  });

  it('makes the dashboard writable only where a cluster says so', () => {
    const tree = renderWithPlatform('dev', {
      argoRollouts: { values: { dashboard: { readonly: false } } },
    });
    expect(values('dev', tree).dashboard).toMatchObject({ enabled: true, readonly: false });
  });

  it('routes the dashboard on the platform listener only on request: it has no login', () => {
    expect(
      objectsUnder('platform/prod/', 'HTTPRoute').map(({ metadata }) => metadata.name),
    ).not.toContain('rollouts');
    const route = findObject(
      renderWithPlatform('prod', { argoRollouts: { publishUi: true } }),
      'platform/prod/configs/argo-rollouts/',
      'HTTPRoute',
      'rollouts',
    );
    expect(route.spec).toMatchObject({
      parentRefs: [{ sectionName: PLATFORM_LISTENER }],
      hostnames: ['rollouts.prod.platform.example.com'],
      rules: [{ backendRefs: [{ name: 'argo-rollouts-dashboard', port: 3100 }] }],
    });
  });

  it('replaces the plugin list whole when a cluster overrides it', () => {
    const plugins = [{ name: ROLLOUTS_GATEWAY_PLUGIN, location: 'file:///plugins/gatewayapi' }];
    const tree = renderWithPlatform('dev', {
      argoRollouts: { values: { controller: { trafficRouterPlugins: plugins } } },
    });
    expect(values('dev', tree).controller).toMatchObject({
      trafficRouterPlugins: plugins,
      replicas: 1,
    });
  });
});
