// Talos provisioning through talosctl on the operator's machine (@pulumi/command). Every
// script is a constant: node addresses and versions arrive in `environment`, secrets (the
// secrets bundle, machine configs, the admin talosconfig) arrive only on stdin and are written
// to files in a private temporary folder that talosctl reads by path. So no secret is ever part
// of a command line (visible in `ps`), of the update's log, or of the environment every child
// process inherits.
import { createHash } from 'node:crypto';
import * as command from '@pulumi/command';
import * as pulumi from '@pulumi/pulumi';
import { parse, stringify } from 'yaml';
import type { ClusterConfig, NodeConfig } from '../../constructs/config/types';
import { machineType, nodePatch, patchYaml, registryAuthYaml } from './patches';
import type { RegistryCredentials } from '../stack-config';
import { apiEndpoint, isControlPlane } from '../../constructs/config/rules';

/** Props of {@link TalosCluster}. */
export interface TalosClusterProps {
  /** The cluster to provision. */
  readonly cluster: ClusterConfig;
  /**
   * Network link of each control-plane node the VIP is announced on, by node name.
   * @default 'eth0' for every control-plane node
   */
  readonly vipLinks?: Readonly<Record<string, string>>;
  /**
   * Pull credentials of the registry mirror, added to every node's machine config as it is
   * applied.
   * @default none: the mirror is pulled from anonymously
   */
  readonly registryCredentials?: RegistryCredentials;
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

/**
 * The line that ends the admin talosconfig on an apply command's stdin; the machine config
 * follows it. A YAML comment: talosctl writes none, so it cannot be a line of the talosconfig.
 */
export const TALOSCONFIG_END = '# end of talosconfig';

// The admin talosconfig is the whole of stdin.
const READ_TALOSCONFIG = 'cat > "$d/talosconfig"';

// stdin is the talosconfig, TALOSCONFIG_END, then the machine config. `read` is a builtin that
// stops at each newline, so `cat` gets exactly what follows the marker.
const READ_TALOSCONFIG_AND_MACHINE_CONFIG = [
  `while IFS= read -r line; do [ "$line" = '${TALOSCONFIG_END}' ] && break; printf '%s\\n' "$line"; done > "$d/talosconfig"`,
  'cat > "$d/machine.yaml"',
  '[ -s "$d/machine.yaml" ] || { echo "stdin carried no machine config after the talosconfig" >&2; exit 1; }',
].join('\n');

/** A multi-document machine config with more documents after it (none when `extra` is empty). */
export function withDocuments(machineConfig: string, extra: string): string {
  if (extra === '') return machineConfig;
  return `${machineConfig.replace(/\s*$/, '')}\n---\n${extra}`;
}

/** The stdin of an apply command: the admin talosconfig, {@link TALOSCONFIG_END}, the machine config. */
export function applyStdin(talosconfig: string, machineConfig: string): string {
  const ended = talosconfig.endsWith('\n') ? talosconfig : `${talosconfig}\n`;
  return `${ended}${TALOSCONFIG_END}\n${machineConfig}`;
}

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
 * Applies a machine config to a node (stdin: {@link applyStdin}): in maintenance mode (first
 * install) without authentication, otherwise with the admin talosconfig. Both paths make a
 * re-run after a partial failure safe.
 */
export const APPLY_CONFIG_SCRIPT = [
  PROLOGUE,
  READ_TALOSCONFIG_AND_MACHINE_CONFIG,
  'if talosctl apply-config --insecure --nodes "$NODE" --file "$d/machine.yaml" 2>"$d/insecure.err"; then',
  '  echo "$NODE: config applied in maintenance mode (installing Talos)"',
  '  exit 0',
  'fi',
  'talosctl --talosconfig "$d/talosconfig" apply-config --nodes "$NODE" --endpoints "$NODE" --file "$d/machine.yaml" || { cat "$d/insecure.err" >&2; exit 1; }',
  'echo "$NODE: config $CONFIG_SHA256 applied"',
].join('\n');

/**
 * Bootstraps etcd on the first control-plane node (stdin: the admin talosconfig), waiting for
 * it to finish installing: 90 tries 10 s apart, up to 15 minutes. "AlreadyExists" counts as
 * success, so a re-run after a lost state entry cannot fail.
 */
export const BOOTSTRAP_SCRIPT = [
  PROLOGUE,
  READ_TALOSCONFIG,
  'i=0',
  'until out=$(talosctl --talosconfig "$d/talosconfig" bootstrap --nodes "$NODE" --endpoints "$NODE" 2>&1); do',
  '  case "$out" in *AlreadyExists*) echo "$NODE: etcd was already bootstrapped"; exit 0;; esac',
  '  i=$((i + 1))',
  '  if [ "$i" -ge 90 ]; then echo "$out" >&2; exit 1; fi',
  '  sleep 10',
  'done',
  'echo "$NODE: etcd bootstrapped"',
].join('\n');

/**
 * Reads the admin kubeconfig (stdin: the admin talosconfig) and waits until the API answers on
 * the VIP; stdout is the kubeconfig. Up to 10 minutes (60 tries) for the kubeconfig, then up to
 * 15 minutes (90 tries) for `/readyz`: 25 minutes at most.
 */
export const KUBECONFIG_SCRIPT = [
  PROLOGUE,
  READ_TALOSCONFIG,
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

// Every input of a local Command. `satisfies` makes tsc demand an entry when @pulumi/command
// adds an input, because a run-once command must ignore that one too.
const COMMAND_INPUTS = {
  addPreviousOutputInEnv: true,
  archivePaths: true,
  assetPaths: true,
  create: true,
  delete: true,
  dir: true,
  environment: true,
  interpreter: true,
  logging: true,
  stdin: true,
  triggers: true,
  update: true,
} as const satisfies Record<keyof command.local.CommandArgs, true>;

/**
 * ignoreChanges of a command that runs once in the life of the stack: all of its inputs. The
 * command provider re-runs `create` when any input changes (and replaces the resource when
 * `triggers` do), so a new shared script prologue, a logging setting or a Talos version
 * would otherwise run it again.
 */
export const RUN_ONCE_IGNORE_CHANGES = Object.keys(
  COMMAND_INPUTS,
) as readonly (keyof command.local.CommandArgs)[];

/**
 * Options of the secrets bundle command. The bundle is the cluster's identity (its CAs, etcd
 * and bootstrap tokens): generating it again would lock every node out of the cluster. So it
 * ignores every input change, and it is protected: Pulumi refuses to delete or replace it
 * (`pulumi destroy` included) until `pulumi state unprotect` (README, "Destroy").
 */
export const TALOS_SECRETS_OPTIONS = {
  ...SECRET_OUTPUTS,
  ignoreChanges: [...RUN_ONCE_IGNORE_CHANGES],
  protect: true,
} as const satisfies pulumi.CustomResourceOptions;

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
    // What GEN_TALOSCONFIG_SCRIPT reads; the machine configs also need the Kubernetes version,
    // which must not reach the talosconfig command (a Kubernetes bump would regenerate it).
    const identity = {
      CLUSTER_NAME: cluster.name,
      CLUSTER_ENDPOINT: apiEndpoint(cluster),
      TALOS_VERSION: cluster.talosVersion,
    };

    this.secrets = new command.local.Command(
      `${name}-talos-secrets`,
      {
        create: GEN_SECRETS_SCRIPT,
        environment: { TALOS_VERSION: cluster.talosVersion },
        ...QUIET,
      },
      // The bundle is the cluster's identity: nothing may regenerate it (see the options).
      TALOS_SECRETS_OPTIONS,
    );
    const secretsBundle = pulumi.secret(this.secrets.stdout);

    this.talosconfigCommand = new command.local.Command(
      `${name}-talosconfig`,
      {
        create: GEN_TALOSCONFIG_SCRIPT,
        stdin: secretsBundle,
        environment: identity,
        ...QUIET,
      },
      { ...SECRET_OUTPUTS, dependsOn: [this.secrets] },
    );
    const adminTalosconfig = pulumi.secret(this.talosconfigCommand.stdout);

    const credentials = props.registryCredentials;
    const registryPassword = credentials?.password ?? pulumi.output('');
    this.nodes = cluster.nodes.map((node) => {
      const patch = patchYaml(nodePatch(cluster, node, { vipLink: props.vipLinks?.[node.name] }));
      const hash = configHash(cluster, patch);
      const config = new command.local.Command(
        `${name}-config-${node.name}`,
        {
          create: GEN_CONFIG_SCRIPT,
          stdin: secretsBundle,
          environment: {
            ...identity,
            KUBERNETES_VERSION: cluster.kubernetesVersion,
            MACHINE_TYPE: machineType(node),
            TALOS_PATCH: patch,
          },
          ...QUIET,
        },
        { ...SECRET_OUTPUTS, dependsOn: [this.secrets] },
      );
      const apply = new command.local.Command(
        `${name}-apply-${node.name}`,
        {
          create: APPLY_CONFIG_SCRIPT,
          stdin: pulumi.secret(
            pulumi
              .all([adminTalosconfig, config.stdout, registryPassword])
              .apply(([talosconfig, machineConfig, password]) =>
                applyStdin(
                  talosconfig,
                  withDocuments(
                    machineConfig,
                    credentials ? registryAuthYaml(cluster, credentials.username, password) : '',
                  ),
                ),
              ),
          ),
          environment: { NODE: node.ip, CONFIG_SHA256: hash },
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
        stdin: adminTalosconfig,
        environment: { NODE: bootstrapNode.ip },
        ...QUIET,
      },
      {
        ...SECRET_OUTPUTS,
        dependsOn: this.nodes.map((entry) => entry.apply),
        // Bootstrapping a second time would found a second etcd cluster: whatever changes
        // later (a script, a new talosconfig on stdin), this command has run once and never
        // runs again for this stack.
        ignoreChanges: [...RUN_ONCE_IGNORE_CHANGES],
      },
    );

    this.kubeconfigCommand = new command.local.Command(
      `${name}-kubeconfig`,
      {
        create: KUBECONFIG_SCRIPT,
        stdin: adminTalosconfig,
        environment: { NODE: bootstrapNode.ip },
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
