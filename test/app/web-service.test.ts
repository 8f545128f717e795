import { Duration } from 'cdk8s';
import { RolloutStrategy, WebService } from '../../constructs/app';
import { renderApps } from '../support/apps';
import { findObject, objectsOf, type Loose, type RenderedObject } from '../support/tree';

const base = { team: 'shop', image: 'registry.example.com/shop/app' };
const rolling = WebService.define({ ...base, name: 'plain', replicas: 2 });
const canary = WebService.define({
  ...base,
  name: 'canary-app',
  rollout: RolloutStrategy.canary({
    steps: [
      { weight: 20, pause: Duration.seconds(60) },
      { weight: 60, pause: RolloutStrategy.MANUAL },
      { weight: 100 },
    ],
    analysis: { minSuccessRate: 0.995, maxP95Latency: Duration.millis(250), failureLimit: 1 },
  }),
});
const blueGreen = WebService.define({
  ...base,
  name: 'bg-app',
  ports: [
    { name: 'http', port: 3000 },
    { name: 'metrics', port: 9100 },
  ],
  metrics: { port: 'metrics', interval: Duration.seconds(10) },
  host: (domain) => `www.${domain}`,
  autoscaling: { minReplicas: 2, maxReplicas: 5 },
  rollout: RolloutStrategy.blueGreen({
    scaleDownDelay: Duration.seconds(90),
    autoPromotion: false,
  }),
});
const tree = renderApps([rolling, canary, blueGreen]);
const inApp = (env: string, app: string, kind: string, name = app) =>
  findObject(tree, `apps/${env}/${app}/`, kind, name);
const spec = (object: RenderedObject) => object.spec as Record<string, Loose>;

describe('WebService with the rolling template', () => {
  it('renders a Deployment that never drops capacity during an update', () => {
    const deployment = spec(inApp('dev', 'plain', 'Deployment'));
    expect(deployment.replicas).toBe(2);
    expect(deployment.strategy).toEqual({
      type: 'RollingUpdate',
      rollingUpdate: { maxSurge: '25%', maxUnavailable: 0 },
    });
    expect(
      objectsOf(tree).some(
        ({ file, object }) => file.startsWith('apps/dev/plain/') && object.kind === 'Rollout',
      ),
    ).toBe(false);
  });

  it('routes <name>.<domain> through the environment listener of the cluster Gateway', () => {
    expect(spec(inApp('test', 'plain', 'HTTPRoute'))).toEqual({
      parentRefs: [
        {
          group: 'gateway.networking.k8s.io',
          kind: 'Gateway',
          name: 'platform',
          namespace: 'gateway',
          sectionName: 'https-test',
        },
      ],
      hostnames: ['plain.test.example.com'],
      rules: [
        {
          matches: [{ path: { type: 'PathPrefix', value: '/' } }],
          backendRefs: [{ group: '', kind: 'Service', name: 'plain', port: 8080 }],
        },
        // its metrics are on the routed port: the Gateway answers their path itself
        {
          matches: [{ path: { type: 'PathPrefix', value: '/metrics' } }],
          filters: [
            {
              type: 'RequestRedirect',
              requestRedirect: {
                path: { type: 'ReplaceFullPath', replaceFullPath: '/' },
                statusCode: 302,
              },
            },
          ],
        },
      ],
    });
  });

  it('routes no rule of its own for metrics on a port the Gateway does not reach', () => {
    // bg-app serves metrics on its 'metrics' port, which no route or Service of the Gateway uses
    expect(spec(inApp('prod', 'bg-app', 'HTTPRoute')).rules).toEqual([
      {
        matches: [{ path: { type: 'PathPrefix', value: '/' } }],
        backendRefs: [{ group: '', kind: 'Service', name: 'bg-app', port: 3000 }],
      },
    ]);
    const custom = WebService.define({
      ...base,
      name: 'custom',
      metrics: { path: '/internal/prom' },
    });
    const route = findObject(renderApps([custom]), 'apps/dev/custom/', 'HTTPRoute', 'custom');
    expect(spec(route).rules[1].matches).toEqual([
      { path: { type: 'PathPrefix', value: '/internal/prom' } },
    ]);
  });

  it('lives in <env>-<app> with quota, limits and its own service account', () => {
    // Flux creates it, beside the Application, so Argo CD needs no right on namespaces.
    const namespace = findObject(tree, 'argocd/prod/', 'Namespace', 'prod-plain');
    expect(namespace.metadata.labels).toMatchObject({
      'nextgen.dev/app-namespace': 'true',
      'nextgen.dev/team': 'shop',
      'nextgen.dev/environment': 'prod',
      'pod-security.kubernetes.io/enforce': 'restricted',
    });
    // prod: 2 replicas -> 2 * 2 + 1 = 5 pods at most, 250m CPU request each
    expect(spec(inApp('prod', 'plain', 'ResourceQuota')).hard).toEqual({
      pods: 5,
      'requests.cpu': '1250m',
      'limits.cpu': '5000m',
      'requests.memory': '1280Mi',
      'limits.memory': '2560Mi',
    });
    expect(inApp('prod', 'plain', 'ServiceAccount').automountServiceAccountToken).toBe(false);
  });
});

