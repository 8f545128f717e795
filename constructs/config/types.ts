// Typed configuration of clusters and environments. Data only, and never secrets: Talos
// secrets, the SOPS age key and Git credentials live in Pulumi config as secrets.
import type { Duration } from 'cdk8s';
import type { PlatformSettings } from './settings';
import type { MirrorConfig } from './mirror';

/** What a node does in the Talos cluster. */
export enum NodeRole {
  /** Runs etcd and the Kubernetes control plane (and, on small clusters, workloads too). */
  CONTROL_PLANE = 'control-plane',
  /** Runs workloads only. */
  WORKER = 'worker',
}

/** How much a cluster's failures cost; production clusters must survive a node loss. */
export enum ClusterTier {
  /** dev/test: one control-plane node is acceptable. */
  NON_PRODUCTION = 'non-production',
  /** prod: at least three control-plane nodes, an odd number, so etcd keeps quorum. */
  PRODUCTION = 'production',
}

/** One machine of a cluster, booted from the Talos ISO. */
export interface NodeConfig {
  /** Host name, DNS-1123 label, unique within the cluster (e.g. `dev-cp-1`). */
  readonly name: string;
  /** Static IPv4 address of the node, inside the cluster's `nodeSubnet`, unique across all clusters. */
  readonly ip: string;
  /** Control plane or worker. */
  readonly role: NodeRole;
  /** Disk Talos installs itself on, an absolute `/dev/...` path (e.g. `/dev/sda`). */
  readonly installDisk: string;
  /**
   * Raw disks handed to Rook-Ceph as OSDs, absolute `/dev/...` paths, never the install disk.
   * @default [] - the node carries no Ceph storage
   */
  readonly storageDevices?: readonly string[];
}

/** The Git repository Flux syncs from (the repository holding `gitops/`). */
export interface GitOpsRepositoryConfig {
  /** Clone URL; Flux accepts `https://`, `http://` and `ssh://` (not scp-style `git@host:path`). */
  readonly url: string;
  /** Branch Flux follows. */
  readonly branch: string;
  /** Folder of the GitOps tree inside the repository, relative, without `..` (e.g. `gitops`). */
  readonly path: string;
  /**
   * The Git server's host keys, as `known_hosts` lines (`<host> <key type> <base64 key>`;
   * `ssh-keyscan <host>` prints them): Argo CD trusts only these. Required for `ssh://`.
   * @default [] - none (only for https:// and http:// URLs)
   */
  readonly knownHosts?: readonly string[];
}

/** A Secret another system provides (an external vault, an operator), so no file encrypts it. */
export interface ExternalSecret {
  /** Namespace of the Secret. */
  readonly namespace: string;
  /** Name of the Secret. */
  readonly name: string;
  /** Who creates it and why it is not in git, e.g. `Vault agent (rotated daily)`. */
  readonly providedBy: string;
}

/**
 * How the cluster's Secrets are kept in git: SOPS files encrypted with age, which Flux
 * decrypts with the key in `flux-system/sops-age` (the Pulumi secret `sopsAgeKey`).
 */
export interface ClusterSecretsConfig {
  /**
   * age public keys (`age1…`) every Secret of the cluster is encrypted to: the cluster's own
   * key (its private half is the stack's `sopsAgeKey`) and any key a person decrypts with.
   * At least one. `.sops.yaml` is derived from these.
   */
  readonly ageRecipients: readonly string[];
  /**
   * Secrets of the cluster that another system provides, each with who provides it: a
   * reference to one of these needs no encrypted file.
   * @default []
   */
  readonly external?: readonly ExternalSecret[];
}

/** A Kubernetes cluster: one Pulumi stack, Talos nodes and the platform components it runs. */
export interface ClusterConfig {
  /** Cluster name, DNS-1123 label; also the Pulumi stack name (`pulumi up -s <name>`). */
  readonly name: string;
  /** Production or not; drives the etcd quorum rule and HA defaults. */
  readonly tier: ClusterTier;
  /**
   * The IPv4 network the nodes share, as a CIDR with its host bits clear (e.g. `10.10.0.0/24`),
   * at most a /30. Every node IP and the control-plane VIP lie inside it, on neither its network
   * nor its broadcast address; it overlaps no loopback, link-local, multicast, reserved or
   * `0.0.0.0/8` address. With MetalLB's L2 announcement (the default) the load-balancer
   * addresses lie inside it too: ARP answers only reach the nodes' own network. No default.
   */
  readonly nodeSubnet: string;
  /**
   * The control-plane virtual IP (Talos VIP) the Kubernetes API answers on: a free address of
   * `nodeSubnet` (Talos announces it by ARP from one control-plane node at a time).
   */
  readonly controlPlaneVip: string;
  /**
   * Port of the Kubernetes API on the VIP.
   * @default 6443
   */
  readonly apiPort?: number;
  /** The machines of the cluster (at least one control-plane node). */
  readonly nodes: readonly NodeConfig[];
  /** Talos Linux version, `vX.Y.Z` (e.g. `v1.13.9`). */
  readonly talosVersion: string;
  /**
   * Kubernetes version, `vX.Y.Z` (e.g. `v1.36.3`); must be one the Talos version supports
   * (`constructs/config/talos-support.ts`).
   */
  readonly kubernetesVersion: string;
  /**
   * Addresses handed out to LoadBalancer Services (MetalLB): CIDRs (`10.0.0.0/28`) or ranges
   * (`10.0.0.200-10.0.0.220`); must not contain a node IP or the VIP.
   */
  readonly loadBalancerAddresses: readonly string[];
  /** DNS domain of platform UIs on this cluster (Argo CD, Grafana, ...), e.g. `dev.example.com`. */
  readonly domain: string;
  /** The repository and branch Flux on this cluster syncs. */
  readonly gitops: GitOpsRepositoryConfig;
  /** Who can decrypt the cluster's Secrets in git, and which Secrets come from elsewhere. */
  readonly secrets: ClusterSecretsConfig;
  /**
   * The company's mirror the cluster pulls every image, chart, Git repository and download
   * from, for clusters that cannot (or may not) reach the public internet. See the README's
   * "Air-gapped clusters".
   * @default - everything from its public source
   */
  readonly mirror?: MirrorConfig;
  /**
   * Platform components: which run here and with which overrides.
   * @default {} - every component enabled with its defaults for the cluster's tier
   */
  readonly platform?: PlatformSettings;
}

