// Stack settings are checked before anything is declared; each broken rule names the key.
import * as pulumi from '@pulumi/pulumi';
import { devCluster } from '../../environments/clusters/dev';
import { prodCluster } from '../../environments/clusters/prod';
import type { ClusterConfig } from '../../constructs/config/types';
import { pulumiConfigSource, readStackSettings } from '../../infra/stack-config';
import { VALID_SETTINGS, configSource, installMocks, valueOf } from './support';

beforeAll(async () => {
  await installMocks('dev');
});

const without = (key: string) =>
  Object.fromEntries(Object.entries(VALID_SETTINGS).filter(([k]) => k !== key));

describe('stack settings', () => {
  it('reads valid settings, keeping secrets secret', async () => {
    const settings = readStackSettings(devCluster, configSource(VALID_SETTINGS));
    expect(await pulumi.isSecret(settings.sopsAgeKey)).toBe(true);
    expect(await valueOf(settings.sopsAgeKey)).toBe(VALID_SETTINGS.sopsAgeKey);
    expect(settings.git.kind).toBe('ssh');
    expect(settings.vipLinks).toEqual({ 'dev-cp-1': 'enp1s0' });
  });

  it('accepts values piped in with a trailing newline, and ends the deploy key with one', async () => {
    const piped = Object.fromEntries(
      Object.entries(VALID_SETTINGS).map(([key, value]) => [key, `${value}\n`]),
    );
    const settings = readStackSettings(devCluster, configSource(piped));
    expect(await valueOf(settings.sopsAgeKey)).toBe(VALID_SETTINGS.sopsAgeKey);
    if (settings.git.kind !== 'ssh') throw new Error('expected ssh credentials');
    expect(await valueOf(settings.git.identity)).toBe(`${VALID_SETTINGS.gitSshKey}\n`);
  });

  it('names a missing secret and how to set it', () => {
    expect(() => readStackSettings(devCluster, configSource(without('sopsAgeKey')))).toThrow(
      "stack 'dev' sopsAgeKey: is required: set it with 'pulumi config set --secret sopsAgeKey ...' (an age private key as printed by 'age-keygen' (AGE-SECRET-KEY-1...))",
    );
    expect(() => readStackSettings(devCluster, configSource(without('gitSshKey')))).toThrow(
      /stack 'dev' gitSshKey: is required: set it with 'pulumi config set --secret gitSshKey \.\.\.'/,
    );
  });

  it('refuses a secret stored in plain text', () => {
    expect(() =>
      readStackSettings(devCluster, configSource(VALID_SETTINGS, ['gitSshKey'])),
    ).toThrow(
      "stack 'dev' sopsAgeKey: must be stored encrypted: set it again with 'pulumi config set --secret sopsAgeKey ...'",
    );
  });

  it('refuses malformed keys without echoing the secret', () => {
    const bad = { ...VALID_SETTINGS, sopsAgeKey: 'AGE-SECRET-KEY-1short' };
    let message = '';
    try {
      readStackSettings(devCluster, configSource(bad));
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toContain("stack 'dev' sopsAgeKey: must be an age private key");
    expect(message).not.toContain('AGE-SECRET-KEY-1short');
    expect(() =>
      readStackSettings(devCluster, configSource({ ...VALID_SETTINGS, gitKnownHosts: 'nonsense' })),
    ).toThrow(
      "stack 'dev' gitKnownHosts: must be known_hosts lines '<host> <key type> <base64 key>', got 'nonsense'",
    );
  });

  it('refuses a malformed repository URL, naming the cluster field', () => {
    const cluster: ClusterConfig = {
      ...devCluster,
      gitops: { ...devCluster.gitops, url: 'git@git.example.com:nextgen/gitops.git' },
    };
    expect(() => readStackSettings(cluster, configSource(VALID_SETTINGS))).toThrow(
      "cluster 'dev' gitops.url: must be an absolute URL (ssh://, https:// or http://), got 'git@git.example.com:nextgen/gitops.git'",
    );
    const ftp = { ...devCluster, gitops: { ...devCluster.gitops, url: 'ftp://example.com/x.git' } };
    expect(() => readStackSettings(ftp, configSource(VALID_SETTINGS))).toThrow(
      "cluster 'dev' gitops.url: must use ssh://, https:// or http://, got 'ftp://example.com/x.git'",
    );
  });

  it('asks for basic-auth credentials when the repository is https://', () => {
    const cluster = {
      ...devCluster,
      gitops: { ...devCluster.gitops, url: 'https://git.example.com/nextgen/gitops.git' },
    };
    expect(() => readStackSettings(cluster, configSource(VALID_SETTINGS))).toThrow(
      /gitUsername: is required[\s\S]*gitPassword: is required/,
    );
    const settings = readStackSettings(
      cluster,
      configSource({ ...VALID_SETTINGS, gitUsername: 'flux', gitPassword: 'token' }),
    );
    expect(settings.git.kind).toBe('basic');
  });

  it('refuses a node IP that is not a control-plane node of the cluster', () => {
    const nodeLinks = JSON.stringify({
      '10.20.0.12': 'enp2s0',
      '10.20.0.99': 'eth1',
      '10.20.0.21': 'eth1',
    });
    expect(() =>
      readStackSettings(prodCluster, configSource({ ...VALID_SETTINGS, nodeLinks })),
    ).toThrow(
      [
        '2 problems:',
        "  - stack 'prod' nodeLinks.10.20.0.99: must be the IP of a control-plane node of cluster 'prod' (10.20.0.11, 10.20.0.12, 10.20.0.13), got '10.20.0.99'",
        "  - stack 'prod' nodeLinks.10.20.0.21: must be the IP of a control-plane node of cluster 'prod' (10.20.0.11, 10.20.0.12, 10.20.0.13), got '10.20.0.21'",
      ].join('\n'),
    );
    const settings = readStackSettings(
      prodCluster,
      configSource({
        ...VALID_SETTINGS,
        vipLink: 'enp1s0',
        nodeLinks: JSON.stringify({ '10.20.0.12': 'enp2s0' }),
      }),
    );
    expect(settings.vipLinks).toEqual({
      'prod-cp-1': 'enp1s0',
      'prod-cp-2': 'enp2s0',
      'prod-cp-3': 'enp1s0',
    });
  });

  it('requires the VIP link, naming the nodes and how to find it', () => {
    expect(() => readStackSettings(prodCluster, configSource(without('vipLink')))).toThrow(
      "stack 'prod' vipLink: is required: the network link the VIP is announced on (prod-cp-1, prod-cp-2, prod-cp-3); list a node's links with 'talosctl get links --insecure --nodes 10.20.0.11' and set it with 'pulumi config set vipLink <link>'",
    );
    // nodeLinks naming every control plane is enough.
    const nodeLinks = JSON.stringify({
      '10.20.0.11': 'enp1s0',
      '10.20.0.12': 'enp2s0',
      '10.20.0.13': 'enp1s0',
    });
    const settings = readStackSettings(
      prodCluster,
      configSource({ ...without('vipLink'), nodeLinks }),
    );
    expect(settings.vipLinks).toEqual({
      'prod-cp-1': 'enp1s0',
      'prod-cp-2': 'enp2s0',
      'prod-cp-3': 'enp1s0',
    });
  });

  it('lists every problem at once', () => {
    expect(() => readStackSettings(devCluster, configSource({}))).toThrow(/^4 problems:/);
  });

  it('reads Pulumi config, telling secrets from plain values', () => {
    pulumi.runtime.setAllConfig(
      {
        'nextgen-gitops:sopsAgeKey': VALID_SETTINGS.sopsAgeKey,
        'nextgen-gitops:gitKnownHosts': VALID_SETTINGS.gitKnownHosts,
      },
      ['nextgen-gitops:sopsAgeKey'],
    );
    const source = pulumiConfigSource();
    expect(source.value('sopsAgeKey')).toBe(VALID_SETTINGS.sopsAgeKey);
    expect(source.isSecret('sopsAgeKey')).toBe(true);
    expect(source.isSecret('gitKnownHosts')).toBe(false);
    expect(source.value('gitSshKey')).toBeUndefined();
  });
});