describe('WebService with the canary template', () => {
  const rollout = () => spec(inApp('prod', 'canary-app', 'Rollout'));

  it('splits traffic on the HTTPRoute through the Rollouts Gateway API plugin', () => {
    expect(rollout().strategy.canary).toMatchObject({
      stableService: 'canary-app',
      canaryService: 'canary-app-canary',
      trafficRouting: {
        plugins: {
          'argoproj-labs/gatewayAPI': { httpRoute: 'canary-app', namespace: 'prod-canary-app' },
        },
      },
    });
    const backends = spec(inApp('prod', 'canary-app', 'HTTPRoute')).rules[0].backendRefs;
    expect(backends.map((b: { name: string; weight: number }) => [b.name, b.weight])).toEqual([
      ['canary-app', 100],
      ['canary-app-canary', 0],
    ]);
    inApp('prod', 'canary-app', 'Service', 'canary-app-canary');
  });

  it('renders the weighted steps with their pauses (manual = no duration)', () => {
    expect(rollout().strategy.canary.steps).toEqual([
      { setWeight: 20 },
      { pause: { duration: '60s' } },
      { setWeight: 60 },
      { pause: {} },
      { setWeight: 100 },
    ]);
  });

  it('runs the background analysis on the canary ReplicaSet from the first step', () => {
    expect(rollout().strategy.canary.analysis).toEqual({
      templates: [{ templateName: 'canary-app' }],
      args: [
        { name: 'namespace', value: 'prod-canary-app' },
        { name: 'latest-hash', valueFrom: { podTemplateHashValue: 'Latest' } },
      ],
      startingStep: 0,
    });
  });

  it('analyses success rate and p95 latency against the thresholds from props', () => {
    const template = inApp('prod', 'canary-app', 'AnalysisTemplate');
    expect(template.metadata).toMatchObject({
      annotations: { 'argocd.argoproj.io/sync-wave': '-1' },
    });
    const metrics = spec(template).metrics;
    expect(metrics.map((m: { name: string }) => m.name)).toEqual(['success-rate', 'latency-p95']);
    expect(metrics[0]).toMatchObject({
      interval: '20s',
      failureLimit: 1,
      successCondition: 'len(result) > 0 && !isNaN(result[0]) && result[0] >= 0.995',
    });
    expect(metrics[0].count).toBeUndefined();
    expect(spec(template).args).toEqual([{ name: 'namespace' }, { name: 'latest-hash' }]);
    // by the new pods' template hash, not by a Service that selected stable pods a moment ago
    const selector =
      'namespace="{{args.namespace}}",rollouts_pod_template_hash="{{args.latest-hash}}"';
    expect(metrics[0].provider.prometheus.query).toBe(
      `1 - ((sum(rate(http_requests_total{${selector},code=~"5.."}[60s])) or vector(0)) / ` +
        `sum(rate(http_requests_total{${selector}}[60s])))`,
    );
    expect(metrics[1].provider.prometheus.query).toBe(
      `histogram_quantile(0.95, sum by (le) (rate(http_request_duration_seconds_bucket{${selector}}[60s])))`,
    );
    expect(metrics[1].successCondition).toBe(
      'len(result) > 0 && !isNaN(result[0]) && result[0] <= 0.25',
    );
    expect(metrics[1].provider.prometheus.address).toBe(
      'http://prometheus-operated.monitoring.svc:9090',
    );
  });
});

