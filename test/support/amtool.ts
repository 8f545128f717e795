// The one way tests run amtool (Alertmanager's config checker): `npm test` installs it first
// (scripts/ensure-prometheus-tools.sh), and a missing binary fails with how to install it.
// Debian's amtool is 0.25: it predates the webhook's `url_file` (0.26) and `payload` (0.32),
// which the cluster's Alertmanager (0.33.1) reads. `forAmtool025` replaces those two in a copy,
// so the rest of the configuration (routes, matchers, receivers, inhibitions) is still checked.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { stringify } from 'yaml';
import type { AlertmanagerConfig } from '../../constructs/config/monitoring';

const NOT_FOUND =
  'amtool not found: install it with `apt-get install prometheus-alertmanager` (scripts/ensure-prometheus-tools.sh, run before npm test, does when it may)';

/** A copy of the configuration amtool 0.25 can parse: webhooks by `url`, without `payload`. */
export function forAmtool025(config: AlertmanagerConfig): AlertmanagerConfig {
  return {
    ...config,
    receivers: config.receivers.map((receiver) =>
      receiver.webhook_configs === undefined
        ? receiver
        : {
            ...receiver,
            webhook_configs: receiver.webhook_configs.map((webhook) => {
              const copy: Record<string, unknown> = {
                ...webhook,
                url: 'https://receiver.invalid/',
              };
              delete copy.payload;
              delete copy.url_file;
              return copy;
            }),
          },
    ),
  };
}

/** Runs amtool with `alertmanager.yml` holding the configuration; returns its stdout. */
export function amtool(args: readonly string[], config: AlertmanagerConfig): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'amtool-'));
  try {
    fs.writeFileSync(path.join(dir, 'alertmanager.yml'), stringify(forAmtool025(config)));
    return execFileSync('amtool', [...args], { cwd: dir, encoding: 'utf8', stdio: 'pipe' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new Error(NOT_FOUND);
    const { stdout, stderr } = error as { stdout?: string; stderr?: string };
    throw new Error(`amtool ${args.join(' ')} failed:\n${stdout ?? ''}${stderr ?? ''}`);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** The receiver amtool routes an alert with these labels to. */
export function routeOf(config: AlertmanagerConfig, labels: Record<string, string>): string {
  const pairs = Object.entries(labels).map(([name, value]) => `${name}=${value}`);
  return amtool(
    ['config', 'routes', 'test', '--config.file=alertmanager.yml', ...pairs],
    config,
  ).trim();
}
