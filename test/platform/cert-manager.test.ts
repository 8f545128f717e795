import { ConfigError } from '../../constructs/errors';
import { sharedValidator } from '../../synth/cluster/schema';
import { clusterIssuerName } from '../../constructs/platform/cert-manager';
import { CHART_VERSIONS } from '../../constructs/platform/versions';
import { loadConfig } from '../../environments';
import { renderTree } from '../../synth/render';
import { configWithPlatform } from '../support/config';
import { findObject, objectsOf } from '../support/tree';
import { CertificateAuthority } from '../../constructs/config/cert-manager';

interface DeploymentValues {
  replicaCount: number;
  podDisruptionBudget: { enabled: boolean; minAvailable?: number };
}
interface Values extends DeploymentValues {
  crds: { enabled: boolean; keep: boolean };
  webhook: DeploymentValues;
  cainjector: DeploymentValues;
  prometheus: { servicemonitor: { enabled: boolean } };
}

const reference = renderTree(loadConfig());
const release = (cluster: string, tree = reference) =>
  findObject(tree, `platform/${cluster}/controllers/cert-manager/`, 'HelmRelease', 'cert-manager');
const valuesOf = (cluster: string, tree = reference) =>
  (release(cluster, tree).spec as { values: Values }).values;

describe('CertManager', () => {
  it('installs the catalog version from its OCI repository', () => {
    const source = findObject(
      reference,
      'platform/dev/controllers/',
      'OCIRepository',
      'cert-manager',
    );
    expect(source.metadata.namespace).toBe('cert-manager');
    expect(source.spec).toMatchObject({
      url: 'oci://quay.io/jetstack/charts/cert-manager',
      ref: { tag: CHART_VERSIONS.certManager.version },
      layerSelector: {
        mediaType: 'application/vnd.cncf.helm.chart.content.v1.tar+gzip',
        operation: 'copy',
      },
    });
    expect(release('dev').spec).toMatchObject({
      chartRef: { kind: 'OCIRepository', name: 'cert-manager' },
      releaseName: 'cert-manager',
      install: { crds: 'CreateReplace' },
      upgrade: { crds: 'CreateReplace' },
    });
  });

  it('installs its CRDs with the chart and keeps them if the release goes', () => {
    expect(valuesOf('dev').crds).toEqual({ enabled: true, keep: true });
  });

  it('runs one replica without disruption budgets in dev', () => {
    const values = valuesOf('dev');
    for (const deployment of [values, values.webhook, values.cainjector]) {
      expect(deployment.replicaCount).toBe(1);
      expect(deployment.podDisruptionBudget).toEqual({ enabled: false });
    }
  });

  it('runs two replicas with disruption budgets in prod', () => {
    const values = valuesOf('prod');
    for (const deployment of [values, values.webhook, values.cainjector]) {
      expect(deployment.replicaCount).toBe(2);
      expect(deployment.podDisruptionBudget).toEqual({ enabled: true, minAvailable: 1 });
    }
  });

  it('keeps the ServiceMonitor off while no prometheus-operator CRDs are installed', () => {
    expect(valuesOf('prod').prometheus.servicemonitor.enabled).toBe(false);
  });

  it('restricts its namespace to the Pod Security "restricted" profile', () => {
    const namespace = findObject(reference, 'platform/dev/', 'Namespace', 'cert-manager');
    expect(namespace.metadata.labels).toMatchObject({
      'pod-security.kubernetes.io/enforce': 'restricted',
    });
  });

  it('gives dev a self-signed ClusterIssuer only', () => {
    const issuers = objectsOf(reference).filter(
      ({ file, object }) => file.startsWith('platform/dev/') && object.kind === 'ClusterIssuer',
    );
    expect(issuers.map(({ object }) => [object.metadata.name, object.spec])).toEqual([
      ['selfsigned', { selfSigned: {} }],
    ]);
  });

  it('gives prod a private CA: a self-signed root certificate and a CA issuer signing with it', () => {
    const root = findObject(reference, 'platform/prod/configs/', 'Certificate', 'prod-ca-root');
    expect(root.metadata.namespace).toBe('cert-manager');
    expect(root.spec).toMatchObject({
      isCA: true,
      secretName: 'prod-ca-root',
      issuerRef: { kind: 'ClusterIssuer', name: 'selfsigned' },
    });
    const ca = findObject(reference, 'platform/prod/configs/', 'ClusterIssuer', 'prod-ca');
    expect(ca.spec).toEqual({ ca: { secretName: 'prod-ca-root' } });
  });

  it.each(['dev', 'prod'])(
    'renders on %s the ClusterIssuer that clusterIssuerName names for the Gateway',
    (cluster) => {
      const config = loadConfig().clusters.find((candidate) => candidate.name === cluster);
      if (!config) throw new Error(`no cluster ${cluster}`);
      const name = clusterIssuerName(config);
      expect(
        findObject(reference, `platform/${cluster}/configs/`, 'ClusterIssuer', name),
      ).toBeDefined();
      // Every certificate but the private CA's own root is issued by that issuer.
      const leaves = objectsOf(reference).filter(
        ({ file, object }) =>
          file.startsWith(`platform/${cluster}/`) &&
          object.kind === 'Certificate' &&
          (object.spec as { isCA?: boolean }).isCA !== true,
      );
      expect(leaves.length).toBeGreaterThan(0);
      for (const { object } of leaves) {
        expect((object.spec as { issuerRef: { name: string } }).issuerRef.name).toBe(name);
      }
    },
  );

  it('merges per-cluster overrides over the defaults: objects by key, scalars replaced', () => {
    const tree = renderTree(
      configWithPlatform('prod', {
        certManager: { values: { replicaCount: 3, webhook: { replicaCount: 3 } } },
      }),
    );
    const values = valuesOf('prod', tree);
    expect(values.replicaCount).toBe(3);
    expect(values.webhook.replicaCount).toBe(3);
    // untouched siblings keep their defaults
    expect(values.webhook.podDisruptionBudget).toEqual({ enabled: true, minAvailable: 1 });
    expect(values.cainjector.replicaCount).toBe(2);
  });

  it('lets a cluster choose its certificate authority', () => {
    const tree = renderTree(
      configWithPlatform('dev', {
        certManager: { authority: CertificateAuthority.privateCa({ commonName: 'Dev Root' }) },
      }),
    );
    const root = findObject(tree, 'platform/dev/configs/', 'Certificate', 'dev-ca-root');
    expect(root.spec).toMatchObject({ commonName: 'Dev Root' });
  });

  it('is left out entirely when disabled on a cluster', () => {
    const tree = renderTree(configWithPlatform('dev', { certManager: { enabled: false } }));
    expect(
      [...tree.files.keys()].filter(
        (file) => file.includes('cert-manager') && file.startsWith('platform/dev/'),
      ),
    ).toEqual([]);
    const controllers = findObject(tree, 'clusters/dev/', 'Kustomization', 'platform-controllers');
    const checked = (controllers.spec?.healthChecks ?? []) as { name: string }[];
    expect(checked.map((check) => check.name)).not.toContain('cert-manager');
    // the other cluster is untouched
    expect(
      [...tree.files.keys()].some((file) =>
        file.startsWith('platform/prod/controllers/cert-manager/'),
      ),
    ).toBe(true);
  });

  describe('bad input', () => {
    const renderWith = (values: object) => () =>
      renderTree(configWithPlatform('prod', { certManager: { values } }));

    it('refuses zero replicas, naming cluster, field and rule', () => {
      expect(renderWith({ webhook: { replicaCount: 0 } })).toThrow(
        new ConfigError([
          {
            subject: "cluster 'prod'",
            field: 'platform.certManager.values.webhook.replicaCount',
            message: 'must be a whole number of at least 1, got 0',
          },
          {
            subject: "cluster 'prod'",
            field: 'platform.certManager.values.webhook.podDisruptionBudget',
            message:
              'minAvailable 1 with 0 replica(s) would block every node drain; raise replicaCount or disable the budget',
          },
        ]),
      );
    });

    it('refuses a disruption budget that blocks node drains', () => {
      expect(renderWith({ replicaCount: 1 })).toThrow(
        "cluster 'prod' platform.certManager.values.podDisruptionBudget: minAvailable 1 with 1 replica(s) would block every node drain; raise replicaCount or disable the budget",
      );
    });

    it('refuses to drop the CRDs its issuers need', () => {
      expect(renderWith({ crds: { enabled: false } })).toThrow(
        "cluster 'prod' platform.certManager.values.crds.enabled: must stay true: the configs layer creates ClusterIssuers, whose CRDs this chart installs",
      );
    });
  });
});

