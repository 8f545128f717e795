// Argo CD: syncs the apps' manifests (registered by the app model), single replica in dev and
// HA in prod, on the cluster domain, with RBAC by team and the Argo Rollouts UI extension.
import type { Construct } from 'constructs';
import { ClusterTier, NodeRole, type ClusterConfig, type NodeConfig } from '../config/types';
import { ProblemCollector } from '../errors';
import {
  PlatformComponent,
  type ComponentIdentity,
  type PlatformComponentProps,
} from './component';
import { platformRoute } from './gateway';
import { isComponentEnabled } from '../config/settings';
import { ARTIFACT_VERSIONS, CHART_VERSIONS } from './versions';
import { mergeValues } from '../config/component-settings';
import {
  type ArgoCdMetricsValues,
  type ArgoCdValues,
  type ArgoCdTeam,
  type ArgoCdSso,
  type ArgoCdSettings,
} from '../config/argocd';
import { ARGOCD_HOST, argocdHostname } from '../contract/gateway';
import { ARGOCD_NAMESPACE } from '../contract/names';
import type { NeededSecret } from '../contract/secrets';
import { argocdNotificationValues, clusterReceivers } from './notifications';

/** Props of {@link ArgoCd}. */
export interface ArgoCdProps extends PlatformComponentProps {
  /**
   * The cluster's settings for Argo CD. `values` merge over the defaults: objects key by key,
   * arrays and scalars replaced (so an override of `configs.rbac['policy.csv']` replaces the
   * team policy), left-out keys keep the default.
   * @default {} - single replicas in dev, HA in prod
   */
  readonly settings?: ArgoCdSettings;
}

const metrics = (monitored: boolean): ArgoCdMetricsValues => ({
  metrics: { enabled: true, serviceMonitor: { enabled: monitored } },
});

/** The RBAC policy: each team's role may do everything in its own project, nothing elsewhere. */
export function teamPolicy(teams: readonly ArgoCdTeam[], adminGroup?: string): string {
  const lines = teams.flatMap((team) => [
    `p, role:${team.name}, applications, *, ${team.name}/*, allow`,
    `p, role:${team.name}, logs, get, ${team.name}/*, allow`,
    `p, role:${team.name}, exec, create, ${team.name}/*, deny`,
    `g, ${team.group}, role:${team.name}`,
  ]);
  if (adminGroup !== undefined) lines.push(`g, ${adminGroup}, role:admin`);
  return lines.length > 0 ? `${lines.join('\n')}\n` : '';
}

function oidcConfig(sso: ArgoCdSso): string {
  return [
    `name: ${sso.name}`,
    `issuer: ${sso.issuer}`,
    `clientID: ${sso.clientId}`,
    `clientSecret: $${sso.clientSecret.secretName}:${sso.clientSecret.key}`,
    'requestedScopes: ["openid", "profile", "email", "groups"]',
    '',
  ].join('\n');
}

/**
 * Argo CD. In prod: two sharded application controllers, Redis HA, two repo servers and an
 * autoscaled API server; in dev, one of each. The UI is routed at `argocd.<cluster domain>`
 * and shows Rollouts through the Rollouts extension (Rollout health is built into Argo CD).
 */
/** Argo CD's credentials for the GitOps repository: SSH key, or user and token over HTTPS. */
export function repositorySecret(cluster: ClusterConfig): Omit<NeededSecret, 'neededBy'> {
  const ssh = cluster.gitops.url.startsWith('ssh://');
  return {
    namespace: ARGOCD_NAMESPACE,
    name: 'gitops-repository',
    keys: ssh ? ['type', 'url', 'sshPrivateKey'] : ['type', 'url', 'username', 'password'],
    labels: { 'argocd.argoproj.io/secret-type': 'repository' },
    purpose: `Argo CD's credentials for ${cluster.gitops.url}`,
  };
}

export class ArgoCd extends PlatformComponent {
  /** Name, namespace and source of the component. */
  public static readonly IDENTITY: ComponentIdentity = {
    name: 'argocd',
    namespace: ARGOCD_NAMESPACE,
    sourceFile: 'constructs/platform/argocd.ts',
    // The credentials of the GitOps repository, which Argo CD finds by their label.
    needsSecrets: (cluster) => [repositorySecret(cluster)],
    createsAtRunTime: {
      // Redis's password, which every Argo CD component reads.
      secrets: [
        {
          name: 'argocd-redis',
          createdBy: "the argo-cd chart's pre-install hook Job argocd-redis-secret-init",
        },
      ],
    },
  };

  /** The chart values rendered into the HelmRelease. */
  public readonly values: ArgoCdValues;

