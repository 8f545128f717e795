// The whole-cluster checks one by one (synth/cluster/check-values.ts, check-references.ts,
// check-images.ts, check-apis.ts), on small objects made here: no chart is rendered, and the
// only files are tiny charts and a tiny Kubernetes definitions file in a temp folder.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { checkApis } from '../../../synth/cluster/check-apis';
import {
  checkImages,
  imageList,
  imageUses,
  unpinnedReason,
  type ImageUse,
} from '../../../synth/cluster/check-images';
import { checkReferences, type ProvidedAtRunTime } from '../../../synth/cluster/check-references';
import {
  chartValuesModel,
  checkValues,
  unknownValueKeys,
  type ChartValuesModel,
} from '../../../synth/cluster/check-values';
import type { ClusterObject, KubeObject } from '../../../synth/cluster/objects';
import type { ClusterProblem } from '../../../synth/cluster/problems';
import type { RenderedRelease } from '../../../synth/cluster/render';

const temp = fs.mkdtempSync(path.join(os.tmpdir(), 'cluster-checks-test-'));
afterAll(() => fs.rmSync(temp, { recursive: true, force: true }));

let counter = 0;
/** Writes `files` (path -> content) under a fresh folder and returns it. */
function folder(files: Readonly<Record<string, string>>): string {
  const dir = path.join(temp, String(counter++));
  for (const [file, content] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    fs.writeFileSync(path.join(dir, file), content);
  }
  return dir;
}

/** A GitOps-file object of the cluster (its namespace is its metadata's). */
function gitops(object: KubeObject, source = 'platform/dev/app.yaml'): ClusterObject {
  return { object, source, namespace: object.metadata?.namespace ?? '' };
}

const namespace = (name: string): ClusterObject =>
  gitops({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } }, 'platform/dev/ns.yaml');

