// `npm run render` and `npm run images`: what a cluster will hold and pull, from a fresh synth
// and the chart cache. A function with its own output, so tests run it in-process.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { stringify } from 'yaml';
import type { AppDefinition } from '../../constructs/app';
import { ConfigError } from '../../constructs/errors';
import { compareStrings } from '../../constructs/order';
import type { PlatformConfig } from '../../constructs/config/types';

import { buildCluster } from '../render';
import { bootstrapArtifacts, clusterBundle, componentArtifacts, formatBundle } from './bundle';
import { checkMirror, ownHosts, pulledImages, pullReferences } from './pulls';
import { formatProblem } from './problems';
import { checkCluster, loadCluster, type ClusterUnderTest } from './whole-cluster';

/** The two commands. */
export type ClusterCommand = 'render' | 'images' | 'bundle';

export const USAGE: Readonly<Record<ClusterCommand, string>> = {
  render: `usage: npm run render -- [--cluster NAME]... [--out DIR] [--no-check]

Renders every HelmRelease of the cluster with its pinned chart (helm template, offline, from
.cache/charts: npm run charts fills it) and runs the whole-cluster checks on the result.
  --cluster NAME  this cluster only (repeatable; default: every cluster)
  --out DIR       also write what each release renders to DIR/<cluster>/<namespace>/<release>.yaml
  --no-check      render and summarize only

Exit codes: 0 rendered and every check passes, 1 a check failed, 2 error.`,
  images: `usage: npm run images -- [--cluster NAME]...

Prints the sorted list of every image the cluster will pull (its GitOps objects and every
rendered chart), one per line.
  --cluster NAME  this cluster only (repeatable; default: every cluster, merged)`,
  bundle: `usage: npm run bundle -- --cluster NAME [--out FILE]

Writes every artifact the cluster pulls, one per line, tab-separated: the images of its objects,
charts and Talos; its charts with versions; OCI artifacts and Git repositories with tags; plain
downloads; each with where the cluster's mirror must hold it (scripts/mirror-bundle.sh copies
them there).
  --cluster NAME  the cluster (required)
  --out FILE      write to FILE instead of standard output`,
};

/** What the commands read and where they write. */
export interface ClusterIo {
  /** Standard output. */
  readonly out: (text: string) => void;
  /** Standard error. */
  readonly err: (text: string) => void;
  /** Repository root (chart cache, helm, render cache). */
  readonly root: string;
  /** Where relative `--out` paths resolve from. */
  readonly cwd: string;
  /** The configuration. */
  readonly config: () => PlatformConfig;
  /** The apps. */
  readonly apps: readonly AppDefinition[];
  /** The GitOps tree of the configuration (a fresh synth). */
  readonly synthesize: (config: PlatformConfig) => ReadonlyMap<string, string>;
}

class UsageError extends Error {}

function selectedClusters(config: PlatformConfig, wanted: readonly string[] | undefined): string[] {
  const known = config.clusters.map(({ name }) => name);
  for (const name of wanted ?? []) {
    if (!known.includes(name)) {
      throw new UsageError(`--cluster ${name}: no such cluster (known: ${known.join(', ')})`);
    }
  }
  return wanted && wanted.length > 0 ? [...new Set(wanted)] : known;
}

const seconds = (started: bigint): string =>
  (Number(process.hrtime.bigint() - started) / 1e9).toFixed(1);

function summary(cluster: ClusterUnderTest): string[] {
  const { rendered } = cluster;
  const lines = [
    `cluster ${rendered.cluster}: ${rendered.objects.length} objects (${rendered.written.length} in gitops/, ${rendered.fromGit.length} from Git tags, ${rendered.objects.length - rendered.written.length - rendered.fromGit.length} from ${rendered.releases.length} charts)`,
  ];
  for (const release of rendered.releases) {
    const kinds = new Map<string, number>();
    for (const { object } of release.objects) {
      const kind = object.kind ?? '(no kind)';
      kinds.set(kind, (kinds.get(kind) ?? 0) + 1);
    }
    const byKind = [...kinds]
      .sort(([a], [b]) => compareStrings(a, b))
      .map(([kind, count]) => `${count} ${kind}`)
      .join(', ');
    lines.push(
      `  ${`${release.id.namespace}/${release.id.name}`.padEnd(40)} ${`${release.chart.chart} ${release.chart.version}`.padEnd(32)} ${String(release.objects.length).padStart(4)}: ${byKind}`,
    );
  }
  return lines;
}

