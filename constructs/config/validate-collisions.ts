// Rules on the names clusters and environments render together: app namespaces that would be
// system or platform namespaces, Gateway listeners (names and hostnames) of one cluster's
// shared Gateway, domains, and DNS labels over 63 characters. Rules that also need the apps
// (namespaces and Application names of two environments) are in constructs/app/catalog.ts.
import type { ProblemCollector } from '../errors';
import { PLATFORM_LISTENER, environmentListener } from '../contract/gateway';
import { PLATFORM_NAMESPACES } from '../contract/names';
import { namespacePrefix } from './rules';
import type { ClusterConfig, EnvironmentConfig } from './types';

/** Longest DNS label (RFC 1035): a namespace, a label value, each part of a host name. */
const MAX_DNS_LABEL = 63;

/** Namespaces Kubernetes creates in every cluster; `kube-*` is reserved for it as a whole. */
const KUBERNETES_NAMESPACES = ['default'];
const KUBERNETES_PREFIX = 'kube-';

/**
 * Who owns a namespace no app may render, or undefined if an app may have it: Kubernetes
 * (`default`, every `kube-*`) or a platform component (contract/names.ts PLATFORM_NAMESPACES).
 * An app rendered there would share it with the system: its default-deny policy, quota and
 * Argo CD pruning would hit the component's objects, and Flux's namespace object would fight
 * the component's.
 */
export function reservedNamespaceOwner(namespace: string): string | undefined {
  if (namespace.startsWith(KUBERNETES_PREFIX)) return `Kubernetes reserves ${KUBERNETES_PREFIX}*`;
  if (KUBERNETES_NAMESPACES.includes(namespace)) return "it is Kubernetes' own namespace";
  const component = Object.entries(PLATFORM_NAMESPACES).find(([, owned]) => owned === namespace);
  return component ? `the platform component '${component[0]}' owns it` : undefined;
}

/** The labels of a DNS name that are longer than a DNS label may be (a leading `*.` aside). */
export function overlongDnsLabels(name: string): string[] {
  return name
    .replace(/^\*\./, '')
    .split('.')
    .filter((label) => label.length > MAX_DNS_LABEL);
}

/** The problem text for a DNS label over 63 characters, saying what the label is. */
export function overlongLabelMessage(label: string, within: string): string {
  return `label '${label}' of '${within}' is ${label.length} characters, over the ${MAX_DNS_LABEL} a DNS label may have`;
}

/**
 * Checks the names clusters and environments render together, adding one problem per broken
 * rule: app namespaces under `kube-*`, an environment listener named like the platform one, an
 * environment domain that is a cluster's platform domain, two clusters with one domain, and
 * domain labels over 63 characters.
 */
export function validateCollisions(
  problems: ProblemCollector,
  clusters: readonly ClusterConfig[],
  environments: readonly EnvironmentConfig[],
): void {
  const domains = new Map<string, string>();
  for (const cluster of clusters) {
    const subject = `cluster '${cluster.name}'`;
    for (const label of overlongDnsLabels(cluster.domain)) {
      problems.add(subject, 'domain', overlongLabelMessage(label, cluster.domain));
    }
    // Each cluster publishes `argocd.<domain>`, `grafana.<domain>`, ...: one domain for two
    // clusters gives two Gateways the same host names, and DNS can point at only one.
    const other = domains.get(cluster.domain);
    if (other !== undefined) {
      problems.add(
        subject,
        'domain',
        `'${cluster.domain}' is also the platform domain of cluster '${other}' (its UIs' host names would be both clusters'); give each cluster its own domain`,
      );
    } else domains.set(cluster.domain, cluster.name);
  }

  for (const environment of environments) {
    const subject = `environment '${environment.name}'`;
    const prefix = namespacePrefix(environment);
    // Every app namespace is `<prefix>-<app>`: with `kube` (or `kube-...`) all of them are.
    const sample = `${prefix}-<app>`;
    if (sample.startsWith(KUBERNETES_PREFIX)) {
      const field = environment.namespacePrefix === undefined ? 'name' : 'namespacePrefix';
      problems.add(
        subject,
        field,
        `renders every app namespace as '${sample}', and Kubernetes reserves ${KUBERNETES_PREFIX}* namespaces for the system; ${field === 'name' ? 'set a namespacePrefix' : 'choose another namespacePrefix'}`,
      );
    }

    const listener = environmentListener(environment.name);
    if (listener === PLATFORM_LISTENER) {
      problems.add(
        subject,
        'name',
        `its Gateway listener would be '${listener}', the name of the platform listener on cluster '${environment.cluster}''s Gateway (listener names must be unique); rename the environment`,
      );
    }

    for (const label of overlongDnsLabels(environment.domain)) {
      problems.add(subject, 'domain', overlongLabelMessage(label, environment.domain));
    }
    const owner = domains.get(environment.domain);
    if (owner === environment.cluster) {
      // Two listeners with one hostname and port conflict: the Gateway is not programmed and
      // nothing behind it (every app, every platform UI) is reachable.
      problems.add(
        subject,
        'domain',
        `'${environment.domain}' is the platform domain of its cluster '${owner}', so its listener '${listener}' and the platform listener '${PLATFORM_LISTENER}' would both be '*.${environment.domain}' on one Gateway; give the environment its own domain`,
      );
    } else if (owner !== undefined) {
      problems.add(
        subject,
        'domain',
        `'${environment.domain}' is the platform domain of cluster '${owner}', whose UIs answer on '<name>.${environment.domain}'; give the environment its own domain`,
      );
    }
  }
}
