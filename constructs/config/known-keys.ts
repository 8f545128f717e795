// The fields a cluster (environments/clusters/*.ts), an environment (environments/*.ts) and a
// cluster's platform settings may have, checked at run time (see contract/known-keys.ts).
// Chart values (`platform.<component>.values`) are left to `npm run render`, which compares
// every key with the chart's own values; the settings this platform defines are checked here.
import { Duration } from 'cdk8s';
import type { DeepPartial, DeploymentValues } from './component-settings';
import {
  anyObject,
  boolean,
  instance,
  list,
  number,
  object,
  oneOf,
  optional,
  record,
  shapeProblems,
  string,
  type Fields,
  type Rule,
} from '../contract/known-keys';
import { ProblemCollector } from '../errors';
import { CertificateAuthority, type AcmeSettings, type CertManagerSettings } from './cert-manager';
import type { AlloySettings } from './alloy';
import type { ArgoRolloutsSettings } from './argo-rollouts';
import type { ArgoCdSettings, ArgoCdSso, ArgoCdTeam } from './argocd';
import type { CiliumSettings } from './cilium';
import type {
  FluxControllerSettings,
  FluxExtraController,
  FluxInstallSettings,
  FluxSettings,
} from './flux';
import type { KubeletServingCertApproverSettings } from './kubelet-serving-cert-approver';
import type { KyvernoSettings } from './kyverno';
import type { LokiSettings } from './loki';
import { MetalLbAnnouncement, type MetalLbSettings } from './metallb';
import type { MetricsServerSettings } from './metrics-server';
import type { MirrorConfig } from './mirror';
import type { MonitoringSettings } from './monitoring';
import type { RookCephSettings } from './rook-ceph';
import type { PlatformSettings } from './settings';
import type { TektonPrunerSettings, TektonSettings } from './tekton';
import {
  AlertReceiver,
  ClusterTier,
  NodeRole,
  SyncPolicy,
  type ClusterConfig,
  type ClusterSecretsConfig,
  type EnvironmentConfig,
  type ExternalSecret,
  type GitOpsRepositoryConfig,
  type NodeConfig,
  type ResourceSizes,
} from './types';

/** A Duration (`Duration.seconds(30)`); its amount is the validators' to check. */
export const duration: Rule<Duration> = instance(Duration, 'a Duration like Duration.seconds(30)');

const RESOURCE_FIELDS: Fields<ResourceSizes> = {
  cpuRequest: string,
  cpuLimit: string,
  memoryRequest: string,
  memoryLimit: string,
};

/** Container sizes, every key given (an environment's defaults). */
export const resourceSizes: Rule<ResourceSizes> = object<ResourceSizes>(RESOURCE_FIELDS);

/** Container sizes, any subset (an app's, merged over the environment's). */
export const partialResourceSizes: Rule<Partial<ResourceSizes>> = object<Partial<ResourceSizes>>({
  cpuRequest: optional(string),
  cpuLimit: optional(string),
  memoryRequest: optional(string),
  memoryLimit: optional(string),
});

/** What every component accepts: on/off and chart values (whose keys `npm run render` checks). */
const componentFields = {
  enabled: optional(boolean),
  values: optional(anyObject('an object of chart values')),
};

const controllerSettings = object<DeepPartial<FluxControllerSettings>>({
  resources: optional(
    object<DeepPartial<FluxControllerSettings['resources']>>({
      requests: optional(
        object<DeepPartial<FluxControllerSettings['resources']['requests']>>({
          cpu: optional(string),
          memory: optional(string),
        }),
      ),
      limits: optional(
        object<DeepPartial<FluxControllerSettings['resources']['limits']>>({
          memory: optional(string),
        }),
      ),
    }),
  ),
  concurrent: optional(number),
});

