// An air-gapped cluster: the test configuration puts dev behind a mirror, renders the whole
// cluster (charts included) and proves no object names a public host, and that the bundle holds
// exactly what the render shows the cluster pulls.
import { APPS } from '../../../apps';
import { mirrorHosts, urlHost } from '../../../constructs/config/mirror';
import { environmentsOf } from '../../../constructs/config/types';
import { fluxInstallUrl, gatewayApiCrdsUrl } from '../../../constructs/platform/bootstrap-sources';
import {
  bootstrapArtifacts,
  clusterBundle,
  componentArtifacts,
  formatBundle,
  talosImagesOf,
} from '../../../synth/cluster/bundle';
import { runClusterCommand } from '../../../synth/cluster/cli';
import { isRecord, type ClusterObject } from '../../../synth/cluster/objects';
import { formatProblem } from '../../../synth/cluster/problems';
import { checkMirror, ownHosts, pulledImages, pullReferences } from '../../../synth/cluster/pulls';
import {
  checkCluster,
  loadCluster,
  type ClusterUnderTest,
} from '../../../synth/cluster/whole-cluster';
import { REPO_ROOT } from '../../../synth/paths';
import { nodePatch, patchYaml } from '../../../infra/talos/patches';
import { buildCluster, renderTree } from '../../../synth/render';
import { configWithMirror, TEST_MIRROR } from '../../support/config';
import { referenceTree } from '../../support/tree';

const config = configWithMirror('dev');
const dev = config.clusters.find(({ name }) => name === 'dev')!;
let files: ReadonlyMap<string, string>;
let mirrored: ClusterUnderTest;
let publicDev: ClusterUnderTest;

beforeAll(async () => {
  files = renderTree(config, ['dev']).files;
  mirrored = await loadCluster({ root: REPO_ROOT, config, apps: APPS, cluster: 'dev', files });
  publicDev = await loadCluster({
    root: REPO_ROOT,
    config: configWithMirror('prod'),
    apps: APPS,
    cluster: 'dev',
    files: referenceTree().files,
  });
});

const own = (cluster: ClusterUnderTest) =>
  ownHosts(dev, environmentsOf(config, 'dev'), cluster.rendered.objects);

function specOf(entry: ClusterObject): Record<string, unknown> {
  return isRecord(entry.object.spec) ? entry.object.spec : {};
}

const ofKind = (cluster: ClusterUnderTest, kind: string) =>
  cluster.rendered.objects.filter(({ object }) => object.kind === kind);

/** Runs `npm run bundle` in-process on the mirrored configuration and a given tree. */
async function runBundle(
  argv: string[],
  tree: () => ReadonlyMap<string, string> = () => files,
): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await runClusterCommand('bundle', argv, {
    out: (text) => (out += text),
    err: (text) => (err += text),
    root: REPO_ROOT,
    cwd: REPO_ROOT,
    config: () => config,
    apps: APPS,
    synthesize: tree,
  });
  return { code, out, err };
}

describe('a cluster behind a mirror', () => {
  it('passes every whole-cluster check, the mirror check included', () => {
    expect(checkCluster(mirrored).map(formatProblem)).toEqual([]);
  });

  it('names no host outside the mirror in any URL of the GitOps tree it writes', () => {
    const allowed = new Set([...mirrorHosts(TEST_MIRROR), 'git.example.com']);
    const outside = new Set<string>();
    for (const [file, text] of files) {
      if (!file.startsWith('platform/dev/') && !file.startsWith('clusters/dev/')) continue;
      for (const match of text.matchAll(/\b(?:https?|oci):\/\/([a-z0-9.-]+)/g)) {
        const host = match[1];
        // In-cluster Services and the cluster's own domains.
        if (!host.includes('.') || /\.svc$|\.cluster\.local$|example\.com$/.test(host)) continue;
        if (!allowed.has(host)) outside.add(`${file}: ${match[0]}`);
      }
    }
    expect([...outside]).toEqual([]);
  });

  it('takes every chart, OCI artifact and Git repository from the mirror', () => {
    const urls = ['HelmRepository', 'OCIRepository', 'GitRepository'].flatMap((kind) =>
      ofKind(mirrored, kind)
        .filter(({ object }) => object.metadata?.name !== 'flux-system')
        .map((entry) => `${entry.object.kind} ${String(specOf(entry).url)}`),
    );
    expect(urls.length).toBeGreaterThan(10);
    for (const url of urls) {
      expect(url).toMatch(
        /^(OCIRepository oci:\/\/harbor\.corp\.example\.net\/(charts|ghcr)\/|GitRepository https:\/\/git\.corp\.example\.net\/mirror\/)/,
      );
    }
    const flux = ofKind(mirrored, 'OCIRepository').find(
      ({ object }) => object.metadata?.name === 'flux-manifests',
    )!;
    expect(specOf(flux).url).toBe('oci://harbor.corp.example.net/ghcr/fluxcd/flux-manifests');
  });

  it("downloads the Rollouts plugin and Argo CD's extension from the mirror, as the charts render them", () => {
    const downloads = pullReferences(mirrored.rendered.objects)
      .filter(({ kind, host }) => kind === 'url' && host === 'nexus.corp.example.net')
      .map(({ value, entry }) => `${entry.object.kind} ${value}`);
    expect(downloads).toEqual(
      expect.arrayContaining([
        'ConfigMap https://nexus.corp.example.net/repository/raw/github.com/argoproj-labs/rollouts-plugin-trafficrouter-gatewayapi/releases/download/v0.4.0/gatewayapi-plugin-linux-amd64',
        'Deployment https://nexus.corp.example.net/repository/raw/github.com/argoproj-labs/rollout-extension/releases/download/v0.3.7/extension.tar',
      ]),
    );
  });
});

