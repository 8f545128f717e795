// kube-state-metrics' custom-resource-state configuration: each Flux object's readiness as a
// `gotk_resource_info` series (what Flux's own dashboards and alerts read), and the RBAC to list
// those objects.
import type { CustomResourceMetric } from '../config/monitoring';

/** The Flux kinds exported: API group, version, kind, plural resource. */
const FLUX_KINDS = [
  ['kustomize.toolkit.fluxcd.io', 'v1', 'Kustomization', 'kustomizations'],
  ['helm.toolkit.fluxcd.io', 'v2', 'HelmRelease', 'helmreleases'],
  ['source.toolkit.fluxcd.io', 'v1', 'GitRepository', 'gitrepositories'],
  ['source.toolkit.fluxcd.io', 'v1', 'HelmRepository', 'helmrepositories'],
  ['source.toolkit.fluxcd.io', 'v1', 'OCIRepository', 'ocirepositories'],
] as const;

/** The custom-resource-state metrics of the Flux kinds. */
export function fluxMetrics(): CustomResourceMetric[] {
  return FLUX_KINDS.map(([group, version, kind]) => ({
    groupVersionKind: { group, version, kind },
    metricNamePrefix: 'gotk',
    metrics: [
      {
        name: 'resource_info',
        help: `The current state of a Flux ${kind}.`,
        each: { type: 'Info', info: { labelsFromPath: { name: ['metadata', 'name'] } } },
        labelsFromPath: {
          exported_namespace: ['metadata', 'namespace'],
          ready: ['status', 'conditions', '[type=Ready]', 'status'],
          suspended: ['spec', 'suspend'],
        },
      },
    ],
  }));
}

/** The extra RBAC rules kube-state-metrics needs to list and watch the Flux kinds, by group. */
export function fluxReadRules(): {
  apiGroups: string[];
  resources: string[];
  verbs: string[];
}[] {
  return [...new Set(FLUX_KINDS.map(([group]) => group))].map((group) => ({
    apiGroups: [group],
    resources: FLUX_KINDS.filter(([g]) => g === group).map(([, , , plural]) => plural),
    verbs: ['list', 'watch'],
  }));
}
