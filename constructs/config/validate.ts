import { ProblemCollector } from '../errors';
import { parseAddressBlock, parseIpv4, rangeContains, rangesOverlap, type Ipv4Range } from './net';
import {
  checkDuration,
  checkSizeUnits,
  cpuQuantityProblem,
  memoryQuantityProblem,
  parseQuantity,
} from './quantity';
import { kubernetesSupportProblem } from './talos-support';
import {
  ClusterTier,
  NodeRole,
  type ClusterConfig,
  type EnvironmentConfig,
  type ResourceSizes,
} from './types';
import { apiPort, isControlPlane, namespacePrefix } from './rules';
import { validateCollisions } from './validate-collisions';
import { isComponentEnabled } from './settings';
import { imageRegistry, validateMirror, type MirrorConfig } from './mirror';
import { talosImages } from './talos-support';

/** RFC 1123 label: what Kubernetes accepts for namespace and most object names. */
export const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
/** An RFC 1035 label, what a Service name must be: a letter first. */
export const DNS_1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
/** Longest DNS label: a namespace, Service name or label value. */
export const MAX_LABEL = 63;
const DNS_NAME = /^(?=.{1,253}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
// No leading zeros: the version names image tags (`kubelet:v1.36.3`), and `v1.036.3` names none.
const VERSION = /^v(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)$/;
const DEVICE = /^\/dev\/[A-Za-z0-9/_.-]+$/;
// The pattern Flux's GitRepository CRD enforces on spec.url.
const FLUX_GIT_URL = /^(http|https|ssh):\/\/.+$/;

const quote = (value: unknown): string => `'${String(value)}'`;

function checkDnsLabel(
  problems: ProblemCollector,
  subject: string,
  field: string,
  value: string,
): void {
  problems.check(
    DNS_LABEL.test(value) && value.length <= 63,
    subject,
    field,
    `must be a DNS-1123 label (lower-case letters, digits and '-', at most 63 characters), got ${quote(value)}`,
  );
}

function checkUnique<T>(
  problems: ProblemCollector,
  items: readonly T[],
  key: (item: T) => string,
  describe: (item: T, index: number) => { subject: string; field: string },
  what: string,
): void {
  const seen = new Map<string, number>();
  items.forEach((item, index) => {
    const value = key(item);
    const first = seen.get(value);
    if (first === undefined) {
      seen.set(value, index);
    } else {
      const { subject, field } = describe(item, index);
      problems.add(subject, field, `${what} ${quote(value)} is already used (must be unique)`);
    }
  });
}

function validateNodes(problems: ProblemCollector, cluster: ClusterConfig): void {
  const subject = `cluster ${quote(cluster.name)}`;
  problems.check(cluster.nodes.length > 0, subject, 'nodes', 'must list at least one node');
  cluster.nodes.forEach((node, i) => {
    const at = `nodes[${i}]`;
    checkDnsLabel(problems, subject, `${at}.name`, node.name);
    problems.check(
      parseIpv4(node.ip) !== undefined,
      subject,
      `${at}.ip`,
      `must be a valid IPv4 address, got ${quote(node.ip)}`,
    );
    problems.check(
      Object.values(NodeRole).includes(node.role),
      subject,
      `${at}.role`,
      `must be one of ${Object.values(NodeRole).join(', ')}, got ${quote(node.role)}`,
    );
    problems.check(
      DEVICE.test(node.installDisk),
      subject,
      `${at}.installDisk`,
      `must be an absolute /dev/ path, got ${quote(node.installDisk)}`,
    );
    const devices = node.storageDevices ?? [];
    devices.forEach((device, d) => {
      const field = `${at}.storageDevices[${d}]`;
      problems.check(
        DEVICE.test(device),
        subject,
        field,
        `must be an absolute /dev/ path, got ${quote(device)}`,
      );
      problems.check(
        device !== node.installDisk,
        subject,
        field,
        `${quote(device)} is the install disk; Ceph must not get the disk Talos is installed on`,
      );
    });
    checkUnique(
      problems,
      devices,
      (device) => device,
      (_device, d) => ({ subject, field: `${at}.storageDevices[${d}]` }),
      'device',
    );
  });
  checkUnique(
    problems,
    cluster.nodes,
    (node) => node.name,
    (_node, i) => ({ subject, field: `nodes[${i}].name` }),
    'node name',
  );

  const controlPlanes = cluster.nodes.filter(isControlPlane).length;
  if (cluster.nodes.length > 0 && controlPlanes === 0) {
    problems.add(subject, 'nodes', 'needs at least one control-plane node (role control-plane)');
  } else if (controlPlanes % 2 === 0 && controlPlanes > 0) {
    problems.add(
      subject,
      'nodes',
      `has ${controlPlanes} control-plane nodes; etcd needs an odd count (${controlPlanes} nodes tolerate no more failures than ${controlPlanes - 1})`,
    );
  } else if (cluster.tier === ClusterTier.PRODUCTION && controlPlanes < 3) {
    problems.add(
      subject,
      'nodes',
      `is a production cluster with ${controlPlanes} control-plane node(s); etcd keeps quorum through a node failure only with at least 3`,
    );
  }
}

/** An age X25519 public key: `age1` and 58 bech32 characters. */
export const AGE_RECIPIENT = /^age1[02-9ac-hj-np-z]{58}$/;

function validateSecretsConfig(
  problems: ProblemCollector,
  subject: string,
  cluster: ClusterConfig,
): void {
  const recipients = cluster.secrets?.ageRecipients ?? [];
  problems.check(
    recipients.length > 0,
    subject,
    'secrets.ageRecipients',
    'must list at least one age public key (age1…): the cluster decrypts its Secrets with it',
  );
  recipients.forEach((recipient, i) =>
    problems.check(
      AGE_RECIPIENT.test(recipient),
      subject,
      `secrets.ageRecipients[${i}]`,
      `must be an age public key (age1 followed by 58 bech32 characters; \`age-keygen -y\` prints it), got ${quote(recipient)}`,
    ),
  );
  problems.check(
    new Set(recipients).size === recipients.length,
    subject,
    'secrets.ageRecipients',
    'must not list a key twice',
  );
  (cluster.secrets?.external ?? []).forEach((secret, i) => {
    checkDnsLabel(problems, subject, `secrets.external[${i}].namespace`, secret.namespace);
    problems.check(
      DNS_NAME.test(secret.name),
      subject,
      `secrets.external[${i}].name`,
      `must be a DNS-1123 subdomain (a Secret name), got ${quote(secret.name)}`,
    );
    problems.check(
      secret.providedBy.trim().length > 0,
      subject,
      `secrets.external[${i}].providedBy`,
      'must say who provides the Secret',
    );
  });
}

/**
 * A mirrored cluster's nodes pull Talos's own images with no public fallback: the mirror must
 * list their registries, and the release's default images must be known to be bundled.
 */
function validateTalosMirror(
  problems: ProblemCollector,
  subject: string,
  cluster: ClusterConfig,
  mirror: MirrorConfig,
): void {
  const images = talosImages(cluster);
  if (images === undefined) {
    problems.add(
      subject,
      'talosVersion',
      `Talos ${cluster.talosVersion} has no row in TALOS_DEFAULT_IMAGES (constructs/config/talos-support.ts), so a mirror cannot be told which etcd, CoreDNS and pause images to hold; add the release's defaults there (its pkg/machinery/constants and pkg/images/list.go)`,
    );
    return;
  }
  const missing = new Map<string, string[]>();
  for (const image of images) {
    const registry = imageRegistry(image);
    if (mirror.registries[registry] !== undefined) continue;
    missing.set(registry, [...(missing.get(registry) ?? []), image]);
  }
  for (const [registry, named] of missing) {
    problems.add(
      subject,
      'mirror.registries',
      `has no location for '${registry}', where Talos pulls ${named.join(', ')} from; add '${registry}' to it`,
    );
  }
}

function validateCluster(problems: ProblemCollector, cluster: ClusterConfig): void {
  const subject = `cluster ${quote(cluster.name)}`;
  checkDnsLabel(problems, subject, 'name', cluster.name);
  problems.check(
    Object.values(ClusterTier).includes(cluster.tier),
    subject,
    'tier',
    `must be one of ${Object.values(ClusterTier).join(', ')}, got ${quote(cluster.tier)}`,
  );
  problems.check(
    parseIpv4(cluster.controlPlaneVip) !== undefined,
    subject,
    'controlPlaneVip',
    `must be a valid IPv4 address, got ${quote(cluster.controlPlaneVip)}`,
  );
  if (cluster.mirror !== undefined) {
    validateMirror(problems, subject, cluster.mirror);
    validateTalosMirror(problems, subject, cluster, cluster.mirror);
  }
  const port = apiPort(cluster);
  problems.check(
    Number.isInteger(port) && port >= 1 && port <= 65535,
    subject,
    'apiPort',
    `must be a port number from 1 to 65535, got ${quote(port)}`,
  );
  for (const field of ['talosVersion', 'kubernetesVersion'] as const) {
    problems.check(
      VERSION.test(cluster[field]),
      subject,
      field,
      `must be a version like v1.2.3, got ${quote(cluster[field])}`,
    );
  }
  if (VERSION.test(cluster.talosVersion) && VERSION.test(cluster.kubernetesVersion)) {
    const unsupported = kubernetesSupportProblem(cluster.talosVersion, cluster.kubernetesVersion);
    if (unsupported) problems.add(subject, 'kubernetesVersion', unsupported);
  }
  problems.check(
    DNS_NAME.test(cluster.domain),
    subject,
    'domain',
    `must be a lower-case DNS name like dev.example.com, got ${quote(cluster.domain)}`,
  );
  validateSecretsConfig(problems, subject, cluster);
  const knownHosts = cluster.gitops.knownHosts ?? [];
  problems.check(
    !cluster.gitops.url.startsWith('ssh://') || knownHosts.length > 0,
    subject,
    'gitops.knownHosts',
    `must list the Git server's host keys for ${quote(cluster.gitops.url)} (ssh-keyscan prints them): Argo CD refuses an SSH host it does not know`,
  );
  knownHosts.forEach((line, i) =>
    problems.check(
      /^\S+ (ssh-ed25519|ssh-rsa|ecdsa-sha2-nistp(256|384|521)|sk-ssh-ed25519@openssh\.com) [A-Za-z0-9+/]+=*$/.test(
        line,
      ),
      subject,
      `gitops.knownHosts[${i}]`,
      `must be a known_hosts line '<host> <key type> <base64 key>', got ${quote(line)}`,
    ),
  );
  problems.check(
    FLUX_GIT_URL.test(cluster.gitops.url),
    subject,
    'gitops.url',
    `must start with https://, http:// or ssh:// (Flux does not accept scp-style git@host:path), got ${quote(cluster.gitops.url)}`,
  );
  problems.check(
    /^[^\s~^:?*[\\]+$/.test(cluster.gitops.branch),
    subject,
    'gitops.branch',
    `must be a Git branch name, got ${quote(cluster.gitops.branch)}`,
  );
  const repoPath = cluster.gitops.path;
  problems.check(
    /^[A-Za-z0-9_.-]+(\/[A-Za-z0-9_.-]+)*$/.test(repoPath) &&
      !repoPath.split('/').some((part) => part === '..' || part === '.'),
    subject,
    'gitops.path',
    `must be a relative folder inside the repository without '.', '..' or a trailing '/', got ${quote(repoPath)}`,
  );
  validateNodes(problems, cluster);
  validateNodeSubnet(problems, cluster);
}

/** IPv4 blocks that never hold a node, the VIP or a load-balancer address. */
const NON_HOST_BLOCKS: readonly { readonly range: Ipv4Range; readonly what: string }[] = [
  ['0.0.0.0/8', '"this network"'],
  ['127.0.0.0/8', 'loopback'],
  ['169.254.0.0/16', 'link-local'],
  ['224.0.0.0/4', 'multicast'],
  ['240.0.0.0/4', 'reserved or broadcast'],
].map(([cidr, name]) => ({
  range: parseAddressBlock(cidr) as Ipv4Range,
  what: `${name} (${cidr})`,
}));

/** The non-host block a range overlaps, described, or undefined. */
function nonHostBlock(range: Ipv4Range): string | undefined {
  return NON_HOST_BLOCKS.find((block) => rangesOverlap(block.range, range))?.what;
}

function formatIpv4(address: number): string {
  return [24, 16, 8, 0].map((shift) => Math.floor(address / 2 ** shift) % 256).join('.');
}

/** A node subnet: its addresses (network and broadcast included), or why it is none. */
function parseSubnet(text: string): Ipv4Range | string {
  const [address, bits, extra] = String(text).split('/');
  const base = parseIpv4(address ?? '');
  const prefix = /^\d{1,2}$/.test(bits ?? '') ? Number(bits) : NaN;
  if (base === undefined || extra !== undefined || !(prefix <= 32)) {
    return `must be an IPv4 CIDR like 10.10.0.0/24, got ${quote(text)}`;
  }
  const size = 2 ** (32 - prefix);
  if (base % size !== 0) {
    const network = `${formatIpv4(base - (base % size))}/${prefix}`;
    return `must have its host bits clear (${quote(network)}), got ${quote(text)}`;
  }
  if (prefix > 30) {
    return `must be a /30 or larger network (a /31 or /32 leaves no node address beside its network and broadcast addresses), got ${quote(text)}`;
  }
  const range = { first: base, last: base + size - 1 };
  const reserved = nonHostBlock(range);
  if (reserved) return `must not overlap ${reserved}, got ${quote(text)}`;
  return range;
}

/**
 * The node subnet and every address that must lie in it: node IPs and the VIP (host addresses
 * of the subnet, never its network or broadcast address), and with MetalLB's L2 announcement the
 * load-balancer blocks. Addresses in a non-host block are refused with or without a subnet.
 */
function validateNodeSubnet(problems: ProblemCollector, cluster: ClusterConfig): void {
  const subject = `cluster ${quote(cluster.name)}`;
  const parsed = parseSubnet(cluster.nodeSubnet);
  if (typeof parsed === 'string') problems.add(subject, 'nodeSubnet', parsed);
  const subnet = typeof parsed === 'string' ? undefined : parsed;
  const inSubnet = `nodeSubnet ${quote(cluster.nodeSubnet)}`;

  const checkHost = (field: string, ip: string, why: string): void => {
    const address = parseIpv4(ip);
    // A malformed address is reported where the field's shape is checked.
    if (address === undefined) return;
    const reserved = nonHostBlock({ first: address, last: address });
    if (reserved) {
      problems.add(subject, field, `must be a host address, not ${reserved}, got ${quote(ip)}`);
    } else if (subnet && !rangeContains(subnet, address)) {
      problems.add(subject, field, `must lie inside ${inSubnet}${why}, got ${quote(ip)}`);
    } else if (subnet && (address === subnet.first || address === subnet.last)) {
      const which = address === subnet.first ? 'network' : 'broadcast';
      problems.add(
        subject,
        field,
        `must not be the ${which} address of ${inSubnet}, got ${quote(ip)}`,
      );
    }
  };
  cluster.nodes.forEach((node, i) => checkHost(`nodes[${i}].ip`, node.ip, ''));
  checkHost(
    'controlPlaneVip',
    cluster.controlPlaneVip,
    " (Talos announces the VIP by ARP on the nodes' network)",
  );

  const l2 =
    isComponentEnabled(cluster, 'metallb') &&
    (cluster.platform?.metallb?.announcement?.mode ?? 'l2') === 'l2';
  cluster.loadBalancerAddresses.forEach((text, i) => {
    const field = `loadBalancerAddresses[${i}]`;
    const range = parseAddressBlock(text);
    // A malformed block is reported with the other address rules.
    if (typeof range === 'string') return;
    const reserved = nonHostBlock(range);
    if (reserved) {
      problems.add(subject, field, `must not overlap ${reserved}, got ${quote(text)}`);
    } else if (
      l2 &&
      subnet &&
      !(rangeContains(subnet, range.first) && rangeContains(subnet, range.last))
    ) {
      problems.add(
        subject,
        field,
        `must lie inside ${inSubnet} (MetalLB's L2 announcement answers ARP only on the nodes' network; announce other networks over BGP), got ${quote(text)}`,
      );
    } else if (l2 && subnet) {
      for (const [which, address] of [
        ['network', subnet.first],
        ['broadcast', subnet.last],
      ] as const) {
        problems.check(
          !rangeContains(range, address),
          subject,
          field,
          `must not include the ${which} address ${formatIpv4(address)} of ${inSubnet}, got ${quote(text)}`,
        );
      }
    }
  });
}

/** Every address a cluster claims: nodes, the VIP and its load-balancer blocks. */
function validateAddresses(problems: ProblemCollector, clusters: readonly ClusterConfig[]): void {
  const owners = new Map<number, string>();
  const claim = (ip: string, subject: string, field: string, owner: string): void => {
    const address = parseIpv4(ip);
    if (address === undefined) return;
    const previous = owners.get(address);
    if (previous === undefined) owners.set(address, owner);
    else problems.add(subject, field, `IP ${quote(ip)} is already used by ${previous}`);
  };
  for (const cluster of clusters) {
    const subject = `cluster ${quote(cluster.name)}`;
    cluster.nodes.forEach((node, i) =>
      claim(node.ip, subject, `nodes[${i}].ip`, `node ${quote(node.name)} of ${subject}`),
    );
    claim(
      cluster.controlPlaneVip,
      subject,
      'controlPlaneVip',
      `the control-plane VIP of ${subject}`,
    );
  }

  const blocks: { range: Ipv4Range; owner: string }[] = [];
  for (const cluster of clusters) {
    const subject = `cluster ${quote(cluster.name)}`;
    problems.check(
      cluster.loadBalancerAddresses.length > 0,
      subject,
      'loadBalancerAddresses',
      'must list at least one address block for LoadBalancer Services',
    );
    cluster.loadBalancerAddresses.forEach((text, i) => {
      const field = `loadBalancerAddresses[${i}]`;
      const range = parseAddressBlock(text);
      if (typeof range === 'string') {
        problems.add(subject, field, range);
        return;
      }
      for (const [address, owner] of owners) {
        if (rangeContains(range, address)) {
          problems.add(subject, field, `${quote(text)} overlaps the IP of ${owner}`);
        }
      }
      for (const other of blocks) {
        if (rangesOverlap(range, other.range)) {
          problems.add(subject, field, `${quote(text)} overlaps ${other.owner}`);
        }
      }
      blocks.push({ range, owner: `loadBalancerAddresses ${quote(text)} of ${subject}` });
    });
  }
}

/** Checks container sizes: valid quantities, limits not below requests. */
export function validateSizes(
  problems: ProblemCollector,
  subject: string,
  field: string,
  sizes: ResourceSizes,
): void {
  const values = {} as Record<keyof ResourceSizes, number | undefined>;
  for (const key of ['cpuRequest', 'cpuLimit', 'memoryRequest', 'memoryLimit'] as const) {
    values[key] = parseQuantity(sizes[key]);
    problems.check(
      values[key] !== undefined,
      subject,
      `${field}.${key}`,
      `must be a Kubernetes quantity like 250m or 256Mi, got ${quote(sizes[key])}`,
    );
  }
  const pairs = [
    ['cpuRequest', 'cpuLimit'],
    ['memoryRequest', 'memoryLimit'],
  ] as const;
  // A value in the wrong unit is reported by checkSizeUnits; comparing it would only repeat that.
  const unitProblem = (key: keyof ResourceSizes) =>
    (key.startsWith('cpu') ? cpuQuantityProblem : memoryQuantityProblem)(sizes[key]);
  for (const [request, limit] of pairs) {
    const [r, l] = [values[request], values[limit]];
    if (unitProblem(request) !== undefined || unitProblem(limit) !== undefined) continue;
    if (r !== undefined && l !== undefined && l < r) {
      problems.add(
        subject,
        `${field}.${limit}`,
        `must not be below ${request} (${sizes[limit]} < ${sizes[request]})`,
      );
    }
  }
}

function validateEnvironment(
  problems: ProblemCollector,
  environment: EnvironmentConfig,
  clusters: readonly ClusterConfig[],
): void {
  const subject = `environment ${quote(environment.name)}`;
  checkDnsLabel(problems, subject, 'name', environment.name);
  if (!clusters.some((cluster) => cluster.name === environment.cluster)) {
    problems.add(
      subject,
      'cluster',
      `names unknown cluster ${quote(environment.cluster)}; known clusters: ${clusters.map((c) => c.name).join(', ')}`,
    );
  }
  problems.check(
    DNS_NAME.test(environment.domain),
    subject,
    'domain',
    `must be a lower-case DNS name like dev.example.com, got ${quote(environment.domain)}`,
  );
  if (environment.namespacePrefix !== undefined) {
    checkDnsLabel(problems, subject, 'namespacePrefix', environment.namespacePrefix);
  }
  problems.check(
    Number.isInteger(environment.defaultReplicas) && environment.defaultReplicas >= 1,
    subject,
    'defaultReplicas',
    `must be a whole number of at least 1, got ${quote(environment.defaultReplicas)}`,
  );
  validateSizes(problems, subject, 'defaultResources', environment.defaultResources);
  checkSizeUnits(problems, subject, 'defaultResources', environment.defaultResources);
  checkDuration(problems, subject, 'rollbackLimit', environment.rollbackLimit, {
    minSeconds: 1,
    wholeSecondsFor: 'the rollback bound check',
  });
  problems.check(
    DNS_LABEL.test(environment.alertReceiver.secretName),
    subject,
    'alertReceiver.secretName',
    `must name a Secret (DNS-1123 label), got ${quote(environment.alertReceiver.secretName)}`,
  );
}

/**
 * Checks clusters and environments against every rule and throws one ConfigError listing all
 * problems (each naming the cluster or environment, the field and the rule).
 */
export function validateConfig(
  clusters: readonly ClusterConfig[],
  environments: readonly EnvironmentConfig[],
): void {
  const problems = new ProblemCollector();
  problems.check(
    clusters.length > 0,
    'configuration',
    'clusters',
    'must define at least one cluster',
  );
  clusters.forEach((cluster) => validateCluster(problems, cluster));
  checkUnique(
    problems,
    clusters,
    (cluster) => cluster.name,
    (cluster) => ({ subject: `cluster ${quote(cluster.name)}`, field: 'name' }),
    'cluster name',
  );
  validateAddresses(problems, clusters);

  environments.forEach((environment) => validateEnvironment(problems, environment, clusters));
  const envSubject = (environment: EnvironmentConfig) => `environment ${quote(environment.name)}`;
  checkUnique(
    problems,
    environments,
    (environment) => environment.name,
    (environment) => ({ subject: envSubject(environment), field: 'name' }),
    'environment name',
  );
  checkUnique(
    problems,
    environments,
    (environment) => environment.domain,
    (environment) => ({ subject: envSubject(environment), field: 'domain' }),
    'domain',
  );
  checkUnique(
    problems,
    environments,
    (environment) => `${environment.cluster}/${namespacePrefix(environment)}`,
    (environment) => ({ subject: envSubject(environment), field: 'namespacePrefix' }),
    'cluster/namespace prefix',
  );
  validateCollisions(problems, clusters, environments);
  problems.throwIfAny();
}