  public constructor(scope: Construct, id: string, props: ArgoCdProps) {
    super(scope, id, ArgoCd.IDENTITY, props);
    const { cluster } = props;
    const settings = props.settings ?? {};
    const production = cluster.tier === ClusterTier.PRODUCTION;
    const knownHosts = cluster.gitops.knownHosts ?? [];
    const monitored = isComponentEnabled(cluster, 'monitoring');
    const host = argocdHostname(cluster);
    const defaults: ArgoCdValues = {
      global: { domain: host },
      crds: { install: true, keep: true },
      configs: {
        params: { 'server.insecure': true, 'controller.sharding.algorithm': 'round-robin' },
        cm: {
          'statusbadge.enabled': true,
          ...(settings.sso ? { 'oidc.config': oidcConfig(settings.sso) } : {}),
        },
        ...(knownHosts.length > 0 ? { ssh: { extraHosts: knownHosts.join('\n') } } : {}),
        rbac: {
          'policy.default': 'role:readonly',
          'policy.csv': teamPolicy(settings.teams ?? [], settings.sso?.adminGroup),
          scopes: '[groups]',
        },
      },
      notifications: argocdNotificationValues(clusterReceivers(props.environments)),
      controller: { replicas: production ? 2 : 1, ...metrics(monitored) },
      repoServer: { replicas: production ? 2 : 1, ...metrics(monitored) },
      server: {
        ...metrics(monitored),
        autoscaling: { enabled: production, minReplicas: 2, maxReplicas: 5 },
        extensions: {
          enabled: true,
          extensionList: [
            {
              name: 'rollout-extension',
              env: [
                {
                  name: 'EXTENSION_URL',
                  value: this.download(ARTIFACT_VERSIONS.argocdRolloutExtension),
                },
              ],
            },
          ],
        },
      },
      applicationSet: { replicas: production ? 2 : 1, ...metrics(monitored) },
      redis: { enabled: !production },
      'redis-ha': { enabled: production },
    };
    this.values = mergeValues(defaults, settings.values);
    validate(cluster, this.values, settings);
    this.installChart(CHART_VERSIONS.argocd, this.values);
    platformRoute(this.configs, 'route', {
      clusterDomain: cluster.domain,
      host: ARGOCD_HOST,
      namespace: this.namespace,
      service: `${this.componentName}-server`,
      port: 80,
    });
  }
}

/**
 * The nodes pods are scheduled on: the workers, or every node of a cluster that has none. Talos
 * lets workloads onto control planes only then (`allowSchedulingOnControlPlanes`, set in
 * infra/talos/patches.ts); otherwise they keep their NoSchedule taint.
 */
function workloadNodes(cluster: ClusterConfig): readonly NodeConfig[] {
  const workers = cluster.nodes.filter((node) => node.role === NodeRole.WORKER);
  return workers.length > 0 ? workers : cluster.nodes;
}

function validate(cluster: ClusterConfig, values: ArgoCdValues, settings: ArgoCdSettings): void {
  const problems = new ProblemCollector();
  const subject = `cluster '${cluster.name}'`;
  const field = 'platform.argocd';
  problems.check(
    values.redis.enabled !== values['redis-ha'].enabled,
    subject,
    `${field}.values.redis`,
    `exactly one of redis.enabled and redis-ha.enabled must be true, got ${values.redis.enabled} and ${values['redis-ha'].enabled}`,
  );
  const nodes = workloadNodes(cluster).length;
  problems.check(
    !values['redis-ha'].enabled || nodes >= 3,
    subject,
    `${field}.values.redis-ha.enabled`,
    `Redis HA spreads 3 replicas over separate nodes that run workloads, but the cluster has ${nodes}`,
  );
  problems.check(
    !values.server.autoscaling.enabled ||
      values.server.autoscaling.minReplicas <= values.server.autoscaling.maxReplicas,
    subject,
    `${field}.values.server.autoscaling`,
    `minReplicas ${values.server.autoscaling.minReplicas} is above maxReplicas ${values.server.autoscaling.maxReplicas}`,
  );
  const seen = new Set<string>();
  (settings.teams ?? []).forEach((team, i) => {
    problems.check(
      /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(team.name) && !seen.has(team.name),
      subject,
      `${field}.teams[${i}].name`,
      `must be a unique DNS-1123 label (the team's AppProject), got '${team.name}'`,
    );
    seen.add(team.name);
  });
  if (settings.sso) {
    problems.check(
      settings.sso.issuer.startsWith('https://'),
      subject,
      `${field}.sso.issuer`,
      `must be an https:// URL, got '${settings.sso.issuer}'`,
    );
  }
  problems.throwIfAny();
}