describe('ACME certificates for public environments', () => {
  const acme = {
    email: 'platform@example.com',
    cloudflare: { apiTokenSecret: 'cloudflare-api-token' },
    environments: ['prod'],
  };
  const token = { namespace: 'cert-manager', name: 'cloudflare-api-token', providedBy: 'a test' };
  const withAcme = (settings: Record<string, unknown>, external = [token]) => {
    const reference = loadConfig();
    return {
      ...reference,
      clusters: reference.clusters.map((cluster) =>
        cluster.name === 'prod'
          ? {
              ...cluster,
              secrets: { ...cluster.secrets, external },
              platform: { ...cluster.platform, certManager: { acme: settings as never } },
            }
          : cluster,
      ),
    };
  };
  const render = (settings: Record<string, unknown>, external = [token]) =>
    renderTree(withAcme(settings, external), ['prod']);
  const errorOf = (settings: Record<string, unknown>, external = [token]) => {
    try {
      render(settings, external);
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      return (error as Error).message;
    }
    throw new Error('expected the configuration to be rejected');
  };

  it("issues the prod listener's wildcard certificate through DNS-01; the platform's keeps the private CA", () => {
    const tree = render(acme);
    const issuer = findObject(
      tree,
      'platform/prod/configs/cert-manager/',
      'ClusterIssuer',
      'prod-acme',
    );
    expect(issuer.spec).toEqual({
      acme: {
        email: 'platform@example.com',
        server: 'https://acme-v02.api.letsencrypt.org/directory',
        privateKeySecretRef: { name: 'prod-acme-account' },
        solvers: [
          {
            dns01: {
              cloudflare: { apiTokenSecretRef: { name: 'cloudflare-api-token', key: 'api-token' } },
            },
          },
        ],
      },
    });
    expect(sharedValidator().validate(issuer)).toEqual([]);
    const issuerOf = (name: string) =>
      (
        findObject(tree, 'platform/prod/configs/cilium/', 'Certificate', name).spec as {
          issuerRef: { name: string };
        }
      ).issuerRef.name;
    expect(issuerOf('https-prod')).toBe('prod-acme');
    expect(issuerOf('https-platform')).toBe('prod-ca');
  });

  it('needs the DNS API token as a Secret, encrypted or declared external', () => {
    expect(errorOf(acme, [])).toContain(
      "cluster 'prod' secrets (component cert-manager): Secret cert-manager/cloudflare-api-token (the Cloudflare API token of the ACME DNS-01 solver, keys api-token) is neither encrypted in secrets/prod/cert-manager/cloudflare-api-token.yaml nor declared external",
    );
  });

  it('refuses a bad email, a plain-http server and an environment of another cluster', () => {
    expect(
      errorOf({ ...acme, email: 'platform', server: 'http://acme.example', environments: ['dev'] }),
    ).toBe(
      [
        '3 problems:',
        "  - cluster 'prod' platform.certManager.acme.email: must be an email address, got 'platform'",
        "  - cluster 'prod' platform.certManager.acme.server: must be an https:// ACME directory URL, got 'http://acme.example'",
        "  - cluster 'prod' platform.certManager.acme.environments: 'dev' is not an environment of cluster prod (its environments: prod)",
      ].join('\n'),
    );
  });
});
