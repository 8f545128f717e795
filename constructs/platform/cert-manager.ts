import type { Construct } from 'constructs';
import { ClusterTier, type ClusterConfig } from '../config/types';
import { ProblemCollector } from '../errors';
import {
  Certificate,
  CertificateSpecPrivateKeyAlgorithm,
} from '../imports/certmanager-certificate-cert-manager.io';
import { ClusterIssuer } from '../imports/certmanager-clusterissuer-cert-manager.io';
import {
  PlatformComponent,
  type ComponentIdentity,
  type PlatformComponentProps,
} from './component';
import { CHART_VERSIONS } from './versions';
import { mergeValues } from '../config/component-settings';
import {
  type CertManagerDeploymentValues,
  type CertManagerValues,
  CertificateAuthority,
  type CertManagerSettings,
  type AcmeSettings,
} from '../config/cert-manager';
import { PLATFORM_NAMESPACES } from '../contract/names';

/**
 * The ClusterIssuer certificates use on a cluster: the private CA's on production clusters
 * (or wherever a private CA is chosen), the self-signed one otherwise. Other components (the
 * Gateway's certificates) call this, so both sides agree without building cert-manager first.
 */
export function clusterIssuerName(cluster: ClusterConfig): string {
  return authorityOf(cluster).kind === 'private-ca' ? `${cluster.name}-ca` : 'selfsigned';
}

/** Let's Encrypt's production directory, the default ACME server. */
export const LETS_ENCRYPT = 'https://acme-v02.api.letsencrypt.org/directory';

/** The ClusterIssuer of an environment's listener: ACME where the cluster asks, else its own. */
export function listenerIssuerName(cluster: ClusterConfig, environment?: string): string {
  const acme = cluster.platform?.certManager?.acme;
  return environment !== undefined && acme?.environments.includes(environment)
    ? `${cluster.name}-acme`
    : clusterIssuerName(cluster);
}

function authorityOf(cluster: ClusterConfig): CertificateAuthority {
  return (
    cluster.platform?.certManager?.authority ??
    (cluster.tier === ClusterTier.PRODUCTION
      ? CertificateAuthority.privateCa()
      : CertificateAuthority.selfSigned())
  );
}

/** Props of {@link CertManager}. */
export interface CertManagerProps extends PlatformComponentProps {
  /**
   * The cluster's settings for cert-manager.
   * @default {} - defaults for the cluster's tier
   */
  readonly settings?: CertManagerSettings;
}

function deploymentDefaults(replicas: number, memory: string): CertManagerDeploymentValues {
  return {
    replicaCount: replicas,
    podDisruptionBudget: replicas > 1 ? { enabled: true, minAvailable: 1 } : { enabled: false },
    resources: { requests: { cpu: '10m', memory }, limits: { memory } },
  };
}

/** Rejects values that would install but then break the cluster. */
function validateAcme(
  cluster: ClusterConfig,
  environments: readonly string[],
  acme: AcmeSettings,
): void {
  const problems = new ProblemCollector();
  const subject = `cluster '${cluster.name}'`;
  const field = 'platform.certManager.acme';
  problems.check(
    /^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(acme.email),
    subject,
    `${field}.email`,
    `must be an email address, got '${acme.email}'`,
  );
  problems.check(
    acme.server === undefined || /^https:\/\/\S+$/.test(acme.server),
    subject,
    `${field}.server`,
    `must be an https:// ACME directory URL, got '${acme.server ?? ''}'`,
  );
  problems.check(
    acme.environments.length > 0,
    subject,
    `${field}.environments`,
    'must name at least one environment of the cluster',
  );
  for (const environment of acme.environments) {
    problems.check(
      environments.includes(environment),
      subject,
      `${field}.environments`,
      `'${environment}' is not an environment of cluster ${cluster.name} (its environments: ${environments.join(', ')})`,
    );
  }
  problems.throwIfAny();
}

function validateValues(clusterName: string, values: CertManagerValues): void {
  const problems = new ProblemCollector();
  const subject = `cluster '${clusterName}'`;
  const field = 'platform.certManager.values';
  const deployments = [
    ['', values],
    ['webhook.', values.webhook],
    ['cainjector.', values.cainjector],
  ] as const;
  for (const [prefix, deployment] of deployments) {
    const replicas = deployment.replicaCount;
    problems.check(
      Number.isInteger(replicas) && replicas >= 1,
      subject,
      `${field}.${prefix}replicaCount`,
      `must be a whole number of at least 1, got ${replicas}`,
    );
    const minAvailable = deployment.podDisruptionBudget.minAvailable ?? 1;
    problems.check(
      !deployment.podDisruptionBudget.enabled || minAvailable < replicas,
      subject,
      `${field}.${prefix}podDisruptionBudget`,
      `minAvailable ${minAvailable} with ${replicas} replica(s) would block every node drain; raise replicaCount or disable the budget`,
    );
  }
  problems.check(
    values.crds.enabled,
    subject,
    `${field}.crds.enabled`,
    'must stay true: the configs layer creates ClusterIssuers, whose CRDs this chart installs',
  );
  problems.throwIfAny();
}