describe('WebService with the blue-green template', () => {
  const strategy = () => spec(inApp('prod', 'bg-app', 'Rollout')).strategy.blueGreen;

  it('has active and preview Services, smoke-tested before promotion and analysed after it', () => {
    expect(strategy()).toEqual({
      activeService: 'bg-app',
      previewService: 'bg-app-preview',
      autoPromotionEnabled: false,
      scaleDownDelaySeconds: 90,
      // the preview has no user traffic for Prometheus to judge: requests it must answer
      prePromotionAnalysis: { templates: [{ templateName: 'bg-app-smoke' }] },
      // the new ReplicaSet behind the active Service, judged by its real traffic
      postPromotionAnalysis: {
        templates: [{ templateName: 'bg-app' }],
        args: [
          { name: 'namespace', value: 'prod-bg-app' },
          { name: 'latest-hash', valueFrom: { podTemplateHashValue: 'Latest' } },
        ],
      },
    });
    const [successRate] = spec(inApp('prod', 'bg-app', 'AnalysisTemplate')).metrics;
    // two of the 10 s scrapes before the first measurement: rate() has no value before that
    expect(successRate).toMatchObject({ count: 5, initialDelay: '20s', interval: '20s' });
  });

  it('smoke-tests the preview from the Rollouts controller: every request must answer 2xx', () => {
    expect(spec(inApp('prod', 'bg-app', 'AnalysisTemplate', 'bg-app-smoke'))).toEqual({
      metrics: [
        {
          name: 'smoke',
          interval: '5s',
          count: 6,
          // a non-2xx answer is a measurement error; the second in a row fails the run
          consecutiveErrorLimit: 1,
          provider: {
            web: {
              // the readiness path on the HTTP port of the preview Service
              url: 'http://bg-app-preview.prod-bg-app.svc:3000/healthz/ready',
              timeoutSeconds: 5,
            },
          },
        },
      ],
    });
    const custom = WebService.define({
      ...base,
      name: 'smoky',
      rollout: RolloutStrategy.blueGreen({
        smokeTest: { path: '/api/orders?limit=1', requests: 3, interval: Duration.seconds(2) },
      }),
    });
    const smoke = findObject(
      renderApps([custom]),
      'apps/dev/smoky/',
      'AnalysisTemplate',
      'smoky-smoke',
    );
    expect(spec(smoke).metrics[0]).toMatchObject({
      interval: '2s',
      count: 3,
      provider: {
        web: { url: 'http://smoky-preview.dev-smoky.svc:8080/api/orders?limit=1' },
      },
    });
  });

  it('leaves replicas to the autoscaler, which scales the Rollout', () => {
    expect(spec(inApp('dev', 'bg-app', 'Rollout')).replicas).toBeUndefined();
    expect(spec(inApp('dev', 'bg-app', 'HorizontalPodAutoscaler'))).toMatchObject({
      scaleTargetRef: { apiVersion: 'argoproj.io/v1alpha1', kind: 'Rollout', name: 'bg-app' },
      minReplicas: 2,
      maxReplicas: 5,
    });
  });

  it('takes a custom host and scrapes the metrics port at the interval given', () => {
    expect(spec(inApp('prod', 'bg-app', 'HTTPRoute')).hostnames).toEqual(['www.example.com']);
    // One scrape per pod: a ServiceMonitor scraped a pod once per Service selecting it (stable
    // and canary, active and preview) and doubled it in every sum.
    expect(
      objectsOf(tree).filter(
        ({ object }) =>
          object.kind === 'ServiceMonitor' && object.metadata.namespace?.endsWith('bg-app'),
      ),
    ).toEqual([]);
    const monitor = spec(inApp('prod', 'bg-app', 'PodMonitor'));
    expect(monitor.podMetricsEndpoints).toEqual([
      { port: 'metrics', path: '/metrics', interval: '10s' },
    ]);
    expect(monitor.selector).toEqual({
      matchLabels: {
        'app.kubernetes.io/name': 'bg-app',
        'app.kubernetes.io/instance': 'prod-bg-app',
      },
    });
    // the analysis selects the new version's series by this label
    expect(monitor.podTargetLabels).toEqual(['rollouts-pod-template-hash']);
  });
});

