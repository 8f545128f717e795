// What the cluster holds beyond its rendered objects, as the code declares it: what components'
// controllers create at run time, the Secrets the Pulumi bootstrap creates, and the Secrets
// another system provides (`secrets.external`, an app secret's `providedBy`).
import type { AppDefinition } from '../../constructs/app';
import { SOPS_SECRET_NAME } from '../../constructs/cluster/flux-layers';
import { appNamespace } from '../../constructs/config/rules';
import { isComponentEnabled, type ComponentKey } from '../../constructs/config/settings';
import type { ClusterConfig, EnvironmentConfig } from '../../constructs/config/types';
import { FLUX_NAMESPACE, FLUX_SYNC_NAME } from '../../constructs/contract/names';
import type { OperatorPod } from '../../constructs/platform/component';
import { PLATFORM_COMPONENTS } from '../../constructs/platform/platform';
import type { ProvidedAtRunTime } from './check-references';
import type { DeclaredPod } from './check-pod-security';
import type { PodSpecLike } from './pod-security';

/** Everything declared for one cluster. */
export interface Declared {
  /** Objects that exist without being rendered. */
  readonly provided: readonly ProvidedAtRunTime[];
  /** Pods operators create. */
  readonly pods: readonly DeclaredPod[];
  /** CRD mirror folders whose CRDs operators register at run time. */
  readonly crdsFolders: readonly string[];
}

/** A pod spec with exactly what the declared pod needs, for the Pod Security rules. */
function podSpecOf(pod: OperatorPod): PodSpecLike {
  const { needs } = pod;
  const hostPaths = needs.hostPaths ?? [];
  return {
    hostNetwork: needs.hostNetwork ?? false,
    hostPID: needs.hostPID ?? false,
    securityContext: {
      runAsNonRoot: !needs.privileged,
      seccompProfile: { type: 'RuntimeDefault' },
    },
    volumes: hostPaths.map((hostPath, i) => ({ name: `host-${i}`, hostPath: { path: hostPath } })),
    containers: [
      {
        name: 'main',
        securityContext: {
          privileged: needs.privileged ?? false,
          allowPrivilegeEscalation: needs.privileged ?? false,
          capabilities: { drop: ['ALL'], add: [...(needs.capabilities ?? [])] },
        },
      },
    ],
  };
}

/** What the cluster's enabled components, its bootstrap and its people provide. */
export function declaredFor(
  cluster: ClusterConfig,
  environments: readonly EnvironmentConfig[],
  apps: readonly AppDefinition[],
): Declared {
  const provided: ProvidedAtRunTime[] = [
    {
      kind: 'Secret',
      namespace: FLUX_NAMESPACE,
      name: FLUX_SYNC_NAME,
      createdBy: 'the Pulumi bootstrap (Git credentials)',
    },
    {
      kind: 'Secret',
      namespace: FLUX_NAMESPACE,
      name: SOPS_SECRET_NAME,
      createdBy: 'the Pulumi bootstrap (SOPS age key)',
    },
  ];
  const pods: DeclaredPod[] = [];
  const crdsFolders: string[] = [];
  for (const key of Object.keys(PLATFORM_COMPONENTS) as ComponentKey[]) {
    if (!isComponentEnabled(cluster, key)) continue;
    const { namespace, createsAtRunTime } = PLATFORM_COMPONENTS[key].identity;
    if (!createsAtRunTime) continue;
    for (const secret of createsAtRunTime.secrets ?? []) {
      provided.push({ kind: 'Secret', namespace, ...secret });
    }
    for (const configMap of createsAtRunTime.configMaps ?? []) {
      provided.push({ kind: 'ConfigMap', namespace, ...configMap });
    }
    for (const provisioner of createsAtRunTime.provisioners ?? []) {
      provided.push({ kind: 'CSIDriver', namespace: '', ...provisioner });
    }
    crdsFolders.push(...(createsAtRunTime.crdsFolders ?? []));
    for (const pod of createsAtRunTime.pods ?? []) {
      pods.push({
        name: pod.name,
        namespace,
        labels: pod.labels,
        spec: podSpecOf(pod),
        createdBy: pod.createdBy,
      });
    }
  }
  // Secrets encrypted in git are objects of the tree; only those another system provides are
  // declared (synth has already refused any needed Secret that is neither).
  for (const secret of cluster.secrets.external ?? []) {
    provided.push({
      kind: 'Secret',
      namespace: secret.namespace,
      name: secret.name,
      createdBy: `${secret.providedBy} (cluster '${cluster.name}' secrets.external)`,
    });
  }
  for (const environment of environments) {
    for (const app of apps) {
      for (const secret of app.props.secrets ?? []) {
        if (secret.providedBy === undefined) continue;
        provided.push({
          kind: 'Secret',
          namespace: appNamespace(environment, app.name),
          name: secret.secretName,
          createdBy: `${secret.providedBy} (app '${app.name}' secrets: providedBy)`,
        });
      }
    }
  }
  return { provided, pods, crdsFolders };
}
