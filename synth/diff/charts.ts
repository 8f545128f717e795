// What a change to a HelmRelease does to the cluster: for each HelmRelease whose chart, version,
// values or target differ between the two trees, `helm template` at base and at head, as extra
// files of each tree, so the resource diff shows the chart's objects that change. Only changed
// releases render; the outputs are cached by their inputs like `npm run render`'s.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parse, stringify } from 'yaml';
import { compareStrings } from '../../constructs/order';
import { GITOPS_ROOTS } from '../../constructs/contract/layout';
import type { KubeObject } from '../cluster/objects';
import {
  apiVersionsFile,
  helmTemplateArgs,
  releaseTarget,
  type CachedChart,
} from '../cluster/render';
import { withoutHeader } from './compare';
import type { TreeFiles } from './model';

/** What rendering the changed releases needs. */
export interface ChartDiffOptions {
  /** The cached charts (`npm run charts`); read only when a release changed. */
  readonly charts: () => readonly CachedChart[];
  /** The helm binary; looked up only when a release changed. */
  readonly helm: () => string;
  /** Kubernetes version of a cluster (`--kube-version`), by cluster name. */
  readonly kubernetesVersion: (cluster: string) => string | undefined;
  /**
   * Render cache: outputs by inputs, and the APIs each cluster serves as its last full render
   * recorded them.
   */
  readonly cacheDir: string;
}

/** The rendered objects of the changed releases, as files to add to each side. */
export interface RenderedChanges {
  /** Files for the base tree. */
  readonly before: Map<string, string>;
  /** Files for the head tree. */
  readonly after: Map<string, string>;
  /** Releases that changed: `dev: rook-ceph/rook-ceph (rook-ceph v1.20.6)`. */
  readonly rendered: readonly string[];
  /** What could not be rendered, or rendered with less than the cluster knows. */
  readonly notes: readonly string[];
}

/** Folder of the rendered files inside the tree: `platform/<cluster>/rendered/…`. */
export const RENDERED_FOLDER = 'rendered';

interface Side {
  readonly path: string;
  readonly object: KubeObject;
}

interface ReleaseSpec {
  readonly chart?: { readonly spec?: { readonly chart?: string; readonly version?: string } };
}

const isHelmReleaseFile = (file: string): boolean =>
  file.startsWith(`${GITOPS_ROOTS.platform}/`) &&
  path.posix.basename(file).startsWith('helmrelease-');

/** HelmReleases in files that differ between the trees, by `cluster/namespace/name`. */
function changedReleases(from: TreeFiles, to: TreeFiles): Map<string, Side> {
  const releases = new Map<string, Side>();
  for (const [file, content] of from) {
    if (!isHelmReleaseFile(file)) continue;
    const other = to.get(file);
    if (other !== undefined && withoutHeader(other) === withoutHeader(content)) continue;
    const object = parse(content) as KubeObject | null;
    if (object?.kind !== 'HelmRelease') continue;
    const cluster = file.split('/')[1];
    releases.set(`${cluster}/${object.metadata?.namespace}/${object.metadata?.name}`, {
      path: file,
      object,
    });
  }
  return releases;
}

/** The chart a release installs, when it names one by version (`spec.chart.spec`). */
function chartOf(release: KubeObject): { chart: string; version: string } | undefined {
  const spec = (release.spec as ReleaseSpec | undefined)?.chart?.spec;
  return spec?.chart && spec.version ? { chart: spec.chart, version: spec.version } : undefined;
}

function readApiVersions(cacheDir: string, cluster: string): string[] | undefined {
  const file = apiVersionsFile(cacheDir, cluster);
  if (!fs.existsSync(file)) return undefined;
  return JSON.parse(fs.readFileSync(file, 'utf8')) as string[];
}

