import { Chart } from 'cdk8s';
import type { Construct } from 'constructs';

const GITOPS_FOLDER = Symbol.for('nextgen-gitops.GitOpsFolder');

/** Props of a {@link GitOpsFolder}. */
export interface GitOpsFolderProps {
  /**
   * Folder inside the GitOps tree, `/`-separated, relative to `gitops/`
   * (e.g. `platform/dev/controllers/cert-manager`). Each object is written there as
   * `<kind>-<name>.yaml`; synth adds the folder's `kustomization.yaml`.
   */
  readonly folder: string;
  /**
   * Source files a person edits to change this folder's output, repository-relative;
   * named in every generated file's header.
   */
  readonly sources: readonly string[];
  /**
   * Namespace for objects that set none.
   * @default - objects keep the namespace they set (cluster-scoped objects have none)
   */
  readonly namespace?: string;
}

/**
 * A chart whose objects land in one folder of the GitOps tree. Every object in the output
 * belongs to exactly one such folder; an empty folder is still written (with an empty
 * `kustomization.yaml`) so Flux paths that point at it always exist.
 */
export class GitOpsFolder extends Chart {
  /**
   * Whether a construct is a GitOpsFolder. (`instanceof` would not do: cdk8s's Chart defines
   * `Symbol.hasInstance`, so `x instanceof GitOpsFolder` is true for any chart.)
   */
  public static isGitOpsFolder(construct: unknown): construct is GitOpsFolder {
    return typeof construct === 'object' && construct !== null && GITOPS_FOLDER in construct;
  }

  /** Finds every GitOpsFolder in a construct tree. */
  public static all(scope: Construct): GitOpsFolder[] {
    return scope.node.findAll().filter(GitOpsFolder.isGitOpsFolder);
  }

  /** Folder inside the GitOps tree. */
  public readonly folder: string;
  /** Source files to edit instead of the output. */
  public readonly sources: readonly string[];

  public constructor(scope: Construct, id: string, props: GitOpsFolderProps) {
    super(scope, id, { namespace: props.namespace, disableResourceNameHashes: true });
    this.folder = props.folder;
    this.sources = props.sources;
    Object.defineProperty(this, GITOPS_FOLDER, { value: true });
  }
}
