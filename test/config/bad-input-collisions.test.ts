// Names clusters, environments and apps render together (issue #17, "Names and collisions"):
// system and platform namespaces, namespaces and Argo CD Applications two environments of one
// cluster share, Gateway listeners and domains, DNS labels over 63 characters.
import { WebService, type WebServiceProps } from '../../constructs/app';
import type { AppDefinition } from '../../constructs/app';
import { validateCatalog } from '../../constructs/app/catalog';
import { PLATFORM_NAMESPACES } from '../../constructs/contract/names';
import type { ClusterConfig, EnvironmentConfig } from '../../constructs/config/types';
import { validateConfig } from '../../constructs/config/validate';
import { reservedNamespaceOwner } from '../../constructs/config/validate-collisions';
import { ConfigError, formatProblem } from '../../constructs/errors';
import { CLUSTERS, ENVIRONMENTS } from '../../environments';
import { devCluster } from '../../environments/clusters/dev';
import { prodCluster } from '../../environments/clusters/prod';
import { dev } from '../../environments/dev';
import { prod } from '../../environments/prod';
import { test as testEnv } from '../../environments/test';
import { thrownLines } from '../support/apps';

/** The problem lines of a configuration; [] when it validates. */
function configProblems(
  clusters: readonly ClusterConfig[],
  environments: readonly EnvironmentConfig[] = ENVIRONMENTS,
): string[] {
  return thrownLines(() => validateConfig(clusters, environments));
}

const web = (name: string, props: Partial<WebServiceProps> = {}) =>
  WebService.define({ name, team: 'web', image: 'registry.example.com/web/shop', ...props });

/** The problem lines of apps in environments (version 1.0.0 everywhere); [] when accepted. */
function catalogProblems(
  apps: readonly AppDefinition[],
  environments: readonly EnvironmentConfig[],
  clusters: readonly ClusterConfig[] = CLUSTERS,
): string[] {
  const all = Object.fromEntries(apps.map((app) => [app.name, '1.0.0']));
  const versions = Object.fromEntries(environments.map((env) => [env.name, all]));
  try {
    validateCatalog({ apps, versions }, { clusters, environments });
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).problems.map(formatProblem);
  }
  return [];
}

/** An environment on the dev cluster, like dev, with its own name and domain. */
const onDev = (name: string, change: Partial<EnvironmentConfig> = {}): EnvironmentConfig => ({
  ...dev,
  name,
  domain: `${name}.example.com`,
  ...change,
});