describe('the mirror check', () => {
  it('reports every public URL and every unmirrored image of an unmirrored tree', () => {
    const problems = checkMirror(
      TEST_MIRROR,
      own(publicDev),
      pullReferences(publicDev.rendered.objects),
    );
    const lines = problems.map(formatProblem);
    expect(lines).toContain(
      "[mirror] HelmRepository kube-system/cilium (platform/dev/controllers/cilium/helmrepository-cilium.yaml): spec.url: 'https://helm.cilium.io' names 'helm.cilium.io', a host outside the mirror (git.corp.example.net, harbor.corp.example.net, nexus.corp.example.net, registry.example.com). Fix: take it from the mirror (constructs/config/mirror.ts has the helpers) or turn off what needs it",
    );
    expect(
      lines.some((line) =>
        line.startsWith(
          '[mirror] ConfigMap argo-rollouts/argo-rollouts-config (HelmRelease argo-rollouts/argo-rollouts',
        ),
      ),
    ).toBe(true);
    // Images keep their public names: the nodes pull them through the mirror, so only URLs fail.
    expect(problems.every(({ rule }) => !rule.startsWith('image'))).toBe(true);
  });

  it('names the object and field of an image whose registry the mirror does not list', () => {
    const registries = Object.fromEntries(
      Object.entries(TEST_MIRROR.registries).filter(([registry]) => registry !== 'reg.kyverno.io'),
    );
    const problems = checkMirror(
      { ...TEST_MIRROR, registries },
      own(mirrored),
      pullReferences(mirrored.rendered.objects),
    );
    expect(problems.length).toBeGreaterThan(0);
    expect(problems.map(formatProblem)).toContain(
      "[mirror] Deployment kyverno/kyverno-admission-controller (HelmRelease kyverno/kyverno: kyverno/templates/admission-controller/deployment.yaml): spec.template.spec.containers[kyverno].image: image 'reg.kyverno.io/kyverno/kyverno:v1.19.0' is from registry 'reg.kyverno.io', which cluster.mirror.registries does not list. Fix: add 'reg.kyverno.io' and its mirror location to mirror.registries",
    );
    expect(new Set(problems.map(({ rule }) => /registry '([^']+)'/.exec(rule)?.[1]))).toEqual(
      new Set(['reg.kyverno.io']),
    );
  });

  it('finds images operators are told about in flags and ConfigMaps, not only containers', () => {
    const images = pulledImages(pullReferences(mirrored.rendered.objects));
    expect(images).toEqual(
      expect.arrayContaining([
        'quay.io/prometheus-operator/prometheus-config-reloader:v0.93.0',
        'quay.io/cephcsi/cephcsi:v3.17.0',
        'quay.io/prometheus/prometheus:v3.13.2-distroless',
      ]),
    );
  });
});

