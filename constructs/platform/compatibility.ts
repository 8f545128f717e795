// Known constraints between the versions of the catalog (versions.ts), each with the upstream
// source that states it. Synth checks them before it renders anything: a bump that breaks one
// fails with the rule and its source, instead of a cluster that does not come up.
// Talos ↔ Kubernetes is per cluster and lives in ../config/talos-support.ts.
import { ProblemCollector } from '../errors';
import {
  ARTIFACT_VERSIONS,
  CHART_VERSIONS,
  GIT_VERSIONS,
  type ChartVersion,
  type GitManifestsVersion,
} from './versions';

/** The versions the rules read: the catalog, or a changed copy of it in tests. */
export interface CatalogVersions {
  /** Charts, by catalog key (`CHART_VERSIONS`). */
  readonly charts: Readonly<Record<string, ChartVersion>>;
  /** Manifests applied from Git (`GIT_VERSIONS`). */
  readonly git: Readonly<Record<string, GitManifestsVersion>>;
  /** Run-time downloads and images (`ARTIFACT_VERSIONS`). */
  readonly artifacts: Readonly<Record<string, string>>;
  /**
   * The prometheus-operator release whose CRDs the typed classes (constructs/imports) and the
   * schema checks come from.
   */
  readonly prometheusOperatorCrds: string;
}

/** The catalog as it is. */
export const CATALOG_VERSIONS: CatalogVersions = {
  charts: CHART_VERSIONS,
  git: GIT_VERSIONS,
  artifacts: ARTIFACT_VERSIONS,
  // ../shared/crds/prometheus-operator (SOURCES.md), imported by cdk8s.yaml.
  prometheusOperatorCrds: 'v0.93.0',
};

/** One constraint between versions. */
export interface CompatibilityRule {
  /** What it relates, e.g. `Cilium ↔ Gateway API CRDs`. */
  readonly name: string;
  /** The catalog field a violation is reported on, e.g. `GIT_VERSIONS.gatewayApiCrds.tag`. */
  readonly field: string;
  /** Upstream issues or release notes that state the rule. */
  readonly sources: readonly string[];
  /** Why the versions do not go together, or undefined when they do. */
  readonly problem: (versions: CatalogVersions) => string | undefined;
}

/** `v1.19.4` / `1.19.4` → [1, 19, 4]; NaN parts where the text is not a version. */
function parts(version: string): number[] {
  return version
    .replace(/^v/, '')
    .split(/[.-]/)
    .slice(0, 3)
    .map((part) => Number(part));
}

/** `1.19.4` → `1.19`. */
function minorOf(version: string): string {
  return parts(version).slice(0, 2).join('.');
}

/** Whether version a is lower than b (numeric, by major, minor, patch). */
function lowerThan(a: string, b: string): boolean {
  const [x, y] = [parts(a), parts(b)];
  for (let i = 0; i < 3; i++) {
    if ((x[i] ?? 0) !== (y[i] ?? 0)) return (x[i] ?? 0) < (y[i] ?? 0);
  }
  return false;
}

function chart(versions: CatalogVersions, key: string): ChartVersion | undefined {
  return versions.charts[key];
}

/**
 * Newest Gateway API minor each Cilium minor runs with. Gateway API v1.5 stopped serving
 * TLSRoute v1alpha2, which cilium-operator before 1.20 indexes at start: the operator exits
 * ("failed to setup field indexer backendServiceTLSRouteIndex") and the cluster has no
 * Gateway. Cilium 1.19's docs require Gateway API v1.4.x.
 */
export const CILIUM_GATEWAY_API: Readonly<Record<string, string>> = {
  '1.19': '1.4',
};

/**
 * The ceph-csi-drivers chart minor each Rook minor needs (from v1.20 Rook's chart ships only
 * ceph-csi-operator, as subchart 1.0.x; the Driver objects come from ceph-csi-drivers).
 */
export const ROOK_CSI_DRIVERS: Readonly<Record<string, string>> = {
  '1.20': '1.0',
};

/**
 * prometheus-operator release each kube-prometheus-stack major ships: the chart installs that
 * release's CRDs, so our typed classes and schema checks must come from the same release.
 */
export const KUBE_PROMETHEUS_STACK_OPERATOR: Readonly<Record<string, string>> = {
  '88': 'v0.93',
};

/** The Argo Rollouts minor each argo-rollouts chart minor ships (its Chart.yaml appVersion). */
export const ROLLOUTS_CHART_APP: Readonly<Record<string, string>> = {
  '2.41': '1.9',
};

/**
 * The oldest Gateway API each Gateway API plugin release needs, by the plugin version it
 * applies from. Traffic-router plugins exist from Argo Rollouts 1.5; the plugin states no
 * Rollouts range of its own.
 */
