// The Pulumi program under Pulumi's mocks: no CLI, no talosctl, no cluster. Asserts what each
// stack creates, in which order, and that secrets stay secret and out of command lines.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse } from 'yaml';
import type { ClusterStack } from '../../infra/program';
import {
  FLUX_FIXTURE_CONTROLLERS,
  FLUX_INSTALL_FIXTURE,
  VALID_SETTINGS,
  configSource,
  fakeStdout,
  fetchedUrls,
  installMocks,
  isWireSecret,
  registered,
  stackResources,
  valueOf,
  type Registration,
} from './support';

let registrations: Registration[];
const stacks: Record<string, ClusterStack> = {};

beforeAll(async () => {
  registrations = await installMocks('dev');
  const { defineStack } = await import('../../infra/program');
  for (const name of ['dev', 'prod']) {
    stacks[name] = defineStack(name, { config: configSource(VALID_SETTINGS) });
    await registered(await stackResources(stacks[name]));
  }
});

const of = (cluster: string) => registrations.filter((r) => r.name.startsWith(`${cluster}`));
const named = (name: string): Registration => {
  const found = registrations.filter((r) => r.name === name);
  expect(found).toHaveLength(1);
  return found[0];
};
const commands = (cluster: string) => of(cluster).filter((r) => r.type === 'command:local:Command');
/** A Deployment of Flux's manifest (its ServiceAccount has the same resource name). */
const fluxDeployment = (cluster: string, name: string): Registration => {
  const found = fluxObjects(cluster).filter(
    (r) =>
      r.type === 'kubernetes:apps/v1:Deployment' && r.name === `${cluster}-flux-system/${name}`,
  );
  expect(found).toHaveLength(1);
  return found[0];
};
/** The objects Pulumi applies from Flux's install manifest (children of its ConfigFile). */
const fluxObjects = (cluster: string): Registration[] =>
  of(cluster).filter(
    (r) => r.parent === `${cluster}-flux` && r.type !== 'kubernetes:yaml:ConfigFile',
  );

/** The Gateway API CRDs Pulumi applies (children of their ConfigFile). */
const gatewayApiCrds = (cluster: string): Registration[] =>
  of(cluster).filter((r) => r.parent === `${cluster}-gateway-api-crds`);

/** Whether `from` depends on `to`, directly or through other resources. */
function dependsOn(from: string, to: string, seen = new Set<string>()): boolean {
  if (seen.has(from)) return false;
  seen.add(from);
  const registration = registrations.find((r) => r.name === from);
  return (registration?.dependsOn ?? []).some(
    (dependency) => dependency === to || dependsOn(dependency, to, seen),
  );
}

