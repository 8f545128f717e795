// The stack-specific settings of a cluster stack (Pulumi.<cluster>.yaml): secrets and operator
// settings only. Everything else about the cluster comes from environments/. All keys are read
// and checked before any resource is declared, so a bad stack fails before `pulumi up` touches
// a machine, with every problem listed at once.
import * as pulumi from '@pulumi/pulumi';
import * as runtimeConfig from '@pulumi/pulumi/runtime/config';
import { ProblemCollector } from '../constructs/errors';
import type { ClusterConfig } from '../constructs/config/types';
import { isControlPlane } from '../constructs/config/rules';

/** The stack configuration keys this program reads (without the `nextgen-gitops:` prefix). */
export const CONFIG_KEYS = {
  sopsAgeKey: 'sopsAgeKey',
  gitSshKey: 'gitSshKey',
  gitKnownHosts: 'gitKnownHosts',
  gitUsername: 'gitUsername',
  gitPassword: 'gitPassword',
  vipLink: 'vipLink',
  nodeLinks: 'nodeLinks',
  mirrorUsername: 'mirrorUsername',
  mirrorPassword: 'mirrorPassword',
} as const;

/** Pull credentials of the cluster's registry mirror (`cluster.mirror.registryCredentials`). */
export interface RegistryCredentials {
  /** User name. */
  readonly username: string;
  /** Password or access token, secret. */
  readonly password: pulumi.Output<string>;
}

/** Where stack configuration values come from (Pulumi config in a run; a map in tests). */
export interface ConfigSource {
  /** The raw value of a key, or `undefined` when the key is not set. */
  value(key: string): string | undefined;
  /** Whether the key was set with `pulumi config set --secret` (stored encrypted). */
  isSecret(key: string): boolean;
}

/** Git credentials for Flux's `flux-system` Secret, by repository URL scheme. */
export type GitCredentials =
  | {
      /** `ssh://` repository: deploy key and the server's host keys. */
      readonly kind: 'ssh';
      /** Private deploy key (PEM/OpenSSH), secret. */
      readonly identity: pulumi.Output<string>;
      /** `known_hosts` lines of the Git server. */
      readonly knownHosts: string;
    }
  | {
      /** `https://` or `http://` repository: basic auth (token as password). */
      readonly kind: 'basic';
      /** User name. */
      readonly username: string;
      /** Password or access token, secret. */
      readonly password: pulumi.Output<string>;
    };

/** The validated stack settings of one cluster. */
export interface StackSettings {
  /** The SOPS age private key (`AGE-SECRET-KEY-1...`) Flux decrypts secrets with, secret. */
  readonly sopsAgeKey: pulumi.Output<string>;
  /** Credentials Flux clones the GitOps repository with. */
  readonly git: GitCredentials;
  /**
   * Network link of each control-plane node the VIP is announced on, by node name: `vipLink`,
   * or the node's entry in `nodeLinks`. There is no default: Talos names links after the
   * hardware (`enp1s0`, `ens18`, ...), and a VIP on a link that does not exist never comes up.
   */
  readonly vipLinks: Readonly<Record<string, string>>;
  /** Pull credentials of the registry mirror, when the cluster's mirror needs them. */
  readonly registryCredentials?: RegistryCredentials;
}

// age's Bech32 private keys; the post-quantum variant adds a word before the separator '1'.
const AGE_KEY = /^AGE-SECRET-KEY-([0-9A-Z]+-)?1[0-9A-Z]{58,}$/;
const PRIVATE_KEY =
  /^-----BEGIN ([A-Z]+ )?PRIVATE KEY-----\n[\s\S]+\n-----END ([A-Z]+ )?PRIVATE KEY-----\s*$/;
const KNOWN_HOSTS_LINE =
  /^\S+ (ssh-ed25519|ssh-rsa|ecdsa-sha2-nistp(256|384|521)) [A-Za-z0-9+/=]+$/;
const LINK_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,14}$/;

/** Reads the current stack's Pulumi configuration. */
export function pulumiConfigSource(): ConfigSource {
  const config = new pulumi.Config();
  // The SDK exports isConfigSecret at runtime but leaves it out of its type declarations.
  const { isConfigSecret } = runtimeConfig as unknown as {
    readonly isConfigSecret: (fullKey: string) => boolean;
  };
  return {
    value: (key) => config.get(key),
    isSecret: (key) => isConfigSecret(`${config.name}:${key}`),
  };
}

/** Why a repository URL cannot be cloned by Flux, or `undefined` when it can. */
function repositoryUrlProblem(url: string): string | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return `must be an absolute URL (ssh://, https:// or http://), got '${url}'`;
  }
  if (!['ssh:', 'https:', 'http:'].includes(parsed.protocol)) {
    return `must use ssh://, https:// or http://, got '${url}'`;
  }
  if (parsed.hostname === '' || parsed.pathname.length <= 1) {
    return `must name a host and a repository path, got '${url}'`;
  }
  return undefined;
}

/**
 * Reads and validates a cluster stack's settings. Throws a ConfigError naming each key and
 * rule broken: a missing or unencrypted secret, a malformed repository URL or key, a node IP
 * that is not a control-plane node of the cluster.
 */
