// Pulumi mocks that also record what the engine would see: each registration's inputs (with
// secrets still marked), its dependencies, provider and options. MockResourceArgs carries none
// of that, so the mock monitor's registerResource is wrapped to read the raw request.
import * as pulumi from '@pulumi/pulumi';
import { parseAllDocuments, stringify } from 'yaml';
import type { ClusterStack } from '../../infra/program';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { FLUX_DISTRIBUTION, GIT_VERSIONS } from '../../constructs/platform/versions';
import { OFFLINE_GIT_MANIFESTS } from '../../synth/cluster/git-sources';
import { fluxInstallUrl, gatewayApiCrdsUrl } from '../../infra/bootstrap';
import { TEST_MIRROR } from '../support/config';
import { crdsDir } from '../../synth/cluster/crds';
import { REPO_ROOT } from '../../synth/paths';
import type { ConfigSource } from '../../infra/stack-config';

/** Pulumi's wire marker of a secret value. */
const SECRET_SIG = '1b47061264138c4ac30d75fd1eb44270';
const SIG_KEY = '4dabf18193072939515e22adb298388d';

/** One resource registration as the engine would receive it. */
export interface Registration {
  /** Resource type token, e.g. `command:local:Command`. */
  readonly type: string;
  /** Logical name. */
  readonly name: string;
  /** Inputs with secrets unwrapped. */
  readonly inputs: Record<string, unknown>;
  /** Inputs as sent: secret values wrapped in `{ [SIG_KEY]: SECRET_SIG, value }`. */
  readonly wire: Record<string, unknown>;
  /** Names of the resources it depends on (explicit dependsOn and inputs' resources). */
  readonly dependsOn: readonly string[];
  /** Name of its explicit provider, if any. */
  readonly provider: string | undefined;
  /** Name of its parent, if any (the stack itself counts as none). */
  readonly parent: string | undefined;
  /** additionalSecretOutputs. */
  readonly additionalSecretOutputs: readonly string[];
  /** ignoreChanges. */
  readonly ignoreChanges: readonly string[];
  /** protect (`false` when not set). */
  readonly protect: boolean;
  /** retainOnDelete (`false` when not set). */
  readonly retainOnDelete: boolean;
}

/** Whether a wire value is a secret. */
export function isWireSecret(value: unknown): boolean {
  return (
    typeof value === 'object' &&
    value !== null &&
    (value as Record<string, unknown>)[SIG_KEY] === SECRET_SIG
  );
}

/** Strips secret wrappers from a wire value. */
export function unwrap(value: unknown): unknown {
  if (isWireSecret(value)) return unwrap((value as { value: unknown }).value);
  if (Array.isArray(value)) return value.map(unwrap);
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, unwrap(v)]));
  }
  return value;
}

/** What a mocked command prints: recognisable, so tests can look for it elsewhere. */
export function fakeStdout(name: string): string {
  return `stdout-of-${name}`;
}

const nameOfUrn = (urn: string): string => urn.split('::').pop() ?? urn;

interface RawRequest {
  getType(): string;
  getName(): string;
  getObject(): { toJavaScript(): Record<string, unknown> } | undefined;
  getDependenciesList(): string[];
  getProvider(): string;
  getParent(): string;
  getAdditionalsecretoutputsList(): string[];
  getIgnorechangesList(): string[];
  getProtect(): boolean | undefined;
  getRetainondelete(): boolean | undefined;
}
interface Monitor {
  registerResource(request: RawRequest, callback: (...args: unknown[]) => void): void;
}

const fluxObject = (kind: string, name: string, component?: string, namespaced = true) => ({
  apiVersion: kind === 'Deployment' ? 'apps/v1' : 'v1',
  kind,
  metadata: {
    name,
    ...(namespaced ? { namespace: 'flux-system' } : {}),
    labels: {
      'app.kubernetes.io/part-of': 'flux',
      ...(component ? { 'app.kubernetes.io/component': component } : {}),
    },
  },
  ...(kind === 'Deployment' ? { spec: { template: { spec: { containers: [] } } } } : {}),
});