describe('the bundle', () => {
  let bundle: ReturnType<typeof clusterBundle>;
  beforeAll(() => {
    bundle = clusterBundle(dev, pulledImages(pullReferences(mirrored.rendered.objects)), [
      ...componentArtifacts(buildCluster(config, 'dev')),
      ...bootstrapArtifacts(dev.mirror),
    ]);
  });
  const targets = (kind: string) =>
    bundle
      .filter((entry) => entry.kind === kind)
      .map((entry) => [entry.target, entry.chart, entry.version].filter(Boolean).join(' '))
      .sort();

  it("holds exactly the images the render pulls and Talos's own, each at its mirror location", () => {
    const internal = (image: string) => image.startsWith('registry.example.com/');
    const expected = [
      ...pulledImages(pullReferences(mirrored.rendered.objects)).filter((i) => !internal(i)),
      ...talosImagesOf(dev),
    ];
    const images = bundle.filter(({ kind }) => kind === 'image');
    expect(images.map(({ origin }) => origin).sort()).toEqual([...new Set(expected)].sort());
    expect(images).toContainEqual({
      kind: 'image',
      origin: 'docker.io/grafana/loki:3.4.2',
      target: 'harbor.corp.example.net/dockerhub/grafana/loki:3.4.2',
    });
    expect(images).toContainEqual({
      kind: 'image',
      origin: 'kiwigrid/k8s-sidecar:1.30.2',
      target: 'harbor.corp.example.net/dockerhub/kiwigrid/k8s-sidecar:1.30.2',
    });
    expect(talosImagesOf(dev)).toEqual([
      'ghcr.io/siderolabs/installer:v1.13.9',
      'ghcr.io/siderolabs/kubelet:v1.36.3',
      'registry.k8s.io/coredns/coredns:v1.14.6',
      'registry.k8s.io/etcd:v3.6.12',
      'registry.k8s.io/kube-apiserver:v1.36.3',
      'registry.k8s.io/kube-controller-manager:v1.36.3',
      'registry.k8s.io/kube-scheduler:v1.36.3',
      'registry.k8s.io/pause:3.10.1',
    ]);
  });

  it('holds every image the Talos patches of every node name', () => {
    const named = dev.nodes.flatMap((node) =>
      [...patchYaml(nodePatch(dev, node)).matchAll(/image: (\S+)/g)].map((match) => match[1]),
    );
    expect(named.length).toBeGreaterThan(0);
    for (const image of named) expect(talosImagesOf(dev)).toContain(image);
  });

  it("holds exactly the charts the cluster's HelmReleases install, where their sources point", () => {
    const sources = new Map(
      [...ofKind(mirrored, 'HelmRepository'), ...ofKind(mirrored, 'OCIRepository')].map((entry) => [
        `${entry.object.kind}/${entry.namespace}/${entry.object.metadata?.name}`,
        entry,
      ]),
    );
    const rendered = ofKind(mirrored, 'HelmRelease').map((release) => {
      const spec = specOf(release);
      const ref = spec.chartRef as { kind: string; name: string } | undefined;
      if (ref) {
        const source = specOf(sources.get(`${ref.kind}/${release.namespace}/${ref.name}`)!);
        const url = String(source.url);
        const chart = url.slice(url.lastIndexOf('/') + 1);
        return `${url.slice(0, url.lastIndexOf('/'))} ${chart} ${(source.ref as { tag: string }).tag}`;
      }
      const chart = (
        spec.chart as { spec: { chart: string; version: string; sourceRef: { name: string } } }
      ).spec;
      const source = specOf(
        sources.get(`HelmRepository/${release.namespace}/${chart.sourceRef.name}`)!,
      );
      return `${String(source.url)} ${chart.chart} ${chart.version}`;
    });
    expect(targets('chart')).toEqual([...new Set(rendered)].sort());
  });

  it('holds exactly the OCI artifacts and Git tags Flux fetches, and the files pods and Pulumi download', () => {
    const chartSources = new Set(
      ofKind(mirrored, 'HelmRelease').map(
        (release) => (specOf(release).chartRef as { name?: string } | undefined)?.name,
      ),
    );
    expect(targets('oci')).toEqual(
      ofKind(mirrored, 'OCIRepository')
        .filter(({ object }) => !chartSources.has(object.metadata?.name))
        .map(
          (entry) => `${String(specOf(entry).url)} ${(specOf(entry).ref as { tag: string }).tag}`,
        )
        .sort(),
    );
    expect(targets('git')).toEqual(
      ofKind(mirrored, 'GitRepository')
        .filter(({ object }) => object.metadata?.name !== 'flux-system')
        .map(
          (entry) => `${String(specOf(entry).url)} ${(specOf(entry).ref as { tag: string }).tag}`,
        )
        .sort(),
    );
    const downloadHost = urlHost(TEST_MIRROR.downloads);
    const downloaded = pullReferences(mirrored.rendered.objects)
      .filter(({ kind, host }) => kind === 'url' && host === downloadHost)
      .map(({ value }) => value);
    expect(targets('download')).toEqual(
      [
        ...new Set([...downloaded, gatewayApiCrdsUrl(dev.mirror), fluxInstallUrl(dev.mirror)]),
      ].sort(),
    );
  });

  it('prints one tab-separated line per artifact through npm run bundle', async () => {
    const { code, out, err } = await runBundle(['--cluster', 'dev']);
    expect([code, err]).toEqual([0, '']);
    expect(out).toBe(formatBundle('dev', bundle));
    expect(out).toContain(
      'chart\thttps://helm.cilium.io\tcilium\t1.19.4\toci://harbor.corp.example.net/charts\n',
    );
    expect(out).toContain(
      'git\thttps://github.com/kubernetes-sigs/gateway-api\tv1.4.1\thttps://git.corp.example.net/mirror/kubernetes-sigs/gateway-api\n',
    );
  });

  it('writes nothing for a mirrored cluster that still pulls from outside its mirror', async () => {
    // The tree of the unmirrored configuration: its Flux sources name the public hosts.
    const { code, out, err } = await runBundle(['--cluster', 'dev'], () => referenceTree().files);
    expect([code, out]).toEqual([1, '']);
    expect(err.split('\n')[0]).toMatch(
      /^bundle: cluster 'dev' still pulls from outside its mirror \(\d+ problems\); nothing written:$/,
    );
    expect(err).toContain('  [mirror] HelmRepository kube-system/cilium');
  });

  it('refuses to run without exactly one cluster', async () => {
    const { code, err } = await runBundle([]);
    expect(code).toBe(2);
    expect(err.split('\n')[0]).toBe('bundle: --cluster NAME: name exactly one cluster');
  });
});
