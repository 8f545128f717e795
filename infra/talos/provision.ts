// Talos provisioning through talosctl on the operator's machine (@pulumi/command). Every
// script is a constant: node addresses and versions arrive in `environment`, secrets arrive on
// stdin or in a secret environment variable and are written to a private temporary folder,
// so no secret is ever part of a command line (visible in `ps`) or of the update's log.
import { createHash } from 'node:crypto';
import * as command from '@pulumi/command';
import * as pulumi from '@pulumi/pulumi';
import { parse, stringify } from 'yaml';
import { isControlPlane } from '../../constructs/platform/cilium';
import type { ClusterConfig, NodeConfig } from '../../environments/types';
import { apiEndpoint } from '../cluster';
import { machineType, nodePatch, patchYaml } from './patches';

/** Props of {@link TalosCluster}. */
export interface TalosClusterProps {
  /** The cluster to provision. */
  readonly cluster: ClusterConfig;
  /**
   * Network link of each control-plane node the VIP is announced on, by node name.
   * @default 'eth0' for every control-plane node
   */
  readonly vipLinks?: Readonly<Record<string, string>>;
}

/** The per-node resources of a Talos cluster. */
export interface TalosNode {
  /** The node. */
  readonly node: NodeConfig;
  /** Generates the node's machine config (stdout, secret). */
  readonly config: command.local.Command;
  /** Applies it to the node. */
  readonly apply: command.local.Command;
  /** SHA-256 of everything the node's config is generated from (not secret). */
  readonly configHash: string;
}

// Shared prologue: fail on any error, private temp folder removed on exit.
const PROLOGUE = ['set -eu', 'umask 077', 'd=$(mktemp -d)', 'trap \'rm -rf "$d"\' EXIT'].join('\n');

// printf is a shell builtin: the secret goes from the environment to the file without ever
// being an argument of a process.
const WRITE_TALOSCONFIG = `printf '%s\\n' "$TALOSCONFIG_DATA" > "$d/talosconfig"`;

/** Generates the cluster's secrets bundle (CAs, tokens, keys) once; stdout is the bundle. */
export const GEN_SECRETS_SCRIPT = [
  PROLOGUE,
  'talosctl gen secrets --talos-version "$TALOS_VERSION" --output-file "$d/secrets.yaml" >/dev/null',
  'cat "$d/secrets.yaml"',
].join('\n');

/** Generates one node's machine config from the bundle (stdin) and the patch (environment). */
export const GEN_CONFIG_SCRIPT = [
  PROLOGUE,
  'cat > "$d/secrets.yaml"',
  `printf '%s\\n' "$TALOS_PATCH" > "$d/patch.yaml"`,
  [
    'talosctl gen config "$CLUSTER_NAME" "$CLUSTER_ENDPOINT"',
    '--with-secrets "$d/secrets.yaml"',
    '--talos-version "$TALOS_VERSION" --kubernetes-version "$KUBERNETES_VERSION"',
    '--output-types "$MACHINE_TYPE" --config-patch "@$d/patch.yaml"',
    '--with-docs=false --with-examples=false --output "$d/machine.yaml" >/dev/null',
  ].join(' '),
  'cat "$d/machine.yaml"',
].join('\n');

/**
 * Generates the admin talosconfig from the bundle (stdin). It names no endpoints: the scripts
 * always pass `--nodes`/`--endpoints`, so adding a node changes neither this command nor the
 * commands that use its output (see {@link withEndpoints} for the exported copy).
 */
export const GEN_TALOSCONFIG_SCRIPT = [
  PROLOGUE,
  'cat > "$d/secrets.yaml"',
  [
    'talosctl gen config "$CLUSTER_NAME" "$CLUSTER_ENDPOINT"',
    '--with-secrets "$d/secrets.yaml" --talos-version "$TALOS_VERSION"',
    '--output-types talosconfig --output "$d/talosconfig" >/dev/null',
  ].join(' '),
  'cat "$d/talosconfig"',
].join('\n');

/**
 * Applies a machine config (stdin) to a node: in maintenance mode (first install) without
 * authentication, otherwise with the admin talosconfig. Both paths make a re-run after a
 * partial failure safe.
 */
