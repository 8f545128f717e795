// Synth refuses a tree in which a Secret something reads is neither encrypted in git nor
// declared external, and checks each encrypted file's keys, labels and recipients.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { ClusterConfig, PlatformConfig } from '../../constructs/config/types';
import { ConfigError } from '../../constructs/errors';
import { loadConfig } from '../../environments';
import { REPO_ROOT } from '../../synth/paths';
import { defaultCatalog, renderTree } from '../../synth/render';
import { sopsConfig } from '../../synth/secrets/creation-rules';
import { runSecretCommand } from '../../synth/secrets/cli';
import { generateAgeKey } from '../../synth/secrets/sops';
import { synth } from '../../synth/synth';
import { diffTrees } from '../../synth/diff/compare';
import { formatText } from '../../synth/diff/format';

let root: string;
beforeEach(() => (root = fs.mkdtempSync(path.join(os.tmpdir(), 'provision-'))));
afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

function withDev(change: (cluster: ClusterConfig) => ClusterConfig): PlatformConfig {
  const config = loadConfig();
  return {
    ...config,
    clusters: config.clusters.map((cluster) => (cluster.name === 'dev' ? change(cluster) : cluster)),
  };
}

function problems(config: PlatformConfig, secretsRoot: string): string[] {
  try {
    renderTree(config, ['dev'], defaultCatalog(config), secretsRoot);
    return [];
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    return error.problems.map(({ subject, field, message }) => `${subject} ${field}: ${message}`);
  }
}

async function secret(config: PlatformConfig, argv: string[], stdin: string): Promise<void> {
  const code = await runSecretCommand(argv, {
    out: () => undefined,
    err: (text) => {
      throw new Error(text);
    },
    stdin: () => stdin,
    root,
    cwd: root,
    env: {},
    config: () => config,
    catalog: defaultCatalog,
  });
  expect(code).toBe(0);
}

describe('every Secret a cluster reads is provided', () => {
  it('names the component, app or environment, the Secret, its keys and the command, for each one missing', () => {
    const lines = problems(loadConfig(), root);
    expect(lines).toHaveLength(10);
    // Argo CD's notification services read each environment receiver's URL from one Secret.
    expect(lines).toContainEqual(
      "cluster 'dev' secrets (component argocd (notifications)): Secret argocd/argocd-notifications-secret (each environment's receiver webhook URL, for delivery notifications, keys alerts-slack-url) is neither encrypted in secrets/dev/argocd/argocd-notifications-secret.yaml nor declared external; create it with `npm run secret -- set --cluster dev --namespace argocd --name argocd-notifications-secret --from-file <file>`, or list it in secrets.external with who provides it",
    );
    expect(lines).toContainEqual(
      "cluster 'dev' secrets (app 'checkout-api' environment 'test'): Secret test-checkout-api/checkout-db (read by the app, keys url) is neither encrypted in secrets/dev/test-checkout-api/checkout-db.yaml nor declared external; create it with `npm run secret -- set --cluster dev --namespace test-checkout-api --name checkout-db --from-file <file>`, or list it in secrets.external with who provides it",
    );
    expect(lines).toContainEqual(expect.stringContaining("cluster 'dev' secrets (component kube-prometheus-stack): Secret monitoring/grafana-admin"));
    // Two environments share the cluster's webhook Secret: one line names both.
    expect(lines).toContainEqual(
      expect.stringContaining("secrets (environment 'dev' alertReceiver, environment 'test' alertReceiver): Secret flux-system/alerts-slack"),
    );
  });

  it('accepts a Secret declared as provided by another system, and places the encrypted ones', () => {
    const external = ['grafana-admin'].map((name) => ({ namespace: 'monitoring', name, providedBy: 'Vault agent' }));
    const config = withDev((cluster) => ({ ...cluster, secrets: { ...cluster.secrets, external } }));
    // The reference files, and grafana-admin declared external instead of its file.
    fs.cpSync(path.join(REPO_ROOT, 'secrets'), path.join(root, 'secrets'), { recursive: true });
    fs.rmSync(path.join(root, 'secrets/dev/monitoring/grafana-admin.yaml'));
    expect(problems(config, root)).toEqual([]);
    const tree = renderTree(config, ['dev'], defaultCatalog(config), root);
    expect(tree.files.has('platform/dev/controllers/kube-prometheus-stack/secret-monitoring-grafana-admin.yaml')).toBe(false);
    expect(tree.files.get('argocd/dev/secret-dev-checkout-api-checkout-db.yaml')).toBe(
      fs.readFileSync(path.join(REPO_ROOT, 'secrets/dev/dev-checkout-api/checkout-db.yaml'), 'utf8'),
    );
  });

  it('refuses a file encrypted to recipients the cluster no longer lists, and says how to re-encrypt', async () => {
    fs.cpSync(path.join(REPO_ROOT, 'secrets'), path.join(root, 'secrets'), { recursive: true });
    const key = await generateAgeKey();
    const config = withDev((cluster) => ({ ...cluster, secrets: { ageRecipients: [key.recipient] } }));
    const lines = problems(config, root);
    expect(lines).toHaveLength(10);
    expect(lines[0]).toMatch(
      /^cluster 'dev' secrets\.ageRecipients: secrets\/dev\/\S+\.yaml is encrypted to age1\w+, not to the cluster's recipients; re-encrypt it with `npm run secret -- rotate --cluster dev`$/,
    );
  });

  it('refuses an encrypted Secret without a key its reader needs, or at the wrong path', async () => {
    const key = await generateAgeKey();
    const config = withDev((cluster) => ({ ...cluster, secrets: { ageRecipients: [key.recipient] } }));
    await secret(config, ['set', '--cluster', 'dev', '--namespace', 'monitoring', '--name', 'grafana-admin', '--from-env-file', '-'], 'admin-user=admin\n');
    fs.mkdirSync(path.join(root, 'secrets/dev/loki'), { recursive: true });
    fs.copyFileSync(path.join(root, 'secrets/dev/monitoring/grafana-admin.yaml'), path.join(root, 'secrets/dev/loki/grafana.yaml'));
    const lines = problems(config, root);
    expect(lines).toContainEqual(
      "cluster 'dev' secrets (component kube-prometheus-stack): secrets/dev/monitoring/grafana-admin.yaml lacks key(s) admin-password (has admin-user); set them with `npm run secret -- set`",
    );
    expect(lines).toContainEqual(
      'secret file secrets/dev/loki/grafana.yaml metadata: names Secret monitoring/grafana-admin, so it belongs at secrets/dev/monitoring/grafana-admin.yaml',
    );
  });

  it('refuses a Secret in plain text under secrets/', () => {
    fs.mkdirSync(path.join(root, 'secrets/dev/monitoring'), { recursive: true });
    fs.writeFileSync(
      path.join(root, 'secrets/dev/monitoring/grafana-admin.yaml'),
      'apiVersion: v1\nkind: Secret\nmetadata:\n  name: grafana-admin\n  namespace: monitoring\nstringData:\n  admin-password: plain\n',
    );
    expect(problems(loadConfig(), root)).toContainEqual(
      'secret file secrets/dev/monitoring/grafana-admin.yaml sops: is not encrypted (no SOPS age metadata): write it with `npm run secret -- set …`, never by hand',
    );
  });
});

