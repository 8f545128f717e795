// Every Talos patch document of every node validates against the Talos v1.13 config schema.
import * as fs from 'node:fs';
import * as path from 'node:path';
import Ajv2020, { type ValidateFunction } from 'ajv/dist/2020';
import { parseAllDocuments } from 'yaml';
import { CLUSTERS } from '../../environments';
import type { ClusterConfig } from '../../constructs/config/types';
import {
  CEPH_NODE_LABEL,
  mirrorEndpoint,
  nodePatch,
  patchYaml,
  registryAuthYaml,
  type TalosPatchDocument,
  type V1Alpha1Patch,
} from '../../infra/talos/patches';
import { crdsDir } from '../../synth/cluster/crds';
import { REPO_ROOT } from '../../synth/paths';
import { TEST_MIRROR } from '../support/config';

let validate: ValidateFunction;

beforeAll(() => {
  const schema = JSON.parse(
    fs.readFileSync(path.join(crdsDir(REPO_ROOT), 'talos', 'config.schema.json'), 'utf8'),
  ) as Record<string, unknown>;
  // strict: false because the schema carries editor keywords (markdownDescription, ...).
  const ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: false });
  validate = ajv.compile(schema);
});

function errors(document: unknown): string[] {
  return validate(document)
    ? []
    : (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message ?? ''}`);
}

const v1alpha1 = (documents: TalosPatchDocument[]): V1Alpha1Patch =>
  documents.find((d): d is V1Alpha1Patch => 'machine' in d) as V1Alpha1Patch;

const nodesOf = (clusters: readonly ClusterConfig[]) =>
  clusters.flatMap((cluster) => cluster.nodes.map((node) => ({ cluster, node, id: node.name })));

describe('Talos patches', () => {
  it.each(nodesOf(CLUSTERS))('$id: every document passes the Talos schema', ({ cluster, node }) => {
    const documents = nodePatch(cluster, node, { vipLink: 'enp1s0' });
    for (const document of documents) expect(errors(document)).toEqual([]);
    // What talosctl reads is the YAML: it must parse back to the same documents.
    expect(parseAllDocuments(patchYaml(documents)).map((d) => d.toJS())).toEqual(
      JSON.parse(JSON.stringify(documents)),
    );
  });

  it('the validator rejects what Talos would (control for the test above)', () => {
    expect(errors({ cluster: { network: { cni: { name: 'cilium' } } } })).not.toEqual([]);
    expect(errors({ machine: { kubelet: { extraMount: [] } } })).not.toEqual([]);
    expect(errors({ apiVersion: 'v1alpha1', kind: 'Layer2VIPConfig' })).not.toEqual([]);
  });

  it.each(nodesOf(CLUSTERS))(
    '$id: no CNI, no kube-proxy, KubePrism on 7445, install disk, endpoint and versions',
    ({ cluster, node }) => {
      const patch = v1alpha1(nodePatch(cluster, node));
      expect(patch.cluster).toMatchObject({
        clusterName: cluster.name,
        controlPlane: { endpoint: `https://${cluster.controlPlaneVip}:6443` },
        network: { cni: { name: 'none' } },
        proxy: { disabled: true },
      });
      expect(patch.machine.features.kubePrism).toEqual({ enabled: true, port: 7445 });
      expect(patch.machine.install).toEqual({
        disk: node.installDisk,
        image: `ghcr.io/siderolabs/installer:${cluster.talosVersion}`,
        wipe: false,
      });
      expect(patch.machine.kubelet.image).toBe(
        `ghcr.io/siderolabs/kubelet:${cluster.kubernetesVersion}`,
      );
      expect(patch.machine.kubelet.nodeIP.validSubnets).toEqual([`${node.ip}/32`]);
      expect(patch.machine.kubelet.extraMounts).toEqual([
        expect.objectContaining({
          source: '/var/lib/rook',
          options: expect.arrayContaining(['rshared']),
        }),
      ]);
      expect(patch.machine.nodeLabels[CEPH_NODE_LABEL]).toBe(
        (node.storageDevices ?? []).length > 0 ? 'true' : undefined,
      );
    },
  );

  it('makes the API server listen on the port the endpoint names', () => {
    const prod = CLUSTERS.find((c) => c.name === 'prod') as ClusterConfig;
    // Talos listens on 6443 unless told: an endpoint on another port would reach nothing.
    const moved = { ...prod, apiPort: 7443 };
    const documents = nodePatch(moved, moved.nodes[0], {});
    expect(v1alpha1(documents).cluster.controlPlane).toEqual({
      endpoint: 'https://10.20.0.10:7443',
      localAPIServerPort: 7443,
    });
    expect(errors(v1alpha1(documents))).toEqual([]);
    expect(v1alpha1(nodePatch(prod, prod.nodes[0], {})).cluster.controlPlane).toEqual({
      endpoint: 'https://10.20.0.10:6443',
      localAPIServerPort: 6443,
    });
  });

  it('puts the VIP and the API server images on control-plane nodes only', () => {
    const prod = CLUSTERS.find((c) => c.name === 'prod') as ClusterConfig;
    for (const node of prod.nodes) {
      const documents = nodePatch(prod, node, { vipLink: 'enp1s0' });
      const vip = documents.filter((d) => 'kind' in d && d.kind === 'Layer2VIPConfig');
      const controlPlane = node.role === 'control-plane';
      expect(vip).toEqual(
        controlPlane
          ? [
              {
                apiVersion: 'v1alpha1',
                kind: 'Layer2VIPConfig',
                name: '10.20.0.10',
                link: 'enp1s0',
              },
            ]
          : [],
      );
      expect(v1alpha1(documents).cluster.apiServer?.image).toBe(
        controlPlane ? `registry.k8s.io/kube-apiserver:${prod.kubernetesVersion}` : undefined,
      );
      expect(documents).toContainEqual({
        apiVersion: 'v1alpha1',
        kind: 'HostnameConfig',
        auto: 'off',
        hostname: node.name,
      });
    }
  });

  // Talos 1.12+ `gen config` emits this document itself; a patch document of the same kind
  // merges into it field by field, and Talos then validates the result.
  const GENERATED_HOSTNAME = { apiVersion: 'v1alpha1', kind: 'HostnameConfig', auto: 'stable' };
  // Talos's own rule (HostnameConfigV1Alpha1.Validate), which the schema cannot express:
  // "'auto' and 'hostname' cannot be set at the same time" unless auto is 'off'.
  const talosHostnameProblems = (document: Record<string, unknown>): string[] =>
    document.hostname !== undefined && document.auto !== 'off'
      ? ["'auto' and 'hostname' cannot be set at the same time"]
      : [];

  it.each(nodesOf(CLUSTERS))(
    '$id: the host name survives the merge into the generated HostnameConfig (auto: stable)',
    ({ cluster, node }) => {
      const patch = nodePatch(cluster, node).find(
        (d) => 'kind' in d && d.kind === 'HostnameConfig',
      );
      expect(patch).toBeDefined();
      // The YAML talosctl reads, not just the object: 'off' must arrive as the string.
      const [fromYaml] = parseAllDocuments(patchYaml(patch ? [patch] : [])).map(
        (d) => d.toJS() as Record<string, unknown>,
      );
      const merged = { ...GENERATED_HOSTNAME, ...fromYaml };
      expect(merged).toEqual({
        apiVersion: 'v1alpha1',
        kind: 'HostnameConfig',
        auto: 'off',
        hostname: node.name,
      });
      expect(errors(merged)).toEqual([]);
      expect(talosHostnameProblems(merged)).toEqual([]);
    },
  );

  it('the hostname rule rejects what Talos would (control for the test above)', () => {
    expect(talosHostnameProblems({ ...GENERATED_HOSTNAME, hostname: 'dev-cp-1' })).not.toEqual([]);
    expect(errors({ ...GENERATED_HOSTNAME, auto: 'sometimes' })).not.toEqual([]);
  });
});

