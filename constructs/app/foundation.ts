// What every app gets before its workload: its namespace (Pod Security "restricted", applied by
// Flux), and in it a quota sized for its most pods, default container limits, its service
// account and its configuration.
import { k8s } from 'cdk8s-plus-28';
import { parseQuantity } from '../config/quantity';
import type { ResourceSizes } from '../config/types';
import { APP_NAMESPACE_LABEL } from '../contract/labels';
import { FOUNDATION_WAVE, SYNC_WAVE } from '../contract/names';
import type { GitOpsFolder } from '../gitops-folder';
import { JsonObject } from '../json-object';
import { compareStrings } from '../order';

/** A rendered object's metadata, as the app constructs build it. */
export interface AppMetadata {
  /** Object name. */
  readonly name: string;
  /** Namespace. */
  readonly namespace?: string;
  /** Labels. */
  readonly labels: Record<string, string>;
  /** Annotations. */
  readonly annotations?: Record<string, string>;
}

/** What the foundation of one app in one environment is made from. */
export interface FoundationInput {
  /** The app's folder (`apps/<env>/<app>`). */
  readonly folder: GitOpsFolder;
  /** The app's name: its quota, limits and service account are named after it. */
  readonly appName: string;
  /** The app's namespace in the environment. */
  readonly namespace: string;
  /** The app's labels, put on the namespace too. */
  readonly labels: Readonly<Record<string, string>>;
  /** Container sizes, overrides applied. */
  readonly resources: ResourceSizes;
  /** The most pods the app runs at once (replicas or autoscaling maximum, plus surge). */
  readonly maxPods: number;
  /**
   * Configuration rendered into the `<app>-config` ConfigMap.
   * @default - no ConfigMap
   */
  readonly config?: Readonly<Record<string, string>>;
  /** Metadata of an object of the app, with optional annotations. */
  readonly metadata: (name: string, annotations?: Record<string, string>) => AppMetadata;
}

const MI = 2 ** 20;

/**
 * The app's namespace (Pod Security "restricted"), rendered where Flux applies it: the
 * cluster's `argocd/<cluster>` folder, beside the Applications and the app's decrypted Secrets.
 * Flux creates it before either, so Argo CD never needs the right to create or relabel a
 * namespace, and a Secret lands before the pods that read it.
 */
export function renderAppNamespace(
  folder: GitOpsFolder,
  namespace: string,
  labels: Readonly<Record<string, string>>,
): void {
  new JsonObject(folder, `namespace-${namespace}`, {
    ...k8s.KubeNamespace.GVK,
    ...k8s.toJson_KubeNamespaceProps({
      metadata: {
        name: namespace,
        labels: {
          ...labels,
          [APP_NAMESPACE_LABEL]: 'true',
          'pod-security.kubernetes.io/enforce': 'restricted',
          'pod-security.kubernetes.io/warn': 'restricted',
        },
      },
    }),
  });
}

/** Renders the quota, limit range, service account and ConfigMap of an app. */
export function renderAppFoundation(input: FoundationInput): void {
  const { folder, appName, metadata, config } = input;
  const foundation = { [SYNC_WAVE]: FOUNDATION_WAVE };

  const { resources } = input;
  const pods = input.maxPods;
  const times = (quantity: string, unit: 'cpu' | 'memory'): string => {
    const value = (parseQuantity(quantity) ?? 0) * pods;
    return unit === 'cpu' ? `${Math.ceil(value * 1000)}m` : `${Math.ceil(value / MI)}Mi`;
  };
  new JsonObject(folder, 'quota', {
    ...k8s.KubeResourceQuota.GVK,
    ...k8s.toJson_KubeResourceQuotaProps({
      metadata: metadata(appName, foundation),
      spec: {
        hard: {
          pods: k8s.Quantity.fromNumber(pods),
          'requests.cpu': k8s.Quantity.fromString(times(resources.cpuRequest, 'cpu')),
          'limits.cpu': k8s.Quantity.fromString(times(resources.cpuLimit, 'cpu')),
          'requests.memory': k8s.Quantity.fromString(times(resources.memoryRequest, 'memory')),
          'limits.memory': k8s.Quantity.fromString(times(resources.memoryLimit, 'memory')),
        },
      },
    }),
  });
  new JsonObject(folder, 'limits', {
    ...k8s.KubeLimitRange.GVK,
    ...k8s.toJson_KubeLimitRangeProps({
      metadata: metadata(appName, foundation),
      spec: {
        limits: [
          {
            type: 'Container',
            defaultRequest: {
              cpu: k8s.Quantity.fromString(resources.cpuRequest),
              memory: k8s.Quantity.fromString(resources.memoryRequest),
            },
            default: {
              cpu: k8s.Quantity.fromString(resources.cpuLimit),
              memory: k8s.Quantity.fromString(resources.memoryLimit),
            },
          },
        ],
      },
    }),
  });
  new JsonObject(folder, 'service-account', {
    ...k8s.KubeServiceAccount.GVK,
    ...k8s.toJson_KubeServiceAccountProps({
      metadata: metadata(appName, foundation),
      automountServiceAccountToken: false,
    }),
  });
  if (config && Object.keys(config).length > 0) {
    new JsonObject(folder, 'config', {
      ...k8s.KubeConfigMap.GVK,
      ...k8s.toJson_KubeConfigMapProps({
        metadata: metadata(`${appName}-config`, foundation),
        data: sortedRecord(config),
      }),
    });
  }
}

/** A copy of a record with its keys sorted, so rendered data does not depend on source order. */
export function sortedRecord(record: Readonly<Record<string, string>>): Record<string, string> {
  return Object.fromEntries(Object.entries(record).sort(([a], [b]) => compareStrings(a, b)));
}
