// The pod templates of workload objects, wherever a kind keeps them.
import { isRecord, type ClusterObject } from './objects';

/** A pod template inside an object. */
export interface PodTemplate {
  /** The object holding it. */
  readonly owner: ClusterObject;
  /** Path of the pod spec inside the owner, e.g. `spec.template.spec`. */
  readonly path: string;
  /** The pod's labels (the template's metadata.labels). */
  readonly labels: Readonly<Record<string, string>>;
  /** The pod spec. */
  readonly spec: Readonly<Record<string, unknown>>;
}

/** Where each workload kind keeps its pod template (`Pod` is its own). */
const TEMPLATE_PATHS: Readonly<Record<string, readonly string[]>> = {
  Pod: [],
  Deployment: ['spec', 'template'],
  StatefulSet: ['spec', 'template'],
  DaemonSet: ['spec', 'template'],
  ReplicaSet: ['spec', 'template'],
  Job: ['spec', 'template'],
  CronJob: ['spec', 'jobTemplate', 'spec', 'template'],
  Rollout: ['spec', 'template'],
};

/** The pod template of an object, or undefined when its kind has none. */
export function podTemplateOf(owner: ClusterObject): PodTemplate | undefined {
  const route = owner.object.kind ? TEMPLATE_PATHS[owner.object.kind] : undefined;
  if (!route) return undefined;
  let at: unknown = owner.object;
  for (const key of route) at = isRecord(at) ? at[key] : undefined;
  if (!isRecord(at) || !isRecord(at.spec)) return undefined;
  const metadata = isRecord(at.metadata) ? at.metadata : {};
  const labels = isRecord(metadata.labels) ? (metadata.labels as Record<string, string>) : {};
  return { owner, path: [...route, 'spec'].join('.'), labels, spec: at.spec };
}

/** Every pod template of the cluster's objects. */
export function podTemplates(objects: readonly ClusterObject[]): PodTemplate[] {
  return objects.flatMap((owner) => {
    const template = podTemplateOf(owner);
    return template ? [template] : [];
  });
}