export const APPLY_CONFIG_SCRIPT = [
  PROLOGUE,
  'cat > "$d/machine.yaml"',
  WRITE_TALOSCONFIG,
  'if talosctl apply-config --insecure --nodes "$NODE" --file "$d/machine.yaml" 2>"$d/insecure.err"; then',
  '  echo "$NODE: config applied in maintenance mode (installing Talos)"',
  '  exit 0',
  'fi',
  'talosctl --talosconfig "$d/talosconfig" apply-config --nodes "$NODE" --endpoints "$NODE" --file "$d/machine.yaml" || { cat "$d/insecure.err" >&2; exit 1; }',
  'echo "$NODE: config $CONFIG_SHA256 applied"',
].join('\n');

/**
 * Bootstraps etcd on the first control-plane node, waiting for it to finish installing.
 * "AlreadyExists" counts as success, so a re-run after a lost state entry cannot fail.
 */
export const BOOTSTRAP_SCRIPT = [
  PROLOGUE,
  WRITE_TALOSCONFIG,
  'i=0',
  'until out=$(talosctl --talosconfig "$d/talosconfig" bootstrap --nodes "$NODE" --endpoints "$NODE" 2>&1); do',
  '  case "$out" in *AlreadyExists*) echo "$NODE: etcd was already bootstrapped"; exit 0;; esac',
  '  i=$((i + 1))',
  '  if [ "$i" -ge 90 ]; then echo "$out" >&2; exit 1; fi',
  '  sleep 10',
  'done',
  'echo "$NODE: etcd bootstrapped"',
].join('\n');

/** Reads the admin kubeconfig and waits until the API answers on the VIP; stdout is the kubeconfig. */
export const KUBECONFIG_SCRIPT = [
  PROLOGUE,
  WRITE_TALOSCONFIG,
  'i=0',
  'until talosctl --talosconfig "$d/talosconfig" kubeconfig "$d/kubeconfig" --nodes "$NODE" --endpoints "$NODE" --merge=false --force >/dev/null 2>"$d/err"; do',
  '  i=$((i + 1)); if [ "$i" -ge 60 ]; then cat "$d/err" >&2; exit 1; fi; sleep 10',
  'done',
  'i=0',
  'until kubectl --kubeconfig "$d/kubeconfig" get --raw=/readyz >/dev/null 2>"$d/err"; do',
  '  i=$((i + 1)); if [ "$i" -ge 90 ]; then cat "$d/err" >&2; exit 1; fi; sleep 10',
  'done',
  'cat "$d/kubeconfig"',
].join('\n');

// Commands whose stdout carries a secret: never logged, outputs encrypted in state, and the
// previous stdout is not handed back to the next run through the environment.
const QUIET = {
  logging: command.local.Logging.None,
  addPreviousOutputInEnv: false,
} as const;
const SECRET_OUTPUTS: pulumi.CustomResourceOptions = {
  additionalSecretOutputs: ['stdout', 'stderr'],
};

/**
 * A talosconfig with its current context's endpoints and default node set. Text that is not a
 * talosconfig is returned unchanged.
 */
export function withEndpoints(
  talosconfig: string,
  endpoints: readonly string[],
  node: string,
): string {
  let parsed: unknown;
  try {
    parsed = parse(talosconfig);
  } catch {
    return talosconfig;
  }
  if (typeof parsed !== 'object' || parsed === null) return talosconfig;
  const config = parsed as { context?: string; contexts?: Record<string, Record<string, unknown>> };
  const context = config.context !== undefined ? config.contexts?.[config.context] : undefined;
  if (!context) return talosconfig;
  context.endpoints = [...endpoints];
  context.nodes = [node];
  return stringify(config);
}

/** SHA-256 of a node's config inputs, so a diff names the node whose config changed. */
export function configHash(cluster: ClusterConfig, patch: string): string {
  return createHash('sha256')
    .update(
      [
        cluster.name,
        apiEndpoint(cluster),
        cluster.talosVersion,
        cluster.kubernetesVersion,
        patch,
      ].join('\n'),
    )
    .digest('hex');
}

/**
 * A Talos cluster: secrets generated once, a machine config per node, applied per node (a
 * node is re-applied only when its own config inputs change), etcd bootstrapped exactly once
 * on the first control-plane node, then the admin kubeconfig once the API answers.
 */
