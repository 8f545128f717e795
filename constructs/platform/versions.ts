// The versions catalog: every Helm chart the platform installs, in one place. A version bump
// is a one-line change here, and the PR diff shows it on every HelmRelease that uses it.

/** Where a chart comes from and which version is installed. */
export interface ChartVersion {
  /** Chart name inside the repository. */
  readonly chart: string;
  /**
   * Repository URL: `https://...` renders a Flux HelmRepository; `oci://registry/path` (the
   * path holding the chart, without the chart name) renders a Flux OCIRepository.
   */
  readonly repository: string;
  /** Exact chart version (no ranges: a new version is a reviewed change). */
  readonly version: string;
}

/** The charts of the platform stack, keyed like the cluster's `platform` settings. */
export const CHART_VERSIONS = {
  // Chart and app versions are equal for cert-manager; v1.21.1 matches ../shared/crds.
  certManager: {
    chart: 'cert-manager',
    repository: 'oci://quay.io/jetstack/charts',
    version: 'v1.21.1',
  },
  // Cilium 1.19.4 matches ../shared/crds/cilium; Pulumi installs this same chart version.
  cilium: {
    chart: 'cilium',
    repository: 'https://helm.cilium.io',
    version: '1.19.4',
  },
  // Flux controllers, installed by the Pulumi bootstrap (infra/flux.ts). The community chart's
  // minor is Flux's plus ten: 2.19.x ships Flux v2.9.x, matching ../shared/crds/flux.
  flux: {
    chart: 'flux2',
    repository: 'https://fluxcd-community.github.io/helm-charts',
    version: '2.19.0',
  },
} as const satisfies Record<string, ChartVersion>;