const fluxCrd = (name: string, component: string) => ({
  ...fluxObject('CustomResourceDefinition', name, component, false),
  apiVersion: 'apiextensions.k8s.io/v1',
  spec: { group: name.split('.').slice(1).join('.') },
});

/** Controllers of the stand-in install manifest: the four Flux always runs, then the optional. */
export const FLUX_FIXTURE_CONTROLLERS = {
  core: ['source-controller', 'kustomize-controller', 'helm-controller', 'notification-controller'],
  extra: ['image-reflector-controller', 'image-automation-controller', 'source-watcher'],
} as const;

/**
 * A stand-in for Flux's install.yaml (no network in tests): its shape, not its content. Every
 * controller has a ServiceAccount and a Deployment labelled with its name; a CRD of a core and
 * of an optional controller; a namespace and a ClusterRole no controller label marks.
 */
export const FLUX_INSTALL_FIXTURE: readonly Record<string, unknown>[] = [
  fluxObject('Namespace', 'flux-system', undefined, false),
  fluxCrd('gitrepositories.source.toolkit.fluxcd.io', 'source-controller'),
  fluxCrd('imagepolicies.image.toolkit.fluxcd.io', 'image-reflector-controller'),
  ...[...FLUX_FIXTURE_CONTROLLERS.core, ...FLUX_FIXTURE_CONTROLLERS.extra].flatMap((name) => [
    fluxObject('ServiceAccount', name, name),
    fluxObject('Deployment', name, name),
  ]),
  {
    ...fluxObject('ClusterRole', 'crd-controller-flux-system', undefined, false),
    apiVersion: 'rbac.authorization.k8s.io/v1',
    rules: [],
  },
];

/** The URLs the program fetched (the v1 ConfigFile reads its manifest in the program). */
export const fetchedUrls: string[] = [];

/**
 * The Gateway API release manifest of the pinned tag, from the offline CRD mirror (the same
 * CRD files the release's standard-install.yaml holds).
 */
export function gatewayApiManifest(): string {
  const { repository, tag } = GIT_VERSIONS.gatewayApiCrds;
  const offline = OFFLINE_GIT_MANIFESTS.find(
    (entry) => entry.repository === repository && entry.tag === tag,
  );
  if (!offline)
    throw new Error(`no offline copy of ${repository} ${tag} in synth/cluster/git-sources.ts`);
  const folder = path.join(crdsDir(REPO_ROOT), offline.crdsFolder);
  return fs
    .readdirSync(folder)
    .filter((file) => file.endsWith('.yaml'))
    .sort()
    .map((file) => fs.readFileSync(path.join(folder, file), 'utf8'))
    .join('\n---\n');
}

/** Serves the stand-in install manifests at their release URLs; any other URL fails. */
function mockFetch(): void {
  jest.spyOn(globalThis, 'fetch').mockImplementation((input) => {
    const url = input instanceof Request ? input.url : String(input);
    fetchedUrls.push(url);
    // The public release URLs, and their place on the test mirror (a mirrored stack's).
    if (url === gatewayApiCrdsUrl() || url === gatewayApiCrdsUrl(TEST_MIRROR)) {
      return Promise.resolve(new Response(gatewayApiManifest()));
    }
    if (url !== FLUX_DISTRIBUTION.installManifest && url !== fluxInstallUrl(TEST_MIRROR)) {
      return Promise.resolve(new Response('', { status: 404, statusText: 'Not Found' }));
    }
    const text = FLUX_INSTALL_FIXTURE.map((object) => stringify(object)).join('---\n');
    return Promise.resolve(new Response(text));
  });
}

/** The provider's `kubernetes:yaml:decode`: the objects of a YAML stream. */
function decodeYaml(text: string): { result: unknown[] } {
  return { result: parseAllDocuments(text).map((document) => document.toJS() as unknown) };
}

