// Label keys shared by the platform (Kyverno policies, Prometheus selectors, network policies)
// and the app model, so both sides agree on one spelling.

/** The owning team of a workload or namespace; Kyverno requires it on app workloads. */
export const TEAM_LABEL = 'nextgen.dev/team';

/** The environment an app namespace belongs to (`dev`, `test`, `prod`). */
export const ENVIRONMENT_LABEL = 'nextgen.dev/environment';

/**
 * Marks a namespace as an application namespace (value `"true"`): the platform's policies
 * (default-deny network policy generation, Pod Security) apply to these, not to platform ones.
 */
export const APP_NAMESPACE_LABEL = 'nextgen.dev/app-namespace';

/** The recommended Kubernetes labels every app object carries. */
export const STANDARD_LABELS = {
  name: 'app.kubernetes.io/name',
  instance: 'app.kubernetes.io/instance',
  version: 'app.kubernetes.io/version',
  component: 'app.kubernetes.io/component',
  partOf: 'app.kubernetes.io/part-of',
  managedBy: 'app.kubernetes.io/managed-by',
} as const;
