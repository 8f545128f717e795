// What the cluster's objects make it pull, read from the objects themselves (rendered charts
// included): every image reference, wherever it is written, and every URL a controller or pod
// would fetch. The mirror check and the bundle's test read the same scan.
import {
  imageRegistry,
  mirrorHosts,
  urlHost,
  type MirrorConfig,
} from '../../constructs/config/mirror';
import type { ClusterConfig, EnvironmentConfig } from '../../constructs/config/types';
import { compareStrings } from '../../constructs/order';
import { imageUses } from './check-images';
import { describe, isRecord, type ClusterObject } from './objects';
import type { ClusterProblem } from './problems';

/** A string of an object that names something pulled from a host. */
export interface PullReference {
  /** An image reference, or a URL. */
  readonly kind: 'image' | 'url';
  /** The image reference or the URL as written. */
  readonly value: string;
  /** `host[:port]`: the image's registry or the URL's host. */
  readonly host: string;
  /** The object holding it. */
  readonly entry: ClusterObject;
  /** Field path of the string. */
  readonly path: string;
}

// An image reference inside any string: a registry host (a `.` or a port in its first segment),
// a path, and a tag or digest. API versions (`rbac.authorization.k8s.io/v1`) and label keys have
// neither, so they never match.
const IMAGE_IN_TEXT =
  /(?<![\w./:-])((?:[a-z0-9-]+\.)+[a-z0-9-]+(?::\d+)?\/[a-z0-9._-]+(?:\/[a-z0-9._-]+)*(?::[\w][\w.-]{0,127})?(?:@sha256:[0-9a-f]{64})?)(?![\w./@:-])/g;
// `scheme://host[:port]` inside any string.
const URL_IN_TEXT =
  /\b(https?|oci|git|ssh):\/\/(?:[^\s/@"'`<>]+@)?([a-z0-9.-]+(?::\d+)?)[^\s"'`<>]*/gi;

/**
 * Fields that name hosts nobody fetches from: links for people (annotations, alert runbooks,
 * Grafana dashboards' links), comments in PromQL, and signature identity patterns.
 */
function isLinkField(entry: ClusterObject, path: string): boolean {
  if (/(^|\.)annotations(\.|$)/.test(path)) return true;
  if (/\.expr$/.test(path)) return true;
  if (/^spec\.verify\./.test(path)) return true;
  const labels = entry.object.metadata?.labels ?? {};
  return entry.object.kind === 'ConfigMap' && labels.grafana_dashboard !== undefined;
}

function* strings(value: unknown, path: string): Generator<[string, string]> {
  if (typeof value === 'string') yield [path, value];
  else if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) yield* strings(value[i], `${path}[${i}]`);
  } else if (isRecord(value)) {
    for (const [key, child] of Object.entries(value)) {
      yield* strings(child, path === '' ? key : `${path}.${key}`);
    }
  }
}

function hasTagOrDigest(reference: string): boolean {
  const last = reference.slice(reference.lastIndexOf('/') + 1);
  return last.includes(':') || last.includes('@');
}

/**
 * Every image and URL the cluster's objects name, CRDs aside (their schemas' descriptions
 * link to documentation). Images: every container's, and every reference written in any
 * other string (operator flags, ConfigMaps and custom resources an operator starts pods from).
 */
export function pullReferences(objects: readonly ClusterObject[]): PullReference[] {
  const found: PullReference[] = [];
  const seen = new Set<string>();
  const add = (reference: PullReference): void => {
    const key = `${reference.kind}\0${reference.value}\0${describe(reference.entry)}\0${reference.path}`;
    if (seen.has(key)) return;
    seen.add(key);
    found.push(reference);
  };
  // Container images, found by structure; the text scan below skips them where they stand.
  const containerImages = new Set<string>();
  for (const use of imageUses(objects)) {
    if (use.image === '') continue;
    containerImages.add(`${describe(use.entry)}\0${use.image}`);
    add({
      kind: 'image',
      value: use.image,
      host: imageRegistry(use.image),
      entry: use.entry,
      path: use.path,
    });
  }
  for (const entry of objects) {
    if (entry.object.kind === 'CustomResourceDefinition') continue;
    for (const [path, text] of strings(entry.object, '')) {
      if (isLinkField(entry, path)) continue;
      for (const match of text.matchAll(URL_IN_TEXT)) {
        add({ kind: 'url', value: match[0], host: match[2].toLowerCase(), entry, path });
      }
      const withoutUrls = text.replace(URL_IN_TEXT, ' ');
      for (const match of withoutUrls.matchAll(IMAGE_IN_TEXT)) {
        if (!hasTagOrDigest(match[1])) continue;
        if (path.endsWith('.image') && containerImages.has(`${describe(entry)}\0${match[1]}`)) {
          continue;
        }
        add({ kind: 'image', value: match[1], host: imageRegistry(match[1]), entry, path });
      }
    }
  }
  return found;
}

