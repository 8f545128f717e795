// What a cluster's `platform.argocd` settings may hold: the typed chart values and options of Argo CD.
import type { ComponentSettings } from './component-settings';

/** The argo-cd chart's `notifications` values this platform sets (argocd-notifications-cm). */
export interface ArgoCdNotificationsValues {
  /** Whether the chart creates argocd-notifications-secret (no: it comes from git, encrypted). */
  readonly secret: { readonly create: boolean };
  /** `service.<type>.<name>` entries: the notification services. */
  readonly notifiers: Readonly<Record<string, string>>;
  /** `template.<name>` entries: the messages. */
  readonly templates: Readonly<Record<string, string>>;
  /** `trigger.<name>` entries: when each message is sent. */
  readonly triggers: Readonly<Record<string, string>>;
}

/** Metrics of one Argo CD component. */
export interface ArgoCdMetricsValues {
  /** Metrics endpoint and, where monitoring runs, a ServiceMonitor. */
  readonly metrics: {
    readonly enabled: boolean;
    readonly serviceMonitor: { readonly enabled: boolean };
  };
}

/**
 * The argo-cd chart values this platform sets (a typed subset of its values.yaml).
 * @see https://github.com/argoproj/argo-helm/tree/main/charts/argo-cd
 */
export interface ArgoCdValues {
  /** Host name of the UI and API; the chart derives URLs from it. */
  readonly global: { readonly domain: string };
  /** CRDs installed and kept with the chart. */
  readonly crds: { readonly install: boolean; readonly keep: boolean };
  /** Argo CD's configuration. */
  readonly configs: {
    /** argocd-cmd-params-cm. */
    readonly params: {
      /** TLS ends at the Gateway: the server speaks plain HTTP behind it. */
      readonly 'server.insecure': boolean;
      /** Spreads clusters over the controller shards evenly. */
      readonly 'controller.sharding.algorithm': 'legacy' | 'round-robin' | 'consistent-hashing';
    };
    /** argocd-cm entries (OIDC, UI settings). */
    readonly cm: Readonly<Record<string, string | boolean>>;
    /** argocd-ssh-known-hosts-cm: host keys added to the chart's defaults (GitHub, GitLab, ...). */
    readonly ssh?: { readonly extraHosts: string };
    /** argocd-rbac-cm. */
    readonly rbac: {
      readonly 'policy.default': string;
      readonly 'policy.csv': string;
      readonly scopes: string;
    };
  };
  /** The notifications controller: delivery events to each environment's receiver. */
  readonly notifications: ArgoCdNotificationsValues;
  /** Application controller (sharded when replicas > 1). */
  readonly controller: ArgoCdMetricsValues & { readonly replicas: number };
  /** Repo server (renders manifests). */
  readonly repoServer: ArgoCdMetricsValues & { readonly replicas: number };
  /** API server and UI. */
  readonly server: ArgoCdMetricsValues & {
    readonly autoscaling: {
      readonly enabled: boolean;
      readonly minReplicas: number;
      readonly maxReplicas: number;
    };
    /** UI extensions installed into the server at start. */
    readonly extensions: {
      readonly enabled: boolean;
      readonly extensionList: readonly {
        readonly name: string;
        readonly env: readonly { readonly name: string; readonly value: string }[];
      }[];
    };
  };
  /** ApplicationSet controller. */
  readonly applicationSet: ArgoCdMetricsValues & { readonly replicas: number };
  /** Single Redis (dev). */
  readonly redis: { readonly enabled: boolean };
  /** Redis HA with Sentinel (prod). */
  readonly 'redis-ha': { readonly enabled: boolean };
}

/** A team's access: members of an SSO group may sync and manage their team's project only. */
export interface ArgoCdTeam {
  /** Team name, equal to the AppProject the app model creates for it. */
  readonly name: string;
  /** SSO group whose members act for the team. */
  readonly group: string;
}

/** OIDC single sign-on. The client secret stays in a Secret; only its name and key appear here. */
export interface ArgoCdSso {
  /** Display name on the login button. */
  readonly name: string;
  /** Issuer URL (https). */
  readonly issuer: string;
  /** OAuth client id. */
  readonly clientId: string;
  /** Secret in Argo CD's namespace holding the client secret (labelled `app.kubernetes.io/part-of: argocd`). */
  readonly clientSecret: { readonly secretName: string; readonly key: string };
  /**
   * Members of this group are Argo CD admins.
   * @default none - only the local admin, until it is disabled
   */
  readonly adminGroup?: string;
}

/** A cluster's Argo CD settings. */
export interface ArgoCdSettings extends ComponentSettings<ArgoCdValues> {
  /**
   * Teams and their SSO groups, for RBAC.
   * @default [] - everyone signed in is read-only
   */
  readonly teams?: readonly ArgoCdTeam[];
  /**
   * OIDC single sign-on.
   * @default undefined - local accounts only
   */
  readonly sso?: ArgoCdSso;
}