const flux = object<FluxSettings>({
  enabled: optional(boolean),
  // Flux's settings are this platform's own (no chart): checked key by key.
  values: optional(
    object<DeepPartial<FluxInstallSettings>>({
      logLevel: optional(
        oneOf<FluxInstallSettings['logLevel']>({ debug: true, info: true, error: true }),
      ),
      helmController: optional(controllerSettings),
      kustomizeController: optional(controllerSettings),
      sourceController: optional(controllerSettings),
      notificationController: optional(controllerSettings),
      extraControllers: optional(
        list(
          oneOf<FluxExtraController>({
            'image-reflector-controller': true,
            'image-automation-controller': true,
            'source-watcher': true,
          }),
        ),
      ),
      podMonitor: optional(boolean),
    }),
  ),
  alertSeverity: optional(
    oneOf<NonNullable<FluxSettings['alertSeverity']>>({ info: true, error: true }),
  ),
});

const acme = object<AcmeSettings>({
  email: string,
  server: optional(string),
  cloudflare: object<AcmeSettings['cloudflare']>({ apiTokenSecret: string }),
  environments: list(string),
});

const sso = object<ArgoCdSso>({
  name: string,
  issuer: string,
  clientId: string,
  clientSecret: object<ArgoCdSso['clientSecret']>({ secretName: string, key: string }),
  adminGroup: optional(string),
});

// The replicas and sizes of a component rendered without a chart (no chart values to compare
// with): checked key by key.
const deploymentValues = object<DeepPartial<DeploymentValues>>({
  replicas: optional(number),
  resources: optional(
    object<DeepPartial<DeploymentValues['resources']>>({
      requests: optional(
        object<DeepPartial<DeploymentValues['resources']['requests']>>({
          cpu: optional(string),
          memory: optional(string),
        }),
      ),
      limits: optional(
        object<DeepPartial<DeploymentValues['resources']['limits']>>({ memory: optional(string) }),
      ),
    }),
  ),
});

/** A cluster's `platform`: one key per component, each with its own settings. */
export const platformSettings: Rule<PlatformSettings> = object<PlatformSettings>({
  certManager: optional(
    object<CertManagerSettings>({
      ...componentFields,
      authority: optional(
        instance(
          CertificateAuthority,
          'a CertificateAuthority (CertificateAuthority.selfSigned() or .privateCa())',
        ),
      ),
      acme: optional(acme),
    }),
  ),
  cilium: optional(
    object<CiliumSettings>({
      ...componentFields,
      publishUi: optional(boolean),
      gatewayAddress: optional(string),
    }),
  ),
  metallb: optional(
    object<MetalLbSettings>({
      ...componentFields,
      announcement: optional(
        instance(
          MetalLbAnnouncement,
          'a MetalLbAnnouncement (MetalLbAnnouncement.l2() or .bgp({...}))',
        ),
      ),
    }),
  ),
  rookCeph: optional(
    object<RookCephSettings>({
      ...componentFields,
      replication: optional(number),
      monitors: optional(number),
      filesystem: optional(boolean),
      objectStore: optional(boolean),
      csiDriversValues: optional(anyObject('an object of chart values')),
    }),
  ),
  flux: optional(flux),
  kubeletServingCertApprover: optional(
    object<KubeletServingCertApproverSettings>({
      enabled: optional(boolean),
      values: optional(deploymentValues),
    }),
  ),
  metricsServer: optional(
    object<MetricsServerSettings>({
      enabled: optional(boolean),
      values: optional(deploymentValues),
    }),
  ),
  kyverno: optional(
    object<KyvernoSettings>({
      ...componentFields,
      allowedRegistries: optional(list(string)),
      failureAction: optional(
        oneOf<NonNullable<KyvernoSettings['failureAction']>>({ Audit: true, Enforce: true }),
      ),
    }),
  ),
  monitoring: optional(
    object<MonitoringSettings>({
      ...componentFields,
      alertReceiver: optional(
        instance(
          AlertReceiver,
          'an AlertReceiver (AlertReceiver.slack({...}), .lark({...}) or .webhook({...}))',
        ),
      ),
    }),
  ),
  loki: optional(object<LokiSettings>(componentFields)),
  alloy: optional(object<AlloySettings>(componentFields)),
  argocd: optional(
    object<ArgoCdSettings>({
      ...componentFields,
      teams: optional(list(object<ArgoCdTeam>({ name: string, group: string }))),
      sso: optional(sso),
    }),
  ),
  argoRollouts: optional(
    object<ArgoRolloutsSettings>({ ...componentFields, publishUi: optional(boolean) }),
  ),
  tekton: optional(
    object<TektonSettings>({
      ...componentFields,
      publishUi: optional(boolean),
      pruner: optional(
        object<TektonPrunerSettings>({ keep: optional(number), schedule: optional(string) }),
      ),
    }),
  ),
});

