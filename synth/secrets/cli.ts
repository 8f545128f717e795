// `npm run secret`: create, list and re-encrypt the SOPS-encrypted Secrets of secrets/<cluster>/.
// Values come from files or stdin, never from the command line (it would land in shell
// history); list shows names and keys, never values. A function with its own I/O, so tests
// run it in-process.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import type { AppCatalog } from '../../constructs/app/catalog';
import { appNamespace } from '../../constructs/config/rules';
import { isComponentEnabled, type ComponentKey } from '../../constructs/config/settings';
import { environmentsOf, type PlatformConfig } from '../../constructs/config/types';
import { FLUX_NAMESPACE } from '../../constructs/contract/names';
import { secretPath } from '../../constructs/contract/secrets';
import { ProblemCollector } from '../../constructs/errors';
import { compareStrings } from '../../constructs/order';
import { PLATFORM_COMPONENTS } from '../../constructs/platform/platform';
import { decryptSops, encryptSops, reencryptSops } from './sops';
import { neededSecrets, readSecretsTree, sameSet, type EncryptedSecret } from './tree';

export const USAGE = `usage: npm run secret -- <command> [options]

  set    (--cluster C --namespace NS | --app APP --env ENV) --name NAME [values] [--merge]
         encrypts a Secret to the cluster's age recipients into secrets/<cluster>/<ns>/<name>.yaml
         values, never on the command line:
           --from-env-file FILE   KEY=VALUE lines ('-' reads stdin)
           --from-file KEY=FILE   one key from a file's content (repeatable; e.g. an SSH key)
         --merge                  keep the keys already in the file (decrypts it: needs a key)
  list   [--cluster C]            every encrypted Secret (names and keys, never values) and
                                  every needed Secret that is missing
  rotate [--cluster C] [--all]    re-encrypts the files whose recipients differ from the
                                  cluster's (every file with --all); needs a key
  Keys to decrypt (--merge, rotate): --identity-file FILE, else $SOPS_AGE_KEY_FILE, else
  $SOPS_AGE_KEY. Run \`npm run synth\` afterwards: it places each file in gitops/.`;

/** What the command reads and where it writes. */
export interface SecretIo {
  /** Standard output. */
  readonly out: (text: string) => void;
  /** Standard error. */
  readonly err: (text: string) => void;
  /** Standard input, read whole (only when a value source is `-`). */
  readonly stdin: () => string;
  /** The repository root (`secrets/` is under it). */
  readonly root: string;
  /** Where relative file paths resolve from. */
  readonly cwd: string;
  /** Environment variables (SOPS_AGE_KEY_FILE, SOPS_AGE_KEY). */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** The configuration. */
  readonly config: () => PlatformConfig;
  /** The apps. */
  readonly catalog: (config: PlatformConfig) => AppCatalog;
  /** Clock for `sops.lastmodified`. @default now */
  readonly now?: () => Date;
}

class UsageError extends Error {}

