// The whole-cluster checks on the reference clusters, rendered with the real charts from the
// chart cache (`npm test` fills it first: see package.json `pretest`). A missing cache fails
// here with the command that fills it; nothing is skipped.
import { parse, stringify } from 'yaml';
import { APPS } from '../../../apps';
import { loadConfig } from '../../../environments';
import {
  checkCluster,
  loadCluster,
  type ClusterUnderTest,
} from '../../../synth/cluster/whole-cluster';
import { formatProblem, type ClusterProblem } from '../../../synth/cluster/problems';
import { REPO_ROOT } from '../../../synth/paths';
import { referenceTree, type Loose } from '../../support/tree';

const config = loadConfig();
const clusters = new Map<string, ClusterUnderTest>();

async function clusterOf(name: string, files = referenceTree().files): Promise<ClusterUnderTest> {
  return loadCluster({ root: REPO_ROOT, config, apps: APPS, cluster: name, files });
}

/** The reference tree with one file's object changed (or the file removed). */
function editedTree(file: string, edit: ((object: Loose) => void) | 'remove'): Map<string, string> {
  const files = new Map(referenceTree().files);
  const content = files.get(file);
  if (content === undefined) throw new Error(`no file ${file} in the reference tree`);
  if (edit === 'remove') files.delete(file);
  else {
    const object = parse(content) as Loose;
    edit(object);
    files.set(file, stringify(object));
  }
  return files;
}

const lines = (problems: readonly ClusterProblem[]): string[] => problems.map(formatProblem);

beforeAll(async () => {
  for (const { name } of config.clusters) clusters.set(name, await clusterOf(name));
});

describe.each(config.clusters.map(({ name }) => name))('cluster %s', (name) => {
  it('passes every whole-cluster check', () => {
    expect(lines(checkCluster(clusters.get(name)!))).toEqual([]);
  });

  it('renders every HelmRelease of the cluster with its chart', () => {
    const { rendered } = clusters.get(name)!;
    const written = rendered.written.filter(({ object }) => object.kind === 'HelmRelease');
    expect(rendered.releases.map(({ id }) => `${id.namespace}/${id.name}`).sort()).toEqual(
      written.map(({ object }) => `${object.metadata?.namespace}/${object.metadata?.name}`).sort(),
    );
    for (const release of rendered.releases) expect(release.objects.length).toBeGreaterThan(0);
  });

  it("holds what the charts make of our values: Rook's CSI operator and drivers, Grafana's admin Secret", () => {
    const names = new Set(
      clusters
        .get(name)!
        .rendered.objects.map(
          ({ object, namespace }) => `${object.kind} ${namespace}/${object.metadata?.name}`,
        ),
    );
    expect(names).toContain('Deployment rook-ceph/ceph-csi-controller-manager');
    expect(names).toContain('Driver rook-ceph/rook-ceph.rbd.csi.ceph.com');
    // Grafana's admin login: the encrypted Secret synth placed beside the monitoring namespace.
    expect(names).toContain('Secret monitoring/grafana-admin');
  });
});

describe.each(config.clusters.map(({ name }) => name))('RBAC the cluster holds, %s', (name) => {
  it("lets Argo Rollouts change only its plugin's ConfigMap, not every ConfigMap (Argo CD's RBAC among them)", () => {
    const objects = clusters.get(name)!.rendered.objects.map(({ object }) => object as Loose);
    const subject = (binding: Loose) =>
      (binding.subjects ?? []).some(
        (s: Loose) =>
          s.kind === 'ServiceAccount' &&
          s.name === 'argo-rollouts' &&
          s.namespace === 'argo-rollouts',
      );
    const roles = new Set(
      objects
        .filter((o) => o.kind === 'ClusterRoleBinding' && subject(o))
        .map((binding) => binding.roleRef.name as string),
    );
    const writes = objects
      .filter((o) => o.kind === 'ClusterRole' && roles.has(o.metadata.name))
      .flatMap((role) => (role.rules ?? []) as Loose[])
      .filter(
        (rule) =>
          (rule.resources ?? []).includes('configmaps') &&
          (rule.verbs ?? []).some((verb: string) =>
            ['update', 'patch', 'delete', '*'].includes(verb),
          ),
      );
    expect(roles.size).toBeGreaterThan(1);
    expect(writes.map((rule) => rule.resourceNames)).toEqual([['argo-gatewayapi-configmap']]);
  });
});