describe('system and platform namespaces', () => {
  it('refuses a namespace prefix that puts every app under kube-*', () => {
    expect(configProblems(CLUSTERS, [{ ...dev, namespacePrefix: 'kube' }, testEnv, prod])).toEqual([
      "environment 'dev' namespacePrefix: renders every app namespace as 'kube-<app>', and Kubernetes reserves kube-* namespaces for the system; choose another namespacePrefix",
    ]);
    expect(configProblems(CLUSTERS, [dev, onDev('kube-sandbox'), prod])).toEqual([
      "environment 'kube-sandbox' name: renders every app namespace as 'kube-sandbox-<app>', and Kubernetes reserves kube-* namespaces for the system; set a namespacePrefix",
    ]);
    // Only the kube- prefix is reserved.
    expect(
      configProblems(CLUSTERS, [{ ...dev, namespacePrefix: 'kubelet' }, testEnv, prod]),
    ).toEqual([]);
    expect(
      configProblems(CLUSTERS, [dev, onDev('kube-sandbox', { namespacePrefix: 'sandbox' }), prod]),
    ).toEqual([]);
  });

  it("refuses an app whose namespace in an environment is a platform component's", () => {
    const flux = { ...dev, namespacePrefix: 'flux' };
    expect(catalogProblems([web('system')], [flux, testEnv, prod])).toEqual([
      "app 'system' env 'dev' name: renders namespace 'flux-system' (namespace prefix 'flux' + '-' + app name), which is no app's: the platform component 'flux' owns it; rename the app",
    ]);
    const rook = { ...prod, namespacePrefix: 'rook' };
    expect(catalogProblems([web('ceph')], [dev, testEnv, rook])).toEqual([
      "app 'ceph' env 'prod' name: renders namespace 'rook-ceph' (namespace prefix 'rook' + '-' + app name), which is no app's: the platform component 'rookCeph' owns it; rename the app",
    ]);
    // The same app name under another prefix is an ordinary namespace.
    expect(catalogProblems([web('system'), web('ceph')], ENVIRONMENTS)).toEqual([]);
  });

  it('refuses every namespace a platform component owns, and kube-* and default', () => {
    // Every platform namespace an app could render (`<prefix>-<app>` always has a '-').
    const reachable = Object.values(PLATFORM_NAMESPACES).filter((ns) => ns.includes('-'));
    expect(reachable.length).toBeGreaterThan(5);
    for (const namespace of reachable) {
      const cut = namespace.indexOf('-');
      const environment = { ...dev, namespacePrefix: namespace.slice(0, cut) };
      const problems = catalogProblems([web(namespace.slice(cut + 1))], [environment]);
      expect(problems).toHaveLength(1);
      expect(problems[0]).toContain(`name: renders namespace '${namespace}'`);
    }
    for (const namespace of Object.values(PLATFORM_NAMESPACES)) {
      expect(reservedNamespaceOwner(namespace)).toBeDefined();
    }
    expect(reservedNamespaceOwner('default')).toBe("it is Kubernetes' own namespace");
    expect(reservedNamespaceOwner('kube-public')).toBe('Kubernetes reserves kube-*');
    expect(reservedNamespaceOwner('dev-checkout-api')).toBeUndefined();
    expect(reservedNamespaceOwner('monitoring-api')).toBeUndefined();
  });
});

describe('two environments of one cluster', () => {
  it('refuses one namespace from two namespace prefixes', () => {
    const shop = onDev('shop', { namespacePrefix: 'shop' });
    const shopDev = onDev('shop2', { namespacePrefix: 'shop-dev' });
    expect(catalogProblems([web('dev-cart'), web('cart')], [shop, shopDev])).toEqual([
      "environment 'shop2' namespacePrefix: renders namespace 'shop-dev-cart' for app 'cart', which environment 'shop' also renders for app 'dev-cart' on cluster 'dev'",
    ]);
    // On two clusters the two namespaces are different objects.
    expect(
      catalogProblems([web('dev-cart'), web('cart')], [shop, { ...shopDev, cluster: 'prod' }]),
    ).toEqual([]);
  });

  it('refuses one Argo CD Application name from two environments', () => {
    const a = onDev('a', { namespacePrefix: 'x' });
    const ab = onDev('a-b', { namespacePrefix: 'y' });
    expect(catalogProblems([web('b-c'), web('c')], [a, ab])).toEqual([
      "environment 'a-b' name: renders Argo CD Application 'a-b-c' for app 'c', which environment 'a' also renders for app 'b-c' on cluster 'dev'",
    ]);
    expect(catalogProblems([web('b-c'), web('d')], [a, ab])).toEqual([]);
  });

  it('reports a namespace that is also the Application name once', () => {
    expect(catalogProblems([web('b-c'), web('c')], [onDev('a'), onDev('a-b')])).toEqual([
      "environment 'a-b' name: renders namespace and Argo CD Application 'a-b-c' for app 'c', which environment 'a' also renders for app 'b-c' on cluster 'dev'",
    ]);
  });

  it('ignores an app disabled where it would collide', () => {
    const off = { environments: { 'a-b': { enabled: false } } };
    expect(catalogProblems([web('b-c'), web('c', off)], [onDev('a'), onDev('a-b')])).toEqual([]);
  });
});