export const GATEWAY_PLUGIN_MIN_GATEWAY_API: readonly {
  readonly from: string;
  readonly gatewayApi: string;
}[] = [
  // v0.3.0 moved to gateway.networking.k8s.io/v1 (docs/provider-status.md).
  { from: '0.3.0', gatewayApi: '1.0.0' },
  // v0.13.0 release notes: "In all cases you need Gateway API 1.2+".
  { from: '0.13.0', gatewayApi: '1.2.0' },
];

/** The Argo CD minor each argo-cd chart minor ships (its Chart.yaml appVersion). */
export const ARGOCD_CHART_APP: Readonly<Record<string, string>> = {
  '10.1': '3.4',
};

/**
 * Why an Argo CD minor cannot load a rollout-extension release: Argo CD 3.5 moved its UI to
 * React 19, and extensions built before v0.4.0 fail to load there.
 */
export function rolloutExtensionProblem(
  argocdMinor: string,
  extension: string,
  chartVersion: string,
): string | undefined {
  return !lowerThan(argocdMinor, '3.5.0') && lowerThan(extension, 'v0.4.0')
    ? `Argo CD ${argocdMinor} (chart ${chartVersion}) loads only rollout-extension v0.4.0 or newer (React 19), got ${extension}`
    : undefined;
}

const missingRow = (table: string, what: string, known: Readonly<Record<string, unknown>>) =>
  `${what} is not in ${table} in constructs/platform/compatibility.ts (known: ${Object.keys(known).join(', ')}); check upstream and add its row`;

/**
 * The oldest Kubernetes minor each metrics-server minor supports: the compatibility matrix of
 * its README ("0.9.x: metrics.k8s.io/v1beta1, 1.34+"), which states no newest.
 */
export const METRICS_SERVER_KUBERNETES: Readonly<Record<string, string>> = {
  '0.9': '1.34',
  '0.8': '1.31',
  '0.7': '1.27',
};

/**
 * The oldest Kubernetes minor each kubelet-serving-cert-approver minor supports. Its README's
 * matrix lists v1.24 to v1.35 for v0.11 and says the API it uses (certificates.k8s.io/v1 CSRs
 * and approvals) "has been stable since v1.22": newer minors (v1.36) are not listed, not excluded.
 */
export const KUBELET_CERT_APPROVER_KUBERNETES: Readonly<Record<string, string>> = {
  '0.11': '1.24',
};

/**
 * A floor on the clusters' Kubernetes version set by a component's image version. The catalog
 * rule below only checks the image has a row; each cluster is checked by the component that runs
 * the image (see {@link kubernetesFloorProblem}), since the catalog knows no cluster.
 */
export interface KubernetesFloor {
  /** What it relates, e.g. `metrics-server ↔ Kubernetes`. */
  readonly name: string;
  /** The image's key in `ARTIFACT_VERSIONS`. */
  readonly artifact: keyof typeof ARTIFACT_VERSIONS;
  /** The table's name, for messages. */
  readonly tableName: string;
  /** Oldest Kubernetes minor (`1.34`) by the image's minor (`0.9`). */
  readonly table: Readonly<Record<string, string>>;
  /** Where upstream states it. */
  readonly sources: readonly string[];
}

/** The Kubernetes floors, by image. */
export const KUBERNETES_FLOORS: readonly KubernetesFloor[] = [
  {
    name: 'metrics-server ↔ Kubernetes',
    artifact: 'metricsServerImage',
    tableName: 'METRICS_SERVER_KUBERNETES',
    table: METRICS_SERVER_KUBERNETES,
    sources: [
      'https://github.com/kubernetes-sigs/metrics-server/blob/v0.9.0/README.md#compatibility-matrix',
    ],
  },
  {
    name: 'kubelet-serving-cert-approver ↔ Kubernetes',
    artifact: 'kubeletServingCertApproverImage',
    tableName: 'KUBELET_CERT_APPROVER_KUBERNETES',
    table: KUBELET_CERT_APPROVER_KUBERNETES,
    sources: [
      'https://github.com/alex1989hu/kubelet-serving-cert-approver/blob/v0.11.0/README.md#kubernetes-compatibility-matrix',
    ],
  },
];

/** The tag of an image reference (`registry/path:v0.9.0` → `v0.9.0`), or undefined. */
function imageTag(image: string): string | undefined {
  const last = image.slice(image.lastIndexOf('/') + 1);
  const colon = last.indexOf(':');
  return colon < 0 ? undefined : last.slice(colon + 1).replace(/@.*$/, '');
}

