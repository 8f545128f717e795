// Where app images may come from, checked at synth for every environment an app runs in, by
// the same rule the cluster's Kyverno policy `restrict-image-registries` applies at admission:
// that policy audits in dev and test and enforces only in prod, so without this check a bad
// image would pass dev and test and first be refused at prod admission.
import { isComponentEnabled } from '../config/settings';
import type { ClusterConfig, PlatformConfig } from '../config/types';
import type { ProblemCollector } from '../errors';
import { isImageRepository, type AppDefinition } from './definition';

/**
 * The registries a cluster's app images may come from when `platform.kyverno.allowedRegistries`
 * is not set (the same default constructs/platform/kyverno.ts renders).
 */
export const DEFAULT_ALLOWED_REGISTRIES: readonly string[] = ['registry.example.com/'];

/**
 * The shape of an allowed-registry prefix: a host, optional port and path, ending in `/`, no
 * wildcard (the same rule constructs/platform/kyverno.ts checks the setting against).
 */
export const REGISTRY_PREFIX = /^[a-z0-9.-]+(:\d+)?(\/[a-z0-9._-]+)*\/$/;

/** The registry prefixes a cluster's Kyverno policy admits app images from. */
export function allowedRegistries(cluster: ClusterConfig): readonly string[] {
  return cluster.platform?.kyverno?.allowedRegistries ?? DEFAULT_ALLOWED_REGISTRIES;
}

/**
 * The registry host of an image reference, or undefined when it names none. Docker's rule
 * (distribution/reference): the part before the first `/` is a host only if it has a `.` or a
 * `:`, or is `localhost`; otherwise the whole reference is a Docker Hub path (`team/app` is
 * `docker.io/team/app`, `nginx` is `docker.io/library/nginx`).
 */
export function registryHost(image: string): string | undefined {
  const slash = image.indexOf('/');
  if (slash < 0) return undefined;
  const first = image.slice(0, slash);
  return first.includes('.') || first.includes(':') || first === 'localhost' ? first : undefined;
}

/**
 * Whether the cluster's Kyverno policy admits the image. The policy's pattern is
 * `<prefix>* | <prefix>* ...`, and Kyverno's wildcard `*` matches any characters; the prefixes
 * hold no wildcard characters ({@link REGISTRY_PREFIX}), so the pattern
 * matches exactly the images that start with one of the prefixes, case-sensitive. Every prefix
 * ends in `/` and neither a tag nor a digest holds one, so the rendered `<repository>:<tag>`
 * starts with a prefix exactly when the repository does: the repository alone decides.
 */
export function registryAllows(registries: readonly string[], image: string): boolean {
  return registries.some((prefix) => image.startsWith(prefix));
}

/**
 * Checks every app's image against the registries of each cluster it runs on: the image must
 * name a registry host (never Docker Hub by omission) and start with one of the cluster's
 * allowed registry prefixes. Clusters that run no Kyverno admit any image and are not checked.
 * One problem per app, environment and broken rule.
 */
export function validateImages(
  problems: ProblemCollector,
  apps: readonly AppDefinition[],
  config: PlatformConfig,
): void {
  const clusters = new Map(config.clusters.map((cluster) => [cluster.name, cluster]));
  for (const environment of config.environments) {
    const cluster = clusters.get(environment.cluster);
    // An unknown cluster is reported by the configuration's own validation.
    if (!cluster || !isComponentEnabled(cluster, 'kyverno')) continue;
    const registries = allowedRegistries(cluster);
    // A malformed prefix is reported by the Kyverno component, naming the setting; matching
    // images against it here would only add misleading lines.
    const wellFormed = registries.length > 0 && registries.every((r) => REGISTRY_PREFIX.test(r));
    const allowed = `cluster '${cluster.name}' allows ${registries.join(', ')}`;
    for (const app of apps) {
      if (!app.enabledIn(environment)) continue;
      const subject = `app '${app.name}' env '${environment.name}'`;
      const image = app.props.image;
      // A malformed reference is reported once, by the app's own image rule.
      if (!isImageRepository(image)) continue;
      if (registryHost(image) === undefined) {
        problems.add(
          subject,
          'image',
          `must start with its registry host, like registry.example.com/team/app: '${image}' names none, so it would be pulled from docker.io (${allowed})`,
        );
      } else if (wellFormed && !registryAllows(registries, image)) {
        problems.add(
          subject,
          'image',
          `must come from a registry in platform.kyverno.allowedRegistries of cluster '${cluster.name}' (${registries.join(', ')}), got '${image}'`,
        );
      }
    }
  }
}
