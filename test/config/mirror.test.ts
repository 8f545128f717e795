// The mirror setting (#16): what a bad one gets, one line per field, and where each public
// source lands on a good one.
import { ConfigError } from '../../constructs/errors';
import {
  chartSource,
  downloadSource,
  gitSource,
  imageRegistry,
  mirroredImage,
  mirrorHosts,
  ociSource,
  type MirrorConfig,
} from '../../constructs/config/mirror';
import { assertConfigShape } from '../../constructs/config/known-keys';
import { validateConfig } from '../../constructs/config/validate';
import type { ClusterConfig } from '../../constructs/config/types';
import { ENVIRONMENTS } from '../../environments';
import { devCluster } from '../../environments/clusters/dev';
import { prodCluster } from '../../environments/clusters/prod';
import { configWithMirror, TEST_MIRROR } from '../support/config';
import { renderTree } from '../../synth/render';

function problemsOf(mirror: unknown): string[] {
  const clusters = [{ ...devCluster, mirror } as ClusterConfig, prodCluster];
  try {
    assertConfigShape({ clusters, environments: ENVIRONMENTS });
    validateConfig(clusters, ENVIRONMENTS);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).problems.map((p) => `${p.subject} ${p.field}: ${p.message}`);
  }
  throw new Error('expected the mirror to be refused');
}

describe('a bad mirror', () => {
  it('accepts the test mirror', () => {
    expect(() =>
      validateConfig([{ ...devCluster, mirror: TEST_MIRROR }, prodCluster], ENVIRONMENTS),
    ).not.toThrow();
  });

  it('refuses registry keys and locations containerd could not use', () => {
    expect(
      problemsOf({
        ...TEST_MIRROR,
        registries: {
          ...TEST_MIRROR.registries,
          'https://ghcr.io': 'harbor.example.com/ghcr',
          'quay.io': 'https://harbor.example.com/quay',
          'docker.io': 'docker.io',
        },
      }),
    ).toEqual([
      "cluster 'dev' mirror.registries.docker.io: mirrors 'docker.io' to itself; list only registries the cluster must not reach",
      "cluster 'dev' mirror.registries.quay.io: must be a mirror location 'host[:port][/path]' without a scheme (e.g. 'harbor.example.com/ghcr'), got 'https://harbor.example.com/quay'",
      "cluster 'dev' mirror.registries.https://ghcr.io: the key must be a registry host as images name it ('docker.io', 'ghcr.io', 'registry.example.com:5000'), got 'https://ghcr.io'",
    ]);
    expect(problemsOf({ ...TEST_MIRROR, registries: {} })[0]).toBe(
      "cluster 'dev' mirror.registries: must list at least one public registry and its mirror location (e.g. { 'ghcr.io': 'harbor.example.com/ghcr' })",
    );
  });

  it('refuses base URLs of the wrong scheme, with credentials or without a host', () => {
    expect(
      problemsOf({
        ...TEST_MIRROR,
        charts: 'http://charts.example.com',
        git: 'https://user:token@git.example.com/mirror',
        downloads: 'nexus.example.com/raw',
      }),
    ).toEqual([
      "cluster 'dev' mirror.charts: must be a oci:// or https:// URL with a host and no credentials, query or fragment (e.g. 'oci://mirror.example.com/charts'), got 'http://charts.example.com'",
      "cluster 'dev' mirror.git: must be a https:// URL with a host and no credentials, query or fragment (e.g. 'https://mirror.example.com/git'), got 'https://user:token@git.example.com/mirror'",
      "cluster 'dev' mirror.downloads: must be a https:// URL with a host and no credentials, query or fragment (e.g. 'https://mirror.example.com/downloads'), got 'nexus.example.com/raw'",
    ]);
  });

  it('refuses a mirror without NTP servers, and a server with a port', () => {
    expect(problemsOf({ ...TEST_MIRROR, timeServers: [] })).toEqual([
      "cluster 'dev' mirror.timeServers: must list at least one NTP server the nodes reach (Talos's default, time.cloudflare.com, is on the internet and a node waits for its first time sync before it boots)",
    ]);
    expect(problemsOf({ ...TEST_MIRROR, timeServers: ['ntp.corp.example.net:123'] })).toEqual([
      "cluster 'dev' mirror.timeServers[0]: must be a host name or IPv4 address without a port, got 'ntp.corp.example.net:123'",
    ]);
  });

  it("refuses a mirror without Talos's own registries, or a Talos release whose default images are unknown", () => {
    const registries = Object.fromEntries(
      Object.entries(TEST_MIRROR.registries).filter(([registry]) => registry !== 'registry.k8s.io'),
    );
    expect(problemsOf({ ...TEST_MIRROR, registries })).toEqual([
      "cluster 'dev' mirror.registries: has no location for 'registry.k8s.io', where Talos pulls registry.k8s.io/coredns/coredns:v1.14.6, registry.k8s.io/etcd:v3.6.12, registry.k8s.io/kube-apiserver:v1.36.3, registry.k8s.io/kube-controller-manager:v1.36.3, registry.k8s.io/kube-scheduler:v1.36.3, registry.k8s.io/pause:3.10.1 from; add 'registry.k8s.io' to it",
    ]);
    const older = [{ ...devCluster, talosVersion: 'v1.13.8', mirror: TEST_MIRROR }, prodCluster];
    expect(() => validateConfig(older, ENVIRONMENTS)).toThrow(
      "cluster 'dev' talosVersion: Talos v1.13.8 has no row in TALOS_DEFAULT_IMAGES (constructs/config/talos-support.ts), so a mirror cannot be told which etcd, CoreDNS and pause images to hold; add the release's defaults there (its pkg/machinery/constants and pkg/images/list.go)",
    );
    // Without a mirror the table is not needed.
    expect(() =>
      validateConfig([{ ...devCluster, talosVersion: 'v1.13.8' }, prodCluster], ENVIRONMENTS),
    ).not.toThrow();
  });

  it('refuses a CA that is not PEM and an internal host without a domain', () => {
    expect(
      problemsOf({ ...TEST_MIRROR, caCertificate: 'MIIB...', internalHosts: ['registry'] }),
    ).toEqual([
      "cluster 'dev' mirror.internalHosts[0]: must be a host name with its domain, and an optional port ('registry.example.com', 'git.example.com:8443'), got 'registry'",
      "cluster 'dev' mirror.caCertificate: must be PEM certificate(s) (-----BEGIN CERTIFICATE----- ... -----END CERTIFICATE-----)",
    ]);
  });

  it('refuses an unknown key in one line, suggesting the known one it misspells', () => {
    const { registries, ...rest } = TEST_MIRROR;
    expect(problemsOf({ ...rest, registires: registries })).toEqual([
      "cluster 'dev' mirror.registires: unknown field; known fields: registries, charts, git, downloads, timeServers, internalHosts, caCertificate, registryCredentials; did you mean 'registries'?",
    ]);
  });

  it('fails synth naming the registry Flux fetches its own manifests from when the mirror lacks it', () => {
    const registries = Object.fromEntries(
      Object.entries(TEST_MIRROR.registries).filter(([registry]) => registry !== 'ghcr.io'),
    );
    expect(() =>
      renderTree(configWithMirror('dev', { ...TEST_MIRROR, registries }), ['dev']),
    ).toThrow(
      "cluster 'dev' mirror.registries: has no location for 'ghcr.io', where Flux's own manifests comes from (oci://ghcr.io/fluxcd/flux-manifests); add 'ghcr.io' to it",
    );
  });
});