/** `helm template` of one release (or its cached output), as YAML documents, sorted. */
function render(
  release: KubeObject,
  chart: CachedChart,
  kubernetesVersion: string,
  apiVersions: readonly string[],
  options: ChartDiffOptions,
): string {
  const target = releaseTarget(release);
  const inputs = JSON.stringify({ digest: chart.digest, kubernetesVersion, apiVersions, target });
  const key = createHash('sha256').update(inputs).digest('hex');
  const cached = path.join(options.cacheDir, `diff-${key}.yaml`);
  let output: string;
  if (fs.existsSync(cached)) output = fs.readFileSync(cached, 'utf8');
  else {
    const work = fs.mkdtempSync(path.join(os.tmpdir(), 'nextgen-diff-'));
    try {
      const valuesFile = path.join(work, 'values.json');
      fs.writeFileSync(valuesFile, JSON.stringify(target.values));
      const args = helmTemplateArgs(
        { ...target, chartDir: chart.dir },
        kubernetesVersion,
        valuesFile,
        apiVersions,
      );
      output = execFileSync(options.helm(), args, {
        encoding: 'utf8',
        maxBuffer: 256 * 1024 * 1024,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
    } catch (error) {
      const stderr = (error as { stderr?: string }).stderr ?? (error as Error).message;
      throw new Error(
        `HelmRelease ${release.metadata?.namespace}/${release.metadata?.name}: helm template of ${chart.chart} ${chart.version} failed: ${stderr.trim()}`,
      );
    } finally {
      fs.rmSync(work, { recursive: true, force: true });
    }
    fs.mkdirSync(options.cacheDir, { recursive: true });
    fs.writeFileSync(cached, output);
  }
  // One document per object, in a stable order, so only real changes show.
  const documents = output
    .split(/^---\s*$/m)
    .map((document) => parse(document) as KubeObject | null)
    .filter((object): object is KubeObject => object !== null && typeof object === 'object')
    .map((object) => ({
      key: `${object.kind}/${object.metadata?.namespace ?? ''}/${object.metadata?.name}`,
      text: stringify(object, { sortMapEntries: true }),
    }))
    .sort((a, b) => compareStrings(a.key, b.key));
  return documents.map(({ text }) => text).join('---\n');
}

/**
 * Renders each HelmRelease that differs between `before` and `after` on both sides (one side
 * only for an added or removed release). A release whose chart version is not in the cache is
 * left out, with a note: its HelmRelease diff still shows.
 */
export function renderChangedReleases(
  before: TreeFiles,
  after: TreeFiles,
  options: ChartDiffOptions,
): RenderedChanges {
  const old = changedReleases(before, after);
  const now = changedReleases(after, before);
  const result = {
    before: new Map<string, string>(),
    after: new Map<string, string>(),
    rendered: [] as string[],
    notes: [] as string[],
  };
  const keys = [...new Set([...old.keys(), ...now.keys()])].sort(compareStrings);
  const noCapabilities = new Set<string>();
  for (const key of keys) {
    const [cluster, namespace, name] = key.split('/');
    const sides = [old.get(key), now.get(key)] as const;
    const inputs = sides.map((side) =>
      side ? JSON.stringify({ chart: chartOf(side.object), ...releaseTarget(side.object) }) : '',
    );
    if (inputs[0] === inputs[1]) continue;
    const kubernetesVersion = options.kubernetesVersion(cluster);
    let why = kubernetesVersion ? undefined : `cluster ${cluster} is not in the configuration`;
    const charts = sides.map((side) => {
      if (!side) return undefined;
      const wanted = chartOf(side.object);
      if (!wanted) {
        why ??= 'it installs a chart by spec.chartRef';
        return undefined;
      }
      const cached = options
        .charts()
        .find((c) => c.chart === wanted.chart && c.version === wanted.version);
      why ??= cached
        ? undefined
        : `chart ${wanted.chart} ${wanted.version} is not in the chart cache (npm run charts fills the versions of versions.ts; add the other archive to NEXTGEN_CHART_MIRROR to compare)`;
      return cached;
    });
    if (why !== undefined || !kubernetesVersion) {
      result.notes.push(
        `HelmRelease ${namespace}/${name} (${cluster}): rendered objects not compared: ${why}`,
      );
      continue;
    }
    let apiVersions = readApiVersions(options.cacheDir, cluster);
    if (!apiVersions) {
      apiVersions = [];
      noCapabilities.add(cluster);
    }
    const file = `${GITOPS_ROOTS.platform}/${cluster}/${RENDERED_FOLDER}/${namespace}/${name}.yaml`;
    sides.forEach((side, i) => {
      const chart = charts[i];
      if (!side || !chart) return;
      const text = render(side.object, chart, kubernetesVersion, apiVersions, options);
      (i === 0 ? result.before : result.after).set(file, text);
    });
    const label = charts[1] ?? charts[0];
    result.rendered.push(`${cluster}: ${namespace}/${name} (${label?.chart} ${label?.version})`);
  }
  for (const cluster of [...noCapabilities].sort(compareStrings)) {
    result.notes.push(
      `cluster ${cluster}: rendered without the APIs the cluster serves (objects a chart gates on them are missing on both sides); run "npm run render -- --cluster ${cluster}" once to record them`,
    );
  }
  return result;
}
