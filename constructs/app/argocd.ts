// Argo CD registrations of a cluster's apps: one AppProject per team, one Application per app
// per environment, written to argocd/<cluster> (the apps layer of the cluster's Flux chain).
import { Construct } from 'constructs';
import type { ClusterConfig } from '../config/types';
import { type GitOpsFolder } from '../gitops-folder';
import { Application } from '../imports/argocd-application-argoproj.io';
import { AppProject } from '../imports/argocd-appproject-argoproj.io';
import { ENVIRONMENT_LABEL, TEAM_LABEL } from '../contract/labels';
import { APP_ANNOTATION, subscriptionAnnotations } from '../platform/notifications';
import type { AppConstruct } from './app-construct';
import { JsonObject } from '../json-object';
import { ARGOCD_NAMESPACE } from '../contract/names';
import { sourceFiles } from '../contract/layout';
import { renderAppNamespace } from './foundation';

/** The in-cluster API server as Argo CD names it. */
const IN_CLUSTER = 'https://kubernetes.default.svc';

// What an app's folder may contain: the kinds the app model renders, nothing wider.
const NAMESPACED_KINDS: readonly { group: string; kind: string }[] = [
  { group: '', kind: 'ConfigMap' },
  { group: '', kind: 'LimitRange' },
  { group: '', kind: 'ResourceQuota' },
  { group: '', kind: 'Service' },
  { group: '', kind: 'ServiceAccount' },
  { group: 'apps', kind: 'Deployment' },
  { group: 'argoproj.io', kind: 'AnalysisTemplate' },
  { group: 'argoproj.io', kind: 'Rollout' },
  { group: 'autoscaling', kind: 'HorizontalPodAutoscaler' },
  { group: 'batch', kind: 'CronJob' },
  { group: 'cilium.io', kind: 'CiliumNetworkPolicy' },
  { group: 'gateway.networking.k8s.io', kind: 'HTTPRoute' },
  { group: 'monitoring.coreos.com', kind: 'PodMonitor' },
  { group: 'monitoring.coreos.com', kind: 'ServiceMonitor' },
  { group: 'policy', kind: 'PodDisruptionBudget' },
];

/** Props of {@link ArgoCdRegistrations}. */
export interface ArgoCdRegistrationsProps {
  /** The cluster whose apps are registered. */
  readonly cluster: ClusterConfig;
  /** The apps rendered for the cluster's environments. */
  readonly apps: readonly AppConstruct[];
  /**
   * The folder to write to; created by the cluster so it exists even without apps.
   */
  readonly folder: GitOpsFolder;
}

/**
 * AppProjects and Applications. A team's project may deploy only from this repository and
 * only into its own apps' namespaces, and only the kinds the app model renders (no Secret:
 * those reach a namespace outside Git). Applications sync automatically (prune, self-heal)
 * where the environment says so; in gated environments Argo CD shows the diff and waits for
 * a person. Fields other controllers own at run time (a canary's route weights) are ignored.
 */
export class ArgoCdRegistrations extends Construct {
  public constructor(scope: Construct, id: string, props: ArgoCdRegistrationsProps) {
    super(scope, id);
    const { cluster, folder } = props;
    const teams = [...new Set(props.apps.map((app) => app.definition.team))].sort();
    for (const team of teams) {
      const namespaces = props.apps
        .filter((app) => app.definition.team === team)
        .map((app) => app.binding.namespace)
        .sort();
      new JsonObject(folder, `project-${team}`, {
        ...AppProject.GVK,
        metadata: { name: team, namespace: ARGOCD_NAMESPACE, labels: { [TEAM_LABEL]: team } },
        spec: {
          description: `Apps of team ${team} on cluster ${cluster.name}`,
          sourceRepos: [cluster.gitops.url],
          destinations: namespaces.map((namespace) => ({ server: IN_CLUSTER, namespace })),
          // No cluster-scoped kind, Namespace included: Flux creates the apps' namespaces, so a
          // team cannot relabel one out of its policies.
          clusterResourceWhitelist: [],
          namespaceResourceWhitelist: NAMESPACED_KINDS.map((entry) => ({ ...entry })),
        },
      });
    }

    const sorted = [...props.apps].sort((a, b) => (a.folder.folder < b.folder.folder ? -1 : 1));
    for (const app of sorted) {
      const { environment, namespace } = app.binding;
      renderAppNamespace(folder, namespace, app.labels);
      const automatic = environment.syncPolicy.mode === 'automatic';
      const ignored = app.runtimeOwnedFields;
      new JsonObject(folder, `application-${environment.name}-${app.definition.name}`, {
        ...Application.GVK,
        metadata: {
          name: `${environment.name}-${app.definition.name}`,
          namespace: ARGOCD_NAMESPACE,
          labels: { [TEAM_LABEL]: app.definition.team, [ENVIRONMENT_LABEL]: environment.name },
          // What the delivery notifications name, and where they go.
          annotations: {
            [APP_ANNOTATION]: app.definition.name,
            ...subscriptionAnnotations(environment.alertReceiver),
          },
          // Deleting the Application deletes what it deployed, not only the registration.
          finalizers: ['resources-finalizer.argocd.argoproj.io'],
        },
        spec: {
          project: app.definition.team,
          source: {
            repoURL: cluster.gitops.url,
            targetRevision: cluster.gitops.branch,
            path: `${cluster.gitops.path}/${app.folder.folder}`,
          },
          destination: { server: IN_CLUSTER, namespace },
          ...(ignored.length > 0
            ? {
                ignoreDifferences: ignored.map((fields) => ({
                  ...fields,
                  jqPathExpressions: [...fields.jqPathExpressions],
                })),
              }
            : {}),
          syncPolicy: {
            ...(automatic
              ? {
                  automated: {
                    prune: environment.syncPolicy.prune,
                    selfHeal: environment.syncPolicy.selfHeal,
                  },
                }
              : {}),
            // A sync applies only what is out of sync, so a route that differs only in its
            // ignored weights is left to Argo Rollouts. Not RespectIgnoreDifferences: on a
            // custom resource such as HTTPRoute it copies the whole live `rules` array into
            // the desired state (argo-cd #17694), and Git changes to the rules would never apply.
            syncOptions: [
              'PruneLast=true',
              ...(ignored.length > 0 ? ['ApplyOutOfSyncOnly=true'] : []),
            ],
            retry: { limit: 5, backoff: { duration: '10s', factor: 2, maxDuration: '3m' } },
          },
        },
      });
    }
  }
}

/** The source files named in argocd/<cluster> headers. */
export function argocdSources(clusterName: string): string[] {
  return ['constructs/app/argocd.ts', sourceFiles.clusterConfig(clusterName), sourceFiles.appIndex];
}
