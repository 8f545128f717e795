// Names inside one app that Kubernetes, Argo CD or Prometheus would refuse later (issue #17,
// "Names Kubernetes validates" and the team rules of "Names and collisions").
import { RolloutStrategy } from '../../constructs/app';
import type { AppDefinition } from '../../constructs/app';
import { validateCatalog } from '../../constructs/app/catalog';
import { ConfigError, formatProblem } from '../../constructs/errors';
import { loadConfig } from '../../environments';
import { shopWebService, versionsFor } from '../support/apps';

const config = loadConfig();

const web = shopWebService;

/** The problem lines the apps get against the reference configuration; [] when accepted. */
function problemsOf(apps: readonly AppDefinition[]): string[] {
  try {
    validateCatalog({ apps, versions: versionsFor(apps) }, config);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).problems.map(formatProblem);
  }
  return [];
}

const ENV_RULE =
  "an environment variable name Kubernetes accepts (letters, digits, '_', '-' and '.', not starting with a digit, not '.' or '..')";
const KEY_RULE =
  "a ConfigMap or Secret key (letters, digits, '_', '-' and '.', at most 253 characters, not '.' or '..')";

describe('team: an Argo CD AppProject and a label value', () => {
  it("refuses Argo CD's built-in project 'default'", () => {
    expect(problemsOf([web({ team: 'default' })])).toEqual([
      "app 'shop' team: must not be 'default': each team becomes an Argo CD AppProject of its name, and 'default' is Argo CD's built-in project (any source, any destination)",
    ]);
    expect(problemsOf([web({ team: 'default-web' })])).toEqual([]);
  });

  it('refuses a team over 63 characters, the most a label value may have', () => {
    expect(problemsOf([web({ team: 't'.repeat(64) })])).toEqual([
      "app 'shop' team: must be at most 63 characters (it is the value of the team and part-of labels), got 64",
    ]);
    expect(problemsOf([web({ team: 't'.repeat(63) })])).toEqual([]);
  });
});

describe('environment variable names', () => {
  it('accepts every name Kubernetes accepts', () => {
    const env = { LOG_LEVEL: 'info', 'my.env-name': 'a', _x: 'b', '-dash': 'c', '.hidden': 'd' };
    expect(problemsOf([web({ env, environments: { prod: { env } } })])).toEqual([]);
  });

  it('refuses a leading digit, a space, a = and the names . and .. in env', () => {
    expect(
      problemsOf([
        web({ env: { '1FOO': 'x', 'MY VAR': 'x', 'A=B': 'x', '.': 'x', '..x': 'x', '': 'x' } }),
      ]),
    ).toEqual(
      ['1FOO', 'MY VAR', 'A=B', '.', '..x', ''].map(
        (name) => `app 'shop' env.${name}: must be ${ENV_RULE}, got '${name}'`,
      ),
    );
  });

  it("refuses them in an environment's env", () => {
    expect(problemsOf([web({ environments: { test: { env: { 'LOG-LEVEL!': 'x' } } } })])).toEqual([
      `app 'shop' environments.test.env.LOG-LEVEL!: must be ${ENV_RULE}, got 'LOG-LEVEL!'`,
    ]);
  });

  it('refuses them as the variables a Secret fills', () => {
    expect(
      problemsOf([web({ secrets: [{ secretName: 'shop-db', keys: { '2DB_URL': 'url' } }] })]),
    ).toEqual([`app 'shop' secrets[0].keys.2DB_URL: must be ${ENV_RULE}, got '2DB_URL'`]);
  });

  it('refuses a variable set by env and by a Secret, or by two Secrets', () => {
    expect(
      problemsOf([
        web({
          environments: { prod: { env: { DATABASE_URL: 'postgres://db' } } },
          secrets: [
            { secretName: 'shop-db', keys: { DATABASE_URL: 'url', DB_USER: 'user' } },
            { secretName: 'shop-db-replica', keys: { DB_USER: 'user' } },
          ],
        }),
      ]),
    ).toEqual([
      "app 'shop' secrets[0].keys.DATABASE_URL: variable 'DATABASE_URL' is already set by environments.prod.env.DATABASE_URL (must be set once: the later definition would silently hide the other)",
      "app 'shop' secrets[1].keys.DB_USER: variable 'DB_USER' is already set by secrets[0].keys.DB_USER (must be set once: the later definition would silently hide the other)",
    ]);
    // The same name in the app's env and an environment's env is an override, not a clash.
    expect(
      problemsOf([web({ env: { MODE: 'a' }, environments: { prod: { env: { MODE: 'b' } } } })]),
    ).toEqual([]);
  });
});