describe('the network policy of a web service', () => {
  it('allows the gateway, Prometheus on the metrics port, the smoke test, and DNS; nothing else', () => {
    expect(spec(inApp('dev', 'bg-app', 'CiliumNetworkPolicy'))).toEqual({
      endpointSelector: {
        matchLabels: {
          'app.kubernetes.io/instance': 'dev-bg-app',
          'app.kubernetes.io/name': 'bg-app',
        },
      },
      ingress: [
        { fromEntities: ['ingress'], toPorts: [{ ports: [{ port: '3000', protocol: 'TCP' }] }] },
        {
          fromEndpoints: [
            {
              matchLabels: {
                'k8s:io.kubernetes.pod.namespace': 'monitoring',
                'app.kubernetes.io/name': 'prometheus',
              },
            },
          ],
          toPorts: [{ ports: [{ port: '9100', protocol: 'TCP' }] }],
        },
        // the smoke test of the preview, from the Rollouts controller only
        {
          fromEndpoints: [
            {
              matchLabels: {
                'k8s:io.kubernetes.pod.namespace': 'argo-rollouts',
                'app.kubernetes.io/name': 'argo-rollouts',
                'app.kubernetes.io/component': 'rollouts-controller',
              },
            },
          ],
          toPorts: [{ ports: [{ port: '3000', protocol: 'TCP' }] }],
        },
      ],
      egress: [
        {
          toEndpoints: [
            {
              matchLabels: {
                'k8s:io.kubernetes.pod.namespace': 'kube-system',
                'k8s:k8s-app': 'kube-dns',
              },
            },
          ],
          toPorts: [
            { ports: [{ port: '53', protocol: 'ANY' }], rules: { dns: [{ matchPattern: '*' }] } },
          ],
        },
      ],
    });
  });

  it('lets in every app that declares it a dependency, of any team, only where that app runs', () => {
    const api = WebService.define({ ...base, name: 'api', ports: [{ name: 'http', port: 9000 }] });
    const client = WebService.define({
      name: 'client',
      team: 'other-team',
      image: 'registry.example.com/other/client',
      dependencies: ['api'],
      environments: { prod: { enabled: false } },
    });
    const caller = WebService.define({
      ...base,
      name: 'caller',
      environments: { prod: { enabled: false } },
    });
    const withCaller = WebService.define({
      ...base,
      name: 'api',
      ports: [{ name: 'http', port: 9000 }],
      callers: ['caller'],
    });
    const fromNamespaces = (rendered: ReturnType<typeof renderApps>, env: string) =>
      (
        spec(findObject(rendered, `apps/${env}/api/`, 'CiliumNetworkPolicy', 'api')).ingress as {
          fromEndpoints?: { matchLabels: Record<string, string> }[];
          toPorts: unknown;
        }[]
      )
        .map((rule) => [
          rule.fromEndpoints?.[0].matchLabels['k8s:io.kubernetes.pod.namespace'],
          rule.toPorts,
        ])
        .filter(([namespace]) => namespace !== undefined && namespace !== 'monitoring');
    const port = [{ ports: [{ port: '9000', protocol: 'TCP' }] }];

    const dependents = renderApps([api, client], {
      dev: { api: '1', client: '1' },
      test: { api: '1', client: '1' },
      prod: { api: '1' },
    });
    expect(fromNamespaces(dependents, 'dev')).toEqual([['dev-client', port]]);
    expect(fromNamespaces(dependents, 'prod')).toEqual([]);

    const callers = renderApps([withCaller, caller], {
      dev: { api: '1', caller: '1' },
      test: { api: '1', caller: '1' },
      prod: { api: '1' },
    });
    expect(fromNamespaces(callers, 'test')).toEqual([['test-caller', port]]);
    expect(fromNamespaces(callers, 'prod')).toEqual([]);
  });

  it('is applied in the foundation wave, before the workload starts pods', () => {
    const policy = inApp('prod', 'canary-app', 'CiliumNetworkPolicy');
    expect(policy.metadata).toMatchObject({
      annotations: { 'argocd.argoproj.io/sync-wave': '-1' },
    });
  });
});