// Each defect of the first-boot review, put back into today's tree, fails a check with a clear message.
describe('the checks catch the defects that would stop a first boot', () => {
  it('a values key the chart no longer has (rook-ceph v1.20 dropped csi.kubeletDirPath)', async () => {
    const files = editedTree(
      'platform/dev/controllers/rook-ceph/helmrelease-rook-ceph.yaml',
      (release) => {
        release.spec.values.csi = { kubeletDirPath: '/var/lib/kubelet' };
      },
    );
    expect(lines(checkCluster(await clusterOf('dev', files)))).toEqual([
      "[values] HelmRelease rook-ceph/rook-ceph (platform/dev/controllers/rook-ceph/helmrelease-rook-ceph.yaml): spec.values.csi.kubeletDirPath: chart rook-ceph v1.20.6 has no value 'csi.kubeletDirPath' (not in its values.yaml or values.schema.json), so Helm ignores it. Fix: remove it, or use the key this chart version reads instead (see the chart's values.yaml)",
    ]);
  });

  it('a Secret nothing creates (grafana-admin)', async () => {
    // The reviewed tree: Grafana read grafana-admin, and no file encrypted it.
    const files = editedTree(
      'platform/prod/controllers/kube-prometheus-stack/secret-monitoring-grafana-admin.yaml',
      'remove',
    );
    const problems = checkCluster(await clusterOf('prod', files));
    expect(problems.length).toBeGreaterThan(0);
    expect(new Set(problems.map((problem) => `${problem.check} ${problem.object}`))).toEqual(
      new Set(['references Deployment monitoring/kube-prometheus-stack-grafana']),
    );
    expect(lines(problems)).toContainEqual(
      expect.stringContaining(
        "spec.template.spec.containers[grafana].env[GF_SECURITY_ADMIN_PASSWORD].valueFrom.secretKeyRef.name: names Secret 'grafana-admin' in namespace 'monitoring', which nothing in the cluster creates",
      ),
    );
  });

  it('a StorageClass whose provisioner no CSI driver serves (Rook v1.20 without ceph-csi-drivers)', async () => {
    const files = editedTree(
      'platform/prod/controllers/rook-ceph/helmrelease-ceph-csi-drivers.yaml',
      'remove',
    );
    expect(lines(checkCluster(await clusterOf('prod', files)))).toEqual([
      "[references] StorageClass ceph-block (platform/prod/controllers/rook-ceph/storageclass-ceph-block.yaml): provisioner: provisioner 'rook-ceph.rbd.csi.ceph.com' is not installed (no CSIDriver of that name in the cluster, and no component declares it creates one). Fix: install the CSI driver (its chart or operator), or point the StorageClass at a provisioner the cluster has",
    ]);
  });

  it("operator-created pods no exception covers (the Ceph CSI plugins under prod's Enforce)", async () => {
    const files = editedTree(
      'platform/prod/configs/kyverno/policyexception-rook-ceph-node-agents.yaml',
      (exception) => {
        exception.spec.match.any[0].resources.names = ['rook-ceph-*', 'csi-*'];
      },
    );
    const problems = checkCluster(await clusterOf('prod', files));
    expect(problems.map(({ object }) => object).sort()).toEqual([
      'Pod rook-ceph/rook-ceph.cephfs.csi.ceph.com-ctrlplugin-*',
      'Pod rook-ceph/rook-ceph.cephfs.csi.ceph.com-nodeplugin-*',
      'Pod rook-ceph/rook-ceph.rbd.csi.ceph.com-ctrlplugin-*',
      'Pod rook-ceph/rook-ceph.rbd.csi.ceph.com-nodeplugin-*',
    ]);
    expect(lines(problems)).toContainEqual(
      expect.stringContaining(
        "Kyverno ClusterPolicy 'pod-security-baseline' rule 'baseline' (Enforce, Pod Security 'baseline') denies pod 'rook-ceph.rbd.csi.ceph.com-nodeplugin-x2x4z': Host Namespaces",
      ),
    );
  });

  it('in dev, where Kyverno only audits, the same pods are not denied', async () => {
    const files = editedTree(
      'platform/dev/configs/kyverno/policyexception-rook-ceph-node-agents.yaml',
      (exception) => {
        exception.spec.match.any[0].resources.names = ['rook-ceph-*', 'csi-*'];
      },
    );
    expect(lines(checkCluster(await clusterOf('dev', files)))).toEqual([]);
  });
});