describe('values check', () => {
  const model: ChartValuesModel = {
    defaults: {
      replicaCount: 1,
      image: { repository: 'example/app', tag: '1.0.0' },
      podAnnotations: {},
      extraConfig: null,
      tolerations: [],
      resources: { limits: { cpu: '1' } },
      nodeSelector: { 'kubernetes.io/os': 'linux' },
    },
    schema: {
      type: 'object',
      properties: {
        service: { type: 'object', properties: { port: { type: 'integer' } } },
        labels: { type: 'object', additionalProperties: { type: 'string' } },
        annotations: { type: 'object', additionalProperties: true },
        ports: { type: 'object', patternProperties: { '^port-[a-z]+$': { type: 'integer' } } },
      },
    },
    reads: new Set(['metrics.enabled', 'nodeSelector']),
    wholeReads: new Set(['nodeSelector']),
  };

  it("reports keys in neither the chart's defaults, its schema nor its templates, with their full path", () => {
    expect(
      unknownValueKeys(
        {
          replicas: 2,
          image: { repository: 'example/app', tga: '1.0.1' },
          service: { port: 80, targetPort: 8080 },
          metrics: { enabled: true, port: 9090 },
          ports: { 'port-http': 80, http: 80 },
          resources: { limits: { cpu: '2' }, requests: { cpu: '1' } },
        },
        model,
      ),
    ).toEqual([
      'replicas',
      'image.tga',
      'service.targetPort',
      'metrics.port',
      'ports.http',
      'resources.requests',
    ]);
  });

  it('passes keys the defaults, the schema or the templates name', () => {
    expect(
      unknownValueKeys(
        {
          replicaCount: 2,
          image: { repository: 'example/app', tag: '1.0.1' },
          service: { port: 80 },
          metrics: { enabled: true },
          ports: { 'port-http': 80 },
          resources: { limits: { cpu: '2' } },
        },
        model,
      ),
    ).toEqual([]);
  });

  it('passes anything below a map the chart leaves open, below global, and inside lists', () => {
    expect(
      unknownValueKeys(
        {
          podAnnotations: { 'example.com/team': 'a', nested: { any: 'thing' } },
          extraConfig: { server: { port: 1 } },
          labels: { team: 'a' },
          annotations: { 'example.com/a': 'b' },
          nodeSelector: { 'kubernetes.io/os': 'linux', zone: 'a' },
          global: { imageRegistry: 'mirror.example', whatever: { deep: true } },
          tolerations: [{ key: 'node-role', operator: 'Exists', notAChartKey: true }],
        },
        model,
      ),
    ).toEqual([]);
  });

  it('passes keys below a schema that names no keys of its own (type: object alone)', () => {
    const open: ChartValuesModel = {
      defaults: { podLabels: {} },
      schema: { type: 'object', properties: { podLabels: { type: 'object' } } },
      reads: new Set(),
      wholeReads: new Set(),
    };
    expect(unknownValueKeys({ podLabels: { team: 'a' } }, open)).toEqual([]);
    // A schema that closes its keys still reports one it does not name.
    const closed: ChartValuesModel = {
      ...open,
      schema: {
        type: 'object',
        properties: { podLabels: { type: 'object', additionalProperties: false } },
      },
    };
    expect(unknownValueKeys({ podLabels: { team: 'a' } }, closed)).toEqual(['podLabels.team']);
  });

  it('reads a chart folder: values.yaml, values.schema.json with $refs, what templates read and serialise', () => {
    const dir = folder({
      'Chart.yaml': 'name: app\nversion: 1.0.0\n',
      'values.yaml': 'image:\n  tag: "1"\nconfig:\n  a: 1\nhidden: {}\n',
      'values.schema.json': JSON.stringify({
        $defs: { port: { type: 'object', properties: { number: { type: 'integer' } } } },
        type: 'object',
        properties: { server: { $ref: '#/$defs/port' } },
      }),
      'templates/deployment.yaml': [
        '{{- $op := .Values.operator }}',
        'replicas: {{ $op.replicas }}',
        'debug: {{ .Values.debug.enabled }}',
        'level: {{ index .Values.logging "level" }}',
        'extra: {{ toYaml .Values.extraSpec | nindent 2 }}',
        'config: {{ .Values.config | toYaml }}',
        '{{- range $k, $v := .Values.env }}{{ $k }}={{ $v }}{{ end }}',
        '{{- with .Values.podLabels }}{{ toYaml . | nindent 4 }}{{- end }}',
      ].join('\n'),
    });
    const read = chartValuesModel(dir);
    expect(read.defaults).toEqual({ image: { tag: '1' }, config: { a: 1 }, hidden: {} });
    expect(read.schema?.properties?.server).toEqual({
      type: 'object',
      properties: { number: { type: 'integer' } },
    });
    expect([...read.reads].sort()).toEqual([
      'config',
      'debug.enabled',
      'env',
      'extraSpec',
      'logging',
      'logging.level',
      'operator',
      'operator.replicas',
      'podLabels',
    ]);
    expect([...read.wholeReads].sort()).toEqual(['config', 'env', 'extraSpec', 'podLabels']);
    expect(
      unknownValueKeys(
        {
          image: { tag: '2', digest: 'sha256:0' },
          server: { number: 1, name: 'x' },
          operator: { replicas: 2, resources: {} },
          debug: { enabled: true },
          logging: { level: 'info' },
          config: { b: 2 },
          env: { A: '1' },
          podLabels: { team: 'a' },
          extraSpec: { anything: { at: 'all' } },
        },
        read,
      ),
    ).toEqual(['image.digest', 'server.name', 'operator.resources']);
  });

  it("lays a dependency's values, schema and reads under its alias", () => {
    const dir = folder({
      'Chart.yaml': 'name: parent\nversion: 1.0.0\ndependencies:\n  - name: child\n    alias: db\n',
      'values.yaml': 'db:\n  auth:\n    user: parent\n',
      'values.schema.json': JSON.stringify({ type: 'object', properties: { db: {} } }),
      'charts/child/Chart.yaml': 'name: child\nversion: 2.0.0\n',
      'charts/child/values.yaml': 'auth:\n  user: child\n  password: ""\nport: 5432\n',
      'charts/child/values.schema.json': JSON.stringify({
        type: 'object',
        properties: { tls: { type: 'object', properties: { enabled: { type: 'boolean' } } } },
      }),
      'charts/child/templates/statefulset.yaml': 'x: {{ .Values.metrics.enabled }}\n',
    });
    const read = chartValuesModel(dir);
    expect(read.defaults).toEqual({ db: { auth: { user: 'parent', password: '' }, port: 5432 } });
    expect([...read.reads]).toEqual(['db.metrics.enabled']);
    expect(
      unknownValueKeys(
        {
          db: {
            auth: { user: 'me', password: 'p', database: 'x' },
            port: 5433,
            tls: { enabled: true, ca: 'x' },
            metrics: { enabled: true },
            replicas: 3,
          },
        },
        read,
      ),
    ).toEqual(['db.auth.database', 'db.tls.ca', 'db.replicas']);
  });

  it('reports each unknown key of a release with the HelmRelease, its file, the field path and the chart', () => {
    const dir = folder({
      'Chart.yaml': 'name: rook-ceph\nversion: v1.20.6\n',
      'values.yaml': 'csi:\n  enableRbdDriver: true\n',
    });
    const release: RenderedRelease = {
      id: { namespace: 'rook-ceph', name: 'rook-ceph' },
      source: 'platform/dev/controllers/rook-ceph/helmrelease-rook-ceph.yaml',
      releaseName: 'rook-ceph',
      namespace: 'rook-ceph',
      chart: { chart: 'rook-ceph', version: 'v1.20.6', digest: 'sha256:0', dir },
      values: { csi: { enableRbdDriver: false, kubeletDirPath: '/var/lib/kubelet' } },
      objects: [],
    };
    expect(checkValues([release])).toEqual<ClusterProblem[]>([
      {
        check: 'values',
        object: 'HelmRelease rook-ceph/rook-ceph',
        source: 'platform/dev/controllers/rook-ceph/helmrelease-rook-ceph.yaml',
        path: 'spec.values.csi.kubeletDirPath',
        rule: "chart rook-ceph v1.20.6 has no value 'csi.kubeletDirPath' (not in its values.yaml or values.schema.json), so Helm ignores it",
        fix: "remove it, or use the key this chart version reads instead (see the chart's values.yaml)",
      },
    ]);
    expect(checkValues([{ ...release, values: { csi: { enableRbdDriver: false } } }])).toEqual([]);
  });
});