const SECRET_NAME =
  /^(?=.{1,253}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const SECRET_KEY = /^[-._a-zA-Z0-9]+$/;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Parses KEY=VALUE lines (blank lines and `#` comments skipped). */
function parseEnvFile(text: string, source: string): Map<string, string> {
  const values = new Map<string, string>();
  text.split(/\r?\n/).forEach((line, i) => {
    if (line.trim() === '' || line.trimStart().startsWith('#')) return;
    const equals = line.indexOf('=');
    if (equals <= 0) {
      throw new UsageError(`${source} line ${i + 1}: must be KEY=VALUE`);
    }
    values.set(line.slice(0, equals).trim(), line.slice(equals + 1));
  });
  return values;
}

function identities(io: SecretIo, file: string | undefined): string[] {
  const text =
    file !== undefined
      ? fs.readFileSync(path.resolve(io.cwd, file), 'utf8')
      : io.env.SOPS_AGE_KEY_FILE
        ? fs.readFileSync(io.env.SOPS_AGE_KEY_FILE, 'utf8')
        : (io.env.SOPS_AGE_KEY ?? '');
  const keys = text.split(/\r?\n/).filter((line) => line.startsWith('AGE-SECRET-KEY-1'));
  if (keys.length === 0) {
    throw new UsageError(
      'no age identity: give --identity-file FILE, or set SOPS_AGE_KEY_FILE or SOPS_AGE_KEY (the AGE-SECRET-KEY-1… line)',
    );
  }
  return keys;
}

/** The namespaces a cluster creates that may hold a Secret: components', apps', Flux's. */
function clusterNamespaces(
  config: PlatformConfig,
  clusterName: string,
  catalog: AppCatalog,
): Set<string> {
  const cluster = config.clusters.find(({ name }) => name === clusterName);
  const namespaces = new Set<string>([FLUX_NAMESPACE]);
  if (!cluster) return namespaces;
  for (const key of Object.keys(PLATFORM_COMPONENTS) as ComponentKey[]) {
    if (isComponentEnabled(cluster, key))
      namespaces.add(PLATFORM_COMPONENTS[key].identity.namespace);
  }
  for (const environment of environmentsOf(config, clusterName)) {
    for (const app of catalog.apps) {
      if (app.enabledIn(environment)) namespaces.add(appNamespace(environment, app.name));
    }
  }
  return namespaces;
}

interface Target {
  readonly cluster: string;
  readonly namespace: string;
  /** Keys must be environment-variable names (an app reading the whole Secret as env). */
  readonly envKeys: boolean;
  readonly subject: string;
}

function target(
  values: Record<string, unknown>,
  config: PlatformConfig,
  catalog: AppCatalog,
  name: string,
): Target {
  const app = values.app as string | undefined;
  const env = values.env as string | undefined;
  if (app !== undefined || env !== undefined) {
    if (values.cluster !== undefined || values.namespace !== undefined) {
      throw new UsageError('give --app and --env, or --cluster and --namespace, not both');
    }
    const environment = config.environments.find((e) => e.name === env);
    if (!environment) {
      throw new UsageError(
        `--env ${env ?? '(missing)'}: no such environment (known: ${config.environments.map((e) => e.name).join(', ')})`,
      );
    }
    const definition = catalog.apps.find((a) => a.name === app);
    if (!definition) {
      throw new UsageError(
        `--app ${app ?? '(missing)'}: no such app (known: ${catalog.apps.map((a) => a.name).join(', ')})`,
      );
    }
    const reference = (definition.props.secrets ?? []).find((s) => s.secretName === name);
    return {
      cluster: environment.cluster,
      namespace: appNamespace(environment, definition.name),
      envKeys: reference !== undefined && reference.keys === undefined,
      subject: `app '${definition.name}' environment '${environment.name}'`,
    };
  }
  const cluster = values.cluster as string | undefined;
  const namespace = values.namespace as string | undefined;
  if (!config.clusters.some((c) => c.name === cluster)) {
    throw new UsageError(
      `--cluster ${cluster ?? '(missing)'}: no such cluster (known: ${config.clusters.map((c) => c.name).join(', ')})`,
    );
  }
  const namespaces = clusterNamespaces(config, cluster!, catalog);
  if (namespace === undefined || !namespaces.has(namespace)) {
    throw new UsageError(
      `--namespace ${namespace ?? '(missing)'}: cluster ${cluster} creates no such namespace (known: ${[...namespaces].sort(compareStrings).join(', ')})`,
    );
  }
  return { cluster: cluster!, namespace, envKeys: false, subject: `cluster '${cluster}'` };
}

async function set(values: Record<string, unknown>, io: SecretIo): Promise<number> {
  const config = io.config();
  const catalog = io.catalog(config);
  const name = values.name as string | undefined;
  if (name === undefined || !SECRET_NAME.test(name)) {
    throw new UsageError(`--name must be a Secret name (DNS-1123 subdomain), got '${name ?? ''}'`);
  }
  const where = target(values, config, catalog, name);
  const data = new Map<string, string>();
  const envFile = values['from-env-file'] as string | undefined;
  if (envFile !== undefined) {
    const text =
      envFile === '-' ? io.stdin() : fs.readFileSync(path.resolve(io.cwd, envFile), 'utf8');
    for (const [key, value] of parseEnvFile(text, envFile === '-' ? 'stdin' : envFile))
      data.set(key, value);
  }
  for (const entry of (values['from-file'] as string[] | undefined) ?? []) {
    const equals = entry.indexOf('=');
    if (equals <= 0) throw new UsageError(`--from-file must be KEY=FILE, got '${entry}'`);
    const file = entry.slice(equals + 1);
    const content = file === '-' ? io.stdin() : fs.readFileSync(path.resolve(io.cwd, file), 'utf8');
    data.set(entry.slice(0, equals), content);
  }
  const file = path.join(io.root, secretPath(where.cluster, where.namespace, name));
  if (values.merge === true) {
    if (!fs.existsSync(file))
      throw new UsageError(
        `--merge: ${secretPath(where.cluster, where.namespace, name)} does not exist yet`,
      );
    const old = await decryptSops(
      fs.readFileSync(file, 'utf8'),
      identities(io, values['identity-file'] as string | undefined),
    );
    const oldData = { ...((old.stringData ?? {}) as Record<string, string>) };
    for (const [key, value] of Object.entries((old.data ?? {}) as Record<string, string>)) {
      oldData[key] = Buffer.from(value, 'base64').toString('utf8');
    }
    for (const [key, value] of Object.entries(oldData)) if (!data.has(key)) data.set(key, value);
  }
  if (data.size === 0) {
    throw new UsageError(
      'no values: give --from-env-file FILE (or - for stdin) or --from-file KEY=FILE',
    );
  }
  const problems = new ProblemCollector();
  for (const key of data.keys()) {
    problems.check(
      SECRET_KEY.test(key),
      where.subject,
      `secret ${name} key '${key}'`,
      'must consist of letters, digits, -, _ or . (a Secret key)',
    );
    if (where.envKeys) {
      problems.check(
        ENV_NAME.test(key),
        where.subject,
        `secret ${name} key '${key}'`,
        'must be an environment-variable name ([A-Za-z_][A-Za-z0-9_]*): the app reads every key of this Secret as one',
      );
    }
  }
  problems.throwIfAny();
  const cluster = config.clusters.find((c) => c.name === where.cluster)!;
  const needed = neededSecrets(cluster, environmentsOf(config, cluster.name), catalog).find(
    (secret) => secret.namespace === where.namespace && secret.name === name,
  );
  const document = {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: {
      name,
      namespace: where.namespace,
      ...(needed?.labels && Object.keys(needed.labels).length > 0
        ? { labels: { ...needed.labels } }
        : {}),
    },
    type: 'Opaque',
    stringData: Object.fromEntries([...data].sort(([a], [b]) => compareStrings(a, b))),
  };
  const text = await encryptSops(document, {
    recipients: cluster.secrets.ageRecipients,
    now: (io.now ?? (() => new Date()))(),
  });
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, text);
  const missing = (needed?.keys ?? []).filter((key) => !data.has(key));
  io.out(
    `wrote ${secretPath(where.cluster, where.namespace, name)}: keys ${[...data.keys()].sort(compareStrings).join(', ')}, encrypted to ${cluster.secrets.ageRecipients.length} recipient(s)\n` +
      (missing.length > 0
        ? `warning: ${needed?.neededBy} also needs key(s) ${missing.join(', ')}\n`
        : '') +
      'next: npm run synth (places it in gitops/), then commit both\n',
  );
  return 0;
}