describe('the shared Gateway: listeners and domains', () => {
  it('refuses an environment whose listener is named like the platform listener', () => {
    expect(configProblems(CLUSTERS, [dev, onDev('platform'), prod])).toEqual([
      "environment 'platform' name: its Gateway listener would be 'https-platform', the name of the platform listener on cluster 'dev''s Gateway (listener names must be unique); rename the environment",
    ]);
    expect(configProblems(CLUSTERS, [dev, onDev('platforms'), prod])).toEqual([]);
  });

  it("refuses an environment domain equal to its cluster's platform domain", () => {
    expect(
      configProblems(CLUSTERS, [{ ...dev, domain: 'dev.platform.example.com' }, testEnv, prod]),
    ).toEqual([
      "environment 'dev' domain: 'dev.platform.example.com' is the platform domain of its cluster 'dev', so its listener 'https-dev' and the platform listener 'https-platform' would both be '*.dev.platform.example.com' on one Gateway; give the environment its own domain",
    ]);
  });

  it("refuses an environment domain equal to another cluster's platform domain", () => {
    expect(
      configProblems(CLUSTERS, [dev, testEnv, { ...prod, domain: 'dev.platform.example.com' }]),
    ).toEqual([
      "environment 'prod' domain: 'dev.platform.example.com' is the platform domain of cluster 'dev', whose UIs answer on '<name>.dev.platform.example.com'; give the environment its own domain",
    ]);
    // A domain under or beside a platform domain is another listener hostname.
    expect(
      configProblems(CLUSTERS, [
        dev,
        testEnv,
        { ...prod, domain: 'apps.dev.platform.example.com' },
      ]),
    ).toEqual([]);
  });

  it('refuses two clusters with one platform domain', () => {
    expect(configProblems([devCluster, { ...prodCluster, domain: devCluster.domain }])).toEqual([
      "cluster 'prod' domain: 'dev.platform.example.com' is also the platform domain of cluster 'dev' (its UIs' host names would be both clusters'); give each cluster its own domain",
    ]);
  });

  it("refuses an app host under its cluster's platform domain", () => {
    // Checked with the apps too, for configurations that reach synth without validateConfig.
    const onPlatform = { ...dev, domain: devCluster.domain };
    expect(catalogProblems([web('shop')], [onPlatform])).toEqual([
      "app 'shop' env 'dev' host: 'shop.dev.platform.example.com' is a platform host name: one label under cluster 'dev''s platform domain 'dev.platform.example.com', where its UIs (Argo CD, Grafana, ...) answer; give environment 'dev' its own domain",
    ]);
    expect(catalogProblems([web('shop')], [dev])).toEqual([]);
  });
});

describe('DNS labels over 63 characters', () => {
  const label = 'l'.repeat(64);

  it('refuses them in environment and cluster domains', () => {
    expect(
      configProblems(CLUSTERS, [{ ...dev, domain: `${label}.example.com` }, testEnv, prod]),
    ).toEqual([
      `environment 'dev' domain: label '${label}' of '${label}.example.com' is 64 characters, over the 63 a DNS label may have`,
    ]);
    expect(
      configProblems([{ ...devCluster, domain: `${label}.example.com` }, prodCluster]),
    ).toEqual([
      `cluster 'dev' domain: label '${label}' of '${label}.example.com' is 64 characters, over the 63 a DNS label may have`,
    ]);
    expect(
      configProblems(CLUSTERS, [
        { ...dev, domain: `${label.slice(1)}.example.com` },
        testEnv,
        prod,
      ]),
    ).toEqual([]);
  });

  it('refuses an app host whose label is over 63 characters', () => {
    const host = (domain: string) => `${label}.${domain}`;
    expect(catalogProblems([web('shop', { host })], [dev])).toEqual([
      `app 'shop' env 'dev' host: label '${label}' of '${label}.dev.example.com' is 64 characters, over the 63 a DNS label may have`,
    ]);
    const fits = (domain: string) => `${label.slice(1)}.${domain}`;
    expect(catalogProblems([web('shop', { host: fits })], [dev])).toEqual([]);
  });
});