/** Installs mocks (preview off: commands "ran") and returns the list registrations land in. */
export async function installMocks(stack = 'dev'): Promise<Registration[]> {
  const registrations: Registration[] = [];
  await pulumi.runtime.setMocks(
    {
      newResource: (args) => ({
        id: `${args.name}-id`,
        state:
          args.type === 'command:local:Command'
            ? { ...args.inputs, stdout: fakeStdout(args.name), stderr: '' }
            : args.inputs,
      }),
      call: (args) =>
        args.token === 'kubernetes:yaml:decode'
          ? decodeYaml(String(args.inputs.text))
          : args.inputs,
    },
    'nextgen-gitops',
    stack,
    false,
  );
  mockFetch();
  const monitor = pulumi.runtime.getMonitor() as unknown as Monitor;
  const register = monitor.registerResource.bind(monitor);
  monitor.registerResource = (request, callback) => {
    const wire = request.getObject()?.toJavaScript() ?? {};
    const provider = request.getProvider();
    const parent = request.getParent();
    registrations.push({
      type: request.getType(),
      name: request.getName(),
      inputs: unwrap(wire) as Record<string, unknown>,
      wire,
      dependsOn: request.getDependenciesList().map(nameOfUrn),
      provider: provider ? nameOfUrn(provider.split('::').slice(0, -1).join('::')) : undefined,
      parent: parent && !parent.includes('pulumi:pulumi:Stack') ? nameOfUrn(parent) : undefined,
      additionalSecretOutputs: request.getAdditionalsecretoutputsList(),
      ignoreChanges: request.getIgnorechangesList(),
      protect: request.getProtect() ?? false,
      retainOnDelete: request.getRetainondelete() ?? false,
    });
    register(request, callback);
  };
  return registrations;
}

/** Resolves an output (preview is off, so every output resolves). */
export function valueOf<T>(output: pulumi.Output<T>): Promise<T> {
  return new Promise((resolve) => output.apply(resolve));
}

/** Waits until every resource of a list is registered. */
export async function registered(resources: readonly pulumi.Resource[]): Promise<void> {
  await Promise.all(resources.map((resource) => valueOf(resource.urn)));
}

/** Valid stack settings for a cluster whose repository is an ssh:// URL. */
export const VALID_SETTINGS: Readonly<Record<string, string>> = {
  sopsAgeKey: `AGE-SECRET-KEY-1${'Q'.repeat(58)}`,
  gitSshKey: [
    '-----BEGIN OPENSSH PRIVATE KEY-----',
    'b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW',
    '-----END OPENSSH PRIVATE KEY-----',
  ].join('\n'),
  gitKnownHosts:
    'git.example.com ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl',
  vipLink: 'enp1s0',
};

/** Keys stored as secrets in {@link VALID_SETTINGS}. */
export const SECRET_KEYS = ['sopsAgeKey', 'gitSshKey', 'gitPassword'];

/** A config source over a map, as `pulumi config set [--secret]` would leave it. */
export function configSource(
  values: Readonly<Record<string, string>>,
  secretKeys: readonly string[] = SECRET_KEYS,
): ConfigSource {
  return {
    value: (key) => values[key],
    isSecret: (key) => secretKeys.includes(key),
  };
}

/** Every resource a stack declares, in the order the program builds them. */
export async function stackResources(stack: ClusterStack): Promise<pulumi.Resource[]> {
  const fluxObjects = await valueOf(stack.flux.controllerObjects);
  const gatewayCrds = await valueOf(stack.gatewayApiCrds.crds);
  return [
    stack.talos.secrets,
    stack.talos.talosconfigCommand,
    ...stack.talos.nodes.flatMap((node) => [node.config, node.apply]),
    stack.talos.bootstrap,
    stack.talos.kubeconfigCommand,
    stack.provider,
    stack.gatewayApiCrds.manifest,
    ...gatewayCrds,
    stack.cilium,
    stack.flux.controllers,
    ...fluxObjects,
    stack.flux.gitSecret,
    stack.flux.sopsSecret,
    ...stack.flux.syncObjects,
  ];
}