describe('where a mirrored cluster pulls each public source from', () => {
  const mirror: MirrorConfig = TEST_MIRROR;

  it('images: the same repository path under the registry mirror location, Docker Hub names made whole', () => {
    expect(imageRegistry('kiwigrid/k8s-sidecar:1.30.2')).toBe('docker.io');
    expect(imageRegistry('nginx:1.27')).toBe('docker.io');
    expect(imageRegistry('localhost:5000/app:1')).toBe('localhost:5000');
    expect(mirroredImage(mirror, 'nginx:1.27')).toBe(
      'harbor.corp.example.net/dockerhub/library/nginx:1.27',
    );
    expect(mirroredImage(mirror, 'docker.io/grafana/loki:3.4.2')).toBe(
      'harbor.corp.example.net/dockerhub/grafana/loki:3.4.2',
    );
    expect(mirroredImage(mirror, 'quay.io/cilium/cilium:v1.19.4@sha256:ab')).toBe(
      'harbor.corp.example.net/quay/cilium/cilium:v1.19.4@sha256:ab',
    );
    expect(mirroredImage(mirror, 'gcr.io/x/y:1')).toBeUndefined();
  });

  it('charts, OCI artifacts, Git repositories and downloads', () => {
    expect(
      chartSource(mirror, {
        chart: 'cilium',
        repository: 'https://helm.cilium.io',
        version: '1.19.4',
      }),
    ).toEqual({
      chart: 'cilium',
      repository: 'oci://harbor.corp.example.net/charts',
      version: '1.19.4',
    });
    expect(ociSource(mirror, 'oci://ghcr.io/fluxcd/flux-manifests')).toBe(
      'oci://harbor.corp.example.net/ghcr/fluxcd/flux-manifests',
    );
    expect(gitSource(mirror, 'https://github.com/rook/rook')).toBe(
      'https://git.corp.example.net/mirror/rook/rook',
    );
    expect(
      downloadSource(
        { ...mirror, downloads: 'https://nexus.corp.example.net/raw/' },
        'https://github.com/a/b/c.tar',
      ),
    ).toBe('https://nexus.corp.example.net/raw/github.com/a/b/c.tar');
    expect(mirrorHosts(mirror)).toEqual([
      'git.corp.example.net',
      'harbor.corp.example.net',
      'nexus.corp.example.net',
      'registry.example.com',
    ]);
  });

  it('without a mirror: every public source as it is', () => {
    const chart = { chart: 'cilium', repository: 'https://helm.cilium.io', version: '1.19.4' };
    expect(chartSource(undefined, chart)).toBe(chart);
    expect(ociSource(undefined, 'oci://ghcr.io/x')).toBe('oci://ghcr.io/x');
    expect(gitSource(undefined, 'https://github.com/rook/rook')).toBe(
      'https://github.com/rook/rook',
    );
    expect(downloadSource(undefined, 'https://github.com/a')).toBe('https://github.com/a');
  });
});
