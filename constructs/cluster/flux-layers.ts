import { Construct } from 'constructs';
import type { ClusterConfig } from '../config/types';
import { GitOpsFolder } from '../gitops-folder';
import {
  Kustomization,
  KustomizationSpecDecryptionProvider,
  KustomizationSpecSourceRefKind,
  type KustomizationSpec,
  type KustomizationSpecHealthCheckExprs,
} from '../imports/flux-kustomization-kustomize.toolkit.fluxcd.io';
import { compareStrings } from '../order';
import { PlatformLayer, type HealthCheck, type KindHealthExpression } from '../platform/component';
import { FLUX_NAMESPACE, FLUX_SYNC_NAME } from '../contract/names';
import { gitopsFolders, repositoryPath, sourceFiles } from '../contract/layout';

/** Name of the Secret holding the SOPS age key (created by the Pulumi bootstrap). */
export const SOPS_SECRET_NAME = 'sops-age';

/** Props of {@link FluxLayers}. */
export interface FluxLayersProps {
  /** The cluster whose layers are rendered. */
  readonly cluster: ClusterConfig;
  /**
   * Objects that must be healthy before the configs layer applies: every component's
   * HelmRelease, plus whatever a component adds.
   */
  readonly controllerHealthChecks: readonly HealthCheck[];
  /**
   * How Flux judges kinds of the configs layer whose Ready means more than the apps need.
   * @default [] - every object of the configs layer is awaited by kstatus
   */
  readonly configsHealthExpressions?: readonly KindHealthExpression[];
  /** Folder of the cluster's Argo CD registrations, relative to `gitops/` (e.g. `argocd/dev`). */
  readonly appsFolder: string;
}

/** One Flux Kustomization of the chain, as rendered. */
export interface LayerSpec {
  /** Kustomization name in flux-system. */
  readonly name: string;
  /** Folder it applies, relative to `gitops/`. */
  readonly folder: string;
  /** The Kustomization it waits for, if any. */
  readonly dependsOn?: string;
}

/**
 * The cluster's Flux Kustomizations, one per layer and chained with `dependsOn` so each
 * applies only after the previous one is Ready:
 * `platform-crds -> platform-controllers -> platform-configs -> apps`.
 */
export class FluxLayers extends Construct {
  /** The chain, in apply order. */
  public readonly layers: readonly LayerSpec[];

  public constructor(scope: Construct, id: string, props: FluxLayersProps) {
    super(scope, id);
    const { cluster } = props;
    const folder = new GitOpsFolder(this, 'folder', {
      folder: gitopsFolders.cluster(cluster.name),
      sources: ['constructs/cluster/flux-layers.ts', sourceFiles.clusterConfig(cluster.name)],
    });
    const platform = (layer: PlatformLayer) => gitopsFolders.platformLayer(cluster.name, layer);
    this.layers = [
      { name: 'platform-crds', folder: platform(PlatformLayer.CRDS) },
      {
        name: 'platform-controllers',
        folder: platform(PlatformLayer.CONTROLLERS),
        dependsOn: 'platform-crds',
      },
      {
        name: 'platform-configs',
        folder: platform(PlatformLayer.CONFIGS),
        dependsOn: 'platform-controllers',
      },
      { name: 'apps', folder: props.appsFolder, dependsOn: 'platform-configs' },
    ];

    // Per layer: CRDs are never pruned (deleting a CRD deletes every object of its kind);
    // controllers are gated on explicit health checks (each HelmRelease Ready means its chart,
    // CRDs included, is installed; operator-built services such as the Ceph cluster are checked
    // by their own status); configs wait for all they apply; apps do not wait, Argo CD reports
    // each app's health itself.
    const checks = props.controllerHealthChecks;
    const expressions = healthCheckExpressions(cluster.name, checks);
    const configsExpressions = healthCheckExpressions(
      cluster.name,
      props.configsHealthExpressions ?? [],
    );
    const perLayer: Record<string, Partial<KustomizationSpec>> = {
      'platform-crds': { interval: '1h', timeout: '5m', prune: false, wait: true },
      'platform-controllers': {
        interval: '1h',
        // Longer than the slowest single install it waits for (releases on Ceph get 25
        // minutes). A first boot whose chain of installs takes longer still converges: the
        // layer fails, and Flux checks again every retryInterval until the releases are Ready.
        timeout: '30m',
        prune: true,
        healthChecks:
          checks.length > 0
            ? checks.map(({ apiVersion, kind, name, namespace }) => ({
                apiVersion,
                kind,
                name,
                namespace,
              }))
            : undefined,
        healthCheckExprs: expressions.length > 0 ? expressions : undefined,
      },
      'platform-configs': {
        interval: '1h',
        timeout: '5m',
        prune: true,
        wait: true,
        healthCheckExprs: configsExpressions.length > 0 ? configsExpressions : undefined,
      },
      apps: { interval: '10m', timeout: '5m', prune: true },
    };

    for (const layer of this.layers) {
      new Kustomization(folder, layer.name, {
        metadata: { name: layer.name, namespace: FLUX_NAMESPACE },
        spec: {
          interval: '1h',
          prune: true,
          ...perLayer[layer.name],
          retryInterval: '1m',
          dependsOn: layer.dependsOn ? [{ name: layer.dependsOn }] : undefined,
          path: repositoryPath(cluster.gitops.path, layer.folder),
          sourceRef: { kind: KustomizationSpecSourceRefKind.GIT_REPOSITORY, name: FLUX_SYNC_NAME },
          decryption: {
            provider: KustomizationSpecDecryptionProvider.SOPS,
            secretRef: { name: SOPS_SECRET_NAME },
          },
        },
      });
    }
  }
}

/**
 * The health-check expressions of a layer, one per kind (Flux applies an expression to every
 * checked object of its kind), sorted by kind; fails when two checks of a kind disagree.
 */
export function healthCheckExpressions(
  clusterName: string,
  checks: readonly Pick<HealthCheck, 'apiVersion' | 'kind' | 'expression'>[],
): KustomizationSpecHealthCheckExprs[] {
  const byKind = new Map<string, KustomizationSpecHealthCheckExprs>();
  for (const { apiVersion, kind, expression } of checks) {
    if (!expression) continue;
    const key = `${apiVersion}/${kind}`;
    const rendered = { apiVersion, kind, current: expression.current, failed: expression.failed };
    const seen = byKind.get(key);
    if (seen && (seen.current !== rendered.current || seen.failed !== rendered.failed)) {
      throw new Error(
        `cluster '${clusterName}': health checks of ${key} disagree on their expressions; Flux takes one per kind`,
      );
    }
    byKind.set(key, rendered);
  }
  return [...byKind.entries()]
    .sort(([a], [b]) => compareStrings(a, b))
    .map(([, expression]) => expression);
}