describe('Talos patches of a cluster behind a mirror', () => {
  const CA = '-----BEGIN CERTIFICATE-----\nMIIBfake\n-----END CERTIFICATE-----\n';
  const cluster: ClusterConfig = {
    ...CLUSTERS.find(({ name }) => name === 'dev')!,
    mirror: { ...TEST_MIRROR, caCertificate: CA, registryCredentials: true },
  };
  const node = cluster.nodes[0];
  const documents = nodePatch(cluster, node, { vipLink: 'enp1s0' });
  const ofKind = (kind: string) =>
    documents.filter((d) => 'kind' in d && d.kind === kind) as unknown as Record<string, unknown>[];

  it('every document, registry mirrors and CAs included, passes the Talos schema', () => {
    for (const document of documents) expect(errors(document)).toEqual([]);
    const auth = parseAllDocuments(registryAuthYaml(cluster, 'puller', 's3cret')).map((d) =>
      d.toJS(),
    );
    expect(auth.length).toBeGreaterThan(0);
    for (const document of auth) expect(errors(document)).toEqual([]);
  });

  it('pulls each public registry through its mirror location, never falling back', () => {
    expect(ofKind('RegistryMirrorConfig')).toContainEqual({
      apiVersion: 'v1alpha1',
      kind: 'RegistryMirrorConfig',
      name: 'ghcr.io',
      endpoints: [{ url: 'https://harbor.corp.example.net/v2/ghcr', overridePath: true }],
      skipFallback: true,
    });
    expect(ofKind('RegistryMirrorConfig').map(({ name }) => name)).toEqual(
      Object.keys(TEST_MIRROR.registries).sort(),
    );
    // The Talos images themselves keep their names: containerd resolves them through the mirror.
    expect(v1alpha1(documents).machine.install.image).toBe('ghcr.io/siderolabs/installer:v1.13.9');
  });

  it('syncs time from the internal NTP servers and turns off the public discovery service', () => {
    expect(ofKind('TimeSyncConfig')).toEqual([
      {
        apiVersion: 'v1alpha1',
        kind: 'TimeSyncConfig',
        ntp: { servers: ['ntp1.corp.example.net', '10.0.0.123'] },
      },
    ]);
    expect(v1alpha1(documents).cluster.discovery).toEqual({
      registries: { service: { disabled: true } },
    });
  });

  it('trusts the CA and sends the credentials once per mirror host', () => {
    expect(ofKind('RegistryTLSConfig')).toEqual([
      {
        apiVersion: 'v1alpha1',
        kind: 'RegistryTLSConfig',
        name: 'harbor.corp.example.net',
        ca: CA,
      },
    ]);
    expect(registryAuthYaml(cluster, 'puller', 's3cret')).toBe(
      'apiVersion: v1alpha1\nkind: RegistryAuthConfig\nname: harbor.corp.example.net\nusername: puller\npassword: s3cret\n',
    );
    // Secret: never in the patch, which is an environment variable of a Pulumi command.
    expect(patchYaml(documents)).not.toContain('s3cret');
  });

  it('keeps the registry host when the mirror location has no path (a registry on its own port)', () => {
    expect(mirrorEndpoint('nexus.corp.example.net:8443')).toEqual({
      url: 'https://nexus.corp.example.net:8443',
    });
  });

  it('adds no registry, time or discovery setting without a mirror', () => {
    const plain = CLUSTERS.find(({ name }) => name === 'dev')!;
    expect(v1alpha1(nodePatch(plain, plain.nodes[0])).cluster.discovery).toBeUndefined();
    expect(
      nodePatch(plain, plain.nodes[0]).map((d) => ('kind' in d ? d.kind : 'v1alpha1')),
    ).toEqual(['v1alpha1', 'HostnameConfig', 'Layer2VIPConfig']);
  });
});