describe('references check', () => {
  const missingFix = (kind: string): string =>
    `add the ${kind} (for a Secret: encrypted in git, or created by a component that declares it), or fix the name`;

  /** A Deployment in `apps` naming one of each thing a pod spec can name. */
  const deployment = gitops(
    {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web', namespace: 'apps' },
      spec: {
        template: {
          metadata: { labels: { app: 'web' } },
          spec: {
            serviceAccountName: 'web',
            imagePullSecrets: [{ name: 'regcred' }],
            volumes: [
              { name: 'tls', secret: { secretName: 'web-tls' } },
              { name: 'maybe', secret: { secretName: 'maybe', optional: true } },
              { name: 'conf', configMap: { name: 'web-config' } },
              { name: 'data', persistentVolumeClaim: { claimName: 'web-data' } },
              {
                name: 'bundle',
                projected: {
                  sources: [
                    { secret: { name: 'bundle-secret' } },
                    { configMap: { name: 'bundle-config' } },
                    { configMap: { name: 'bundle-optional', optional: true } },
                  ],
                },
              },
            ],
            initContainers: [
              {
                name: 'migrate',
                image: 'example/web:1',
                envFrom: [{ secretRef: { name: 'db' } }, { configMapRef: { name: 'db-config' } }],
              },
            ],
            containers: [
              {
                name: 'web',
                image: 'example/web:1',
                env: [
                  { name: 'TOKEN', valueFrom: { secretKeyRef: { name: 'token', key: 't' } } },
                  {
                    name: 'MODE',
                    valueFrom: { configMapKeyRef: { name: 'modes', key: 'm' } },
                  },
                  {
                    name: 'OPTIONAL',
                    valueFrom: { secretKeyRef: { name: 'opt', key: 'o', optional: true } },
                  },
                ],
              },
            ],
          },
        },
      },
    },
    'apps/dev/web/deployment.yaml',
  );

  const named = (kind: string, name: string): ClusterObject =>
    gitops({ apiVersion: 'v1', kind, metadata: { name, namespace: 'apps' } });

  it('reports every Secret, ConfigMap, ServiceAccount and PVC a pod names that nothing creates', () => {
    const base = 'spec.template.spec';
    const expected: [string, string, string][] = [
      [`${base}.serviceAccountName`, 'ServiceAccount', 'web'],
      [`${base}.imagePullSecrets[0].name`, 'Secret', 'regcred'],
      [`${base}.volumes[tls].secret.secretName`, 'Secret', 'web-tls'],
      [`${base}.volumes[conf].configMap.name`, 'ConfigMap', 'web-config'],
      [
        `${base}.volumes[data].persistentVolumeClaim.claimName`,
        'PersistentVolumeClaim',
        'web-data',
      ],
      [`${base}.volumes[bundle].projected.sources[0].secret.name`, 'Secret', 'bundle-secret'],
      [`${base}.volumes[bundle].projected.sources[1].configMap.name`, 'ConfigMap', 'bundle-config'],
      [`${base}.initContainers[migrate].envFrom[0].secretRef.name`, 'Secret', 'db'],
      [`${base}.initContainers[migrate].envFrom[1].configMapRef.name`, 'ConfigMap', 'db-config'],
      [`${base}.containers[web].env[TOKEN].valueFrom.secretKeyRef.name`, 'Secret', 'token'],
      [`${base}.containers[web].env[MODE].valueFrom.configMapKeyRef.name`, 'ConfigMap', 'modes'],
    ];
    expect(checkReferences([namespace('apps'), deployment], [])).toEqual<ClusterProblem[]>(
      expected.map(([refPath, kind, name]) => ({
        check: 'references',
        object: 'Deployment apps/web',
        source: 'apps/dev/web/deployment.yaml',
        path: refPath,
        rule: `names ${kind} '${name}' in namespace 'apps', which nothing in the cluster creates`,
        fix: missingFix(kind),
      })),
    );
  });

  it('passes what the objects hold, what is declared provided (exactly or by pattern) and what every namespace has', () => {
    const objects = [
      namespace('apps'),
      deployment,
      named('ServiceAccount', 'web'),
      named('Secret', 'web-tls'),
      named('ConfigMap', 'web-config'),
      named('PersistentVolumeClaim', 'web-data'),
      named('ConfigMap', 'bundle-config'),
      named('ConfigMap', 'db-config'),
      named('ConfigMap', 'modes'),
      // cert-manager writes the Certificate's Secret.
      gitops({
        apiVersion: 'cert-manager.io/v1',
        kind: 'Certificate',
        metadata: { name: 'bundle', namespace: 'apps' },
        spec: { secretName: 'bundle-secret', issuerRef: { kind: 'ClusterIssuer', name: 'ca' } },
      }),
      gitops({ apiVersion: 'cert-manager.io/v1', kind: 'ClusterIssuer', metadata: { name: 'ca' } }),
    ];
    const provided: ProvidedAtRunTime[] = [
      { kind: 'Secret', namespace: 'apps', name: 'regcred', createdBy: 'a person' },
      { kind: 'Secret', namespace: 'apps', name: 'db', createdBy: 'the database operator' },
      { kind: 'Secret', namespace: 'apps', name: 'tok*', createdBy: 'the token operator' },
    ];
    expect(checkReferences(objects, provided)).toEqual([]);

    const defaults = gitops({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'p', namespace: 'apps' },
      spec: {
        serviceAccountName: 'default',
        volumes: [{ name: 'ca', configMap: { name: 'kube-root-ca.crt' } }],
        containers: [{ name: 'c', image: 'example/c:1' }],
      },
    });
    expect(checkReferences([namespace('apps'), defaults], [])).toEqual([]);
  });

  it('does not take a provided object of another namespace, or a pattern that does not match', () => {
    const pod = gitops({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'p', namespace: 'apps' },
      spec: { imagePullSecrets: [{ name: 'regcred' }], containers: [] },
    });
    const provided: ProvidedAtRunTime[] = [
      { kind: 'Secret', namespace: 'other', name: 'regcred', createdBy: 'a person' },
      { kind: 'Secret', namespace: 'apps', name: 'reg-*', createdBy: 'a person' },
      { kind: 'ConfigMap', namespace: 'apps', name: 'regcred', createdBy: 'a person' },
    ];
    expect(
      checkReferences([namespace('apps'), pod], provided).map(({ path: p, rule }) => [p, rule]),
    ).toEqual([
      [
        'spec.imagePullSecrets[0].name',
        "names Secret 'regcred' in namespace 'apps', which nothing in the cluster creates",
      ],
    ]);
  });

  it('reports an object in a namespace the cluster does not have, and passes the built-in ones', () => {
    const cm = (ns: string): ClusterObject =>
      gitops({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', namespace: ns } });
    expect(checkReferences([cm('missing'), cm('kube-system'), cm('default')], [])).toEqual<
      ClusterProblem[]
    >([
      {
        check: 'references',
        object: 'ConfigMap missing/c',
        source: 'platform/dev/app.yaml',
        path: 'metadata.namespace',
        rule: "namespace 'missing' does not exist in the cluster",
        fix: 'render its Namespace, or fix the namespace',
      },
    ]);
  });

  it('reports a storage class that nothing creates, wherever an object names it, and passes an existing one', () => {
    const claim = gitops({
      apiVersion: 'v1',
      kind: 'PersistentVolumeClaim',
      metadata: { name: 'data', namespace: 'apps' },
      spec: { storageClassName: 'fast', accessModes: ['ReadWriteOnce'] },
    });
    const statefulSet = gitops({
      apiVersion: 'apps/v1',
      kind: 'StatefulSet',
      metadata: { name: 'db', namespace: 'apps' },
      spec: {
        volumeClaimTemplates: [
          { metadata: { name: 'none' }, spec: { storageClassName: '' } },
          { metadata: { name: 'data' }, spec: { storageClassName: 'fast' } },
        ],
        template: { spec: { containers: [] } },
      },
    });
    const rule = "names StorageClass 'fast', which nothing in the cluster creates";
    expect(checkReferences([namespace('apps'), claim, statefulSet], [])).toEqual<ClusterProblem[]>([
      {
        check: 'references',
        object: 'PersistentVolumeClaim apps/data',
        source: 'platform/dev/app.yaml',
        path: 'spec.storageClassName',
        rule,
        fix: missingFix('StorageClass'),
      },
      {
        check: 'references',
        object: 'StatefulSet apps/db',
        source: 'platform/dev/app.yaml',
        path: 'spec.volumeClaimTemplates[1].spec.storageClassName',
        rule,
        fix: missingFix('StorageClass'),
      },
    ]);
    const storageClass = gitops({
      apiVersion: 'storage.k8s.io/v1',
      kind: 'StorageClass',
      metadata: { name: 'fast' },
      provisioner: 'fast.csi.example',
    });
    const driver = gitops({
      apiVersion: 'storage.k8s.io/v1',
      kind: 'CSIDriver',
      metadata: { name: 'fast.csi.example' },
    });
    expect(
      checkReferences([namespace('apps'), claim, statefulSet, storageClass, driver], []),
    ).toEqual([]);
  });

  describe('StorageClass provisioners', () => {
    const storageClass = (
      provisioner: string,
      parameters: Record<string, string> = {},
    ): ClusterObject =>
      gitops(
        {
          apiVersion: 'storage.k8s.io/v1',
          kind: 'StorageClass',
          metadata: { name: 'block' },
          provisioner,
          parameters,
        },
        'platform/dev/storage/storageclass.yaml',
      );

    it('reports a provisioner no CSIDriver of the cluster serves', () => {
      expect(checkReferences([storageClass('rook-ceph.rbd.csi.ceph.com')], [])).toEqual<
        ClusterProblem[]
      >([
        {
          check: 'references',
          object: 'StorageClass block',
          source: 'platform/dev/storage/storageclass.yaml',
          path: 'provisioner',
          rule: "provisioner 'rook-ceph.rbd.csi.ceph.com' is not installed (no CSIDriver of that name in the cluster, and no component declares it creates one)",
          fix: 'install the CSI driver (its chart or operator), or point the StorageClass at a provisioner the cluster has',
        },
      ]);
    });

    it('passes a provisioner declared provided, or registered for a ceph-csi-operator Driver', () => {
      const provided: ProvidedAtRunTime[] = [
        {
          kind: 'CSIDriver',
          namespace: '',
          name: 'rook-ceph.rbd.csi.ceph.com',
          createdBy: 'the Rook operator',
        },
      ];
      expect(checkReferences([storageClass('rook-ceph.rbd.csi.ceph.com')], provided)).toEqual([]);
      const driver = gitops({
        apiVersion: 'csi.ceph.io/v1',
        kind: 'Driver',
        metadata: { name: 'rook-ceph.rbd.csi.ceph.com', namespace: 'rook-ceph' },
      });
      expect(
        checkReferences(
          [namespace('rook-ceph'), driver, storageClass('rook-ceph.rbd.csi.ceph.com')],
          [],
        ),
      ).toEqual([]);
      // A Driver of another API group registers nothing.
      const other = gitops({
        apiVersion: 'example.com/v1',
        kind: 'Driver',
        metadata: { name: 'rook-ceph.rbd.csi.ceph.com', namespace: 'rook-ceph' },
      });
      expect(
        checkReferences(
          [namespace('rook-ceph'), other, storageClass('rook-ceph.rbd.csi.ceph.com')],
          [],
        ).map(({ path: p }) => p),
      ).toEqual(['provisioner']);
    });

    it('reports a CSI credentials Secret the parameters name that does not exist', () => {
      const parameters = {
        'csi.storage.k8s.io/provisioner-secret-name': 'rook-csi-rbd-provisioner',
        'csi.storage.k8s.io/provisioner-secret-namespace': 'rook-ceph',
        clusterID: 'rook-ceph',
      };
      const provided: ProvidedAtRunTime[] = [
        { kind: 'CSIDriver', namespace: '', name: 'rbd.csi.example', createdBy: 'an operator' },
      ];
      expect(
        checkReferences([storageClass('rbd.csi.example', parameters)], provided).map(
          ({ path: p, rule }) => [p, rule],
        ),
      ).toEqual([
        [
          'parameters.csi.storage.k8s.io/provisioner-secret-name',
          "names Secret 'rook-csi-rbd-provisioner' in namespace 'rook-ceph', which nothing in the cluster creates",
        ],
      ]);
      const secret: ProvidedAtRunTime = {
        kind: 'Secret',
        namespace: 'rook-ceph',
        name: 'rook-csi-rbd-provisioner',
        createdBy: 'the Rook operator',
      };
      expect(
        checkReferences([storageClass('rbd.csi.example', parameters)], [...provided, secret]),
      ).toEqual([]);
    });
  });

  it("checks a HelmRelease's chart source but not its values", () => {
    const release = gitops({
      apiVersion: 'helm.toolkit.fluxcd.io/v2',
      kind: 'HelmRelease',
      metadata: { name: 'app', namespace: 'apps' },
      spec: {
        chart: { spec: { chart: 'app', sourceRef: { kind: 'HelmRepository', name: 'charts' } } },
        values: { persistence: { storageClassName: 'nowhere' } },
      },
    });
    expect(
      checkReferences([namespace('apps'), release], []).map(({ path: p, rule }) => [p, rule]),
    ).toEqual([
      [
        'spec.chart.spec.sourceRef',
        "names HelmRepository 'charts' in namespace 'apps', which nothing in the cluster creates",
      ],
    ]);
    const repository = gitops({
      apiVersion: 'source.toolkit.fluxcd.io/v1',
      kind: 'HelmRepository',
      metadata: { name: 'charts', namespace: 'apps' },
    });
    expect(checkReferences([namespace('apps'), release, repository], [])).toEqual([]);
  });
});