describe('.sops.yaml', () => {
  it('is derived from the recipients, one creation rule per cluster, and synth --check sees it stale', () => {
    const text = sopsConfig(loadConfig());
    expect(text).toContain('path_regex: secrets/dev/.*\\.yaml$');
    expect(text).toContain('encrypted_regex: ^(data|stringData)$');
    expect(fs.readFileSync(path.join(REPO_ROOT, '.sops.yaml'), 'utf8')).toBe(text);
    const sopsConfigFile = path.join(root, '.sops.yaml');
    fs.writeFileSync(sopsConfigFile, text.replace(/age: age1\w+/, 'age: age1other'));
    const outDir = path.join(root, 'gitops');
    synth({ outDir, sopsConfigFile: path.join(root, 'fresh.sops.yaml') });
    expect(fs.readFileSync(path.join(root, 'fresh.sops.yaml'), 'utf8')).toBe(text);
    expect(synth({ outDir, check: true, sopsConfigFile }).sopsConfigStale).toBe(true);
    expect(synth({ outDir, check: true, sopsConfigFile: path.join(root, 'fresh.sops.yaml') }).sopsConfigStale).toBe(false);
  });
});

describe('the diff of an encrypted Secret', () => {
  it('masks its values and shows only who can decrypt it', async () => {
    const key = await generateAgeKey();
    const config = withDev((cluster) => ({ ...cluster, secrets: { ageRecipients: [key.recipient] } }));
    const file = 'secrets/dev/monitoring/grafana-admin.yaml';
    const write = async (password: string) => {
      await secret(config, ['set', '--cluster', 'dev', '--namespace', 'monitoring', '--name', 'grafana-admin', '--from-env-file', '-'], `admin-user=admin\nadmin-password=${password}\n`);
      return fs.readFileSync(path.join(root, file), 'utf8');
    };
    const before = new Map([['platform/dev/controllers/x/secret-monitoring-grafana-admin.yaml', await write('one')]]);
    const after = new Map([['platform/dev/controllers/x/secret-monitoring-grafana-admin.yaml', await write('two')]]);
    const text = formatText(diffTrees(before, after), { base: 'a', head: 'b' }, { color: false });
    expect(text).toContain('admin-password: "<masked: new value>"');
    expect(text).toContain(key.recipient);
    expect(text).not.toContain('ENC[');
    expect(text).not.toContain('BEGIN AGE ENCRYPTED FILE');
  });
});
