// npm run secret, in-process, on the reference configuration with the clusters' recipients
// replaced by keys made for this test (they live only in the test's memory).
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { decryptSops as sopsAgeDecrypt } from 'sops-age';
import type { PlatformConfig } from '../../constructs/config/types';
import { loadConfig } from '../../environments';
import { defaultCatalog } from '../../synth/render';
import { runSecretCommand } from '../../synth/secrets/cli';
import { decryptSops, generateAgeKey, sopsMetadata } from '../../synth/secrets/sops';

type AgeKey = Awaited<ReturnType<typeof generateAgeKey>>;

let dev: AgeKey;
let prod: AgeKey;
let root: string;

const withRecipients = (recipients: Record<string, readonly string[]>) => (): PlatformConfig => {
  const config = loadConfig();
  return {
    ...config,
    clusters: config.clusters.map((cluster) => ({
      ...cluster,
      secrets: { ...cluster.secrets, ageRecipients: recipients[cluster.name] ?? [] },
    })),
  };
};

async function run(
  argv: string[],
  options: { stdin?: string; env?: Record<string, string>; config?: () => PlatformConfig } = {},
): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await runSecretCommand(argv, {
    out: (text) => (out += text),
    err: (text) => (err += text),
    stdin: () => options.stdin ?? '',
    root,
    cwd: root,
    env: options.env ?? {},
    config: options.config ?? withRecipients({ dev: [dev.recipient], prod: [prod.recipient] }),
    catalog: defaultCatalog,
    now: () => new Date('2026-12-04T10:00:00Z'),
  });
  return { code, out, err };
}

const read = (file: string) => fs.readFileSync(path.join(root, file), 'utf8');

beforeAll(async () => {
  [dev, prod] = [await generateAgeKey(), await generateAgeKey()];
});
beforeEach(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'secret-cli-'));
});
afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