describe('images check', () => {
  describe('unpinnedReason', () => {
    it.each([
      ['', 'is empty'],
      ['  ', 'is empty'],
      ['nginx', 'has no tag (the runtime pulls latest)'],
      ['registry.example:5000/team/app', 'has no tag (the runtime pulls latest)'],
      ['nginx:latest', "uses the moving tag 'latest'"],
      ['registry.example:5000/team/app:latest', "uses the moving tag 'latest'"],
    ])('reports %j: %s', (image, reason) => {
      expect(unpinnedReason(image)).toBe(reason);
    });

    it.each([
      'nginx:1.27.3',
      'registry.example:5000/team/app:v2',
      'quay.io/ceph/ceph:v19.2.3',
      `ghcr.io/example/app@sha256:${'a'.repeat(64)}`,
      `ghcr.io/example/app:latest@sha256:${'0123456789abcdef'.repeat(4)}`,
    ])('passes %j', (image) => {
      expect(unpinnedReason(image)).toBeUndefined();
    });
  });

  const deployment = gitops(
    {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web', namespace: 'apps' },
      spec: {
        template: {
          spec: {
            initContainers: [{ name: 'init', image: 'busybox' }],
            containers: [
              { name: 'web', image: 'example/web:1.2.3' },
              { name: 'sidecar', image: 'example/sidecar:latest' },
            ],
          },
        },
      },
    },
    'apps/dev/web/deployment.yaml',
  );
  const cronJob = gitops({
    apiVersion: 'batch/v1',
    kind: 'CronJob',
    metadata: { name: 'backup', namespace: 'apps' },
    spec: {
      schedule: '0 * * * *',
      jobTemplate: {
        spec: {
          template: { spec: { containers: [{ name: 'backup', image: 'example/backup:2' }] } },
        },
      },
    },
  });
  const pod = gitops({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'debug', namespace: 'apps' },
    spec: {
      containers: [{ name: 'main' }],
      ephemeralContainers: [{ name: 'shell', image: 'example/shell:3' }],
    },
  });
  const cephCluster = gitops({
    apiVersion: 'ceph.rook.io/v1',
    kind: 'CephCluster',
    metadata: { name: 'ceph', namespace: 'rook-ceph' },
    spec: { cephVersion: { image: 'quay.io/ceph/ceph:v19.2.3' } },
  });
  const configMap = gitops({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'c', namespace: 'apps' },
    data: { image: 'example/not-pulled:latest' },
  });

  it('lists the images of every pod template (init, ephemeral, CronJob), CephClusters and declared pods', () => {
    const declared: ImageUse = {
      image: 'example/operand:4',
      entry: cephCluster,
      path: 'declared pod rook-ceph-osd',
    };
    expect(
      imageUses([deployment, cronJob, pod, cephCluster, configMap], [declared]).map(
        ({ image, entry, path: p }) => [entry.object.metadata?.name, p, image],
      ),
    ).toEqual([
      ['ceph', 'declared pod rook-ceph-osd', 'example/operand:4'],
      ['web', 'spec.template.spec.initContainers[init].image', 'busybox'],
      ['web', 'spec.template.spec.containers[web].image', 'example/web:1.2.3'],
      ['web', 'spec.template.spec.containers[sidecar].image', 'example/sidecar:latest'],
      [
        'backup',
        'spec.jobTemplate.spec.template.spec.containers[backup].image',
        'example/backup:2',
      ],
      ['debug', 'spec.containers[main].image', ''],
      ['debug', 'spec.ephemeralContainers[shell].image', 'example/shell:3'],
      ['ceph', 'spec.cephVersion.image', 'quay.io/ceph/ceph:v19.2.3'],
    ]);
  });

  it('reports each unpinned image with its object, source and field path', () => {
    const fix = 'pin a release tag or a digest';
    expect(checkImages(imageUses([deployment, cronJob, pod, cephCluster]))).toEqual<
      ClusterProblem[]
    >([
      {
        check: 'images',
        object: 'Deployment apps/web',
        source: 'apps/dev/web/deployment.yaml',
        path: 'spec.template.spec.initContainers[init].image',
        rule: "image 'busybox' has no tag (the runtime pulls latest)",
        fix,
      },
      {
        check: 'images',
        object: 'Deployment apps/web',
        source: 'apps/dev/web/deployment.yaml',
        path: 'spec.template.spec.containers[sidecar].image',
        rule: "image 'example/sidecar:latest' uses the moving tag 'latest'",
        fix,
      },
      {
        check: 'images',
        object: 'Pod apps/debug',
        source: 'platform/dev/app.yaml',
        path: 'spec.containers[main].image',
        rule: "image '' is empty",
        fix,
      },
    ]);
    expect(checkImages(imageUses([cronJob, cephCluster]))).toEqual([]);
  });

  it('lists each image once, sorted', () => {
    expect(imageList(imageUses([deployment, cronJob, deployment]))).toEqual([
      'busybox',
      'example/backup:2',
      'example/sidecar:latest',
      'example/web:1.2.3',
    ]);
  });
});

