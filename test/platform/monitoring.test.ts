import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { stringify } from 'yaml';
import {
  ALERT_GROUPS,
  DASHBOARDS,
  GRAFANA_DASHBOARD_LABEL,
} from '../../constructs/platform/monitoring';
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

/** Runs `promtool check rules` on a rule file; returns its output, throwing on invalid rules. */
function promtool(spec: object): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'promtool-'));
  const file = path.join(dir, 'rules.yaml');
  fs.writeFileSync(file, stringify(spec));
  try {
    return execFileSync('promtool', ['check', 'rules', file], { encoding: 'utf8' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new Error(
        'promtool not found: install it with `apt-get install prometheus` (scripts/ensure-promtool.sh, run before npm test, does when it may)',
      );
    }
    throw error;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Runs `promtool test rules`: the rule groups against synthetic series, expecting the alerts
 * listed at each evaluation time. Returns promtool's output; throws when an expectation fails.
 */
function promtoolTest(spec: object, tests: object[]): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'promtool-test-'));
  fs.writeFileSync(path.join(dir, 'rules.yaml'), stringify(spec));
  const file = path.join(dir, 'tests.yaml');
  fs.writeFileSync(
    file,
    stringify({ rule_files: ['rules.yaml'], evaluation_interval: '1m', tests }),
  );
  try {
    return execFileSync('promtool', ['test', 'rules', file], { encoding: 'utf8', stdio: 'pipe' });
  } catch (error) {
    const { stdout, stderr } = error as { stdout?: string; stderr?: string };
    throw new Error(`promtool test rules failed:\n${stdout ?? ''}${stderr ?? ''}`);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

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

  it('wires Grafana: admin from a Secret, dashboards from labelled ConfigMaps, Loki as a data source', () => {
    const grafana = values('dev').grafana;
    expect(grafana.admin).toEqual({ existingSecret: 'grafana-admin' });
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

  it('ships the platform, Flux, Argo CD and Rollouts dashboards as labelled ConfigMaps', () => {
    const maps = objectsUnder('platform/prod/configs/kube-prometheus-stack/', 'ConfigMap');
    expect(maps.map((m) => m.metadata.name).sort()).toEqual([
      'dashboard-argocd',
      'dashboard-flux',
      'dashboard-platform-overview',
      'dashboard-rollouts',
    ]);
    for (const map of maps) {
      expect(map.metadata.labels).toEqual({
        [GRAFANA_DASHBOARD_LABEL.key]: GRAFANA_DASHBOARD_LABEL.value,
      });
      const [json] = Object.values(map.data as Record<string, string>);
      const model = JSON.parse(json) as { uid: string; panels: { targets: { expr: string }[] }[] };
      expect(model.uid).toBe(`platform-${map.metadata.name.replace('dashboard-', '')}`);
      expect(model.panels.length).toBeGreaterThan(0);
      expect(JSON.stringify(model.panels)).toContain(
        '"datasource":{"type":"prometheus","uid":"prometheus"}',
      );
    }
  });

  it('renders the day-one alerts', () => {
    const alerts = objectsUnder(
      'platform/dev/configs/kube-prometheus-stack/',
      'PrometheusRule',
    ).flatMap((rule) =>
      (rule.spec as { groups: { rules: { alert: string }[] }[] }).groups.flatMap((g) =>
        g.rules.map((r) => r.alert),
      ),
    );
    expect(alerts.sort()).toEqual([
      'ArgoCdAppDegraded',
      'ArgoCdAppOutOfSync',
      'CephHealthError',
      'CephHealthWarning',
      'CertificateExpiresSoon',
      'CertificateNotReady',
      'ClusterCpuOvercommitted',
      'ClusterMemoryOvercommitted',
      'DeploymentRolloutLagging',
      'FluxReconciliationFailing',
      'RolloutDegraded',
    ]);
    const argocd = ALERT_GROUPS.argocd.find((rule) => rule.alert === 'ArgoCdAppDegraded');
    expect(argocd).toMatchObject({ for: '10m', labels: { severity: 'critical' } });
  });

  it.each(['dev', 'prod'])(
    'every rendered PrometheusRule on %s passes promtool check rules',
    (cluster) => {
      const rules = objectsUnder(`platform/${cluster}/`, 'PrometheusRule');
      expect(rules.length).toBeGreaterThan(0);
      for (const rule of rules) {
        expect(promtool(rule.spec as object)).toContain('SUCCESS');
      }
    },
  );

  it.each(['cpu', 'memory'] as const)(
    'counts only Pending and Running pods toward %s overcommit (promtool test rules)',
    (resource) => {
      // Regression: requests of finished pods (kube-state-metrics keeps them until the pod is
      // deleted) counted as used capacity and fired the alert on an idle cluster.
      const alert = resource === 'cpu' ? 'ClusterCpuOvercommitted' : 'ClusterMemoryOvercommitted';
      const rule = ALERT_GROUPS.capacity.find((candidate) => candidate.alert === alert);
      const pod = (name: string, phase: string, requests: number) => [
        {
          series: `kube_pod_container_resource_requests{resource="${resource}",namespace="a",pod="${name}",container="c",node="n1"}`,
          values: `${requests}x30`,
        },
        ...['Pending', 'Running', 'Succeeded', 'Failed'].map((candidate) => ({
          series: `kube_pod_status_phase{namespace="a",pod="${name}",phase="${candidate}"}`,
          values: `${candidate === phase ? 1 : 0}x30`,
        })),
      ];
      const allocatable = {
        series: `kube_node_status_allocatable{resource="${resource}",node="n1"}`,
        values: '10x30',
      };
      const output = promtoolTest({ groups: [{ name: 'capacity', rules: [rule] }] }, [
        {
          interval: '1m',
          // 5 of 10 requested by a running pod; a finished Job's 5 more must not count.
          input_series: [allocatable, ...pod('web', 'Running', 5), ...pod('job', 'Succeeded', 5)],
          alert_rule_test: [{ eval_time: '20m', alertname: alert, exp_alerts: [] }],
        },
        {
          interval: '1m',
          // 9.5 of 10 requested by a running and a pending pod: overcommitted.
          input_series: [allocatable, ...pod('web', 'Running', 5), ...pod('next', 'Pending', 4.5)],
          alert_rule_test: [
            {
              eval_time: '20m',
              alertname: alert,
              exp_alerts: [
                {
                  exp_labels: { severity: 'warning' },
                  exp_annotations: { ...rule?.annotations },
                },
              ],
            },
          ],
        },
      ]);
      expect(output).toContain('SUCCESS');
    },
  );

  it('every dashboard query is valid PromQL (checked by promtool as recording rules)', () => {
    const records = Object.entries(DASHBOARDS).flatMap(([stem, dashboard]) =>
      dashboard.panels.map((panel, i) => ({
        record: `dashboard:${stem.replace(/-/g, '_')}:${i}`,
        expr: panel.expr,
      })),
    );
    expect(promtool({ groups: [{ name: 'dashboards', rules: records }] })).toContain('SUCCESS');
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