/**
 * cert-manager: the chart (CRDs included, so the controllers layer's health check guarantees
 * the CRDs exist before the configs layer creates issuers) and the cluster's ClusterIssuers.
 * Production runs two replicas of each deployment with disruption budgets.
 */
export class CertManager extends PlatformComponent {
  /** Name, namespace and source of the component. */
  public static readonly IDENTITY: ComponentIdentity = {
    name: 'cert-manager',
    namespace: PLATFORM_NAMESPACES.certManager,
    sourceFile: 'constructs/platform/cert-manager.ts',
    // The ACME DNS-01 solver's API token, when a cluster uses ACME.
    needsSecrets: (cluster) => {
      const acme = cluster.platform?.certManager?.acme;
      return acme
        ? [
            {
              namespace: PLATFORM_NAMESPACES.certManager,
              name: acme.cloudflare.apiTokenSecret,
              keys: ['api-token'],
              purpose: 'the Cloudflare API token of the ACME DNS-01 solver',
            },
          ]
        : [];
    },
  };

  /** The chart values rendered into the HelmRelease (defaults merged with overrides). */
  public readonly values: CertManagerValues;

  public constructor(scope: Construct, id: string, props: CertManagerProps) {
    super(scope, id, CertManager.IDENTITY, props);
    const production = props.cluster.tier === ClusterTier.PRODUCTION;
    const replicas = production ? 2 : 1;
    const defaults: CertManagerValues = {
      crds: { enabled: true, keep: true },
      ...deploymentDefaults(replicas, '128Mi'),
      webhook: deploymentDefaults(replicas, '64Mi'),
      cainjector: deploymentDefaults(replicas, '128Mi'),
      prometheus: { enabled: true, servicemonitor: { enabled: false } },
    };
    this.values = mergeValues(defaults, props.settings?.values);
    validateValues(props.cluster.name, this.values);
    this.installChart(CHART_VERSIONS.certManager, this.values);

    // Certificates name their issuer through clusterIssuerName(), which needs no instance.
    const authority = props.settings?.authority ?? authorityOf(props.cluster);
    this.addIssuers(props.cluster.name, authority);
    const acme = props.settings?.acme;
    if (acme) {
      validateAcme(
        props.cluster,
        props.environments.map(({ name }) => name),
        acme,
      );
      new ClusterIssuer(this.configs, 'acme', {
        metadata: { name: `${props.cluster.name}-acme` },
        spec: {
          acme: {
            email: acme.email,
            server: acme.server ?? LETS_ENCRYPT,
            // The account key: cert-manager creates it on first registration.
            privateKeySecretRef: { name: `${props.cluster.name}-acme-account` },
            solvers: [
              {
                dns01: {
                  cloudflare: {
                    apiTokenSecretRef: { name: acme.cloudflare.apiTokenSecret, key: 'api-token' },
                  },
                },
              },
            ],
          },
        },
      });
    }
  }

  private addIssuers(clusterName: string, authority: CertificateAuthority): void {
    new ClusterIssuer(this.configs, 'selfsigned', {
      metadata: { name: 'selfsigned' },
      spec: { selfSigned: {} },
    });
    if (authority.kind === 'selfsigned') return;

    const caName = `${clusterName}-ca`;
    new Certificate(this.configs, 'root-ca', {
      metadata: { name: `${caName}-root`, namespace: this.namespace },
      spec: {
        isCa: true,
        commonName: authority.commonName ?? `${clusterName} platform root CA`,
        secretName: `${caName}-root`,
        duration: '87600h',
        renewBefore: '720h',
        privateKey: { algorithm: CertificateSpecPrivateKeyAlgorithm.ECDSA, size: 256 },
        issuerRef: { name: 'selfsigned', kind: 'ClusterIssuer', group: 'cert-manager.io' },
      },
    });
    new ClusterIssuer(this.configs, 'ca', {
      metadata: { name: caName },
      spec: { ca: { secretName: `${caName}-root` } },
    });
  }
}