describe('ConfigMap keys (config) and Secret names and keys', () => {
  it('accepts keys and names Kubernetes accepts', () => {
    expect(
      problemsOf([
        web({
          config: { LOG_LEVEL: 'info', 'app.mode': 'x', 'feature-flags': 'y' },
          secrets: [
            { secretName: 'shop.db-credentials', keys: { DB_URL: 'db.url', DB_USER: 'user_name' } },
            { secretName: 'shop-api' },
          ],
        }),
      ]),
    ).toEqual([]);
  });

  it('refuses a config key no ConfigMap may have', () => {
    const long = 'K'.repeat(254);
    expect(problemsOf([web({ config: { 'a b': '1', '..data': '2', [long]: '3' } })])).toEqual([
      `app 'shop' config.a b: must be ${KEY_RULE}, got 'a b'`,
      `app 'shop' config...data: must be ${KEY_RULE}, got '..data'`,
      `app 'shop' config.${long}: must be ${KEY_RULE}, got '${long}'`,
    ]);
  });

  it('refuses a config key envFrom would skip as a variable name', () => {
    expect(problemsOf([web({ config: { '9LIVES': 'x' } })])).toEqual([
      `app 'shop' config.9LIVES: must also be ${ENV_RULE}: config is passed as environment variables and the kubelet skips other keys, got '9LIVES'`,
    ]);
  });

  it('refuses a Secret name that is not a DNS-1123 subdomain of at most 253 characters', () => {
    const long = `${'s'.repeat(251)}.db`;
    expect(problemsOf([web({ secrets: [{ secretName: long.slice(1) }] })])).toEqual([]);
    expect(
      problemsOf([
        web({ secrets: [{ secretName: 'Shop_DB' }, { secretName: long }, { secretName: '' }] }),
      ]),
    ).toEqual(
      ['Shop_DB', long, ''].map(
        (name, i) =>
          `app 'shop' secrets[${i}].secretName: must be a Secret name (a DNS-1123 subdomain: lower-case letters, digits, '-' and '.', at most 253 characters), got '${name}'`,
      ),
    );
  });

  it('refuses a Secret key no Secret may have', () => {
    expect(
      problemsOf([web({ secrets: [{ secretName: 'shop-db', keys: { DB_URL: 'db/url' } }] })]),
    ).toEqual([
      `app 'shop' secrets[0].keys.DB_URL: maps to Secret key 'db/url', which must be ${KEY_RULE}`,
    ]);
  });
});

describe('host names of external destinations', () => {
  it("refuses a label over 63 characters, the app-wide or an environment's", () => {
    const label = 'd'.repeat(64);
    const host = `${label}.example.com`;
    expect(
      problemsOf([
        web({
          external: [{ host, ports: [5432] }],
          environments: { prod: { external: [{ host: `*.${host}`, ports: [443] }] } },
        }),
      ]),
    ).toEqual([
      `app 'shop' external[0].host: label '${label}' of '${host}' is 64 characters, over the 63 a DNS label may have`,
      `app 'shop' environments.prod.external[0].host: label '${label}' of '*.${host}' is 64 characters, over the 63 a DNS label may have`,
    ]);
    expect(
      problemsOf([web({ external: [{ host: `${'d'.repeat(63)}.example.com`, ports: [5432] }] })]),
    ).toEqual([]);
  });
});

describe('Prometheus metric names in the analysis query', () => {
  it('accepts metric names, recording-rule names included', () => {
    const analysis = {
      requestsMetric: 'shop:http_requests:total',
      latencyHistogram: '_request_seconds_bucket',
    };
    expect(problemsOf([web({ rollout: RolloutStrategy.canary({ analysis }) })])).toEqual([]);
    expect(problemsOf([web({ rollout: RolloutStrategy.blueGreen({ analysis }) })])).toEqual([]);
  });

  it('refuses anything else in a canary or blue-green analysis (no PromQL injection)', () => {
    const rule =
      "must be a Prometheus metric name (letters, digits, '_' and ':', not starting with a digit; it is put into the analysis query as is)";
    expect(
      problemsOf([
        web({
          rollout: RolloutStrategy.canary({
            analysis: { requestsMetric: 'http_requests_total{job="shop"}' },
          }),
        }),
      ]),
    ).toEqual([
      `app 'shop' rollout.analysis.requestsMetric: ${rule}, got 'http_requests_total{job="shop"}'`,
    ]);
    expect(
      problemsOf([
        web({
          rollout: RolloutStrategy.blueGreen({
            analysis: { latencyHistogram: '2xx_seconds_bucket', requestsMetric: 'http-requests' },
          }),
        }),
      ]),
    ).toEqual([
      `app 'shop' rollout.analysis.requestsMetric: ${rule}, got 'http-requests'`,
      `app 'shop' rollout.analysis.latencyHistogram: ${rule}, got '2xx_seconds_bucket'`,
    ]);
  });
});