describe('npm run secret -- set', () => {
  it('encrypts values from stdin to the cluster recipients, readable by Flux-compatible decoders', async () => {
    const { code, out, err } = await run(
      ['set', '--cluster', 'prod', '--namespace', 'monitoring', '--name', 'grafana-admin', '--from-env-file', '-'],
      { stdin: 'admin-user=admin\nadmin-password=s3cret=with=equals\n' },
    );
    expect([code, err]).toEqual([0, '']);
    expect(out).toContain('wrote secrets/prod/monitoring/grafana-admin.yaml: keys admin-password, admin-user');
    expect(out).not.toContain('s3cret');
    const text = read('secrets/prod/monitoring/grafana-admin.yaml');
    expect(text).not.toContain('s3cret');
    expect(sopsMetadata(text).recipients).toEqual([prod.recipient]);
    const decrypted = await decryptSops(text, [prod.identity]);
    expect(decrypted).toMatchObject({
      kind: 'Secret',
      metadata: { name: 'grafana-admin', namespace: 'monitoring' },
      stringData: { 'admin-user': 'admin', 'admin-password': 's3cret=with=equals' },
    });
    // An independent decoder (npm sops-age) reads it too.
    const other = (await sopsAgeDecrypt(text, { secretKey: prod.identity, fileType: 'yaml' })) as {
      stringData: Record<string, string>;
    };
    expect(other.stringData['admin-password']).toBe('s3cret=with=equals');
    // The wrong cluster's key cannot.
    await expect(decryptSops(text, [dev.identity])).rejects.toThrow();
  });

  it("places an app's Secret in its environment's namespace and adds the labels a reader needs", async () => {
    fs.writeFileSync(path.join(root, 'db.env'), 'url=postgres://x\n');
    const app = await run(['set', '--app', 'checkout-api', '--env', 'test', '--name', 'checkout-db', '--from-env-file', 'db.env']);
    expect(app.code).toBe(0);
    expect(read('secrets/dev/test-checkout-api/checkout-db.yaml')).toContain('namespace: test-checkout-api');
    fs.writeFileSync(path.join(root, 'key'), '-----BEGIN OPENSSH PRIVATE KEY-----\nabc\n-----END OPENSSH PRIVATE KEY-----\n');
    const repo = await run(
      ['set', '--cluster', 'dev', '--namespace', 'argocd', '--name', 'gitops-repository', '--from-env-file', '-', '--from-file', 'sshPrivateKey=key'],
      { stdin: 'type=git\nurl=ssh://git@git.example.com/nextgen/gitops.git\n' },
    );
    expect(repo.code).toBe(0);
    const text = read('secrets/dev/argocd/gitops-repository.yaml');
    expect(text).toContain('argocd.argoproj.io/secret-type: repository');
    const decrypted = (await decryptSops(text, [dev.identity])) as { stringData: Record<string, string> };
    expect(decrypted.stringData.sshPrivateKey).toContain('BEGIN OPENSSH PRIVATE KEY');
  });

  it('keeps the keys already there with --merge (decrypting with the given key)', async () => {
    await run(['set', '--cluster', 'dev', '--namespace', 'flux-system', '--name', 'alerts-slack', '--from-env-file', '-'], {
      stdin: 'address=https://hooks.example/1\n',
    });
    fs.writeFileSync(path.join(root, 'dev.agekey'), `${dev.identity}\n`);
    const merged = await run(
      ['set', '--cluster', 'dev', '--namespace', 'flux-system', '--name', 'alerts-slack', '--from-env-file', '-', '--merge', '--identity-file', 'dev.agekey'],
      { stdin: 'token=abc\n' },
    );
    expect(merged.code).toBe(0);
    const decrypted = (await decryptSops(read('secrets/dev/flux-system/alerts-slack.yaml'), [dev.identity])) as {
      stringData: Record<string, string>;
    };
    expect(decrypted.stringData).toEqual({ address: 'https://hooks.example/1', token: 'abc' });
  });

  describe('bad input: one line naming the rule, nothing written', () => {
    const cases: [string, string[], RegExp][] = [
      ['a value on the command line', ['set', '--cluster', 'dev', '--namespace', 'monitoring', '--name', 'x', 'password=hunter2'], /'password=…': values are never taken from the command line/],
      ['--from-literal', ['set', '--cluster', 'dev', '--namespace', 'monitoring', '--name', 'x', '--from-literal=password=hunter2'], /'--from-literal=…': values are never taken from the command line/],
      ['an unknown app', ['set', '--app', 'nope', '--env', 'dev', '--name', 'x', '--from-env-file', '-'], /--app nope: no such app \(known: /],
      ['an unknown environment', ['set', '--app', 'checkout-api', '--env', 'staging', '--name', 'x', '--from-env-file', '-'], /--env staging: no such environment \(known: dev, test, prod\)/],
      ['a namespace the cluster does not create', ['set', '--cluster', 'dev', '--namespace', 'kube-public', '--name', 'x', '--from-env-file', '-'], /--namespace kube-public: cluster dev creates no such namespace/],
      ['a Secret name that is not DNS-1123', ['set', '--cluster', 'dev', '--namespace', 'monitoring', '--name', 'Grafana_Admin', '--from-env-file', '-'], /--name must be a Secret name \(DNS-1123 subdomain\), got 'Grafana_Admin'/],
    ];
    it.each(cases)('%s', async (_label, argv, message) => {
      const { code, err } = await run(argv, { stdin: 'a=b\n' });
      expect(code).toBe(2);
      expect(err.split('\n')[0]).toMatch(message);
      expect(err).not.toContain('hunter2');
      expect(fs.existsSync(path.join(root, 'secrets'))).toBe(false);
    });

    it('a key that is not an environment-variable name where the app reads every key as one', async () => {
      const { code, err } = await run(['set', '--app', 'order-worker', '--env', 'dev', '--name', 'order-queue', '--from-env-file', '-'], {
        stdin: 'queue-url=amqp://x\n',
      });
      expect(code).toBe(2);
      expect(err).toContain(
        "app 'order-worker' environment 'dev' secret order-queue key 'queue-url': must be an environment-variable name",
      );
      expect(fs.existsSync(path.join(root, 'secrets'))).toBe(false);
    });
  });
});

describe('npm run secret -- list and rotate', () => {
  it('lists names and keys, never values, and what is still missing', async () => {
    await run(['set', '--cluster', 'prod', '--namespace', 'monitoring', '--name', 'grafana-admin', '--from-env-file', '-'], {
      stdin: 'admin-user=admin\nadmin-password=topsecret\n',
    });
    const { code, out } = await run(['list', '--cluster', 'prod']);
    expect(code).toBe(1);
    expect(out).toMatch(/monitoring\/grafana-admin +keys admin-password, admin-user/);
    expect(out).toMatch(/argocd\/gitops-repository +MISSING, needed by component argocd \(keys type, url, sshPrivateKey\)/);
    expect(out).not.toContain('topsecret');
  });

  it('re-encrypts to the recipients the configuration now lists', async () => {
    await run(['set', '--cluster', 'dev', '--namespace', 'monitoring', '--name', 'grafana-admin', '--from-env-file', '-'], {
      stdin: 'admin-user=admin\nadmin-password=p\n',
    });
    const next = await generateAgeKey();
    const config = withRecipients({ dev: [next.recipient], prod: [prod.recipient] });
    const { code, out } = await run(['rotate', '--cluster', 'dev'], { env: { SOPS_AGE_KEY: dev.identity }, config });
    expect(code).toBe(0);
    expect(out).toContain('re-encrypted secrets/dev/monitoring/grafana-admin.yaml to 1 recipient(s)');
    const text = read('secrets/dev/monitoring/grafana-admin.yaml');
    expect(sopsMetadata(text).recipients).toEqual([next.recipient]);
    await expect(decryptSops(text, [next.identity])).resolves.toMatchObject({ stringData: { 'admin-password': 'p' } });
    await expect(decryptSops(text, [dev.identity])).rejects.toThrow();
  });

  it('asks for a key when rotating without one', async () => {
    const { code, err } = await run(['rotate']);
    expect(code).toBe(2);
    expect(err).toMatch(/^secret: no age identity: give --identity-file FILE, or set SOPS_AGE_KEY_FILE or SOPS_AGE_KEY/);
  });
});
