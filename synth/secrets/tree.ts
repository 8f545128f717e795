// The encrypted Secrets of `secrets/<cluster>/<namespace>/<name>.yaml`: read without decrypting
// (SOPS leaves names, keys and labels in the clear), checked against what the cluster needs,
// and placed by synth beside the namespace they belong to, so the Flux Kustomization that
// creates the namespace decrypts and applies the Secret in the same apply, before the pods.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse } from 'yaml';
import type { AppCatalog } from '../../constructs/app/catalog';
import type { ClusterConfig, EnvironmentConfig } from '../../constructs/config/types';
import { isComponentEnabled, type ComponentKey } from '../../constructs/config/settings';
import { appNamespace } from '../../constructs/config/rules';
import {
  ARGOCD_NAMESPACE,
  FLUX_NAMESPACE,
  PLATFORM_NAMESPACES,
} from '../../constructs/contract/names';
import { SECRETS_ROOT, secretPath, type NeededSecret } from '../../constructs/contract/secrets';
import { ProblemCollector } from '../../constructs/errors';
import { compareStrings } from '../../constructs/order';
import { PLATFORM_COMPONENTS } from '../../constructs/platform/platform';
import {
  ARGOCD_NOTIFICATIONS_SECRET,
  ROLLOUTS_NOTIFICATIONS_SECRET,
  clusterReceivers,
  notificationUrlKey,
} from '../../constructs/platform/notifications';
import {
  ALERTMANAGER_RECEIVERS_SECRET,
  alertmanagerReceivers,
} from '../../constructs/platform/alert-routing';

/** One encrypted Secret file, as far as it can be read without its key. */
export interface EncryptedSecret {
  /** `secrets/<cluster>/<namespace>/<name>.yaml`. */
  readonly path: string;
  /** The file's cluster (its folder). */
  readonly cluster: string;
  /** `metadata.namespace`. */
  readonly namespace: string;
  /** `metadata.name`. */
  readonly name: string;
  /** Keys of `data` and `stringData`. */
  readonly keys: readonly string[];
  /** `metadata.labels`. */
  readonly labels: Readonly<Record<string, string>>;
  /** The age recipients the data key is encrypted to. */
  readonly recipients: readonly string[];
  /** The file, byte for byte. */
  readonly text: string;
}

interface SecretFileShape {
  readonly apiVersion?: unknown;
  readonly kind?: unknown;
  readonly metadata?: {
    readonly name?: unknown;
    readonly namespace?: unknown;
    readonly labels?: Record<string, string>;
  };
  readonly data?: Record<string, unknown>;
  readonly stringData?: Record<string, unknown>;
  readonly sops?: { readonly age?: readonly { readonly recipient?: unknown }[] };
}

function listYaml(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .flatMap((entry) => {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) return listYaml(full);
      return entry.name.endsWith('.yaml') ? [full] : [];
    })
    .sort(compareStrings);
}

/**
 * Reads every file under `<root>/secrets/`. A file that is not a SOPS-encrypted Secret at the
 * path its metadata gives is a problem (collected, thrown together by the caller).
 */
export function readSecretsTree(root: string, problems: ProblemCollector): EncryptedSecret[] {
  const secrets: EncryptedSecret[] = [];
  for (const file of listYaml(path.join(root, SECRETS_ROOT))) {
    const relative = path.relative(root, file).split(path.sep).join('/');
    const subject = `secret file ${relative}`;
    const text = fs.readFileSync(file, 'utf8');
    let object: SecretFileShape;
    try {
      object = (parse(text) ?? {}) as SecretFileShape;
    } catch (error) {
      problems.add(
        subject,
        '(file)',
        `is not valid YAML: ${(error as Error).message.split('\n')[0]}`,
      );
      continue;
    }
    const [, cluster] = relative.split('/');
    const { name, namespace } = object.metadata ?? {};
    if (object.kind !== 'Secret' || typeof name !== 'string' || typeof namespace !== 'string') {
      problems.add(subject, 'kind', 'must be a Secret with metadata.name and metadata.namespace');
      continue;
    }
    if (relative !== secretPath(cluster, namespace, name)) {
      problems.add(
        subject,
        'metadata',
        `names Secret ${namespace}/${name}, so it belongs at ${secretPath(cluster, namespace, name)}`,
      );
      continue;
    }
    const recipients = (object.sops?.age ?? [])
      .map((entry) => entry.recipient)
      .filter((recipient): recipient is string => typeof recipient === 'string');
    if (!object.sops || recipients.length === 0) {
      problems.add(
        subject,
        'sops',
        'is not encrypted (no SOPS age metadata): write it with `npm run secret -- set …`, never by hand',
      );
      continue;
    }
    secrets.push({
      path: relative,
      cluster,
      namespace,
      name,
      keys: [...Object.keys(object.data ?? {}), ...Object.keys(object.stringData ?? {})].sort(
        compareStrings,
      ),
      labels: object.metadata?.labels ?? {},
      recipients,
      text,
    });
  }
  return secrets;
}

