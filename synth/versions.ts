// Reads the versions files (environments/versions/<env>.json): the image tag or digest of each
// app in each environment, which pipelines bump.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { EnvironmentConfig } from '../constructs/config/types';
import type { VersionsByEnvironment } from '../constructs/app/catalog';
import { ProblemCollector } from '../constructs/errors';

/** Reads `environments/versions/<env>.json` for each environment (a missing file is empty). */
export function loadVersions(
  environments: readonly EnvironmentConfig[],
  folder: string,
): VersionsByEnvironment {
  const problems = new ProblemCollector();
  const versions: Record<string, Record<string, string>> = {};
  for (const environment of environments) {
    const file = path.join(folder, `${environment.name}.json`);
    versions[environment.name] = {};
    if (!fs.existsSync(file)) continue;
    let data: unknown;
    try {
      data = JSON.parse(fs.readFileSync(file, 'utf8'));
    } catch (error) {
      problems.add(
        `environment '${environment.name}'`,
        `versions file ${file}`,
        `is not valid JSON: ${(error as Error).message}`,
      );
      continue;
    }
    const valid =
      typeof data === 'object' &&
      data !== null &&
      !Array.isArray(data) &&
      Object.values(data).every((value) => typeof value === 'string');
    if (!valid) {
      problems.add(
        `environment '${environment.name}'`,
        `versions file ${file}`,
        'must be a JSON object of app name to image tag or digest',
      );
      continue;
    }
    versions[environment.name] = data as Record<string, string>;
  }
  problems.throwIfAny();
  return versions;
}
