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
