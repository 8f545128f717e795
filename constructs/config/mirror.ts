// A cluster's mirror: where it pulls images, charts, Git repositories and downloads from
// instead of the public internet. One setting; everything that pulls reads it through the
// functions here, so a public URL has exactly one mirrored form.
import type { ProblemCollector } from '../errors';
import { compareStrings } from '../order';

/** Where a cluster pulls everything from instead of the public internet (`cluster.mirror`). */
export interface MirrorConfig {
  /**
   * Container registries: for each public registry host the cluster's images name
   * (`docker.io`, `ghcr.io`, `quay.io`, `registry.k8s.io`, ...), the mirror location serving
   * that registry's repositories under the same paths, as `host[:port][/path]` (a Harbor
   * proxy-cache project: `harbor.example.com/ghcr`; a Nexus Docker proxy on its own port:
   * `nexus.example.com:8443`). The nodes pull through it (Talos registry mirrors, no fallback
   * to the public registry) and image names stay as written, so digests and the Kyverno
   * registry rules still hold. OCI artifacts Flux pulls (Flux's own manifests) are fetched from
   * the same location. Every registry an object of the cluster names must be listed: `npm run
   * render` checks it. No default.
   */
  readonly registries: Readonly<Record<string, string>>;
  /**
   * Helm charts: `oci://host/path` (chart `<name>` at `oci://host/path/<name>`, as `helm push`
   * lays it out) or `https://...` (one Helm repository whose index holds every chart). No
   * default.
   */
  readonly charts: string;
  /**
   * Git repositories, a base URL: a public `https://<host>/<owner>/<repo>` is cloned from
   * `<git>/<owner>/<repo>` (`git push --mirror` keeps its tags). No default.
   */
  readonly git: string;
  /**
   * Plain downloads (release binaries, tarballs, manifests), a base URL: `https://<host>/<path>`
   * is fetched from `<downloads>/<host>/<path>` (a Nexus or Artifactory raw repository). No
   * default.
   */
  readonly downloads: string;
  /**
   * NTP servers inside the company's network, host names or IPv4 addresses. Talos waits for
   * its first time sync before it boots (TimeSyncConfig's boot timeout defaults to forever),
   * and its default, `time.cloudflare.com`, is on the internet. No default.
   */
  readonly timeServers: readonly string[];
  /**
   * Hosts inside the company's network the cluster reaches directly, not through the mirror:
   * the registry of the apps' own images, an identity provider, an internal Git server, as
   * `host[:port]`. The GitOps repository's host and the cluster's and environments' domains
   * are always allowed.
   * @default []
   */
  readonly internalHosts?: readonly string[];
  /**
   * PEM certificate(s) of the CA the registry mirror hosts' certificates chain to, when it is
   * not a public CA: Talos trusts it for every image pull from those hosts.
   * @default - the public CAs
   */
  readonly caCertificate?: string;
  /**
   * Whether the registry mirror hosts need pull credentials. When true, the cluster's Pulumi
   * stack must hold `mirrorUsername` and `mirrorPassword` (a secret), which Talos uses for every
   * image pull from those hosts.
   * @default false
   */
  readonly registryCredentials?: boolean;
}

// `host[:port]` of a URL or a registry location.
const HOST = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*(:\d{1,5})?$/;
const PATH_SEGMENT = /^[a-z0-9]+([._-][a-z0-9]+)*$/;