export class TalosCluster {
  /** Generates the secrets bundle (stdout, secret). */
  public readonly secrets: command.local.Command;
  /** Generates the admin talosconfig (stdout, secret). */
  public readonly talosconfigCommand: command.local.Command;
  /** One entry per node, in the cluster config's order. */
  public readonly nodes: readonly TalosNode[];
  /** Bootstraps etcd on the first control-plane node. */
  public readonly bootstrap: command.local.Command;
  /** Waits for the API and reads the kubeconfig (stdout, secret). */
  public readonly kubeconfigCommand: command.local.Command;
  /** The admin talosconfig, secret. */
  public readonly talosconfig: pulumi.Output<string>;
  /** The admin kubeconfig, secret. */
  public readonly kubeconfig: pulumi.Output<string>;

  public constructor(props: TalosClusterProps) {
    const { cluster } = props;
    const name = cluster.name;
    const controlPlanes = cluster.nodes.filter(isControlPlane);
    const bootstrapNode = controlPlanes[0];
    const common = {
      CLUSTER_NAME: cluster.name,
      CLUSTER_ENDPOINT: apiEndpoint(cluster),
      TALOS_VERSION: cluster.talosVersion,
      KUBERNETES_VERSION: cluster.kubernetesVersion,
    };

    this.secrets = new command.local.Command(
      `${name}-talos-secrets`,
      {
        create: GEN_SECRETS_SCRIPT,
        environment: { TALOS_VERSION: cluster.talosVersion },
        ...QUIET,
      },
      // The bundle is the cluster's identity: a Talos upgrade must not regenerate it.
      { ...SECRET_OUTPUTS, ignoreChanges: ['environment'] },
    );
    const secretsBundle = pulumi.secret(this.secrets.stdout);

    this.talosconfigCommand = new command.local.Command(
      `${name}-talosconfig`,
      {
        create: GEN_TALOSCONFIG_SCRIPT,
        stdin: secretsBundle,
        environment: common,
        ...QUIET,
      },
      { ...SECRET_OUTPUTS, dependsOn: [this.secrets] },
    );
    const adminTalosconfig = pulumi.secret(this.talosconfigCommand.stdout);

    this.nodes = cluster.nodes.map((node) => {
      const patch = patchYaml(nodePatch(cluster, node, { vipLink: props.vipLinks?.[node.name] }));
      const hash = configHash(cluster, patch);
      const config = new command.local.Command(
        `${name}-config-${node.name}`,
        {
          create: GEN_CONFIG_SCRIPT,
          stdin: secretsBundle,
          environment: { ...common, MACHINE_TYPE: machineType(node), TALOS_PATCH: patch },
          ...QUIET,
        },
        { ...SECRET_OUTPUTS, dependsOn: [this.secrets] },
      );
      const apply = new command.local.Command(
        `${name}-apply-${node.name}`,
        {
          create: APPLY_CONFIG_SCRIPT,
          stdin: pulumi.secret(config.stdout),
          environment: {
            NODE: node.ip,
            CONFIG_SHA256: hash,
            TALOSCONFIG_DATA: adminTalosconfig,
          },
          ...QUIET,
        },
        { ...SECRET_OUTPUTS, dependsOn: [config, this.talosconfigCommand] },
      );
      return { node, config, apply, configHash: hash };
    });

    this.bootstrap = new command.local.Command(
      `${name}-bootstrap`,
      {
        create: BOOTSTRAP_SCRIPT,
        environment: { NODE: bootstrapNode.ip, TALOSCONFIG_DATA: adminTalosconfig },
        ...QUIET,
      },
      {
        ...SECRET_OUTPUTS,
        dependsOn: this.nodes.map((entry) => entry.apply),
        // Bootstrapping a second time would found a second etcd cluster: whatever changes
        // later, this command has run once and never runs again for this stack.
        ignoreChanges: ['create', 'environment'],
      },
    );

    this.kubeconfigCommand = new command.local.Command(
      `${name}-kubeconfig`,
      {
        create: KUBECONFIG_SCRIPT,
        environment: { NODE: bootstrapNode.ip, TALOSCONFIG_DATA: adminTalosconfig },
        ...QUIET,
      },
      { ...SECRET_OUTPUTS, dependsOn: [this.bootstrap] },
    );
    this.kubeconfig = pulumi.secret(this.kubeconfigCommand.stdout);
    // The exported copy talks to the control planes (not the VIP, which needs etcd) and
    // targets the first one, so `talosctl` works without further flags.
    this.talosconfig = pulumi.secret(
      adminTalosconfig.apply((text) =>
        withEndpoints(
          text,
          controlPlanes.map((node) => node.ip),
          bootstrapNode.ip,
        ),
      ),
    );
  }
}
