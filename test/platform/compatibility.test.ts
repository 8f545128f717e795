// The compatibility table: each rule holds for the catalog, and a bump that breaks it fails
// synth with the catalog field, the rule and its upstream source.
import {
  CATALOG_VERSIONS,
  checkCompatibility,
  rolloutExtensionProblem,
  type CatalogVersions,
} from '../../constructs/platform/compatibility';
import { ConfigError } from '../../constructs/errors';
import { CHART_VERSIONS, GIT_VERSIONS } from '../../constructs/platform/versions';
import { renderTree } from '../../synth/render';
import { loadConfig } from '../../environments';

/** The problems of a changed catalog, one line each. */
function problemsOf(change: (versions: CatalogVersions) => CatalogVersions): string[] {
  try {
    checkCompatibility(change(CATALOG_VERSIONS));
    return [];
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    return error.problems.map(({ subject, field, message }) => `${subject} ${field}: ${message}`);
  }
}

const withChart =
  (key: keyof typeof CHART_VERSIONS, version: string | undefined) =>
  (versions: CatalogVersions): CatalogVersions => {
    const charts: Record<string, (typeof CHART_VERSIONS)[keyof typeof CHART_VERSIONS]> = {
      ...versions.charts,
    } as never;
    if (version === undefined) delete charts[key];
    else charts[key] = { ...CHART_VERSIONS[key], version } as never;
    return { ...versions, charts };
  };

describe('the compatibility table', () => {
  it('holds for the catalog', () => {
    expect(problemsOf((versions) => versions)).toEqual([]);
  });

  it('refuses Gateway API v1.5+ with Cilium 1.19 (the pair the reference platform shipped)', () => {
    const problems = problemsOf((versions) => ({
      ...versions,
      git: { ...versions.git, gatewayApiCrds: { ...GIT_VERSIONS.gatewayApiCrds, tag: 'v1.6.1' } },
    }));
    expect(problems).toEqual([
      expect.stringMatching(
        /^versions catalog \(Cilium ↔ Gateway API CRDs\) GIT_VERSIONS\.gatewayApiCrds\.tag: Cilium 1\.19\.\d+ runs with Gateway API up to v1\.4\.x, got v1\.6\.1 \(its operator exits at start\) \(source: https:\/\/github\.com\/cilium\/cilium\/issues\/44920, /,
      ),
    ]);
    expect(
      problemsOf((versions) => ({
        ...versions,
        git: { ...versions.git, gatewayApiCrds: { ...GIT_VERSIONS.gatewayApiCrds, tag: 'v1.4.0' } },
      })),
    ).toEqual([]);
  });

  it('asks for a row when Cilium moves to a minor the table does not know', () => {
    expect(problemsOf(withChart('cilium', '1.21.0'))).toEqual([
      expect.stringContaining(
        'GIT_VERSIONS.gatewayApiCrds.tag: Cilium 1.21 is not in CILIUM_GATEWAY_API in constructs/platform/compatibility.ts (known: 1.19); check upstream and add its row',
      ),
    ]);
  });

  it('refuses Rook v1.20 without ceph-csi-drivers, or with a drivers chart of another minor', () => {
    expect(problemsOf(withChart('cephCsiDrivers', undefined))).toEqual([
      expect.stringMatching(
        /^versions catalog \(Rook ↔ ceph-csi-drivers\) CHART_VERSIONS\.cephCsiDrivers: Rook v1\.20\.\d+ deploys no CSI drivers: the catalog needs ceph-csi-drivers 1\.0\.x, or every PVC stays Pending \(source: https:\/\/github\.com\/rook\/rook\//,
      ),
    ]);
    expect(problemsOf(withChart('cephCsiDrivers', '1.1.0'))).toEqual([
      expect.stringContaining('serves ceph-csi-drivers 1.0.x, got 1.1.0'),
    ]);
    // Before v1.20 Rook deployed CSI itself: nothing to require.
    expect(
      problemsOf((v) =>
        withChart('cephCsiDrivers', undefined)(withChart('rookCeph', 'v1.19.5')(v)),
      ),
    ).toEqual([]);
  });

  it('refuses typed prometheus-operator CRDs of another release than the chart installs', () => {
    expect(problemsOf((versions) => ({ ...versions, prometheusOperatorCrds: 'v0.89.0' }))).toEqual([
      expect.stringContaining(
        'CATALOG_VERSIONS.prometheusOperatorCrds: kube-prometheus-stack 88.3.0 installs prometheus-operator v0.93 CRDs, but the typed classes come from v0.89.0',
      ),
    ]);
  });

  it('refuses a Gateway API plugin that needs newer Gateway API CRDs than the catalog pins', () => {
    const withPlugin = (tag: string, gatewayApi: string) => (versions: CatalogVersions) => ({
      ...versions,
      git: { ...versions.git, gatewayApiCrds: { ...GIT_VERSIONS.gatewayApiCrds, tag: gatewayApi } },
      artifacts: {
        ...versions.artifacts,
        rolloutsGatewayPlugin: versions.artifacts.rolloutsGatewayPlugin.replace(
          /\/download\/v[0-9.]+\//,
          `/download/${tag}/`,
        ),
      },
    });
    expect(problemsOf(withPlugin('v0.13.0', 'v1.1.0'))).toEqual([
      expect.stringContaining(
        'ARTIFACT_VERSIONS.rolloutsGatewayPlugin: the Gateway API plugin v0.13.0 needs Gateway API v1.2.0 or newer, got v1.1.0',
      ),
    ]);
    expect(problemsOf(withPlugin('v0.12.0', 'v1.1.0'))).toEqual([]);
    expect(problemsOf(withPlugin('v0.2.0', 'v1.4.1'))).toEqual([
      expect.stringContaining('predates gateway.networking.k8s.io/v1'),
    ]);
  });

  it('refuses the rollout extension before v0.4.0 once Argo CD is 3.5 (React 19)', () => {
    expect(rolloutExtensionProblem('3.5', 'v0.3.7', '11.0.0')).toBe(
      'Argo CD 3.5 (chart 11.0.0) loads only rollout-extension v0.4.0 or newer (React 19), got v0.3.7',
    );
    expect(rolloutExtensionProblem('3.5', 'v0.4.0', '11.0.0')).toBeUndefined();
    expect(rolloutExtensionProblem('3.4', 'v0.3.7', '10.1.1')).toBeUndefined();
    // A chart minor the table does not know asks for its row.
    expect(problemsOf(withChart('argocd', '10.2.0'))).toEqual([
      expect.stringContaining(
        'ARTIFACT_VERSIONS.argocdRolloutExtension: argo-cd chart 10.2 is not in ARGOCD_CHART_APP',
      ),
    ]);
  });

  it('is checked by synth before anything renders', () => {
    // The reference configuration renders: the catalog holds every rule.
    expect(() => renderTree(loadConfig(), ['dev'])).not.toThrow();
  });
});