/** Every Secret the cluster's components, environments and apps read and nothing creates. */
export function neededSecrets(
  cluster: ClusterConfig,
  environments: readonly EnvironmentConfig[],
  catalog: AppCatalog,
): NeededSecret[] {
  const external = (namespace: string, name: string): string | undefined =>
    (cluster.secrets.external ?? []).find(
      (secret) => secret.namespace === namespace && secret.name === name,
    )?.providedBy;
  const needed: NeededSecret[] = [];
  for (const key of Object.keys(PLATFORM_COMPONENTS) as ComponentKey[]) {
    if (!isComponentEnabled(cluster, key)) continue;
    const identity = PLATFORM_COMPONENTS[key].identity;
    for (const secret of identity.needsSecrets?.(cluster) ?? []) {
      const providedBy = external(secret.namespace, secret.name);
      needed.push({
        ...secret,
        neededBy: `component ${identity.name}`,
        ...(providedBy ? { providedBy } : {}),
      });
    }
  }
  // The notification services of Argo CD and Argo Rollouts read each receiver's webhook URL
  // from a key of their own Secret.
  const receivers = clusterReceivers(environments);
  const notificationSecrets = [
    {
      component: 'argocd' as const,
      namespace: ARGOCD_NAMESPACE,
      name: ARGOCD_NOTIFICATIONS_SECRET,
      neededBy: 'component argocd (notifications)',
      what: 'delivery',
    },
    {
      component: 'argoRollouts' as const,
      namespace: PLATFORM_NAMESPACES.argoRollouts,
      name: ROLLOUTS_NOTIFICATIONS_SECRET,
      neededBy: 'component argo-rollouts (notifications)',
      what: 'rollout',
    },
  ];
  if (isComponentEnabled(cluster, 'monitoring')) {
    const routed = alertmanagerReceivers(cluster.platform?.monitoring?.alertReceiver, environments);
    if (routed.length > 0) {
      const name = ALERTMANAGER_RECEIVERS_SECRET;
      const providedBy = external(PLATFORM_NAMESPACES.monitoring, name);
      needed.push({
        namespace: PLATFORM_NAMESPACES.monitoring,
        name,
        keys: routed.map(notificationUrlKey),
        neededBy: 'component kube-prometheus-stack (Alertmanager)',
        purpose: "each receiver's webhook URL, for alerts",
        ...(providedBy ? { providedBy } : {}),
      });
    }
  }
  for (const secret of notificationSecrets) {
    if (!isComponentEnabled(cluster, secret.component) || receivers.length === 0) continue;
    const providedBy = external(secret.namespace, secret.name);
    needed.push({
      namespace: secret.namespace,
      name: secret.name,
      keys: receivers.map(notificationUrlKey),
      neededBy: secret.neededBy,
      purpose: `each environment's receiver webhook URL, for ${secret.what} notifications`,
      ...(providedBy ? { providedBy } : {}),
    });
  }
  for (const environment of environments) {
    const { secretName } = environment.alertReceiver;
    const providedBy = external(FLUX_NAMESPACE, secretName);
    needed.push({
      namespace: FLUX_NAMESPACE,
      name: secretName,
      // Flux's notification Provider reads the webhook URL from `address`.
      keys: ['address'],
      neededBy: `environment '${environment.name}' alertReceiver`,
      purpose: 'the alert webhook URL',
      ...(providedBy ? { providedBy } : {}),
    });
    for (const app of catalog.apps) {
      if (!app.enabledIn(environment)) continue;
      const namespace = appNamespace(environment, app.name);
      for (const reference of app.props.secrets ?? []) {
        const elsewhere = reference.providedBy ?? external(namespace, reference.secretName);
        needed.push({
          namespace,
          name: reference.secretName,
          keys: [...new Set(Object.values(reference.keys ?? {}))].sort(compareStrings),
          neededBy: `app '${app.name}' environment '${environment.name}'`,
          purpose: 'read by the app',
          ...(elsewhere ? { providedBy: elsewhere } : {}),
        });
      }
    }
  }
  // One entry per Secret: environments sharing a cluster share its alert webhook.
  const merged = new Map<string, NeededSecret>();
  for (const secret of needed) {
    const key = `${secret.namespace}/${secret.name}`;
    const seen = merged.get(key);
    merged.set(
      key,
      seen
        ? {
            ...seen,
            neededBy: `${seen.neededBy}, ${secret.neededBy}`,
            keys: [...new Set([...seen.keys, ...secret.keys])].sort(compareStrings),
          }
        : secret,
    );
  }
  return [...merged.values()];
}