/** Why the catalog cannot say which Kubernetes a floor's image needs, or undefined. */
function floorRowProblem(floor: KubernetesFloor, versions: CatalogVersions): string | undefined {
  const image = versions.artifacts[floor.artifact];
  if (!image) return undefined;
  const tag = imageTag(image);
  if (!tag || parts(tag).some((part) => Number.isNaN(part)))
    return `cannot read a version from the tag of ${image} (expected …:vX.Y.Z or …:X.Y.Z)`;
  const minor = minorOf(tag);
  return floor.table[minor] ? undefined : missingRow(floor.tableName, `${tag}`, floor.table);
}

/**
 * Why a cluster's Kubernetes version is older than an image of the catalog supports, or
 * undefined when it is not (or the catalog has no such image). Components call it for the
 * cluster they render; the message names the rule's source.
 */
export function kubernetesFloorProblem(
  artifact: keyof typeof ARTIFACT_VERSIONS,
  kubernetesVersion: string,
  versions: CatalogVersions = CATALOG_VERSIONS,
): string | undefined {
  const floor = KUBERNETES_FLOORS.find((candidate) => candidate.artifact === artifact);
  const image = versions.artifacts[artifact];
  if (!floor || !image) return undefined;
  const row = floorRowProblem(floor, versions);
  if (row) return row;
  const tag = imageTag(image) ?? '';
  const oldest = floor.table[minorOf(tag)];
  return lowerThan(kubernetesVersion, `${oldest}.0`)
    ? `${image} supports Kubernetes ${oldest} or newer, got ${kubernetesVersion} (source: ${floor.sources.join(', ')})`
    : undefined;
}