describe.each([
  {
    cluster: 'dev',
    nodes: ['dev-cp-1'],
    counts: { commands: 6, total: 31 },
  },
  {
    cluster: 'prod',
    nodes: [
      'prod-cp-1',
      'prod-cp-2',
      'prod-cp-3',
      'prod-worker-1',
      'prod-worker-2',
      'prod-worker-3',
    ],
    counts: { commands: 16, total: 41 },
  },
])('stack $cluster', ({ cluster, nodes, counts }) => {
  it('creates the Talos commands, the provider, Cilium, Flux, two Secrets and the sync objects', () => {
    // Flux: a ConfigFile and, from the stand-in manifest, the namespace, the ClusterRole, one
    // CRD and the four core controllers' ServiceAccounts and Deployments. Gateway API: a
    // ConfigFile and its six CRDs.
    const byType = of(cluster).reduce<Record<string, number>>((acc, r) => {
      acc[r.type] = (acc[r.type] ?? 0) + 1;
      return acc;
    }, {});
    expect(byType).toEqual({
      'command:local:Command': counts.commands,
      'pulumi:providers:kubernetes': 1,
      'kubernetes:helm.sh/v3:Release': 1,
      // Flux's install manifest and the Gateway API release manifest.
      'kubernetes:yaml:ConfigFile': 2,
      'kubernetes:core/v1:Namespace': 1,
      'kubernetes:rbac.authorization.k8s.io/v1:ClusterRole': 1,
      // Flux's stand-in CRD and the six standard-channel Gateway API CRDs.
      'kubernetes:apiextensions.k8s.io/v1:CustomResourceDefinition': 7,
      'kubernetes:core/v1:ServiceAccount': 4,
      'kubernetes:apps/v1:Deployment': 4,
      'kubernetes:core/v1:Secret': 2,
      'kubernetes:source.toolkit.fluxcd.io/v1:GitRepository': 1,
      'kubernetes:kustomize.toolkit.fluxcd.io/v1:Kustomization': 1,
    });
    expect(of(cluster)).toHaveLength(counts.total);
    // Registration order is the engine's business; the dependency test below checks order.
    expect(
      commands(cluster)
        .map((r) => r.name)
        .sort(),
    ).toEqual(
      [
        `${cluster}-talos-secrets`,
        `${cluster}-talosconfig`,
        ...nodes.flatMap((node) => [`${cluster}-config-${node}`, `${cluster}-apply-${node}`]),
        `${cluster}-bootstrap`,
        `${cluster}-kubeconfig`,
      ].sort(),
    );
  });

  it('orders secrets -> configs -> apply per node -> bootstrap -> kubeconfig -> Gateway API CRDs -> Cilium -> Flux -> Secrets -> sync objects', () => {
    const c = cluster;
    for (const node of nodes) {
      expect(named(`${c}-config-${node}`).dependsOn).toContain(`${c}-talos-secrets`);
      expect(named(`${c}-apply-${node}`).dependsOn).toEqual(
        expect.arrayContaining([`${c}-config-${node}`, `${c}-talosconfig`]),
      );
      // A node's apply waits for its own config only, so one node's change re-applies one node.
      for (const other of nodes.filter((n) => n !== node)) {
        expect(dependsOn(`${c}-apply-${node}`, `${c}-config-${other}`)).toBe(false);
      }
      expect(named(`${c}-bootstrap`).dependsOn).toContain(`${c}-apply-${node}`);
    }
    expect(named(`${c}-talosconfig`).dependsOn).toContain(`${c}-talos-secrets`);
    expect(named(`${c}-kubeconfig`).dependsOn).toContain(`${c}-bootstrap`);
    expect(named(c).dependsOn).toContain(`${c}-kubeconfig`);
    // Cilium's operator enables its Gateway controller only if the Gateway API CRDs exist.
    const gatewayCrds = gatewayApiCrds(c);
    expect(gatewayCrds).toHaveLength(6);
    for (const crd of gatewayCrds) {
      expect(crd.dependsOn).toContain(`${c}-kubeconfig`);
      expect(named(`${c}-cilium`).dependsOn).toContain(crd.name);
    }
    expect(dependsOn(`${c}-cilium`, `${c}-kubeconfig`)).toBe(true);
    // Every object of Flux's manifest waits for Cilium (the component's dependsOn would not
    // reach them); the Secrets and the sync objects wait for every one of them.
    expect(fluxObjects(c)).toHaveLength(11);
    for (const object of fluxObjects(c)) expect(object.dependsOn).toContain(`${c}-cilium`);
    const flux = fluxObjects(c).map((r) => r.name);
    for (const secret of [`${c}-flux-git`, `${c}-sops-age`]) {
      expect(named(secret).dependsOn).toEqual(expect.arrayContaining(flux));
    }
    for (const sync of [`${c}-gitrepository-flux-system`, `${c}-kustomization-flux-system`]) {
      expect(named(sync).dependsOn).toEqual(
        expect.arrayContaining([...flux, `${c}-flux-git`, `${c}-sops-age`]),
      );
      expect(dependsOn(sync, `${c}-talos-secrets`)).toBe(true);
    }
    // Every Kubernetes resource goes to the new cluster through its provider (the local
    // ConfigFile component has none of its own: its children inherit it).
    const kubernetes = of(c).filter(
      (r) => r.type.startsWith('kubernetes:') && r.type !== 'kubernetes:yaml:ConfigFile',
    );
    expect(kubernetes.length).toBeGreaterThan(flux.length);
    for (const r of kubernetes) expect([r.name, r.provider]).toEqual([r.name, c]);
  });

  it('bootstraps etcd once, on the first control-plane node only, and never re-runs it', async () => {
    const { BOOTSTRAP_SCRIPT } = await import('../../infra/talos/provision');
    const bootstraps = commands(cluster).filter((r) => r.inputs.create === BOOTSTRAP_SCRIPT);
    expect(bootstraps).toHaveLength(1);
    const [bootstrap] = bootstraps;
    const firstControlPlane = cluster === 'dev' ? '10.10.0.11' : '10.20.0.11';
    expect((bootstrap.inputs.environment as Record<string, string>).NODE).toBe(firstControlPlane);
    // Nothing re-runs it: not a script change, not a new talosconfig on stdin.
    expect(bootstrap.ignoreChanges).toEqual(
      expect.arrayContaining(['create', 'environment', 'stdin', 'interpreter', 'triggers']),
    );
    for (const input of Object.keys(bootstrap.inputs)) {
      expect(bootstrap.ignoreChanges).toContain(input);
    }
    expect(named(`${cluster}-kubeconfig`).inputs.environment).toMatchObject({
      NODE: firstControlPlane,
    });
  });

  it('generates the secrets bundle once: every input ignored, protected from delete and replace', () => {
    const secrets = named(`${cluster}-talos-secrets`);
    // Written out, not imported: every input of a local Command, each of which would re-run
    // `create` (or, `triggers`, replace it) and so regenerate the cluster's CAs.
    expect([...secrets.ignoreChanges].sort()).toEqual([
      'addPreviousOutputInEnv',
      'archivePaths',
      'assetPaths',
      'create',
      'delete',
      'dir',
      'environment',
      'interpreter',
      'logging',
      'stdin',
      'triggers',
      'update',
    ]);
    for (const input of Object.keys(secrets.inputs)) expect(secrets.ignoreChanges).toContain(input);
    expect(secrets.protect).toBe(true);
    expect(secrets.additionalSecretOutputs).toEqual(expect.arrayContaining(['stdout', 'stderr']));
    // Only the identity is protected: the rest is re-creatable from it.
    const protectedNames = of(cluster)
      .filter((r) => r.protect)
      .map((r) => r.name);
    expect(protectedNames).toEqual([`${cluster}-talos-secrets`]);
  });

  it('installs the Cilium release once, then leaves it to Flux', () => {
    const { ignoreChanges, inputs } = named(`${cluster}-cilium`);
    expect(ignoreChanges).toEqual(
      expect.arrayContaining(['chart', 'version', 'repositoryOpts', 'values', 'valueYamlFiles']),
    );
    // Every input the program sets, except the identity Flux adopts the release by (and
    // `compat`, a constant the SDK itself adds).
    const live = ['name', 'namespace', 'compat'];
    for (const input of Object.keys(inputs).filter((k) => !live.includes(k))) {
      expect(ignoreChanges).toContain(input);
    }
    expect(ignoreChanges).not.toContain('name');
    expect(ignoreChanges).not.toContain('namespace');
  });

  it('installs Flux from the release manifest of the catalog version', async () => {
    const { FLUX_DISTRIBUTION } = await import('../../constructs/platform/versions');
    expect(FLUX_DISTRIBUTION.installManifest).toBe(
      `https://github.com/fluxcd/flux2/releases/download/${FLUX_DISTRIBUTION.version}/install.yaml`,
    );
    expect(fetchedUrls).toContain(FLUX_DISTRIBUTION.installManifest);
    const component = named(`${cluster}-flux`);
    expect(component.type).toBe('kubernetes:yaml:ConfigFile');
    expect(component.dependsOn).toEqual([]);
  });

  it('applies the four core controllers of Flux, none of the optional ones', () => {
    const objects = fluxObjects(cluster);
    const deployments = fluxObjects(cluster)
      .filter((r) => r.type === 'kubernetes:apps/v1:Deployment')
      .map((r) => (r.inputs.metadata as { name: string }).name);
    expect(deployments.sort()).toEqual([...FLUX_FIXTURE_CONTROLLERS.core].sort());
    const components = fluxObjects(cluster).map(
      (r) =>
        (r.inputs.metadata as { labels?: Record<string, string> }).labels?.[
          'app.kubernetes.io/component'
        ],
    );
    for (const extra of FLUX_FIXTURE_CONTROLLERS.extra) expect(components).not.toContain(extra);
    // Control: the stand-in manifest has them, CRD included, and everything else is kept.
    const removed = FLUX_INSTALL_FIXTURE.filter((object) =>
      (FLUX_FIXTURE_CONTROLLERS.extra as readonly string[]).includes(
        (object.metadata as { labels: Record<string, string> }).labels[
          'app.kubernetes.io/component'
        ],
      ),
    );
    expect(removed.map((object) => object.kind).sort()).toEqual([
      'CustomResourceDefinition',
      'Deployment',
      'Deployment',
      'Deployment',
      'ServiceAccount',
      'ServiceAccount',
      'ServiceAccount',
    ]);
    expect(objects).toHaveLength(FLUX_INSTALL_FIXTURE.length - removed.length);
    expect(fluxDeployment(cluster, 'source-controller').inputs).toMatchObject({
      kind: 'Deployment',
      metadata: { name: 'source-controller', namespace: 'flux-system' },
    });
  });

  it('creates Flux’s objects once, then leaves them to Flux’s own Kustomization', () => {
    for (const object of fluxObjects(cluster)) {
      const { ignoreChanges, inputs, name } = object;
      // Every field but the identity: Flux applies the same objects from Git with its patches.
      for (const input of Object.keys(inputs)) {
        if (['apiVersion', 'kind', 'metadata'].includes(input)) continue;
        expect([name, ignoreChanges]).toEqual([name, expect.arrayContaining([input])]);
      }
      expect([name, ignoreChanges]).toEqual([
        name,
        expect.arrayContaining(['metadata.labels', 'metadata.annotations']),
      ]);
      for (const live of ['apiVersion', 'kind', 'metadata', 'metadata.name']) {
        expect(ignoreChanges).not.toContain(live);
      }
    }
    expect(fluxDeployment(cluster, 'source-controller').ignoreChanges).toContain('spec');
  });

  it('applies each node at its own IP, keyed by a hash of its own config inputs', () => {
    const stack = stacks[cluster];
    const hashes = stack.talos.nodes.map((entry) => entry.configHash);
    expect(new Set(hashes).size).toBe(nodes.length);
    for (const entry of stack.talos.nodes) {
      const apply = named(`${cluster}-apply-${entry.node.name}`);
      expect(apply.inputs.environment).toMatchObject({
        NODE: entry.node.ip,
        CONFIG_SHA256: entry.configHash,
      });
    }
  });

  it('marks every secret input and output secret, and never logs a command that carries one', async () => {
    const stack = stacks[cluster];
    // Every command's stdout is secret (bundle, configs, talosconfig, kubeconfig).
    const secretStdouts = commands(cluster).map((r) => fakeStdout(r.name));
    for (const r of commands(cluster)) {
      expect(r.inputs.logging).toBe('none');
      expect(r.inputs.addPreviousOutputInEnv).toBe(false);
      expect(r.additionalSecretOutputs).toEqual(expect.arrayContaining(['stdout', 'stderr']));
      if (r.inputs.stdin !== undefined) expect(isWireSecret(r.wire.stdin)).toBe(true);
      // Secrets travel on stdin only: the environment is inherited by every child process.
      const environment = JSON.stringify(r.inputs.environment);
      for (const secret of secretStdouts) expect(environment).not.toContain(secret);
      expect(isWireSecret(r.wire.environment)).toBe(false);
    }
    const { applyStdin } = await import('../../infra/talos/provision');
    const talosconfig = fakeStdout(`${cluster}-talosconfig`);
    for (const node of stack.talos.nodes) {
      expect(named(`${cluster}-apply-${node.node.name}`).inputs.stdin).toBe(
        applyStdin(talosconfig, fakeStdout(`${cluster}-config-${node.node.name}`)),
      );
    }
    for (const name of [`${cluster}-bootstrap`, `${cluster}-kubeconfig`]) {
      expect(named(name).inputs.stdin).toBe(talosconfig);
    }
    for (const secret of [`${cluster}-flux-git`, `${cluster}-sops-age`]) {
      const wire = named(secret).wire.stringData as Record<string, unknown>;
      const leaves = isWireSecret(wire) ? [wire] : Object.values(wire);
      expect(leaves.every(isWireSecret)).toBe(true);
    }
    expect(isWireSecret(named(cluster).wire.kubeconfig)).toBe(true);
    expect(await valueOf(stack.outputs.kubeconfig)).toBe(fakeStdout(`${cluster}-kubeconfig`));
    for (const output of [stack.outputs.kubeconfig, stack.outputs.talosconfig]) {
      const { isSecret } = await import('@pulumi/pulumi');
      expect(await isSecret(output)).toBe(true);
    }
  });

  it('puts no secret on any command line', () => {
    // What commands carry: their own and each other's stdout (the stack settings' secrets
    // never reach a command; they go to Kubernetes Secrets, tested below).
    const secrets = commands(cluster).map((r) => fakeStdout(r.name));
    // Control: the secrets do reach the commands, on stdin.
    expect(
      commands(cluster).some((r) => secrets.some((s) => String(r.inputs.stdin).includes(s))),
    ).toBe(true);
    for (const r of commands(cluster)) {
      const lines = [r.inputs.create, r.inputs.update, r.inputs.delete, r.inputs.interpreter]
        .filter((line) => line !== undefined)
        .map((line) => JSON.stringify(line));
      for (const line of lines) {
        for (const secret of secrets) expect(line).not.toContain(secret);
      }
      // Scripts are constants: everything variable arrives through stdin or the environment.
      expect(typeof r.inputs.create).toBe('string');
      expect(r.inputs.create as string).not.toMatch(/10\.\d+\.\d+\.\d+/);
    }
  });

  it('installs the Gateway API CRDs of the catalog tag once, then leaves them to Flux’s crds layer', async () => {
    const { GIT_VERSIONS } = await import('../../constructs/platform/versions');
    expect(fetchedUrls).toContain(
      `https://github.com/kubernetes-sigs/gateway-api/releases/download/${GIT_VERSIONS.gatewayApiCrds.tag}/standard-install.yaml`,
    );
    // One owner: Pulumi ignores all but each CRD's identity, and never deletes one (that would
    // delete every Gateway and HTTPRoute of the cluster).
    for (const crd of gatewayApiCrds(cluster)) {
      expect(crd.retainOnDelete).toBe(true);
      expect(crd.ignoreChanges).toEqual(
        expect.arrayContaining(['metadata.labels', 'metadata.annotations', 'spec']),
      );
    }
  });

  it('installs Cilium as Flux will find it: release cilium in kube-system, same chart and values', async () => {
    const { CHART_VERSIONS } = await import('../../constructs/platform/versions');
    const cilium = named(`${cluster}-cilium`).inputs;
    expect(cilium).toMatchObject({
      name: 'cilium',
      namespace: 'kube-system',
      chart: CHART_VERSIONS.cilium.chart,
      version: CHART_VERSIONS.cilium.version,
      repositoryOpts: { repo: CHART_VERSIONS.cilium.repository },
    });
    // The committed HelmRelease Flux applies, not a recomputation: what Flux adopts with.
    const committed = parse(
      fs.readFileSync(
        path.join(
          __dirname,
          '..',
          '..',
          'gitops',
          'platform',
          cluster,
          'controllers',
          'cilium',
          'helmrelease-cilium.yaml',
        ),
        'utf8',
      ),
    ) as { kind: string; spec: { releaseName: string; values: unknown } };
    expect(committed.kind).toBe('HelmRelease');
    expect(committed.spec.releaseName).toBe(cilium.name);
    expect(cilium.values).toEqual(committed.spec.values);
  });

  it('applies the same sync objects synth writes to flux-system/', async () => {
    const { fluxSyncObjects } = await import('../../infra/bootstrap');
    const { clusterForStack } = await import('../../infra/cluster');
    const applied = of(cluster)
      .filter((r) => r.type.includes('fluxcd.io'))
      .map((r) => r.inputs);
    expect(applied).toEqual(JSON.parse(JSON.stringify(fluxSyncObjects(clusterForStack(cluster)))));
    expect(named(`${cluster}-flux-git`).inputs.metadata).toEqual({
      name: 'flux-system',
      namespace: 'flux-system',
    });
    expect(named(`${cluster}-flux-git`).inputs.stringData).toEqual({
      identity: `${VALID_SETTINGS.gitSshKey}\n`,
      known_hosts: VALID_SETTINGS.gitKnownHosts,
    });
    expect(named(`${cluster}-sops-age`).inputs).toMatchObject({
      metadata: { name: 'sops-age', namespace: 'flux-system' },
      stringData: { 'age.agekey': VALID_SETTINGS.sopsAgeKey },
    });
  });

  it('exports the API endpoint and the Argo CD and Grafana URLs', () => {
    const { outputs } = stacks[cluster];
    expect(outputs).toMatchObject({
      clusterName: cluster,
      apiEndpoint: cluster === 'dev' ? 'https://10.10.0.10:6443' : 'https://10.20.0.10:6443',
      fluxPath: `./gitops/clusters/${cluster}`,
      argocdUrl: `https://argocd.${cluster}.platform.example.com`,
      grafanaUrl: `https://grafana.${cluster}.platform.example.com`,
    });
  });
});