function list(values: Record<string, unknown>, io: SecretIo): number {
  const config = io.config();
  const catalog = io.catalog(config);
  const problems = new ProblemCollector();
  const all = readSecretsTree(io.root, problems);
  problems.throwIfAny();
  const clusters = config.clusters.filter(
    (c) => values.cluster === undefined || c.name === values.cluster,
  );
  if (clusters.length === 0)
    throw new UsageError(`--cluster ${String(values.cluster)}: no such cluster`);
  let missingCount = 0;
  for (const cluster of clusters) {
    const own = all.filter((secret) => secret.cluster === cluster.name);
    const stale = (secret: EncryptedSecret) =>
      !sameSet(secret.recipients, cluster.secrets.ageRecipients);
    io.out(`cluster ${cluster.name}: ${own.length} encrypted\n`);
    const namespaces = clusterNamespaces(config, cluster.name, catalog);
    for (const secret of own) {
      io.out(
        `  ${`${secret.namespace}/${secret.name}`.padEnd(40)} keys ${secret.keys.join(', ')}${stale(secret) ? '   (other recipients: npm run secret -- rotate)' : ''}${namespaces.has(secret.namespace) ? '' : `   (unused: the cluster creates no namespace ${secret.namespace})`}\n`,
      );
    }
    const files = new Set(own.map((secret) => `${secret.namespace}/${secret.name}`));
    for (const needed of neededSecrets(cluster, environmentsOf(config, cluster.name), catalog)) {
      const id = `${needed.namespace}/${needed.name}`;
      if (needed.providedBy !== undefined)
        io.out(`  ${id.padEnd(40)} external: ${needed.providedBy}\n`);
      else if (!files.has(id)) {
        missingCount++;
        io.out(
          `  ${id.padEnd(40)} MISSING, needed by ${needed.neededBy}${needed.keys.length > 0 ? ` (keys ${needed.keys.join(', ')})` : ''}\n`,
        );
      }
    }
  }
  return missingCount > 0 ? 1 : 0;
}

