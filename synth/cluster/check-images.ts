// Images check and the image list: every image the cluster pulls is pinned (a tag other than
// `latest`, or a digest). The same list is what an air-gapped cluster must mirror.
import { compareStrings } from '../../constructs/order';
import { describe, type ClusterObject, isRecord } from './objects';
import { podTemplates } from './pods';
import type { ClusterProblem } from './problems';

/** One image reference and where it is used. */
export interface ImageUse {
  /** The image reference as written. */
  readonly image: string;
  /** The object using it. */
  readonly entry: ClusterObject;
  /** Field path of the reference. */
  readonly path: string;
}

/**
 * Every image reference of the cluster: containers of every pod template (init and ephemeral
 * too), pods declared by operators (as `declared`), and the Ceph image a CephCluster runs.
 */
export function imageUses(
  objects: readonly ClusterObject[],
  declared: readonly ImageUse[] = [],
): ImageUse[] {
  const uses: ImageUse[] = [...declared];
  for (const template of podTemplates(objects)) {
    for (const list of ['initContainers', 'containers', 'ephemeralContainers']) {
      const containers = template.spec[list];
      for (const raw of Array.isArray(containers) ? containers : []) {
        const container = isRecord(raw) ? raw : {};
        uses.push({
          image: typeof container.image === 'string' ? container.image : '',
          entry: template.owner,
          path: `${template.path}.${list}[${String(container.name ?? '?')}].image`,
        });
      }
    }
  }
  for (const entry of objects) {
    if (entry.object.kind !== 'CephCluster') continue;
    const spec = isRecord(entry.object.spec) ? entry.object.spec : {};
    const version = isRecord(spec.cephVersion) ? spec.cephVersion : {};
    if (typeof version.image === 'string') {
      uses.push({ image: version.image, entry, path: 'spec.cephVersion.image' });
    }
  }
  return uses;
}

/** Why an image reference is not pinned, or undefined when it is. */
export function unpinnedReason(image: string): string | undefined {
  if (image.trim() === '') return 'is empty';
  if (/@sha256:[0-9a-f]{64}$/.test(image)) return undefined;
  const lastSegment = image.slice(image.lastIndexOf('/') + 1);
  const colon = lastSegment.indexOf(':');
  if (colon < 0) return 'has no tag (the runtime pulls latest)';
  if (lastSegment.slice(colon + 1) === 'latest') return "uses the moving tag 'latest'";
  return undefined;
}

/** The images check. */
export function checkImages(uses: readonly ImageUse[]): ClusterProblem[] {
  return uses.flatMap((use) => {
    const reason = unpinnedReason(use.image);
    return reason
      ? [
          {
            check: 'images' as const,
            object: describe(use.entry),
            source: use.entry.source,
            path: use.path,
            rule: `image '${use.image}' ${reason}`,
            fix: 'pin a release tag or a digest',
          },
        ]
      : [];
  });
}

/** The sorted, de-duplicated list of images the cluster pulls. */
export function imageList(uses: readonly ImageUse[]): string[] {
  return [...new Set(uses.map((use) => use.image))].sort(compareStrings);
}
