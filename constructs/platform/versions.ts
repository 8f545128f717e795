// The versions catalog: every Helm chart and release artifact the platform installs, in one
// place. A version bump is a one-line change here, and the PR diff shows it on every object that
// uses it.

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
  // MetalLB 0.16.1 matches ../shared/crds/metallb (chart and app versions are equal).
  metallb: {
    chart: 'metallb',
    repository: 'https://metallb.github.io/metallb',
    version: '0.16.1',
  },
  // Rook v1.20.6 matches ../shared/crds/rook; the operator chart's version is the Rook tag.
  rookCeph: {
    chart: 'rook-ceph',
    repository: 'https://charts.rook.io/release',
    version: 'v1.20.6',
  },
  // The Ceph CSI drivers under ceph-csi-operator. Rook v1.20 no longer deploys CSI itself: its
  // chart ships the operator (subchart ceph-csi-operator 1.0.4) and this chart the Driver objects
  // (Rook's Documentation/Helm-Charts/csi-drivers-chart.md and rook-upgrade.md at v1.20.6).
  cephCsiDrivers: {
    chart: 'ceph-csi-drivers',
    repository: 'https://ceph.github.io/ceph-csi-operator',
    version: '1.0.4',
  },
  // Chart 3.9.0 ships Kyverno v1.19.0, matching ../shared/crds/kyverno.
  kyverno: {
    chart: 'kyverno',
    repository: 'https://kyverno.github.io/kyverno/',
    version: '3.9.0',
  },
  // 88.3.0 is the newest chart whose prometheus-operator (v0.93.0) matches ../shared/crds.
  monitoring: {
    chart: 'kube-prometheus-stack',
    repository: 'https://prometheus-community.github.io/helm-charts',
    version: '88.3.0',
  },
  // The newest argo-cd chart known here (app v3.4.4); ../shared/crds/argocd is v3.5.1, whose
  // chart version could not be read offline (see README).
  argocd: {
    chart: 'argo-cd',
    repository: 'https://argoproj.github.io/argo-helm',
    version: '10.1.1',
  },
  // The newest argo-rollouts chart known here (app v1.9.0; the CRDs here are v1.9.1, same schema line).
  argoRollouts: {
    chart: 'argo-rollouts',
    repository: 'https://argoproj.github.io/argo-helm',
    version: '2.41.0',
  },
  // Loki 3.4.2 (chart 6.29.0): single binary in dev, simple scalable on Ceph object storage in prod.
  loki: {
    chart: 'loki',
    repository: 'https://grafana.github.io/helm-charts',
    version: '6.29.0',
  },
  // Grafana Alloy v1.7.4 (chart 0.12.5), the log shipper feeding Loki.
  alloy: {
    chart: 'alloy',
    repository: 'https://grafana.github.io/helm-charts',
    version: '0.12.5',
  },
  // The Tekton Operator's chart, published as an OCI artifact since operator v0.80.0 (chart
  // version = the tag without its `v`). Not built from Git: at every tag the chart's Chart.yaml
  // says `version: "devel"`, which Helm rejects as not semver; upstream's release workflow
  // stamps the version only into the published artifact. The operator, not this file, picks
  // the Pipelines, Triggers and Dashboard versions (../shared/crds has Pipelines v1.15.0 and
  // Triggers v0.37.0; which operator release ships exactly those could not be read offline).
  tektonOperator: {
    chart: 'tekton-operator',
    repository: 'oci://ghcr.io/tektoncd/operator/charts',
    version: '0.80.0',
  },
} as const satisfies Record<string, ChartVersion>;

/** A Flux release, as Flux's own release workflow publishes it. */
export interface FluxDistribution {
  /** Flux release tag, e.g. `v2.9.4`. */
  readonly version: string;
  /** The release's `install.yaml` asset (every controller and CRD, one file): Pulumi applies it. */
  readonly installManifest: string;
  /**
   * OCI repository of the release's manifests (tagged with the version), which Flux applies to
   * itself from then on.
   */
  readonly manifestsRepository: string;
}

