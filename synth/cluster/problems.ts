// One finding of a whole-cluster check, worded so a reader can act on it without the code.

/** The whole-cluster checks, by name. */
export type ClusterCheck =
  'values' | 'references' | 'pod-security' | 'apis' | 'images' | 'compatibility' | 'mirror';

/** A rule the cluster's objects break. */
export interface ClusterProblem {
  /** The check that found it. */
  readonly check: ClusterCheck;
  /** The object (`Deployment monitoring/kube-prometheus-stack-grafana`) or HelmRelease. */
  readonly object: string;
  /** Where the object comes from (GitOps file or chart template). */
  readonly source: string;
  /** Field path inside the object, e.g. `spec.values.csi.kubeletDirPath`. */
  readonly path: string;
  /** The rule broken, with the value seen. */
  readonly rule: string;
  /** What to change. */
  readonly fix: string;
}

/** `check: object (source): path: rule; fix`, one line. */
export function formatProblem(problem: ClusterProblem): string {
  return `[${problem.check}] ${problem.object} (${problem.source}): ${problem.path}: ${problem.rule}. Fix: ${problem.fix}`;
}
