import { objectsUnder } from '../support/platform';
import { checkRules } from '../support/promtool';
import {
  DASHBOARDS,
  GRAFANA_DASHBOARD_LABEL,
} from '../../constructs/platform/monitoring-dashboards';

describe('Monitoring dashboards', () => {
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

  it('every dashboard query is valid PromQL (checked by promtool as recording rules)', () => {
    const records = Object.entries(DASHBOARDS).flatMap(([stem, dashboard]) =>
      dashboard.panels.map((panel, i) => ({
        record: `dashboard:${stem.replace(/-/g, '_')}:${i}`,
        expr: panel.expr,
      })),
    );
    expect(checkRules({ groups: [{ name: 'dashboards', rules: records }] })).toContain('SUCCESS');
  });
});
