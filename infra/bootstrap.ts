// What Pulumi installs into a fresh cluster so Flux can take over: Cilium (the nodes have no
// CNI until it runs), the Flux controllers from Flux's release manifest, the two Secrets Flux
// needs, and the same sync objects synth writes to gitops/clusters/<cluster>/flux-system/.
import * as k8s from '@pulumi/kubernetes';
import * as pulumi from '@pulumi/pulumi';
import { App } from 'cdk8s';
import { SOPS_SECRET_NAME } from '../constructs/cluster/flux-layers';
import { FluxSync } from '../constructs/cluster/flux-sync';
import { ciliumReleaseValues } from '../constructs/platform/cilium';
import { FLUX_COMPONENT_LABEL, FLUX_EXTRA_CONTROLLERS } from '../constructs/platform/flux';
import type { ClusterConfig } from '../constructs/config/types';
import {
  ciliumChart,
  fluxInstallUrl,
  gatewayApiCrdsUrl,
} from '../constructs/platform/bootstrap-sources';

export { ciliumChart, fluxInstallUrl, gatewayApiCrdsUrl };
import type { GitCredentials } from './stack-config';
import { FLUX_NAMESPACE, FLUX_SYNC_NAME } from '../constructs/contract/names';

/** Release name and namespace of Cilium; Flux's HelmRelease adopts the release by these. */
export const CILIUM_RELEASE = { name: 'cilium', namespace: 'kube-system' } as const;
/** How long a release may take to become ready on a fresh cluster (images are pulled first). */
export const RELEASE_TIMEOUT_SECONDS = 900;
/**
 * The inputs of a Helm release that Pulumi uses at install only. Flux's HelmRelease adopts the
 * Cilium release and owns it from then on: a version bump or a new value reaches the cluster
 * through Git, and a later `pulumi up` must not upgrade (or roll back) the release behind
 * Flux's back. So after the install Pulumi ignores what the release is made of (chart, version,
 * repository, values) and how it is upgraded; only its name and namespace, which Flux adopts it
 * by, stay live.
 */
export const FLUX_OWNED_RELEASE_INPUTS = [
  'chart',
  'version',
  'devel',
  'repositoryOpts',
  'values',
  'valueYamlFiles',
  'postrender',
  'createNamespace',
  'timeout',
] as const satisfies readonly (keyof k8s.helm.v3.ReleaseArgs)[];

/** A Kubernetes object as cdk8s renders it. */
export interface RenderedObject {
  /** API group and version. */
  readonly apiVersion: string;
  /** Kind. */
  readonly kind: string;
  /** Name and namespace. */
  readonly metadata: { readonly name: string; readonly namespace?: string };
  /** Everything else (spec, ...). */
  readonly [field: string]: unknown;
}

/** The objects synth writes to `gitops/clusters/<cluster>/flux-system/`, rendered in-process. */
export function fluxSyncObjects(cluster: ClusterConfig): RenderedObject[] {
  const sync = new FluxSync(new App(), 'flux-sync', { cluster });
  return sync.folder.toJson() as RenderedObject[];
}

/** The data of Flux's Git credentials Secret, in the keys source-controller reads. */
export function gitSecretData(git: GitCredentials): Record<string, pulumi.Input<string>> {
  return git.kind === 'ssh'
    ? { identity: git.identity, known_hosts: git.knownHosts }
    : { username: git.username, password: git.password };
}

/** Props of {@link installGatewayApiCrds}. */
export interface GatewayApiCrdsProps {
  /** The cluster. */
  readonly cluster: ClusterConfig;
  /** Provider for the new cluster. */
  readonly provider: k8s.Provider;
  /** What must exist first (the kubeconfig read-back). */
  readonly dependsOn: pulumi.Input<pulumi.Resource>[];
}