/** `host[:port]` of `scheme://host[:port]/...`, lower case; undefined when not such a URL. */
export function urlHost(url: string): string | undefined {
  const match = /^[a-z][a-z0-9+.-]*:\/\/([^/?#@\s]+@)?([^/?#\s]+)/i.exec(url);
  return match ? match[2].toLowerCase() : undefined;
}

/**
 * The registry host of an image reference, the way containerd resolves it: the first segment
 * when it has a `.` or `:` or is `localhost`, else Docker Hub (`docker.io`).
 */
export function imageRegistry(image: string): string {
  const slash = image.indexOf('/');
  if (slash < 0) return 'docker.io';
  const first = image.slice(0, slash);
  return first.includes('.') || first.includes(':') || first === 'localhost' ? first : 'docker.io';
}

/** The repository path of an image inside its registry (`library/` added for Docker Hub). */
function imagePath(image: string): string {
  const registry = imageRegistry(image);
  const rest =
    image.startsWith(`${registry}/`) && registry !== 'docker.io'
      ? image.slice(registry.length + 1)
      : image.replace(/^docker\.io\//, '');
  return registry === 'docker.io' && !rest.includes('/') ? `library/${rest}` : rest;
}

/** Where a mirror holds an image: the same repository path and tag/digest under its location. */
export function mirroredImage(mirror: MirrorConfig, image: string): string | undefined {
  const location = mirror.registries[imageRegistry(image)];
  return location === undefined ? undefined : `${location}/${imagePath(image)}`;
}

/** A chart as a Flux source pulls it. */
export interface ChartSource {
  /** Chart name. */
  readonly chart: string;
  /** `https://` Helm repository, or `oci://` path holding the chart (without the chart name). */
  readonly repository: string;
  /** Exact version. */
  readonly version: string;
}

/** Where the cluster pulls a chart from: the mirror's chart base, or the chart's own repository. */
export function chartSource(mirror: MirrorConfig | undefined, chart: ChartSource): ChartSource {
  return mirror === undefined ? chart : { ...chart, repository: trimSlash(mirror.charts) };
}

/**
 * Where the cluster pulls an OCI artifact (`oci://registry/path`) from: the registry's mirror
 * location, or the artifact itself. Undefined when the mirror does not list the registry.
 */
export function ociSource(mirror: MirrorConfig | undefined, url: string): string | undefined {
  if (mirror === undefined) return url;
  const reference = url.replace(/^oci:\/\//, '');
  const location = mirror.registries[imageRegistry(reference)];
  return location === undefined
    ? undefined
    : `oci://${location}/${reference.slice(reference.indexOf('/') + 1)}`;
}

/** Where the cluster clones a public Git repository from. */
export function gitSource(mirror: MirrorConfig | undefined, url: string): string {
  if (mirror === undefined) return url;
  return `${trimSlash(mirror.git)}/${urlPath(url)}`;
}

/** Where the cluster (or Pulumi) downloads a public file from. */
export function downloadSource(mirror: MirrorConfig | undefined, url: string): string {
  if (mirror === undefined) return url;
  return `${trimSlash(mirror.downloads)}/${urlHost(url) ?? ''}/${urlPath(url)}`;
}

/** Every `host[:port]` the mirror serves from, and the internal hosts: what a mirrored cluster may name. */
export function mirrorHosts(mirror: MirrorConfig): string[] {
  const hosts = new Set<string>((mirror.internalHosts ?? []).map((host) => host.toLowerCase()));
  for (const location of Object.values(mirror.registries)) hosts.add(registryHost(location));
  for (const url of [mirror.charts, mirror.git, mirror.downloads]) {
    const host = urlHost(url);
    if (host !== undefined) hosts.add(host);
  }
  return [...hosts].sort(compareStrings);
}

/** The `host[:port]` of a registry location (`harbor.example.com/ghcr` → `harbor.example.com`). */
export function registryHost(location: string): string {
  const slash = location.indexOf('/');
  return (slash < 0 ? location : location.slice(0, slash)).toLowerCase();
}

function trimSlash(url: string): string {
  return url.replace(/\/+$/, '');
}

function urlPath(url: string): string {
  return url.replace(/^[a-z][a-z0-9+.-]*:\/\/[^/]+\/?/i, '').replace(/\/+$/, '');
}

// A base URL of the given schemes, without query, fragment or credentials.
function checkBaseUrl(
  problems: ProblemCollector,
  subject: string,
  field: string,
  value: unknown,
  schemes: readonly string[],
): void {
  const text = typeof value === 'string' ? value : '';
  const scheme = /^([a-z]+):\/\//.exec(text)?.[1];
  const host = urlHost(text);
  problems.check(
    scheme !== undefined &&
      schemes.includes(scheme) &&
      host !== undefined &&
      HOST.test(host) &&
      !/[?#@\s]/.test(text),
    subject,
    field,
    `must be a ${schemes.map((s) => `${s}://`).join(' or ')} URL with a host and no credentials, query or fragment (e.g. '${schemes[0]}://mirror.example.com/${field.split('.').pop()}'), got '${text}'`,
  );
}

/** Adds a problem for every field of a cluster's mirror that would not work. */
export function validateMirror(
  problems: ProblemCollector,
  subject: string,
  mirror: MirrorConfig,
): void {
  const registries = Object.entries(mirror.registries);
  problems.check(
    registries.length > 0,
    subject,
    'mirror.registries',
    "must list at least one public registry and its mirror location (e.g. { 'ghcr.io': 'harbor.example.com/ghcr' })",
  );
  for (const [registry, location] of registries) {
    const field = `mirror.registries.${registry}`;
    problems.check(
      HOST.test(registry),
      subject,
      field,
      `the key must be a registry host as images name it ('docker.io', 'ghcr.io', 'registry.example.com:5000'), got '${registry}'`,
    );
    const [host, ...segments] = location.split('/');
    problems.check(
      HOST.test(host) && host.includes('.') && segments.every((s) => PATH_SEGMENT.test(s)),
      subject,
      field,
      `must be a mirror location 'host[:port][/path]' without a scheme (e.g. 'harbor.example.com/ghcr'), got '${location}'`,
    );
    problems.check(
      host !== registry,
      subject,
      field,
      `mirrors '${registry}' to itself; list only registries the cluster must not reach`,
    );
  }
  problems.check(
    mirror.timeServers.length > 0,
    subject,
    'mirror.timeServers',
    "must list at least one NTP server the nodes reach (Talos's default, time.cloudflare.com, is on the internet and a node waits for its first time sync before it boots)",
  );
  mirror.timeServers.forEach((server, i) =>
    problems.check(
      HOST.test(server) && !server.includes(':'),
      subject,
      `mirror.timeServers[${i}]`,
      `must be a host name or IPv4 address without a port, got '${server}'`,
    ),
  );
  (mirror.internalHosts ?? []).forEach((host, i) =>
    problems.check(
      HOST.test(host) && host.includes('.'),
      subject,
      `mirror.internalHosts[${i}]`,
      `must be a host name with its domain, and an optional port ('registry.example.com', 'git.example.com:8443'), got '${host}'`,
    ),
  );
  checkBaseUrl(problems, subject, 'mirror.charts', mirror.charts, ['oci', 'https']);
  checkBaseUrl(problems, subject, 'mirror.git', mirror.git, ['https']);
  checkBaseUrl(problems, subject, 'mirror.downloads', mirror.downloads, ['https']);
  if (mirror.caCertificate !== undefined) {
    problems.check(
      /^-----BEGIN CERTIFICATE-----\n[\s\S]+\n-----END CERTIFICATE-----\s*$/.test(
        mirror.caCertificate,
      ),
      subject,
      'mirror.caCertificate',
      'must be PEM certificate(s) (-----BEGIN CERTIFICATE----- ... -----END CERTIFICATE-----)',
    );
  }
}
