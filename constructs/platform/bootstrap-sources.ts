// Where Pulumi's bootstrap takes what it installs before Flux runs: the Gateway API CRDs, Cilium's
// chart and Flux's install manifest, from the public release or the cluster's mirror. Plain
// functions, so the bundle (synth) lists the same URLs the Pulumi program fetches.
import { chartSource, downloadSource, type MirrorConfig } from '../config/mirror';
import { CHART_VERSIONS, FLUX_DISTRIBUTION, GIT_VERSIONS } from './versions';

/**
 * The release manifest of the Gateway API CRDs (standard channel) at the catalog's tag, from
 * the cluster's download mirror when it has one.
 */
export function gatewayApiCrdsUrl(mirror?: MirrorConfig): string {
  const { repository, tag } = GIT_VERSIONS.gatewayApiCrds;
  return downloadSource(mirror, `${repository}/releases/download/${tag}/standard-install.yaml`);
}

/** Flux's release manifest (`install.yaml`), from the cluster's download mirror when it has one. */
export function fluxInstallUrl(mirror?: MirrorConfig): string {
  return downloadSource(mirror, FLUX_DISTRIBUTION.installManifest);
}

/**
 * The chart Pulumi installs Cilium from: `chart` and `repositoryOpts` of a Helm Release. An OCI
 * repository (the mirror's, if an `oci://` base) is named in `chart`, as Helm takes it.
 */
export function ciliumChart(mirror?: MirrorConfig): {
  readonly chart: string;
  readonly version: string;
  readonly repositoryOpts?: { readonly repo: string };
} {
  const source = chartSource(mirror, CHART_VERSIONS.cilium);
  return source.repository.startsWith('oci://')
    ? { chart: `${source.repository}/${source.chart}`, version: source.version }
    : { chart: source.chart, version: source.version, repositoryOpts: { repo: source.repository } };
}