/** The sorted, distinct image references of a scan. */
export function pulledImages(references: readonly PullReference[]): string[] {
  const images = new Set(references.filter((r) => r.kind === 'image').map((r) => r.value));
  return [...images].sort(compareStrings);
}

/** Hosts a cluster may name without reaching outside: what it serves itself. */
export interface OwnHosts {
  /** Names of the cluster's namespaces (`<service>.<namespace>` is in-cluster). */
  readonly namespaces: ReadonlySet<string>;
  /** The cluster's and its environments' DNS domains, and the GitOps repository's host. */
  readonly domains: readonly string[];
}

/** The hosts a cluster answers itself: its domains, namespaces and GitOps repository. */
export function ownHosts(
  cluster: ClusterConfig,
  environments: readonly EnvironmentConfig[],
  objects: readonly ClusterObject[],
): OwnHosts {
  const namespaces = new Set<string>();
  for (const { namespace, object } of objects) {
    if (namespace !== '') namespaces.add(namespace);
    if (object.kind === 'Namespace' && object.metadata?.name) namespaces.add(object.metadata.name);
  }
  const gitHost = urlHost(cluster.gitops.url)?.replace(/:\d+$/, '');
  return {
    namespaces,
    domains: [
      cluster.domain,
      ...environments.map(({ domain }) => domain),
      ...(gitHost ? [gitHost] : []),
    ],
  };
}

/** Whether a host is served inside the cluster or by the company (never the internet). */
export function isOwnHost(host: string, own: OwnHosts): boolean {
  const name = host.replace(/:\d+$/, '').replace(/\.$/, '');
  if (name === 'localhost' || /^\d{1,3}(\.\d{1,3}){3}$/.test(name)) return true;
  if (!name.includes('.')) return true;
  if (/\.(svc|cluster\.local)$/.test(name)) return true;
  const labels = name.split('.');
  if (labels.length === 2 && own.namespaces.has(labels[1])) return true;
  return own.domains.some((domain) => name === domain || name.endsWith(`.${domain}`));
}

/**
 * The mirror check: with a mirror set, every image comes from a registry the mirror lists (the
 * nodes pull it through the mirror) and every URL names the mirror or a host of the cluster
 * or company. Each failure names the object and the field.
 */
export function checkMirror(
  mirror: MirrorConfig,
  own: OwnHosts,
  references: readonly PullReference[],
): ClusterProblem[] {
  const hosts = new Set(mirrorHosts(mirror));
  const problems: ClusterProblem[] = [];
  for (const reference of references) {
    const base = {
      check: 'mirror' as const,
      object: describe(reference.entry),
      source: reference.entry.source,
      path: reference.path,
    };
    if (reference.kind === 'image') {
      const registry = reference.host;
      if (mirror.registries[registry] !== undefined || hosts.has(registry)) continue;
      problems.push({
        ...base,
        rule: `image '${reference.value}' is from registry '${registry}', which cluster.mirror.registries does not list`,
        fix: `add '${registry}' and its mirror location to mirror.registries`,
      });
    } else if (!hosts.has(reference.host) && !isOwnHost(reference.host, own)) {
      problems.push({
        ...base,
        rule: `'${reference.value}' names '${reference.host}', a host outside the mirror (${[...hosts].join(', ')})`,
        fix: 'take it from the mirror (constructs/config/mirror.ts has the helpers) or turn off what needs it',
      });
    }
  }
  return problems;
}