/** Argo CD sync behaviour of an environment's applications. */
export class SyncPolicy {
  /** Argo CD syncs every change by itself, prunes removed objects and reverts drift. */
  public static automatic(options: { readonly prune?: boolean; readonly selfHeal?: boolean } = {}) {
    return new SyncPolicy('automatic', options.prune ?? true, options.selfHeal ?? true);
  }

  /** Nothing syncs until a person (or a gate in the pipeline) presses Sync in Argo CD. */
  public static gated() {
    return new SyncPolicy('gated', false, false);
  }

  private constructor(
    /** `automatic` or `gated`. */
    public readonly mode: 'automatic' | 'gated',
    /** Whether objects removed from Git are deleted (automatic only). */
    public readonly prune: boolean,
    /** Whether drift in the cluster is reverted (automatic only). */
    public readonly selfHeal: boolean,
  ) {}
}

/** Where an environment's alerts go. The webhook URL is a Secret's key, never a value here. */
export class AlertReceiver {
  /** A Slack channel through an incoming webhook stored in a Secret under the key `address`. */
  public static slack(options: { readonly channel: string; readonly secretName: string }) {
    return new AlertReceiver('slack', options.secretName, options.channel);
  }

  /**
   * A Feishu/Lark group bot, through Flux's `lark` provider (the bot accepts only its own
   * message format, which the generic provider does not send). The bot's webhook URL is in the
   * Secret's `address`.
   * @see https://fluxcd.io/flux/components/notification/providers/#lark
   */
  public static lark(options: { readonly secretName: string }) {
    return new AlertReceiver('lark', options.secretName, undefined);
  }

  /**
   * A generic JSON webhook (Flux's event JSON as is: a relay, an incident tool that takes any
   * JSON; not chat bots with their own format, such as Feishu/Lark), URL in the Secret's
   * `address`.
   */
  public static webhook(options: { readonly secretName: string }) {
    return new AlertReceiver('generic', options.secretName, undefined);
  }

  private constructor(
    /** Flux notification provider type. */
    public readonly type: 'slack' | 'lark' | 'generic',
    /** Name of the Secret (in the alerting namespace) holding the webhook URL. */
    public readonly secretName: string,
    /** Channel, for receivers that have one. */
    public readonly channel: string | undefined,
  ) {}
}

/** Container resource sizes, as Kubernetes quantities (`250m`, `256Mi`). */
export interface ResourceSizes {
  /** CPU request, e.g. `100m`. */
  readonly cpuRequest: string;
  /** CPU limit, e.g. `500m`; not below the request. */
  readonly cpuLimit: string;
  /** Memory request, e.g. `128Mi`. */
  readonly memoryRequest: string;
  /** Memory limit, e.g. `256Mi`; not below the request. */
  readonly memoryLimit: string;
}

/** An environment: a set of namespaces on one cluster, with its own domain and policies. */
export interface EnvironmentConfig {
  /** Environment name, DNS-1123 label (`dev`, `test`, `prod`). */
  readonly name: string;
  /** Name of the cluster it runs on; rebinding to another cluster is this one line. */
  readonly cluster: string;
  /** DNS domain apps get their host names under, e.g. `dev.example.com`; unique. */
  readonly domain: string;
  /**
   * Prefix of the environment's namespaces (`<prefix>-<app>`), DNS-1123 label, unique per cluster.
   * @default the environment's name
   */
  readonly namespacePrefix?: string;
  /** Replicas an app runs with unless it says otherwise (at least 1). */
  readonly defaultReplicas: number;
  /** Container sizes an app gets unless it says otherwise. */
  readonly defaultResources: ResourceSizes;
  /** How Argo CD syncs the environment's apps: automatic in dev/test, gated in prod. */
  readonly syncPolicy: SyncPolicy;
  /** Where the environment's alerts are sent. */
  readonly alertReceiver: AlertReceiver;
  /**
   * Longest an automated rollback may take, from a bad release first receiving traffic until
   * traffic is back on the stable version; synth refuses rollouts whose worst case is longer.
   * @default Duration.seconds(120)
   */
  readonly rollbackLimit?: Duration;
}

/** A validated set of clusters and environments. */
export interface PlatformConfig {
  /** The clusters. */
  readonly clusters: readonly ClusterConfig[];
  /** The environments, each on one of the clusters. */
  readonly environments: readonly EnvironmentConfig[];
}

/** The environments hosted on a cluster. */
export function environmentsOf(
  config: PlatformConfig,
  clusterName: string,
): readonly EnvironmentConfig[] {
  return config.environments.filter((environment) => environment.cluster === clusterName);
}