describe('dev and prod differ where their clusters differ', () => {
  it('prod has three control planes behind the VIP and three workers; dev one node that also runs workloads', () => {
    const patches = (cluster: string) =>
      commands(cluster)
        .filter((r) => r.name.includes('-config-'))
        .map((r) => (r.inputs.environment as Record<string, string>).TALOS_PATCH);
    const vips = (cluster: string) =>
      patches(cluster).filter((patch) => patch.includes('kind: Layer2VIPConfig')).length;
    expect(vips('dev')).toBe(1);
    expect(vips('prod')).toBe(3);
    expect(patches('dev').every((p) => p.includes('allowSchedulingOnControlPlanes: true'))).toBe(
      true,
    );
    expect(patches('prod').every((p) => p.includes('allowSchedulingOnControlPlanes: false'))).toBe(
      true,
    );
    const machineTypes = (cluster: string) =>
      commands(cluster)
        .filter((r) => r.name.includes('-config-'))
        .map((r) => (r.inputs.environment as Record<string, string>).MACHINE_TYPE)
        .sort();
    expect(machineTypes('dev')).toEqual(['controlplane']);
    expect(machineTypes('prod')).toEqual([
      'controlplane',
      'controlplane',
      'controlplane',
      'worker',
      'worker',
      'worker',
    ]);
    const operatorReplicas = (cluster: string) =>
      (named(`${cluster}-cilium`).inputs.values as { operator: { replicas: number } }).operator
        .replicas;
    expect(operatorReplicas('dev')).toBe(1);
    expect(operatorReplicas('prod')).toBe(2);
  });
});

