// `npm run promote`: set the version an app runs in one environment, the one command people and
// pipelines use. It edits only environments/versions/<env>.json and re-renders the cluster
// hosting that environment, so gitops/ stays current; a refused promotion writes nothing.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import type { AppDefinition } from '../constructs/app';
import { isImageVersion, type AppCatalog, type VersionProvenance } from '../constructs/app/catalog';
import { ConfigError, ProblemCollector } from '../constructs/errors';
import type { EnvironmentConfig, PlatformConfig } from '../constructs/config/types';
import { compareStrings } from '../constructs/order';
import { loadVersionsFiles, provenanceProblem, type VersionsFiles } from './versions';
import { renderAppFolder } from './render';

export const PROMOTE_USAGE = `usage: npm run promote -- <app> --env ENV --version VERSION [provenance]
       npm run promote -- <app> --from ENV --to ENV

Sets the image tag or sha256 digest <app> runs in an environment (environments/versions/<env>.json)
and re-renders the cluster that hosts it, so gitops/ stays current. Commit both.
  --env ENV --version VERSION   run VERSION in ENV
  --from ENV --to ENV           run in --to what --from runs (with where it came from)
Provenance, recorded beside the version and on the workload (annotations, no pod restart):
  --commit SHA                  the Git commit the image was built from
  --committed-at TIME           when (RFC 3339, e.g. 2026-12-04T10:15:00Z)
  --pipeline-run NAME           the pipeline run that built it

Exit codes: 0 promoted (or already there), 1 refused (nothing written), 2 usage error.`;

/** What the command reads and writes. */
export interface PromoteIo {
  /** Standard output. */
  readonly out: (text: string) => void;
  /** Standard error. */
  readonly err: (text: string) => void;
  /** The configuration. */
  readonly config: () => PlatformConfig;
  /** The apps. */
  readonly apps: readonly AppDefinition[];
  /** The folder of the versions files (`environments/versions`). */
  readonly versionsDir: string;
  /** The GitOps tree to keep current (`gitops/`). */
  readonly outDir: string;
  /** Where `.sops.yaml` lives, kept current with the tree (none for a tree elsewhere). */
  readonly sopsConfigFile?: string;
}

class UsageError extends Error {}

/**
 * The versions file of an environment, as it will be written: keys sorted, two spaces; an app
 * whose version has a recorded provenance is an object holding both.
 */
export function versionsFileText(
  versions: Readonly<Record<string, string>>,
  provenance: Readonly<Record<string, VersionProvenance>> = {},
): string {
  const sorted = Object.fromEntries(
    Object.entries(versions)
      .sort(([a], [b]) => compareStrings(a, b))
      .map(([app, version]) => {
        const recorded = provenance[app];
        return [app, recorded ? { version, ...recorded } : version];
      }),
  );
  return `${JSON.stringify(sorted, null, 2)}\n`;
}

interface Promotion {
  readonly app: AppDefinition;
  readonly environment: EnvironmentConfig;
  readonly version: string;
  /** Where the version came from: the flags, or what the --from environment recorded. */
  readonly provenance?: VersionProvenance;
}

/** The promotion the arguments ask for; throws a ConfigError naming each rule broken. */
/** The flags that choose a promotion. */
interface PromotionFlags {
  readonly env?: string;
  readonly version?: string;
  readonly from?: string;
  readonly to?: string;
  readonly commit?: string;
  readonly 'committed-at'?: string;
  readonly 'pipeline-run'?: string;
}

function resolvePromotion(
  values: PromotionFlags,
  appName: string,
  config: PlatformConfig,
  apps: readonly AppDefinition[],
  files: VersionsFiles,
): Promotion {
  const { versions } = files;
  const problems = new ProblemCollector();
  const app = apps.find(({ name }) => name === appName);
  if (!app) {
    throw new UsageError(
      `app '${appName}': no such app (known: ${apps.map(({ name }) => name).join(', ')})`,
    );
  }
  const environmentNamed = (flag: string, name: string): EnvironmentConfig => {
    const environment = config.environments.find((candidate) => candidate.name === name);
    if (!environment) {
      const known = config.environments.map((candidate) => candidate.name).join(', ');
      throw new UsageError(`--${flag} ${name}: no such environment (known: ${known})`);
    }
    return environment;
  };
  const byEnv = values.env !== undefined || values.version !== undefined;
  const byFrom = values.from !== undefined || values.to !== undefined;
  if (byEnv === byFrom) {
    throw new UsageError('give either --env and --version, or --from and --to');
  }
  let environment: EnvironmentConfig;
  let version: string;
  const subject = (target: EnvironmentConfig) => `app '${app.name}' environment '${target.name}'`;
  if (byEnv) {
    if (values.env === undefined || values.version === undefined) {
      throw new UsageError('--env and --version go together');
    }
    environment = environmentNamed('env', values.env);
    version = values.version;
  } else {
    if (values.from === undefined || values.to === undefined) {
      throw new UsageError('--from and --to go together');
    }
    const from = environmentNamed('from', values.from);
    environment = environmentNamed('to', values.to);
    if (from.name === environment.name) {
      throw new UsageError(`--from and --to are both '${from.name}'`);
    }
    const deployed = app.enabledIn(from) ? versions[from.name]?.[app.name] : undefined;
    if (deployed === undefined) {
      problems.add(
        subject(from),
        'version',
        app.enabledIn(from)
          ? `has no version in environments/versions/${from.name}.json: nothing to promote from there`
          : `the app is disabled in '${from.name}' (environments.${from.name}.enabled: false): nothing is deployed there to promote`,
      );
    }
    version = deployed ?? '';
  }
  if (!app.enabledIn(environment)) {
    problems.add(
      subject(environment),
      'enabled',
      `the app is disabled in '${environment.name}' (environments.${environment.name}.enabled: false); enable it in apps/${app.name}.ts first`,
    );
  }
  const flagged: Record<string, string> = {};
  const flags = [
    ['commit', 'commit'],
    ['committedAt', 'committed-at'],
    ['pipelineRun', 'pipeline-run'],
  ] as const;
  for (const [field, flag] of flags) {
    const value = values[flag];
    if (value === undefined) continue;
    const problem = provenanceProblem(field, value);
    if (problem) problems.add(subject(environment), `--${flag}`, problem);
    else flagged[field] = value;
  }
  // Promoted from another environment, the version keeps where it came from.
  const carried = byFrom ? files.provenance[values.from ?? '']?.[app.name] : undefined;
  const provenance = Object.keys(flagged).length > 0 ? { ...carried, ...flagged } : carried;
  if (version !== '' && !isImageVersion(version)) {
    problems.add(
      subject(environment),
      'version',
      version === 'latest'
        ? "'latest' is not a version: give a tag or a sha256 digest"
        : `must be an image tag ([A-Za-z0-9_][A-Za-z0-9_.-]{0,127}) or a digest sha256:<64 hex>, got '${version}'`,
    );
  }
  problems.throwIfAny();
  return { app, environment, version, ...(provenance ? { provenance } : {}) };
}