export function readStackSettings(
  cluster: ClusterConfig,
  source: ConfigSource = pulumiConfigSource(),
): StackSettings {
  const problems = new ProblemCollector();
  const subject = `stack '${cluster.name}'`;

  // Values piped into `pulumi config set` keep the input's trailing newline: compare trimmed.
  const secret = (key: string, pattern: RegExp, shape: string): pulumi.Output<string> => {
    const value = source.value(key)?.trim();
    if (value === undefined || value === '') {
      problems.add(
        subject,
        key,
        `is required: set it with 'pulumi config set --secret ${key} ...' (${shape})`,
      );
    } else if (!source.isSecret(key)) {
      problems.add(
        subject,
        key,
        `must be stored encrypted: set it again with 'pulumi config set --secret ${key} ...'`,
      );
    } else if (!pattern.test(value)) {
      problems.add(subject, key, `must be ${shape}, got a value that is not`);
    }
    return pulumi.secret(value ?? '');
  };
  const plain = (key: string, shape: string): string => {
    const value = source.value(key)?.trim();
    if (value === undefined || value === '') {
      problems.add(
        subject,
        key,
        `is required: set it with 'pulumi config set ${key} ...' (${shape})`,
      );
    }
    return value ?? '';
  };

  const sopsAgeKey = secret(
    CONFIG_KEYS.sopsAgeKey,
    AGE_KEY,
    "an age private key as printed by 'age-keygen' (AGE-SECRET-KEY-1...)",
  );

  const urlProblem = repositoryUrlProblem(cluster.gitops.url);
  if (urlProblem) problems.add(`cluster '${cluster.name}'`, 'gitops.url', urlProblem);
  let git: GitCredentials;
  if (cluster.gitops.url.startsWith('ssh://')) {
    const identity = secret(
      CONFIG_KEYS.gitSshKey,
      PRIVATE_KEY,
      'a PEM/OpenSSH private deploy key with read access to the repository',
    );
    const knownHosts = plain(
      CONFIG_KEYS.gitKnownHosts,
      "the Git server's host keys, e.g. the output of 'ssh-keyscan <host>'",
    );
    const lines = knownHosts
      .split('\n')
      .filter((line) => line.trim() !== '' && !line.startsWith('#'));
    const bad = lines.find((line) => !KNOWN_HOSTS_LINE.test(line.trim()));
    if (knownHosts !== '' && (lines.length === 0 || bad !== undefined)) {
      problems.add(
        subject,
        CONFIG_KEYS.gitKnownHosts,
        `must be known_hosts lines '<host> <key type> <base64 key>', got '${bad ?? knownHosts}'`,
      );
    }
    // OpenSSH refuses a private key file that does not end in a newline.
    git = { kind: 'ssh', identity: identity.apply((key) => `${key}\n`), knownHosts };
  } else {
    const username = plain(CONFIG_KEYS.gitUsername, 'the user Flux clones the repository as');
    const password = secret(CONFIG_KEYS.gitPassword, /\S/, 'the password or access token');
    git = { kind: 'basic', username, password };
  }

  const controlPlanes = cluster.nodes.filter(isControlPlane);
  const defaultLink = source.value(CONFIG_KEYS.vipLink)?.trim();
  if (defaultLink !== undefined && !LINK_NAME.test(defaultLink)) {
    problems.add(subject, CONFIG_KEYS.vipLink, `must be a network link name, got '${defaultLink}'`);
  }
  const vipLinks: Record<string, string> = {};
  if (defaultLink !== undefined) {
    for (const node of controlPlanes) vipLinks[node.name] = defaultLink;
  }
  const nodeLinksRaw = source.value(CONFIG_KEYS.nodeLinks);
  if (nodeLinksRaw !== undefined) {
    let nodeLinks: unknown;
    try {
      nodeLinks = JSON.parse(nodeLinksRaw);
    } catch {
      nodeLinks = undefined;
    }
    if (typeof nodeLinks !== 'object' || nodeLinks === null || Array.isArray(nodeLinks)) {
      problems.add(
        subject,
        CONFIG_KEYS.nodeLinks,
        `must be a map of control-plane node IP to link name, got '${nodeLinksRaw}'`,
      );
    } else {
      for (const [ip, link] of Object.entries(nodeLinks)) {
        const node = controlPlanes.find((candidate) => candidate.ip === ip);
        if (!node) {
          problems.add(
            subject,
            `${CONFIG_KEYS.nodeLinks}.${ip}`,
            `must be the IP of a control-plane node of cluster '${cluster.name}' (${controlPlanes.map((n) => n.ip).join(', ')}), got '${ip}'`,
          );
        } else if (typeof link !== 'string' || !LINK_NAME.test(link)) {
          problems.add(
            subject,
            `${CONFIG_KEYS.nodeLinks}.${ip}`,
            `must be a network link name, got '${String(link)}'`,
          );
        } else {
          vipLinks[node.name] = link;
        }
      }
    }
  }

  const unlinked = controlPlanes.filter((node) => vipLinks[node.name] === undefined);
  if (defaultLink === undefined && unlinked.length > 0) {
    problems.add(
      subject,
      CONFIG_KEYS.vipLink,
      `is required: the network link the VIP is announced on (${unlinked.map((n) => n.name).join(', ')}); list a node's links with 'talosctl get links --insecure --nodes ${unlinked[0].ip}' and set it with 'pulumi config set vipLink <link>'`,
    );
  }

  let registryCredentials: RegistryCredentials | undefined;
  if (cluster.mirror?.registryCredentials === true) {
    registryCredentials = {
      username: plain(
        CONFIG_KEYS.mirrorUsername,
        'the user the nodes pull images from the mirror as',
      ),
      password: secret(CONFIG_KEYS.mirrorPassword, /\S/, "that user's password or access token"),
    };
  }

  problems.throwIfAny();
  return { sopsAgeKey, git, vipLinks, ...(registryCredentials ? { registryCredentials } : {}) };
}
