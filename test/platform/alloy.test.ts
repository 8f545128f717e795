import { alloyConfig } from '../../constructs/platform/alloy';
import { findObject, referenceTree } from '../support/tree';
import { platformError, releaseValues } from '../support/platform';
import { type AlloyValues } from '../../constructs/config/alloy';
import { LOKI_URL } from '../../constructs/contract/names';

describe('Alloy', () => {
  it('runs on every node after Loki, tailing pods through the API without host mounts', () => {
    const release = findObject(
      referenceTree(),
      'platform/dev/controllers/alloy/',
      'HelmRelease',
      'alloy',
    );
    expect(release.spec?.dependsOn).toEqual([
      { name: 'loki', namespace: 'loki' },
      { name: 'kube-prometheus-stack', namespace: 'monitoring' },
    ]);
    const values = releaseValues<AlloyValues>('dev', 'alloy');
    expect(values.controller.type).toBe('daemonset');
    expect(values.alloy.mounts).toEqual({ varlog: false, dockercontainers: false });
    expect(values.alloy.configMap).toEqual({ create: true, content: alloyConfig(LOKI_URL) });
  });

  it('pushes to Loki with namespace, pod, container and app labels', () => {
    const config = alloyConfig(LOKI_URL);
    expect(config).toContain('url = "http://loki-gateway.loki.svc.cluster.local/loki/api/v1/push"');
    expect(config).toContain('loki.source.kubernetes "pods"');
    for (const label of ['namespace', 'pod', 'container', 'app']) {
      expect(config).toContain(`target_label  = "${label}"`);
    }
  });

  it('refuses to run without Loki', () => {
    expect(platformError('dev', { loki: { enabled: false } })).toBe(
      "cluster 'dev' platform.loki.enabled: 'loki' is disabled (or unknown), but 'alloy' depends on it; enable it or disable 'alloy'",
    );
  });
});
