import { Construct } from 'constructs';
import type { ClusterConfig, EnvironmentConfig } from '../config/types';
import type { AppConstruct } from '../app/app-construct';
import { ArgoCdRegistrations, argocdSources } from '../app/argocd';
import { peersIn, type AppCatalog } from '../app/catalog';
import { GitOpsFolder } from '../gitops-folder';
import { PlatformLayer } from '../platform/component';
import { Platform } from '../platform/platform';
import { FluxLayers } from './flux-layers';
import { FluxSync } from './flux-sync';
import { gitopsFolders, sourceFiles } from '../contract/layout';
import { appNamespace } from '../config/rules';

/** Props of {@link ClusterGitOps}. */
export interface ClusterGitOpsProps {
  /** The cluster to render. */
  readonly cluster: ClusterConfig;
  /** The environments hosted on it. */
  readonly environments: readonly EnvironmentConfig[];
  /**
   * The apps (validated) and their versions; each enabled app is rendered into every hosted
   * environment and registered with Argo CD.
   * @default no apps
   */
  readonly catalog?: AppCatalog;
}

/**
 * Everything synth writes for one cluster: Flux's sync objects and layer chain under
 * `clusters/<cluster>`, the platform components under `platform/<cluster>/<layer>`, every
 * enabled app of each hosted environment under `apps/<env>/<app>`, and their Argo CD
 * registrations under `argocd/<cluster>`, which the apps layer applies.
 */
export class ClusterGitOps extends Construct {
  /** The platform components of the cluster. */
  public readonly platform: Platform;
  /** The Flux layer chain. */
  public readonly layers: FluxLayers;
  /** The apps rendered on the cluster, one per app per hosted environment. */
  public readonly apps: readonly AppConstruct[];

  public constructor(scope: Construct, id: string, props: ClusterGitOpsProps) {
    super(scope, id);
    const { cluster } = props;
    const sources = [
      'constructs/cluster/cluster-gitops.ts',
      sourceFiles.clusterConfig(cluster.name),
    ];

    new FluxSync(this, 'flux-sync', { cluster });
    this.platform = new Platform(this, 'platform', props);
    // Each layer folder exists even when no component adds to it, so every Flux path resolves.
    new GitOpsFolder(this, 'platform-root', {
      folder: gitopsFolders.platform(cluster.name),
      sources,
    });
    for (const layer of Object.values(PlatformLayer)) {
      new GitOpsFolder(this, `layer-${layer}`, {
        folder: gitopsFolders.platformLayer(cluster.name, layer),
        sources,
      });
    }
    const appsFolder = new GitOpsFolder(this, 'argocd', {
      folder: gitopsFolders.argocd(cluster.name),
      sources: argocdSources(cluster.name),
    });
    this.apps = [];
    if (props.catalog) {
      const apps: AppConstruct[] = [];
      for (const environment of props.environments) {
        const peers = peersIn(props.catalog, environment);
        for (const definition of props.catalog.apps) {
          if (!definition.enabledIn(environment)) continue;
          const version = props.catalog.versions[environment.name]?.[definition.name] ?? '';
          const provenance = props.catalog.provenance?.[environment.name]?.[definition.name];
          const app = definition.build(this, {
            environment,
            cluster,
            namespace: appNamespace(environment, definition.name),
            version,
            ...(provenance ? { provenance } : {}),
            peers,
          });
          apps.push(app);
        }
      }
      this.apps = apps;
      new ArgoCdRegistrations(this, 'argocd-registrations', { cluster, apps, folder: appsFolder });
    }
    this.layers = new FluxLayers(this, 'flux-layers', {
      cluster,
      controllerHealthChecks: this.platform.healthChecks,
      configsHealthExpressions: this.platform.configsHealthExpressions,
      appsFolder: appsFolder.folder,
    });
  }
}
