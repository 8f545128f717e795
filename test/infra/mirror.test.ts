// The Pulumi program of a cluster behind a mirror, under Pulumi's mocks: everything the
// bootstrap fetches comes from the mirror, no resource names a public host, and the registry
// credentials reach the nodes as secrets only.
import type { ClusterConfig } from '../../constructs/config/types';
import { CLUSTERS } from '../../environments';
import { fluxInstallUrl, gatewayApiCrdsUrl } from '../../infra/bootstrap';
import { readStackSettings } from '../../infra/stack-config';
import { TEST_MIRROR } from '../support/config';
import {
  SECRET_KEYS,
  VALID_SETTINGS,
  configSource,
  fetchedUrls,
  installMocks,
  isWireSecret,
  registered,
  stackResources,
  type Registration,
} from './support';

const mirror = { ...TEST_MIRROR, registryCredentials: true };
const cluster: ClusterConfig = { ...CLUSTERS.find(({ name }) => name === 'dev')!, mirror };
const settings = { ...VALID_SETTINGS, mirrorUsername: 'puller', mirrorPassword: 's3cret' };
let registrations: Registration[];

beforeAll(async () => {
  registrations = await installMocks('dev');
  const { defineStack } = await import('../../infra/program');
  const stack = defineStack('dev', {
    cluster,
    config: configSource(settings, [...SECRET_KEYS, 'mirrorPassword']),
  });
  await registered(await stackResources(stack));
});

function* strings(value: unknown): Generator<string> {
  if (typeof value === 'string') yield value;
  else if (Array.isArray(value)) for (const item of value) yield* strings(item);
  else if (typeof value === 'object' && value !== null) {
    for (const item of Object.values(value)) yield* strings(item);
  }
}

describe('the Pulumi program of a mirrored cluster', () => {
  it('fetches the Gateway API CRDs and Flux manifest from the download mirror only', () => {
    expect([...new Set(fetchedUrls)].sort()).toEqual(
      [gatewayApiCrdsUrl(mirror), fluxInstallUrl(mirror)].sort(),
    );
    expect(gatewayApiCrdsUrl(mirror)).toBe(
      'https://nexus.corp.example.net/repository/raw/github.com/kubernetes-sigs/gateway-api/releases/download/v1.4.1/standard-install.yaml',
    );
  });

  it("installs Cilium's chart from the OCI chart mirror", () => {
    const cilium = registrations.find(({ name }) => name === 'dev-cilium')!;
    expect(cilium.inputs.chart).toBe('oci://harbor.corp.example.net/charts/cilium');
    expect(cilium.inputs.version).toBe('1.19.4');
    expect(cilium.inputs.repositoryOpts).toBeUndefined();
  });

  it('names no host outside the mirror, the company and the cluster in any resource', () => {
    const allowed = /^(harbor|nexus|git)\.corp\.example\.net$|(^|\.)example\.com$|^\d+(\.\d+){3}$/;
    const outside = new Set<string>();
    for (const registration of registrations) {
      // A CRD's schema links to documentation; nothing fetches from there.
      if (registration.type.endsWith(':CustomResourceDefinition')) continue;
      for (const text of strings(registration.inputs)) {
        for (const match of text.matchAll(
          /\b(?:https?|oci|ssh):\/\/(?:[^\s/@]+@)?([a-z0-9.-]+)/g,
        )) {
          if (!allowed.test(match[1]) && match[1] !== 'localhost' && match[1].includes('.')) {
            outside.add(`${registration.name}: ${match[0]}`);
          }
        }
        // Images keep their names (the nodes resolve them through the mirror): their registry
        // must be one the mirror lists.
        for (const match of text.matchAll(/\bimage: ([a-z0-9.-]+)\//g)) {
          if (mirror.registries[match[1]] === undefined)
            outside.add(`${registration.name}: ${match[0]}`);
        }
      }
    }
    expect([...outside]).toEqual([]);
    expect(registrations.length).toBeGreaterThan(20);
  });

  it('gives every node the registry credentials as a secret, never in its patch', () => {
    const applies = registrations.filter(({ name }) => /^dev-apply-/.test(name));
    expect(applies.length).toBe(cluster.nodes.length);
    for (const apply of applies) {
      expect(String(apply.inputs.stdin)).toContain(
        'kind: RegistryAuthConfig\nname: harbor.corp.example.net\nusername: puller\npassword: s3cret\n',
      );
      expect(isWireSecret(apply.wire.stdin)).toBe(true);
    }
    const configs = registrations.filter(({ name }) => /^dev-config-/.test(name));
    for (const config of configs) {
      const patch = String((config.inputs.environment as Record<string, string>).TALOS_PATCH);
      expect(patch).toContain('kind: RegistryMirrorConfig');
      expect(patch).not.toContain('s3cret');
    }
  });
});

describe('stack settings of a mirror with credentials', () => {
  it('require the user and an encrypted password, naming each key', () => {
    const missing = () => readStackSettings(cluster, configSource(VALID_SETTINGS));
    expect(missing).toThrow(
      "stack 'dev' mirrorUsername: is required: set it with 'pulumi config set mirrorUsername ...' (the user the nodes pull images from the mirror as)",
    );
    expect(missing).toThrow(
      "stack 'dev' mirrorPassword: is required: set it with 'pulumi config set --secret mirrorPassword ...' (that user's password or access token)",
    );
    expect(() => readStackSettings(cluster, configSource(settings))).toThrow(
      "stack 'dev' mirrorPassword: must be stored encrypted: set it again with 'pulumi config set --secret mirrorPassword ...'",
    );
  });

  it('read none for a mirror without credentials', () => {
    const anonymous = { ...cluster, mirror: TEST_MIRROR };
    expect(readStackSettings(anonymous, configSource(VALID_SETTINGS)).registryCredentials).toBe(
      undefined,
    );
  });
});