/** The rules, in the order they are reported. */
export const COMPATIBILITY_RULES: readonly CompatibilityRule[] = [
  {
    name: 'Cilium ↔ Gateway API CRDs',
    field: 'GIT_VERSIONS.gatewayApiCrds.tag',
    sources: [
      'https://github.com/cilium/cilium/issues/44920',
      'https://github.com/cilium/cilium/issues/45139',
      'https://docs.cilium.io/en/v1.19/network/servicemesh/gateway-api/gateway-api/',
    ],
    problem: (versions) => {
      const cilium = chart(versions, 'cilium');
      const gateway = versions.git.gatewayApiCrds;
      if (!cilium || !gateway) return undefined;
      const newest = CILIUM_GATEWAY_API[minorOf(cilium.version)];
      if (!newest)
        return missingRow(
          'CILIUM_GATEWAY_API',
          `Cilium ${minorOf(cilium.version)}`,
          CILIUM_GATEWAY_API,
        );
      return lowerThan(`${newest}.999`, gateway.tag)
        ? `Cilium ${cilium.version} runs with Gateway API up to v${newest}.x, got ${gateway.tag} (its operator exits at start)`
        : undefined;
    },
  },
  {
    name: 'Rook ↔ ceph-csi-drivers',
    field: 'CHART_VERSIONS.cephCsiDrivers',
    sources: [
      'https://github.com/rook/rook/blob/v1.20.6/Documentation/Helm-Charts/csi-drivers-chart.md',
      'https://github.com/rook/rook/blob/v1.20.6/Documentation/Upgrade/rook-upgrade.md',
    ],
    problem: (versions) => {
      const rook = chart(versions, 'rookCeph');
      if (!rook || lowerThan(rook.version, 'v1.20.0')) return undefined;
      const wanted = ROOK_CSI_DRIVERS[minorOf(rook.version)];
      if (!wanted)
        return missingRow('ROOK_CSI_DRIVERS', `Rook ${minorOf(rook.version)}`, ROOK_CSI_DRIVERS);
      const drivers = chart(versions, 'cephCsiDrivers');
      if (!drivers) {
        return `Rook ${rook.version} deploys no CSI drivers: the catalog needs ceph-csi-drivers ${wanted}.x, or every PVC stays Pending`;
      }
      return minorOf(drivers.version) === wanted
        ? undefined
        : `Rook ${rook.version} ships ceph-csi-operator ${wanted}.x, which serves ceph-csi-drivers ${wanted}.x, got ${drivers.version}`;
    },
  },
  {
    name: 'kube-prometheus-stack ↔ prometheus-operator CRDs',
    field: 'CATALOG_VERSIONS.prometheusOperatorCrds',
    sources: [
      'https://github.com/prometheus-community/helm-charts/tree/main/charts/kube-prometheus-stack#upgrading-chart',
    ],
    problem: (versions) => {
      const stack = chart(versions, 'monitoring');
      if (!stack) return undefined;
      const major = String(parts(stack.version)[0]);
      const operator = KUBE_PROMETHEUS_STACK_OPERATOR[major];
      if (!operator) {
        return missingRow(
          'KUBE_PROMETHEUS_STACK_OPERATOR',
          `kube-prometheus-stack ${major}`,
          KUBE_PROMETHEUS_STACK_OPERATOR,
        );
      }
      return `v${minorOf(versions.prometheusOperatorCrds)}` === operator
        ? undefined
        : `kube-prometheus-stack ${stack.version} installs prometheus-operator ${operator} CRDs, but the typed classes come from ${versions.prometheusOperatorCrds}; re-import them (npm run import) from ${operator}`;
    },
  },
  {
    name: 'Argo Rollouts ↔ Gateway API plugin ↔ Gateway API CRDs',
    field: 'ARTIFACT_VERSIONS.rolloutsGatewayPlugin',
    sources: [
      'https://github.com/argoproj/argo-rollouts/blob/master/docs/features/traffic-management/plugins.md',
      'https://github.com/argoproj-labs/rollouts-plugin-trafficrouter-gatewayapi/blob/v0.15.0/docs/provider-status.md',
      'https://github.com/argoproj-labs/rollouts-plugin-trafficrouter-gatewayapi/releases/tag/v0.13.0',
    ],
    problem: (versions) => {
      const rollouts = chart(versions, 'argoRollouts');
      const url = versions.artifacts.rolloutsGatewayPlugin;
      const gateway = versions.git.gatewayApiCrds;
      if (!rollouts || !url || !gateway) return undefined;
      const app = ROLLOUTS_CHART_APP[minorOf(rollouts.version)];
      if (!app) {
        return missingRow(
          'ROLLOUTS_CHART_APP',
          `argo-rollouts chart ${minorOf(rollouts.version)}`,
          ROLLOUTS_CHART_APP,
        );
      }
      if (lowerThan(app, '1.5.0')) {
        return `Argo Rollouts ${app} (chart ${rollouts.version}) has no traffic-router plugins (from 1.5)`;
      }
      const plugin = /\/download\/(v[0-9.]+)\//.exec(url)?.[1];
      if (!plugin)
        return `cannot read the plugin version from ${url} (expected …/download/vX.Y.Z/…)`;
      const row = [...GATEWAY_PLUGIN_MIN_GATEWAY_API]
        .reverse()
        .find(({ from }) => !lowerThan(plugin, from));
      if (!row)
        return `the Gateway API plugin ${plugin} predates gateway.networking.k8s.io/v1 (v0.3.0)`;
      return lowerThan(gateway.tag, row.gatewayApi)
        ? `the Gateway API plugin ${plugin} needs Gateway API v${row.gatewayApi} or newer, got ${gateway.tag}`
        : undefined;
    },
  },
  {
    name: 'Argo CD ↔ rollout extension',
    field: 'ARTIFACT_VERSIONS.argocdRolloutExtension',
    sources: [
      'https://github.com/argoproj/argo-cd/blob/v3.5.1/docs/operator-manual/upgrading/ui-extensions-react-19-upgrading.md',
      'https://github.com/argoproj-labs/rollout-extension/pull/104',
    ],
    problem: (versions) => {
      const argocd = chart(versions, 'argocd');
      const url = versions.artifacts.argocdRolloutExtension;
      if (!argocd || !url) return undefined;
      const app = ARGOCD_CHART_APP[minorOf(argocd.version)];
      if (!app)
        return missingRow(
          'ARGOCD_CHART_APP',
          `argo-cd chart ${minorOf(argocd.version)}`,
          ARGOCD_CHART_APP,
        );
      const extension = /\/download\/(v[0-9.]+)\//.exec(url)?.[1];
      if (!extension)
        return `cannot read the extension version from ${url} (expected …/download/vX.Y.Z/…)`;
      return rolloutExtensionProblem(app, extension, argocd.version);
    },
  },
  // The Kubernetes floors: the catalog checks each image has its row; each cluster's version is
  // checked against the row by the component running the image (kubernetesFloorProblem).
  ...KUBERNETES_FLOORS.map((floor): CompatibilityRule => ({
    name: floor.name,
    field: `ARTIFACT_VERSIONS.${floor.artifact}`,
    sources: floor.sources,
    problem: (versions) => floorRowProblem(floor, versions),
  })),
];

/**
 * Throws a ConfigError with every broken rule, each naming the catalog field, the rule and its
 * sources; returns when all hold.
 */
export function checkCompatibility(versions: CatalogVersions = CATALOG_VERSIONS): void {
  const problems = new ProblemCollector();
  for (const rule of COMPATIBILITY_RULES) {
    const problem = rule.problem(versions);
    if (problem) {
      problems.add(
        `versions catalog (${rule.name})`,
        rule.field,
        `${problem} (source: ${rule.sources.join(', ')})`,
      );
    }
  }
  problems.throwIfAny();
}