/** The Gateway API CRDs Pulumi installed, once the manifest is read. */
export interface GatewayApiCrds {
  /** The release manifest: one Pulumi resource per CRD. */
  readonly manifest: k8s.yaml.ConfigFile;
  /** Its CRDs, for what must wait for them (Cilium). */
  readonly crds: pulumi.Output<pulumi.CustomResource[]>;
}

/**
 * The Gateway API CRDs, before Cilium: Cilium's operator turns its Gateway controller on only
 * if the CRDs exist when it starts, and its chart ships none. Pulumi creates them once; Flux's
 * crds layer applies the same CRDs (same tag) from Git and owns them from then on, so each CRD
 * ignores later changes to all but its identity, and stays when the stack deletes it (deleting
 * a CRD deletes every Gateway and HTTPRoute of the cluster). The v1 ConfigFile (read by the
 * program) so these options apply per object.
 */
export function installGatewayApiCrds(props: GatewayApiCrdsProps): GatewayApiCrds {
  const manifest = new k8s.yaml.ConfigFile(
    'gateway-api-crds',
    {
      file: gatewayApiCrdsUrl(props.cluster.mirror),
      resourcePrefix: props.cluster.name,
      transformations: [
        (object: Record<string, unknown>, options: pulumi.CustomResourceOptions) => {
          // Children inherit the provider from the component, not its dependsOn.
          options.dependsOn = props.dependsOn;
          options.ignoreChanges = fluxOwnedFields(object);
          options.retainOnDelete = true;
        },
      ],
    },
    { provider: props.provider },
  );
  return { manifest, crds: manifest.resources.apply((resources) => Object.values(resources)) };
}

/** Props of {@link installCilium}. */
export interface CiliumInstallProps {
  /** The cluster. */
  readonly cluster: ClusterConfig;
  /** Provider for the new cluster. */
  readonly provider: k8s.Provider;
  /** What must exist first (the kubeconfig read-back). */
  readonly dependsOn: pulumi.Input<pulumi.Input<pulumi.Resource>[]>;
}

/**
 * Cilium from the same chart version and values Flux's HelmRelease renders (overrides
 * included), so Flux adopts it without a change; installed once, then Flux's.
 */
export function installCilium(props: CiliumInstallProps): k8s.helm.v3.Release {
  return new k8s.helm.v3.Release(
    `${props.cluster.name}-cilium`,
    {
      name: CILIUM_RELEASE.name,
      namespace: CILIUM_RELEASE.namespace,
      ...ciliumChart(props.cluster.mirror),
      values: ciliumReleaseValues(props.cluster),
      // Every node pulls the agent image before the release is ready.
      timeout: RELEASE_TIMEOUT_SECONDS,
    },
    {
      provider: props.provider,
      dependsOn: props.dependsOn,
      ignoreChanges: [...FLUX_OWNED_RELEASE_INPUTS],
    },
  );
}

/**
 * The fields of an object from Flux's install manifest that Pulumi sets at create only: all but
 * its identity (apiVersion, kind, name, namespace). Flux's Kustomization applies the same
 * objects from the release's OCI artifact and owns them from then on, so a later `pulumi up`
 * must not revert Flux's settings or upgrade behind its back.
 */
export function fluxOwnedFields(object: Readonly<Record<string, unknown>>): string[] {
  const identity = ['apiVersion', 'kind', 'metadata'];
  return [
    'metadata.labels',
    'metadata.annotations',
    ...Object.keys(object).filter((key) => !identity.includes(key)),
  ];
}

/** Whether an object of Flux's install manifest belongs to an optional controller. */
export function isExtraControllerObject(object: {
  readonly metadata?: { readonly labels?: Readonly<Record<string, string>> };
}): boolean {
  const component = object.metadata?.labels?.[FLUX_COMPONENT_LABEL];
  return FLUX_EXTRA_CONTROLLERS.some((name) => name === component);
}