/** A cluster as environments/clusters/<name>.ts declares it. */
export const clusterConfig: Rule<ClusterConfig> = object<ClusterConfig>({
  name: string,
  tier: oneOf<ClusterTier>({
    [ClusterTier.NON_PRODUCTION]: true,
    [ClusterTier.PRODUCTION]: true,
  }),
  nodeSubnet: string,
  controlPlaneVip: string,
  apiPort: optional(number),
  nodes: list(
    object<NodeConfig>({
      name: string,
      ip: string,
      role: oneOf<NodeRole>({ [NodeRole.CONTROL_PLANE]: true, [NodeRole.WORKER]: true }),
      installDisk: string,
      storageDevices: optional(list(string)),
    }),
  ),
  talosVersion: string,
  kubernetesVersion: string,
  loadBalancerAddresses: list(string),
  domain: string,
  gitops: object<GitOpsRepositoryConfig>({
    url: string,
    branch: string,
    path: string,
    knownHosts: optional(list(string)),
  }),
  secrets: object<ClusterSecretsConfig>({
    ageRecipients: list(string),
    external: optional(
      list(object<ExternalSecret>({ namespace: string, name: string, providedBy: string })),
    ),
  }),
  mirror: optional(
    object<MirrorConfig>({
      registries: record(string),
      charts: string,
      git: string,
      downloads: string,
      timeServers: list(string),
      internalHosts: optional(list(string)),
      caCertificate: optional(string),
      registryCredentials: optional(boolean),
    }),
  ),
  platform: optional(platformSettings),
});

/** An environment as environments/<name>.ts declares it. */
export const environmentConfig: Rule<EnvironmentConfig> = object<EnvironmentConfig>({
  name: string,
  cluster: string,
  domain: string,
  namespacePrefix: optional(string),
  defaultReplicas: number,
  defaultResources: resourceSizes,
  syncPolicy: instance(SyncPolicy, 'a SyncPolicy (SyncPolicy.automatic() or SyncPolicy.gated())'),
  alertReceiver: instance(
    AlertReceiver,
    'an AlertReceiver (AlertReceiver.slack({...}), .lark({...}) or .webhook({...}))',
  ),
  rollbackLimit: optional(duration),
});

/** How a list entry is named in messages: by its name when it has one, else by its place. */
function subjectOf(kind: string, list: string, entry: unknown, index: number): string {
  const name = (entry as { readonly name?: unknown } | null)?.name;
  return typeof name === 'string' ? `${kind} '${name}'` : `${kind} ${list}[${index}]`;
}

/**
 * Adds a problem for every unknown, missing or mistyped field of the clusters and
 * environments (and their platform settings), before any rule reads them.
 */
export function checkConfigShape(
  config: { readonly clusters: readonly unknown[]; readonly environments: readonly unknown[] },
  problems: ProblemCollector,
): void {
  const lists = [
    ['cluster', 'CLUSTERS', config.clusters, clusterConfig],
    ['environment', 'ENVIRONMENTS', config.environments, environmentConfig],
  ] as const;
  for (const [kind, listName, entries, rule] of lists) {
    entries.forEach((entry, i) => {
      const subject = subjectOf(kind, listName, entry, i);
      for (const problem of shapeProblems(entry, rule as Rule<unknown>, `(${kind})`)) {
        problems.add(subject, problem.field, problem.message);
      }
    });
  }
}

/** Throws a ConfigError naming every unknown, missing or mistyped field of the configuration. */
export function assertConfigShape(config: {
  readonly clusters: readonly unknown[];
  readonly environments: readonly unknown[];
}): void {
  const problems = new ProblemCollector();
  checkConfigShape(config, problems);
  problems.throwIfAny();
}
