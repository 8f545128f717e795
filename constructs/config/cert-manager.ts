// What a cluster's `platform.certManager` settings may hold: the typed chart values and options of cert-manager.
import type { ComponentSettings } from './component-settings';

/** Resource requests and limits of one cert-manager deployment. */
export interface CertManagerResources {
  /** Requests, e.g. `{ cpu: '10m', memory: '64Mi' }`. */
  readonly requests: { readonly cpu: string; readonly memory: string };
  /** Limits; memory only, so CPU bursts are not throttled. */
  readonly limits: { readonly memory: string };
}

/** Settings of one of cert-manager's deployments (controller, webhook, cainjector). */
export interface CertManagerDeploymentValues {
  /** Replica count. */
  readonly replicaCount: number;
  /** PodDisruptionBudget; the chart renders one when enabled. */
  readonly podDisruptionBudget: { readonly enabled: boolean; readonly minAvailable?: number };
  /** Container resources. */
  readonly resources: CertManagerResources;
}

/**
 * The cert-manager chart values this platform sets (a typed subset of the chart's
 * values.yaml; a wrong key fails `tsc`).
 * @see https://cert-manager.io/docs/installation/helm/
 */
export interface CertManagerValues extends CertManagerDeploymentValues {
  /** Install the CRDs with the chart, and keep them when the release is removed. */
  readonly crds: { readonly enabled: boolean; readonly keep: boolean };
  /** Admission webhook deployment. */
  readonly webhook: CertManagerDeploymentValues;
  /** CA injector deployment. */
  readonly cainjector: CertManagerDeploymentValues;
  /**
   * Prometheus metrics. The chart's ServiceMonitor stays off: cert-manager installs before
   * prometheus-operator's CRDs exist, so the monitoring component renders the ServiceMonitor.
   */
  readonly prometheus: {
    readonly enabled: boolean;
    readonly servicemonitor: { readonly enabled: boolean };
  };
}

/** Which ClusterIssuers the cluster gets; apps and platform UIs request certificates from them. */
export class CertificateAuthority {
  /**
   * One self-signed ClusterIssuer (`selfsigned`): every certificate signs itself. For dev.
   */
  public static selfSigned(): CertificateAuthority {
    return new CertificateAuthority('selfsigned', undefined);
  }

  /**
   * A private CA: a self-signed root certificate held in a Secret in cert-manager's namespace,
   * and a CA ClusterIssuer (`<cluster>-ca`) signing with it. Clients trust the root once.
   * @param options.commonName the root's common name (default `<cluster> platform root CA`)
   */
  public static privateCa(options: { readonly commonName?: string } = {}): CertificateAuthority {
    return new CertificateAuthority('private-ca', options.commonName);
  }

  private constructor(
    /** Which kind of authority. */
    public readonly kind: 'selfsigned' | 'private-ca',
    /** The root's common name, for a private CA. */
    public readonly commonName: string | undefined,
  ) {}
}

/** A cluster's cert-manager settings. */
export interface CertManagerSettings extends ComponentSettings<CertManagerValues> {
  /**
   * The cluster's certificate authority.
   * @default CertificateAuthority.selfSigned() on non-production clusters,
   *   CertificateAuthority.privateCa() on production ones
   */
  readonly authority?: CertificateAuthority;
  /**
   * Publicly trusted certificates (ACME, e.g. Let's Encrypt) for the listeners of the given
   * environments; the platform listener and the other environments keep the cluster's
   * authority (a private CA suits internal domains).
   * @default - no ACME: every listener uses the cluster's authority
   */
  readonly acme?: AcmeSettings;
}

/**
 * An ACME ClusterIssuer (`<cluster>-acme`). The Gateway's listeners take wildcard certificates
 * (`*.<environment domain>`), which ACME issues only through DNS-01, so the solver is DNS:
 * Cloudflare's API, with a token from an encrypted Secret.
 */
export interface AcmeSettings {
  /** Account email: the CA writes here about expiring certificates and policy changes. */
  readonly email: string;
  /**
   * ACME directory URL.
   * @default 'https://acme-v02.api.letsencrypt.org/directory' (Let's Encrypt production)
   */
  readonly server?: string;
  /**
   * DNS-01 through Cloudflare: the Secret in cert-manager's namespace holding an API token
   * allowed to edit the zones' DNS (key `api-token`), encrypted in
   * `secrets/<cluster>/cert-manager/` like every other Secret.
   */
  readonly cloudflare: { readonly apiTokenSecret: string };
  /** The environments (of this cluster) whose listener certificates come from ACME. */
  readonly environments: readonly string[];
}