async function rotate(values: Record<string, unknown>, io: SecretIo): Promise<number> {
  const config = io.config();
  const problems = new ProblemCollector();
  const all = readSecretsTree(io.root, problems);
  problems.throwIfAny();
  const keys = identities(io, values['identity-file'] as string | undefined);
  let count = 0;
  for (const secret of all) {
    if (values.cluster !== undefined && secret.cluster !== values.cluster) continue;
    const cluster = config.clusters.find((c) => c.name === secret.cluster);
    if (!cluster) continue;
    const wanted = cluster.secrets.ageRecipients;
    const same = sameSet(secret.recipients, wanted);
    if (same && values.all !== true) continue;
    const text = await reencryptSops(secret.text, keys, wanted);
    fs.writeFileSync(path.join(io.root, secret.path), text);
    io.out(`re-encrypted ${secret.path} to ${wanted.length} recipient(s)\n`);
    count++;
  }
  io.out(`${count} file(s) re-encrypted${count > 0 ? '; next: npm run synth, then commit' : ''}\n`);
  return 0;
}

/** Runs `npm run secret`; returns the exit code. */
export async function runSecretCommand(argv: readonly string[], io: SecretIo): Promise<number> {
  const [command, ...rest] = argv;
  try {
    if (command === undefined || command === '--help' || command === '-h') {
      io.out(`${USAGE}\n`);
      return command === undefined ? 2 : 0;
    }
    // A value on the command line lands in shell history and in `ps`: refuse it, and say how.
    const valueOptions = new Set([
      '--cluster',
      '--namespace',
      '--app',
      '--env',
      '--name',
      '--from-env-file',
      '--from-file',
      '--identity-file',
    ]);
    rest.forEach((arg, i) => {
      const option = arg.split('=')[0];
      const isValue = i > 0 && valueOptions.has(rest[i - 1]) && !rest[i - 1].includes('=');
      const literal =
        option.startsWith('--from-literal') ||
        option === '--value' ||
        option === '--literal' ||
        (!isValue && !arg.startsWith('-') && arg.includes('='));
      if (literal) {
        throw new UsageError(
          `'${option}=…': values are never taken from the command line (shell history, ps); put them in a file (--from-env-file FILE, --from-file KEY=FILE) or pipe them (--from-env-file -)`,
        );
      }
    });
    const { values } = parseArgs({
      args: rest,
      options: {
        cluster: { type: 'string' },
        namespace: { type: 'string' },
        app: { type: 'string' },
        env: { type: 'string' },
        name: { type: 'string' },
        'from-env-file': { type: 'string' },
        'from-file': { type: 'string', multiple: true },
        merge: { type: 'boolean', default: false },
        all: { type: 'boolean', default: false },
        'identity-file': { type: 'string' },
      },
      strict: true,
      allowPositionals: false,
    });
    switch (command) {
      case 'set':
        return await set(values, io);
      case 'list':
        return list(values, io);
      case 'rotate':
        return await rotate(values, io);
      default:
        throw new UsageError(`unknown command '${command}'`);
    }
  } catch (error) {
    const message = (error as Error).message;
    if (
      error instanceof UsageError ||
      (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')
    ) {
      io.err(`secret: ${message}\n\n${USAGE}\n`);
    } else {
      // ConfigError and SopsError messages are already one line per problem.
      io.err(`secret: ${message}\n`);
    }
    return 2;
  }
}