describe('the stack name', () => {
  it('refuses an unknown stack, listing the known clusters', async () => {
    const { defineStack } = await import('../../infra/program');
    expect(() => defineStack('staging', { config: configSource(VALID_SETTINGS) })).toThrow(
      "stack 'staging' name: matches no cluster in environments/; known clusters: dev, prod (run 'pulumi stack select <cluster>')",
    );
  });

  it('fails on bad stack config before declaring any resource', async () => {
    const { defineStack } = await import('../../infra/program');
    const before = registrations.length;
    expect(() => defineStack('dev', { config: configSource({}) })).toThrow(
      /sopsAgeKey: is required/,
    );
    expect(registrations).toHaveLength(before);
  });
});

describe('re-runs', () => {
  it('adding a node changes no other node, and neither the talosconfig, bootstrap nor kubeconfig', async () => {
    const { configHash } = await import('../../infra/talos/provision');
    const { nodePatch, patchYaml } = await import('../../infra/talos/patches');
    const { clusterForStack } = await import('../../infra/cluster');
    const prod = clusterForStack('prod');
    const grown = {
      ...prod,
      nodes: [...prod.nodes, { ...prod.nodes[5], name: 'prod-worker-4', ip: '10.20.0.24' }],
    };
    const hash = (cluster: typeof prod, index: number) =>
      configHash(cluster, patchYaml(nodePatch(cluster, cluster.nodes[index])));
    for (let index = 0; index < prod.nodes.length; index += 1) {
      expect(hash(grown, index)).toBe(hash(prod, index));
    }
    // Their inputs name no node list, so a new node leaves them as they are.
    // Exactly what its script reads: a Kubernetes bump leaves the talosconfig as it is.
    expect(Object.keys(named('prod-talosconfig').inputs.environment as object).sort()).toEqual([
      'CLUSTER_ENDPOINT',
      'CLUSTER_NAME',
      'TALOS_VERSION',
    ]);
    for (const name of ['prod-bootstrap', 'prod-kubeconfig']) {
      expect(Object.keys(named(name).inputs.environment as object)).toEqual(['NODE']);
    }
  });

  it('passes each Talos command only the environment variables its script reads', async () => {
    const provision = await import('../../infra/talos/provision');
    const scripts: Record<string, string> = {
      'prod-talos-secrets': provision.GEN_SECRETS_SCRIPT,
      'prod-talosconfig': provision.GEN_TALOSCONFIG_SCRIPT,
      'prod-config-prod-cp-1': provision.GEN_CONFIG_SCRIPT,
      'prod-apply-prod-cp-1': provision.APPLY_CONFIG_SCRIPT,
      'prod-bootstrap': provision.BOOTSTRAP_SCRIPT,
      'prod-kubeconfig': provision.KUBECONFIG_SCRIPT,
    };
    for (const [name, script] of Object.entries(scripts)) {
      const read = [...script.matchAll(/\$\{?([A-Z][A-Z0-9_]*)/g)].map((m) => m[1]);
      expect(Object.keys(named(name).inputs.environment as object).sort()).toEqual(
        [...new Set(read)].sort(),
      );
    }
  });

  it('exports a talosconfig pointed at the control planes, targeting the first', async () => {
    const { withEndpoints } = await import('../../infra/talos/provision');
    const generated = [
      'context: prod',
      'contexts:',
      '  prod:',
      '    endpoints: []',
      '    ca: Y2E=',
      '    crt: Y3J0',
      '    key: a2V5',
    ].join('\n');
    const { parse } = await import('yaml');
    expect(parse(withEndpoints(generated, ['10.20.0.11', '10.20.0.12'], '10.20.0.11'))).toEqual({
      context: 'prod',
      contexts: {
        prod: {
          endpoints: ['10.20.0.11', '10.20.0.12'],
          nodes: ['10.20.0.11'],
          ca: 'Y2E=',
          crt: 'Y3J0',
          key: 'a2V5',
        },
      },
    });
    expect(withEndpoints('not: [valid', [], '')).toBe('not: [valid');
  });
});
