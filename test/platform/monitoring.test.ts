import { findObject, referenceTree } from '../support/tree';
import {
  objectsUnder,
  platformError,
  releaseValues,
  renderWithPlatform,
} from '../support/platform';
import { type MonitoringValues } from '../../constructs/config/monitoring';
import { PLATFORM_LISTENER } from '../../constructs/contract/gateway';

const values = (cluster: string, tree = referenceTree()) =>
  releaseValues<MonitoringValues>(cluster, 'kube-prometheus-stack', tree);

describe('Monitoring', () => {
  it('installs after Cilium and Rook-Ceph (its volumes are Ceph volumes)', () => {
    const release = findObject(
      referenceTree(),
      'platform/prod/controllers/kube-prometheus-stack/',
      'HelmRelease',
      'kube-prometheus-stack',
    );
    expect(release.spec?.dependsOn).toEqual([
      { name: 'cilium', namespace: 'kube-system' },
      { name: 'rook-ceph', namespace: 'rook-ceph' },
    ]);
  });

  it('selects ServiceMonitors, PodMonitors, Probes and rules from every namespace', () => {
    expect(values('prod').prometheus.prometheusSpec).toMatchObject({
      serviceMonitorSelectorNilUsesHelmValues: false,
      podMonitorSelectorNilUsesHelmValues: false,
      ruleSelectorNilUsesHelmValues: false,
      probeSelectorNilUsesHelmValues: false,
    });
  });

  it('keeps 7 days on one 20Gi Ceph volume in dev and 30 days on two 100Gi in prod', () => {
    const spec = (cluster: string) => values(cluster).prometheus.prometheusSpec;
    expect(spec('dev')).toMatchObject({ replicas: 1, retention: '7d', retentionSize: '18GB' });
    expect(spec('prod')).toMatchObject({ replicas: 2, retention: '30d', retentionSize: '90GB' });
    expect(spec('prod').storageSpec.volumeClaimTemplate.spec).toEqual({
      storageClassName: 'ceph-block',
      accessModes: ['ReadWriteOnce'],
      resources: { requests: { storage: '100Gi' } },
    });
    expect(values('dev').alertmanager.alertmanagerSpec.replicas).toBe(1);
    expect(values('prod').alertmanager.alertmanagerSpec.replicas).toBe(3);
  });

  it('leaves out kube-proxy and the control-plane scrapes Talos does not expose', () => {
    expect(values('dev')).toMatchObject({
      kubeProxy: { enabled: false },
      kubeControllerManager: { enabled: false },
      kubeScheduler: { enabled: false },
      kubeEtcd: { enabled: false },
    });
  });

  it.each(['dev', 'prod'])('runs one Grafana on %s, which has no shared database', (cluster) => {
    // Regression: prod ran two replicas, each with its own SQLite users and sessions.
    expect(values(cluster).grafana.replicas).toBe(1);
  });

  it('wires Grafana: admin login from the encrypted Secret, dashboards from labelled ConfigMaps, Loki as a data source', () => {
    const grafana = values('dev').grafana;
    // Regression: `admin.existingSecret: grafana-admin` named a Secret nothing created, so Grafana
    // never started. Now it is encrypted in secrets/<cluster>/monitoring/ and synth requires it.
    expect(grafana.admin).toEqual({
      existingSecret: 'grafana-admin',
      userKey: 'admin-user',
      passwordKey: 'admin-password',
    });
    expect(
      findObject(
        referenceTree(),
        'platform/dev/controllers/kube-prometheus-stack/',
        'Secret',
        'grafana-admin',
      ),
    ).toHaveProperty('sops');
    expect(grafana.sidecar.dashboards).toEqual({
      enabled: true,
      label: 'grafana_dashboard',
      labelValue: '1',
      searchNamespace: 'ALL',
    });
    expect(grafana.sidecar.datasources).toEqual({
      enabled: true,
      defaultDatasourceEnabled: true,
      uid: 'prometheus',
    });
    expect(grafana.additionalDataSources).toEqual([
      {
        name: 'Loki',
        type: 'loki',
        uid: 'loki',
        url: 'http://loki-gateway.loki.svc.cluster.local',
        access: 'proxy',
      },
    ]);
    const withoutLoki = renderWithPlatform('dev', {
      loki: { enabled: false },
      alloy: { enabled: false },
    });
    expect(values('dev', withoutLoki).grafana.additionalDataSources).toEqual([]);
  });

  it.each(['dev', 'prod'])(
    "%s: exports each namespace's environment and team labels, for per-environment and per-team queries",
    (cluster) => {
      const values = releaseValues<MonitoringValues>(cluster, 'kube-prometheus-stack');
      expect(values['kube-state-metrics'].metricLabelsAllowlist).toEqual([
        'namespaces=[nextgen.dev/environment,nextgen.dev/team]',
      ]);
    },
  );

  it('turns Flux objects into gotk_resource_info through kube-state-metrics', () => {
    const ksm = values('dev')['kube-state-metrics'];
    expect(
      ksm.customResourceState.config.spec.resources.map((r) => r.groupVersionKind.kind),
    ).toEqual(['Kustomization', 'HelmRelease', 'GitRepository', 'HelmRepository', 'OCIRepository']);
    expect(ksm.rbac.extraRules).toContainEqual({
      apiGroups: ['helm.toolkit.fluxcd.io'],
      resources: ['helmreleases'],
      verbs: ['list', 'watch'],
    });
  });

  it('scrapes cert-manager (whose chart leaves its ServiceMonitor off) and routes Grafana', () => {
    const monitor = findObject(
      referenceTree(),
      'platform/dev/configs/kube-prometheus-stack/',
      'ServiceMonitor',
      'cert-manager',
    );
    expect(monitor.spec).toMatchObject({ namespaceSelector: { matchNames: ['cert-manager'] } });
    const route = findObject(
      referenceTree(),
      'platform/dev/configs/kube-prometheus-stack/',
      'HTTPRoute',
      'grafana',
    );
    expect(route.spec).toMatchObject({
      parentRefs: [{ sectionName: PLATFORM_LISTENER }],
      hostnames: ['grafana.dev.platform.example.com'],
      rules: [{ backendRefs: [{ name: 'kube-prometheus-stack-grafana', port: 80 }] }],
    });
  });

  it('leaves every ServiceMonitor out of the other components when monitoring is off', () => {
    const tree = renderWithPlatform('dev', {
      monitoring: { enabled: false },
      loki: { enabled: false },
      alloy: { enabled: false },
    });
    expect(objectsUnder('platform/dev/', 'ServiceMonitor', tree)).toEqual([]);
    expect(objectsUnder('platform/dev/', 'PrometheusRule', tree)).toEqual([]);
    const argocd = findObject(tree, 'platform/dev/controllers/argocd/', 'HelmRelease', 'argocd');
    expect(argocd.spec?.dependsOn).toEqual([{ name: 'cilium', namespace: 'kube-system' }]);
  });

  describe('bad input', () => {
    it('refuses selecting only the release label (apps ship their own monitors)', () => {
      expect(
        platformError('prod', {
          monitoring: {
            values: {
              prometheus: { prometheusSpec: { serviceMonitorSelectorNilUsesHelmValues: true } },
            },
          },
        }),
      ).toBe(
        "cluster 'prod' platform.monitoring.values.prometheus.prometheusSpec.serviceMonitorSelectorNilUsesHelmValues: must stay false: apps ship ServiceMonitors, PodMonitors and rules without the chart's release label",
      );
    });

    it('refuses more than one Grafana replica (each would keep its own database)', () => {
      expect(platformError('prod', { monitoring: { values: { grafana: { replicas: 2 } } } })).toBe(
        "cluster 'prod' platform.monitoring.values.grafana.replicas: must be 1: each Grafana replica keeps its own SQLite database (users, sessions), and no shared database is configured, got 2",
      );
    });

    it('refuses a retention size that does not fit the volume', () => {
      expect(
        platformError('dev', {
          monitoring: { values: { prometheus: { prometheusSpec: { retentionSize: '50GB' } } } },
        }),
      ).toBe(
        "cluster 'dev' platform.monitoring.values.prometheus.prometheusSpec.retentionSize: must be a size in GB smaller than the volume (20Gi), or Prometheus fills the disk and stops, got '50GB'",
      );
    });
  });
});