/** Makes a folder of the tree hold exactly these files (`/`-separated paths under the tree). */
function replaceFolder(
  directory: string,
  folder: string,
  files: ReadonlyMap<string, string>,
): void {
  fs.mkdirSync(directory, { recursive: true });
  for (const entry of fs.readdirSync(directory)) {
    if (!files.has(`${folder}/${entry}`))
      fs.rmSync(path.join(directory, entry), { recursive: true });
  }
  for (const [file, content] of files) {
    const target = path.join(directory, file.slice(folder.length + 1));
    const current = fs.existsSync(target) ? fs.readFileSync(target, 'utf8') : undefined;
    if (current !== content) fs.writeFileSync(target, content);
  }
}

/** Runs `npm run promote`; returns the exit code. */
export function runPromote(argv: readonly string[], io: PromoteIo): number {
  try {
    const { values, positionals } = parseArgs({
      args: [...argv],
      options: {
        env: { type: 'string' },
        version: { type: 'string' },
        from: { type: 'string' },
        to: { type: 'string' },
        commit: { type: 'string' },
        'committed-at': { type: 'string' },
        'pipeline-run': { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
      strict: true,
      allowPositionals: true,
    });
    if (values.help) {
      io.out(`${PROMOTE_USAGE}\n`);
      return 0;
    }
    if (positionals.length !== 1) throw new UsageError('name exactly one app');
    const config = io.config();
    const files = loadVersionsFiles(config.environments, io.versionsDir);
    const { versions } = files;
    const { app, environment, version, provenance } = resolvePromotion(
      values,
      positionals[0],
      config,
      io.apps,
      files,
    );
    const file = path.join(io.versionsDir, `${environment.name}.json`);
    const shown = `environments/versions/${environment.name}.json`;
    const previous = versions[environment.name]?.[app.name];
    const previousProvenance = files.provenance[environment.name]?.[app.name];
    if (
      previous === version &&
      JSON.stringify(previousProvenance ?? {}) === JSON.stringify(provenance ?? {})
    ) {
      io.out(
        `promote: ${app.name} already runs ${version} in ${environment.name}; nothing to do\n`,
      );
      return 0;
    }
    const updated = { ...versions[environment.name], [app.name]: version };
    // A new version without a recorded origin drops the old one's.
    const kept = Object.fromEntries(
      Object.entries(files.provenance[environment.name] ?? {}).filter(
        ([name]) => name !== app.name,
      ),
    );
    const recorded = provenance ? { ...kept, [app.name]: provenance } : kept;
    const catalog: AppCatalog = {
      apps: io.apps,
      versions: { ...versions, [environment.name]: updated },
      provenance: { ...files.provenance, [environment.name]: recorded },
    };
    // Render first: a version the tree refuses leaves both files as they were. A version
    // changes the app's own folder only, so only that folder is rendered and replaced.
    const rendered = renderAppFolder(config, catalog, environment.name, app.name);
    replaceFolder(path.join(io.outDir, rendered.folder), rendered.folder, rendered.files);
    fs.writeFileSync(file, versionsFileText(updated, recorded));
    io.out(
      `promote: ${app.name} in ${environment.name}: ${previous ?? '(none)'} → ${version} (${shown}); ` +
        `re-rendered ${rendered.folder}/ (${rendered.files.size} files)\n` +
        'next: commit environments/versions/ and gitops/ together\n',
    );
    return 0;
  } catch (error) {
    if (
      error instanceof UsageError ||
      (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')
    ) {
      io.err(`promote: ${(error as Error).message}\n\n${PROMOTE_USAGE}\n`);
      return 2;
    }
    if (error instanceof ConfigError) {
      io.err(`promote refused, nothing written:\n${error.message}\n`);
      return 1;
    }
    throw error;
  }
}
