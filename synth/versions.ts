// Reads the versions files (environments/versions/<env>.json): the image tag or digest of each
// app in each environment, which pipelines bump.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { EnvironmentConfig } from '../constructs/config/types';
import type {
  ProvenanceByEnvironment,
  VersionProvenance,
  VersionsByEnvironment,
} from '../constructs/app/catalog';
import { ProblemCollector } from '../constructs/errors';

/** The versions files read: versions, and where a promotion recorded it, their provenance. */
export interface VersionsFiles {
  /** Image tag or digest per app, per environment. */
  readonly versions: VersionsByEnvironment;
  /** Provenance per app, per environment (only the entries that record one). */
  readonly provenance: ProvenanceByEnvironment;
}

// What a provenance field may hold: a Git commit, an RFC 3339 time, a Kubernetes name.
const COMMIT = /^[0-9a-f]{7,40}$/;
const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;
const RUN_NAME = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

/** Why a provenance field is refused, or undefined. */
export function provenanceProblem(
  field: keyof VersionProvenance,
  value: string,
): string | undefined {
  switch (field) {
    case 'commit':
      return COMMIT.test(value)
        ? undefined
        : `must be a Git commit, 7 to 40 lower-case hex digits, got '${value}'`;
    case 'committedAt':
      return RFC3339.test(value) && !Number.isNaN(Date.parse(value))
        ? undefined
        : `must be an RFC 3339 time like 2026-12-04T10:15:00Z, got '${value}'`;
    case 'pipelineRun':
      return RUN_NAME.test(value)
        ? undefined
        : `must be a Kubernetes name (a DNS label), got '${value}'`;
  }
}

const PROVENANCE_FIELDS = ['commit', 'committedAt', 'pipelineRun'] as const;

/**
 * Reads `environments/versions/<env>.json` for each environment (a missing file is empty). An
 * entry is the version (`"checkout-api": "1.8.0"`), or the version with where it came from
 * (`{"version": "1.8.0", "commit": "…", "committedAt": "…", "pipelineRun": "…"}`).
 */
export function loadVersionsFiles(
  environments: readonly EnvironmentConfig[],
  folder: string,
): VersionsFiles {
  const problems = new ProblemCollector();
  const versions: Record<string, Record<string, string>> = {};
  const provenance: Record<string, Record<string, VersionProvenance>> = {};
  for (const environment of environments) {
    const file = path.join(folder, `${environment.name}.json`);
    const subject = `environment '${environment.name}'`;
    const field = `versions file ${file}`;
    versions[environment.name] = {};
    provenance[environment.name] = {};
    if (!fs.existsSync(file)) continue;
    let data: unknown;
    try {
      data = JSON.parse(fs.readFileSync(file, 'utf8'));
    } catch (error) {
      problems.add(subject, field, `is not valid JSON: ${(error as Error).message}`);
      continue;
    }
    if (typeof data !== 'object' || data === null || Array.isArray(data)) {
      problems.add(subject, field, 'must be a JSON object of app name to image tag or digest');
      continue;
    }
    for (const [app, entry] of Object.entries(data as Record<string, unknown>)) {
      if (typeof entry === 'string') {
        versions[environment.name][app] = entry;
        continue;
      }
      const record =
        typeof entry === 'object' && entry !== null && !Array.isArray(entry)
          ? (entry as Record<string, unknown>)
          : undefined;
      const unknownKeys = Object.keys(record ?? {}).filter(
        (key) => key !== 'version' && !(PROVENANCE_FIELDS as readonly string[]).includes(key),
      );
      if (!record || typeof record.version !== 'string' || unknownKeys.length > 0) {
        problems.add(
          subject,
          `${field} "${app}"`,
          `must be a tag or digest, or an object of version and optionally ${PROVENANCE_FIELDS.join(', ')}${unknownKeys.length > 0 ? ` (unknown: ${unknownKeys.join(', ')})` : ''}`,
        );
        continue;
      }
      versions[environment.name][app] = record.version;
      const recorded: Record<string, string> = {};
      for (const key of PROVENANCE_FIELDS) {
        const value = record[key];
        if (value === undefined) continue;
        const problem =
          typeof value === 'string'
            ? provenanceProblem(key, value)
            : `must be a string, got ${JSON.stringify(value)}`;
        if (problem) problems.add(subject, `${field} "${app}".${key}`, problem);
        else recorded[key] = value as string;
      }
      if (Object.keys(recorded).length > 0) provenance[environment.name][app] = recorded;
    }
  }
  problems.throwIfAny();
  return { versions, provenance };
}

/** The versions of {@link loadVersionsFiles}, without their provenance. */
export function loadVersions(
  environments: readonly EnvironmentConfig[],
  folder: string,
): VersionsByEnvironment {
  return loadVersionsFiles(environments, folder).versions;
}
