// A synthetic fleet for the benchmark: N apps of every kind and rollout template, in every
// environment, shaped like real ones (config, secrets, callers, per-environment overrides).
import { Duration } from 'cdk8s';
import {
  RolloutStrategy,
  ScheduledTask,
  WebService,
  Worker,
  type AppCatalog,
  type AppDefinition,
} from '../../constructs/app';
import type { PlatformConfig } from '../../constructs/config/types';

/** The mix, by position modulo 10: 3 canary, 3 blue-green, 2 rolling web services, 1 worker, 1 task. */
function defineApp(i: number, teams: number): AppDefinition {
  const name = `app-${String(i).padStart(4, '0')}`;
  const team = `team-${i % teams}`;
  const image = `registry.example.com/${team}/${name}`;
  const common = {
    name,
    team,
    image,
    config: { LOG_LEVEL: 'info', FEATURE_FLAGS: `f${i % 7}` },
    // Declared external: a fleet of encrypted files would measure age, not synth.
    secrets: [
      { secretName: `${name}-db`, keys: { DATABASE_URL: 'url' }, providedBy: 'the benchmark' },
    ],
    environments: {
      prod: { replicas: 3, env: { LOG_LEVEL: 'warn' } },
    },
  };
  const slot = i % 10;
  if (slot === 8) return Worker.define({ ...common, ports: [{ name: 'metrics', port: 9090 }] });
  if (slot === 9) {
    return ScheduledTask.define({
      name,
      team,
      image,
      schedule: `${i % 60} 3 * * *`,
      environments: common.environments,
    });
  }
  const rollout =
    slot < 3
      ? RolloutStrategy.canary({
          steps: [
            { weight: 10, pause: Duration.seconds(60) },
            { weight: 50, pause: Duration.seconds(60) },
            { weight: 100 },
          ],
        })
      : slot < 6
        ? RolloutStrategy.blueGreen({})
        : RolloutStrategy.rolling();
  return WebService.define({
    ...common,
    ports: [{ name: 'http', port: 8080 }],
    host: (domain) => `${name}.${domain}`,
    // Same-team neighbours call each other, as real services do (network policy rules).
    callers: i >= teams ? [`app-${String(i - teams).padStart(4, '0')}`] : [],
    rollout,
  });
}

/** N apps (`app-0000` ...) with version `1.0.<i>` in every environment. */
export function syntheticFleet(config: PlatformConfig, count: number, teams = 10): AppCatalog {
  const apps = Array.from({ length: count }, (_, i) => defineApp(i, teams));
  const versions: Record<string, Record<string, string>> = {};
  for (const environment of config.environments) {
    versions[environment.name] = Object.fromEntries(apps.map((app, i) => [app.name, `1.0.${i}`]));
  }
  return { apps, versions };
}

/** The same fleet with one app's image version changed in every environment. */
export function withOneAppChanged(catalog: AppCatalog, appName: string): AppCatalog {
  const versions: Record<string, Record<string, string>> = {};
  for (const [environment, byApp] of Object.entries(catalog.versions)) {
    versions[environment] = { ...byApp, [appName]: '2.0.0' };
  }
  return { apps: catalog.apps, versions };
}