/** Whether two recipient lists hold the same keys, in any order. */
export const sameSet = (a: readonly string[], b: readonly string[]): boolean =>
  a.length === b.length &&
  [...a].sort(compareStrings).join('\n') === [...b].sort(compareStrings).join('\n');

/**
 * Records a problem for every needed Secret that is neither encrypted nor external, every
 * encrypted one that lacks a key or label it must hold, and every file encrypted to other
 * recipients than the cluster lists.
 */
export function checkSecrets(
  cluster: ClusterConfig,
  needed: readonly NeededSecret[],
  encrypted: readonly EncryptedSecret[],
  problems: ProblemCollector,
): void {
  const files = new Map(encrypted.map((secret) => [`${secret.namespace}/${secret.name}`, secret]));
  const subject = `cluster '${cluster.name}'`;
  for (const secret of needed) {
    if (secret.providedBy !== undefined) continue;
    const file = files.get(`${secret.namespace}/${secret.name}`);
    const where = secretPath(cluster.name, secret.namespace, secret.name);
    const scope = `--cluster ${cluster.name} --namespace ${secret.namespace}`;
    if (!file) {
      problems.add(
        subject,
        `secrets (${secret.neededBy})`,
        `Secret ${secret.namespace}/${secret.name} (${secret.purpose}${secret.keys.length > 0 ? `, keys ${secret.keys.join(', ')}` : ''}) is neither encrypted in ${where} nor declared external; create it with \`npm run secret -- set ${scope} --name ${secret.name} --from-file <file>\`, or list it in secrets.external with who provides it`,
      );
      continue;
    }
    const missing = secret.keys.filter((key) => !file.keys.includes(key));
    if (missing.length > 0) {
      problems.add(
        subject,
        `secrets (${secret.neededBy})`,
        `${where} lacks key(s) ${missing.join(', ')} (has ${file.keys.join(', ') || 'none'}); set them with \`npm run secret -- set\``,
      );
    }
    for (const [label, value] of Object.entries(secret.labels ?? {})) {
      if (file.labels[label] !== value) {
        problems.add(
          subject,
          `secrets (${secret.neededBy})`,
          `${where} must carry label ${label}=${value} (${secret.purpose}); re-create it with \`npm run secret -- set\`, which adds it`,
        );
      }
    }
  }
  for (const file of encrypted) {
    if (!sameSet(file.recipients, cluster.secrets.ageRecipients)) {
      problems.add(
        subject,
        'secrets.ageRecipients',
        `${file.path} is encrypted to ${file.recipients.join(', ')}, not to the cluster's recipients; re-encrypt it with \`npm run secret -- rotate --cluster ${cluster.name}\``,
      );
    }
  }
}

/** The file name of an encrypted Secret in the GitOps folder beside its namespace. */
export function placedFileName(secret: EncryptedSecret): string {
  return `secret-${secret.namespace}-${secret.name}.yaml`;
}