/** Props of {@link bootstrapFlux}. */
export interface FluxBootstrapProps {
  /** The cluster. */
  readonly cluster: ClusterConfig;
  /** Provider for the new cluster. */
  readonly provider: k8s.Provider;
  /** What must run first (Cilium: without a CNI no controller pod starts). */
  readonly dependsOn: pulumi.Input<pulumi.Resource>[];
  /** Credentials for the GitOps repository. */
  readonly git: GitCredentials;
  /** SOPS age private key, secret. */
  readonly sopsAgeKey: pulumi.Output<string>;
}

/** The Flux resources of a cluster, in the order they are created. */
export interface FluxBootstrap {
  /** Flux's install manifest: the controllers and CRDs, one resource per object. */
  readonly controllers: k8s.yaml.ConfigFile;
  /** The objects of {@link controllers}, once the manifest is read. */
  readonly controllerObjects: pulumi.Output<pulumi.CustomResource[]>;
  /** `flux-system/flux-system`: Git credentials. */
  readonly gitSecret: k8s.core.v1.Secret;
  /** `flux-system/sops-age`: the SOPS age private key. */
  readonly sopsSecret: k8s.core.v1.Secret;
  /** The GitRepository and the root Kustomization, as synth renders them. */
  readonly syncObjects: readonly k8s.apiextensions.CustomResource[];
}

/**
 * The Flux controllers, then the two Secrets, then the sync objects (the GitRepository needs
 * its credentials before its first reconcile). The controllers come from the release's
 * `install.yaml`, without the optional controllers: the Flux platform component adds back those
 * a cluster enables. The v1 ConfigFile (read by the program, one Pulumi resource per object)
 * rather than the v2 one (expanded by the provider): only it lets the program drop objects and
 * set options per object.
 */
export function bootstrapFlux(props: FluxBootstrapProps): FluxBootstrap {
  const { cluster, provider } = props;
  const controllers = new k8s.yaml.ConfigFile(
    'flux',
    {
      file: fluxInstallUrl(cluster.mirror),
      resourcePrefix: cluster.name,
      transformations: [
        (object: Record<string, unknown>, options: pulumi.CustomResourceOptions) => {
          if (isExtraControllerObject(object)) {
            // The SDK registers nothing for an empty v1 List.
            for (const key of Object.keys(object)) delete object[key];
            Object.assign(object, { apiVersion: 'v1', kind: 'List', items: [] });
            return;
          }
          // Children inherit the provider from the component, not its dependsOn.
          options.dependsOn = props.dependsOn;
          options.ignoreChanges = fluxOwnedFields(object);
          options.customTimeouts = { create: `${RELEASE_TIMEOUT_SECONDS / 60}m` };
        },
      ],
    },
    { provider },
  );
  const controllerObjects = controllers.resources.apply((resources) => Object.values(resources));
  const secretOptions = { provider, dependsOn: controllerObjects };
  const gitSecret = new k8s.core.v1.Secret(
    `${cluster.name}-flux-git`,
    {
      metadata: { name: FLUX_SYNC_NAME, namespace: FLUX_NAMESPACE },
      type: 'Opaque',
      stringData: pulumi.secret(gitSecretData(props.git)),
    },
    secretOptions,
  );
  const sopsSecret = new k8s.core.v1.Secret(
    `${cluster.name}-sops-age`,
    {
      metadata: { name: SOPS_SECRET_NAME, namespace: FLUX_NAMESPACE },
      type: 'Opaque',
      stringData: pulumi.secret({ 'age.agekey': props.sopsAgeKey }),
    },
    secretOptions,
  );
  const syncObjects = fluxSyncObjects(cluster).map(
    (object) =>
      new k8s.apiextensions.CustomResource(
        `${cluster.name}-${object.kind.toLowerCase()}-${object.metadata.name}`,
        { ...object, apiVersion: object.apiVersion, kind: object.kind, metadata: object.metadata },
        {
          provider,
          dependsOn: controllerObjects.apply((objects) => [...objects, gitSecret, sopsSecret]),
        },
      ),
  );
  return { controllers, controllerObjects, gitSecret, sopsSecret, syncObjects };
}