// Flux v2.9.4, the newest v2.9 tag, matching ../shared/crds/flux. Installed from Flux's own release
// artifacts (the community flux2 chart has no release of Flux v2.9). fluxcd/flux2's
// .github/workflows/release.yaml builds `install.yaml` ("Generate manifests", uploaded by
// GoReleaser's extra_files) and pushes `flux-manifests:<tag>` ("Push manifests to GHCR", signed
// keyless with cosign in "Sign manifests").
export const FLUX_DISTRIBUTION = {
  version: 'v2.9.4',
  installManifest: 'https://github.com/fluxcd/flux2/releases/download/v2.9.4/install.yaml',
  manifestsRepository: 'oci://ghcr.io/fluxcd/flux-manifests',
} as const satisfies FluxDistribution;

/** Manifests applied from a Git repository at a release tag (CRDs that ship apart from charts). */
export interface GitManifestsVersion {
  /** Clone URL of the repository. */
  readonly repository: string;
  /** Release tag checked out. */
  readonly tag: string;
  /** Folder applied by Flux, relative to the repository root. */
  readonly path: string;
}

/** Manifests that are not charts: CRDs applied from Git at release tags. */
export const GIT_VERSIONS = {
  // Gateway API v1.4.1 standard channel, matching ../shared/crds/gateway-api-v1.4.1: the newest
  // Cilium 1.19 runs with (compatibility.ts; v1.5+ crashes its operator). Cilium's chart ships no
  // Gateway API CRDs: they must exist before its operator enables the Gateway controller.
  gatewayApiCrds: {
    repository: 'https://github.com/kubernetes-sigs/gateway-api',
    tag: 'v1.4.1',
    path: './config/crd/standard',
  },
  // Rook's CRDs apart from the operator chart (crds.enabled false), so the CephCluster can be
  // applied in the same layer as the operator (see rook-ceph.ts).
  rookCrds: {
    repository: 'https://github.com/rook/rook',
    tag: 'v1.20.6',
    path: './deploy/examples',
  },
} as const satisfies Record<string, GitManifestsVersion>;

/**
 * Artifacts the platform pulls at run time that are neither charts nor Git manifests: the
 * Ceph image, the Argo plugin/extension releases and the images of the components rendered as
 * plain objects (metrics-server, the kubelet serving-certificate approver). Pinned here with
 * everything else, so a version bump is one file.
 */
export const ARTIFACT_VERSIONS = {
  // Squid, the Ceph release Rook v1.20 supports.
  cephImage: 'quay.io/ceph/ceph:v19.2.3',
  // Argo Rollouts' Gateway API traffic router; the controller downloads it at start.
  rolloutsGatewayPlugin:
    'https://github.com/argoproj-labs/rollouts-plugin-trafficrouter-gatewayapi/releases/download/v0.4.0/gatewayapi-plugin-linux-amd64',
  // Argo CD's Rollout tab; the server downloads it at start.
  argocdRolloutExtension:
    'https://github.com/argoproj-labs/rollout-extension/releases/download/v0.3.7/extension.tar',
  // metrics-server v0.9.0 (tag of 2026-07-13, the newest release of kubernetes-sigs/metrics-server;
  // the image its manifests/components/release names). Rendered as plain objects: its Helm
  // chart is not in the offline chart mirror. Supports Kubernetes 1.34+ (compatibility.ts).
  metricsServerImage: 'registry.k8s.io/metrics-server/metrics-server:v0.9.0',
  // kubelet-serving-cert-approver v0.11.0 (tag of 2026-05-21, the newest of
  // alex1989hu/kubelet-serving-cert-approver; deploy/*.yaml at the tag name this image, tagged
  // without the `v`). Approves only kubernetes.io/kubelet-serving requests of nodes.
  kubeletServingCertApproverImage: 'ghcr.io/alex1989hu/kubelet-serving-cert-approver:0.11.0',
} as const;