describe('APIs check', () => {
  const OBJECT_META = 'io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta';
  const metaRef = { $ref: `#/definitions/${OBJECT_META}` };
  /** A CRD mirror holding only a tiny Kubernetes definitions file: ConfigMap and ClusterRole. */
  const crdsDir = folder({
    'kubernetes/cdk8s-_definitions-v1.36.0.json': JSON.stringify({
      definitions: {
        [OBJECT_META]: {
          type: 'object',
          properties: {
            name: { type: 'string' },
            namespace: { type: 'string' },
            labels: { type: 'object', additionalProperties: { type: 'string' } },
            annotations: { type: 'object', additionalProperties: { type: 'string' } },
          },
        },
        'io.k8s.api.core.v1.ConfigMap': {
          type: 'object',
          properties: {
            apiVersion: { type: 'string' },
            kind: { type: 'string' },
            metadata: metaRef,
            data: { type: 'object', additionalProperties: { type: 'string' } },
          },
          'x-kubernetes-group-version-kind': [{ group: '', version: 'v1', kind: 'ConfigMap' }],
        },
        'io.k8s.api.rbac.v1.ClusterRole': {
          type: 'object',
          properties: {
            apiVersion: { type: 'string' },
            kind: { type: 'string' },
            metadata: metaRef,
            rules: { type: 'array', items: { type: 'object' } },
          },
          'x-kubernetes-group-version-kind': [
            { group: 'rbac.authorization.k8s.io', version: 'v1', kind: 'ClusterRole' },
          ],
        },
      },
    }),
  });
  const widgetCrd: KubeObject = {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: 'widgets.example.com' },
    spec: {
      group: 'example.com',
      names: { kind: 'Widget', plural: 'widgets' },
      scope: 'Namespaced',
      versions: [
        {
          name: 'v1',
          served: true,
          schema: {
            openAPIV3Schema: {
              type: 'object',
              properties: { spec: { type: 'object', properties: { size: { type: 'integer' } } } },
            },
          },
        },
        { name: 'v1alpha1', served: false },
      ],
    },
  };
  const unservedFix = 'use an apiVersion the cluster serves, or install the CRD that serves it';
  const fieldFix =
    'fix the field to match the schema (an unknown field would be dropped by the API server)';

  const configMap = (fields: Record<string, unknown> = {}): ClusterObject =>
    gitops({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'settings', namespace: 'apps' },
      data: { a: 'b' },
      ...fields,
    });
  const widget = (apiVersion: string, spec: Record<string, unknown> = { size: 3 }): ClusterObject =>
    gitops({ apiVersion, kind: 'Widget', metadata: { name: 'w', namespace: 'apps' }, spec });

  it('passes objects the cluster serves that match their schema (null fields read as unset)', () => {
    expect(
      checkApis(
        [
          configMap(),
          configMap({ metadata: { name: 'settings', namespace: 'apps', annotations: null } }),
          widget('example.com/v1'),
          gitops({
            apiVersion: 'rbac.authorization.k8s.io/v1',
            kind: 'ClusterRole',
            metadata: { name: 'widget-viewer' },
            rules: [{ apiGroups: ['example.com'], resources: ['widgets'], verbs: ['get'] }],
          }),
        ],
        [widgetCrd],
        crdsDir,
      ),
    ).toEqual([]);
  });

  it('reports an apiVersion and kind no built-in API or CRD of the cluster serves', () => {
    const deployment = gitops({
      apiVersion: 'apps/v1beta1',
      kind: 'Deployment',
      metadata: { name: 'old', namespace: 'apps' },
    });
    expect(
      checkApis(
        [deployment, widget('example.com/v1alpha1'), widget('example.com/v2')],
        [widgetCrd],
        crdsDir,
      ),
    ).toEqual<ClusterProblem[]>([
      {
        check: 'apis',
        object: 'Deployment apps/old',
        source: 'platform/dev/app.yaml',
        path: 'apiVersion',
        rule: 'no schema serves apps/v1beta1 Deployment (removed, unserved or unknown apiVersion): no built-in API or CRD of the cluster serves it',
        fix: unservedFix,
      },
      {
        check: 'apis',
        object: 'Widget apps/w',
        source: 'platform/dev/app.yaml',
        path: 'apiVersion',
        rule: 'no schema serves example.com/v1alpha1 Widget (removed, unserved or unknown apiVersion): no built-in API or CRD of the cluster serves it',
        fix: unservedFix,
      },
      {
        check: 'apis',
        object: 'Widget apps/w',
        source: 'platform/dev/app.yaml',
        path: 'apiVersion',
        rule: 'no schema serves example.com/v2 Widget (removed, unserved or unknown apiVersion): no built-in API or CRD of the cluster serves it',
        fix: unservedFix,
      },
    ]);
    // Without the CRD, its served version is not served either.
    expect(checkApis([widget('example.com/v1')], [], crdsDir).map(({ path: p }) => p)).toEqual([
      'apiVersion',
    ]);
  });

  it('reports unknown fields and wrong types with the field path', () => {
    expect(
      checkApis(
        [
          configMap({ spec: {}, data: { a: 1 } }),
          widget('example.com/v1', { size: 'big', colour: 'red' }),
        ],
        [widgetCrd],
        crdsDir,
      ),
    ).toEqual<ClusterProblem[]>([
      {
        check: 'apis',
        object: 'ConfigMap apps/settings',
        source: 'platform/dev/app.yaml',
        path: '(root)',
        rule: "must NOT have additional properties 'spec'",
        fix: fieldFix,
      },
      {
        check: 'apis',
        object: 'ConfigMap apps/settings',
        source: 'platform/dev/app.yaml',
        path: 'data.a',
        rule: 'must be string',
        fix: fieldFix,
      },
      {
        check: 'apis',
        object: 'Widget apps/w',
        source: 'platform/dev/app.yaml',
        path: 'spec',
        rule: "must NOT have additional properties 'colour'",
        fix: fieldFix,
      },
      {
        check: 'apis',
        object: 'Widget apps/w',
        source: 'platform/dev/app.yaml',
        path: 'spec.size',
        rule: 'must be integer',
        fix: fieldFix,
      },
    ]);
  });

  it('reads the object name exactly, colons included (system:… ClusterRoles)', () => {
    const role = gitops({
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRole',
      metadata: { name: 'system:metrics-server' },
      rules: [],
      extra: true,
    });
    const old = gitops({ ...role.object, apiVersion: 'rbac.authorization.k8s.io/v1beta1' });
    expect(checkApis([role, old], [], crdsDir).map(({ path, rule }) => [path, rule])).toEqual([
      ['(root)', "must NOT have additional properties 'extra'"],
      [
        'apiVersion',
        expect.stringMatching(
          /^no schema serves rbac\.authorization\.k8s\.io\/v1beta1 ClusterRole/,
        ),
      ],
    ]);
  });
});