function writeReleases(cluster: ClusterUnderTest, outDir: string): number {
  let files = 0;
  for (const release of cluster.rendered.releases) {
    const file = path.join(
      outDir,
      cluster.rendered.cluster,
      release.id.namespace,
      `${release.id.name}.yaml`,
    );
    fs.mkdirSync(path.dirname(file), { recursive: true });
    const text = release.objects
      .map(({ object, source }) => `# ${source}\n${stringify(object, { sortMapEntries: true })}`)
      .join('---\n');
    fs.writeFileSync(file, text);
    files++;
  }
  return files;
}

/** Runs `npm run render` or `npm run images`; returns the exit code. */
export async function runClusterCommand(
  command: ClusterCommand,
  argv: readonly string[],
  io: ClusterIo,
): Promise<number> {
  try {
    const { values } = parseArgs({
      args: [...argv],
      options: {
        cluster: { type: 'string', multiple: true },
        ...(command === 'render'
          ? { out: { type: 'string' }, 'no-check': { type: 'boolean', default: false } }
          : {}),
        ...(command === 'bundle' ? { out: { type: 'string' } } : {}),
        help: { type: 'boolean', short: 'h', default: false },
      },
      strict: true,
      allowPositionals: false,
    });
    if (values.help) {
      io.out(`${USAGE[command]}\n`);
      return 0;
    }
    const config = io.config();
    const names = selectedClusters(config, values.cluster as string[] | undefined);
    if (command === 'bundle' && (values.cluster as string[] | undefined)?.length !== 1) {
      throw new UsageError('--cluster NAME: name exactly one cluster');
    }
    const files = io.synthesize(config);
    const images = new Set<string>();
    let failed = false;
    for (const name of names) {
      const started = process.hrtime.bigint();
      const cluster = await loadCluster({
        root: io.root,
        config,
        apps: io.apps,
        cluster: name,
        files,
      });
      if (command === 'images') {
        for (const image of pulledImages(pullReferences(cluster.rendered.objects))) {
          images.add(image);
        }
        continue;
      }
      if (command === 'bundle') {
        // A bundle of a cluster that still names public hosts would not be what it pulls.
        const mirror = cluster.cluster.mirror;
        const references = pullReferences(cluster.rendered.objects);
        const problems =
          mirror === undefined
            ? []
            : checkMirror(
                mirror,
                ownHosts(cluster.cluster, cluster.environments, cluster.rendered.objects),
                references,
              );
        if (problems.length > 0) {
          io.err(
            [
              `bundle: cluster '${name}' still pulls from outside its mirror (${problems.length} problems); nothing written:`,
              ...problems.map((problem) => `  ${formatProblem(problem)}`),
              '',
            ].join('\n'),
          );
          return 1;
        }
        const text = formatBundle(
          name,
          clusterBundle(cluster.cluster, pulledImages(references), [
            ...componentArtifacts(buildCluster(config, name)),
            ...bootstrapArtifacts(cluster.cluster.mirror),
          ]),
        );
        const out = values.out as string | undefined;
        if (out === undefined) io.out(text);
        else {
          const file = path.resolve(io.cwd, out);
          fs.mkdirSync(path.dirname(file), { recursive: true });
          fs.writeFileSync(file, text);
          io.err(
            `bundle: wrote ${text.split('\n').filter((l) => l && !l.startsWith('#')).length} artifacts of cluster '${name}' to ${out}\n`,
          );
        }
        continue;
      }
      const lines = summary(cluster);
      const out = values.out as string | undefined;
      if (out !== undefined) {
        const folder = path.resolve(io.cwd, out);
        lines.push(
          `  wrote ${writeReleases(cluster, folder)} files under ${path.join(out, name)}/`,
        );
      }
      if (values['no-check'] !== true) {
        const problems = checkCluster(cluster);
        if (problems.length === 0) lines.push('  every whole-cluster check passes');
        else {
          failed = true;
          lines.push(
            `  ${problems.length} problems:`,
            ...problems.map((p) => `  ${formatProblem(p)}`),
          );
        }
      }
      lines.push(`  (${seconds(started)} s)`);
      io.out(`${lines.join('\n')}\n`);
    }
    if (command === 'images')
      io.out(
        [...images]
          .sort(compareStrings)
          .map((image) => `${image}\n`)
          .join(''),
      );
    return failed ? 1 : 0;
  } catch (error) {
    const message = (error as Error).message;
    if (
      error instanceof UsageError ||
      (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')
    ) {
      io.err(`${command}: ${message}\n\n${USAGE[command]}\n`);
    } else if (error instanceof ConfigError) {
      io.err(`${command}: synth of the working tree failed:\n${message}\n`);
    } else {
      io.err(`${command}: ${message}\n`);
    }
    return 2;
  }
}
