import { imageOf } from '../../constructs/app/app-construct';
import type { AppDefinition } from '../../constructs/app';
import { validateCatalog } from '../../constructs/app/catalog';
import {
  allowedRegistries,
  registryAllows,
  registryHost,
} from '../../constructs/app/validate-images';
import type { PlatformSettings } from '../../constructs/config/settings';
import type { PlatformConfig } from '../../constructs/config/types';
import { ConfigError } from '../../constructs/errors';
import { APPS } from '../../apps';
import { loadConfig } from '../../environments';
import { renderError, shopWebService, versionsFor } from '../support/apps';
import { configWithPlatform } from '../support/config';
import { findObject, referenceTree, type Loose } from '../support/tree';
import { renderTree, type RenderedTree } from '../../synth/render';

const web = shopWebService;

/** The problem lines validating these apps gives (an empty list when they pass). */
function imageProblems(
  apps: readonly AppDefinition[],
  config: PlatformConfig = loadConfig(),
): string[] {
  try {
    validateCatalog({ apps, versions: versionsFor(apps) }, config);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).problems.map((p) => `${p.subject} ${p.field}: ${p.message}`);
  }
  return [];
}

const withPlatform = (cluster: 'dev' | 'prod', platform: PlatformSettings) =>
  configWithPlatform(cluster, {
    ...loadConfig().clusters.find((c) => c.name === cluster)!.platform,
    ...platform,
  });

const noHost = (image: string, env: string, cluster: string) =>
  `app 'shop' env '${env}' image: must start with its registry host, like registry.example.com/team/app: '${image}' names none, so it would be pulled from docker.io (cluster '${cluster}' allows registry.example.com/)`;
const notAllowed = (image: string, env: string, cluster: string, registries: string) =>
  `app 'shop' env '${env}' image: must come from a registry in platform.kyverno.allowedRegistries of cluster '${cluster}' (${registries}), got '${image}'`;

describe('app images come from the cluster registries, in every environment', () => {
  it('the reference apps and an image from the allowed registry pass', () => {
    expect(imageProblems(APPS)).toEqual([]);
    expect(imageProblems([web()])).toEqual([]);
    expect(imageProblems([web({ image: 'registry.example.com/web/team/shop' })])).toEqual([]);
  });

  it('an image without a registry host (Docker Hub by omission) is refused in dev, test and prod', () => {
    for (const image of ['team/shop', 'shop', 'library/nginx']) {
      expect(imageProblems([web({ image })])).toEqual([
        noHost(image, 'dev', 'dev'),
        noHost(image, 'test', 'dev'),
        noHost(image, 'prod', 'prod'),
      ]);
    }
  });

  it('an image from another registry is refused in dev, test and prod', () => {
    const image = 'ghcr.io/acme/shop';
    expect(imageProblems([web({ image })])).toEqual([
      notAllowed(image, 'dev', 'dev', 'registry.example.com/'),
      notAllowed(image, 'test', 'dev', 'registry.example.com/'),
      notAllowed(image, 'prod', 'prod', 'registry.example.com/'),
    ]);
  });

  it('fails synth with the one-line form', () => {
    expect(
      renderError([
        web({
          image: 'team/shop',
          environments: { test: { enabled: false }, prod: { enabled: false } },
        }),
      ]),
    ).toBe(noHost('team/shop', 'dev', 'dev'));
  });

  it('only environments the app is enabled in are checked', () => {
    const image = 'docker.io/acme/shop';
    expect(imageProblems([web({ image, environments: { prod: { enabled: false } } })])).toEqual([
      notAllowed(image, 'dev', 'dev', 'registry.example.com/'),
      notAllowed(image, 'test', 'dev', 'registry.example.com/'),
    ]);
  });

  it("each environment is checked against its own cluster's list", () => {
    const config = withPlatform('prod', {
      kyverno: { allowedRegistries: ['ghcr.io/acme/', 'registry.example.com/'] },
    });
    expect(imageProblems([web({ image: 'ghcr.io/acme/shop' })], config)).toEqual([
      notAllowed('ghcr.io/acme/shop', 'dev', 'dev', 'registry.example.com/'),
      notAllowed('ghcr.io/acme/shop', 'test', 'dev', 'registry.example.com/'),
    ]);
    expect(imageProblems([web()], config)).toEqual([]);
    expect(imageProblems([web({ image: 'quay.io/acme/shop' })], config)).toContain(
      notAllowed('quay.io/acme/shop', 'prod', 'prod', 'ghcr.io/acme/, registry.example.com/'),
    );
  });

  it('an allowed registry is a prefix up to its final /, as in the Kyverno pattern', () => {
    const config = withPlatform('dev', { kyverno: { allowedRegistries: ['ghcr.io/acme/'] } });
    const devLines = (image: string) =>
      imageProblems([web({ image, environments: { prod: { enabled: false } } })], config);
    expect(devLines('ghcr.io/acme/team/shop')).toEqual([]);
    for (const image of ['ghcr.io/acmecorp/shop', 'ghcr.io/acme', 'ghcr.io:443/acme/shop']) {
      expect(devLines(image)).toEqual([
        notAllowed(image, 'dev', 'dev', 'ghcr.io/acme/'),
        notAllowed(image, 'test', 'dev', 'ghcr.io/acme/'),
      ]);
    }
  });

  it('a host-looking first part that is not the allowed host is refused, not taken as Docker Hub', () => {
    for (const image of [
      'registry.example.com.evil.io/web/shop',
      'registry.example.com:5000/web/shop',
      'localhost/web/shop',
    ]) {
      expect(imageProblems([web({ image })])).toContain(
        notAllowed(image, 'dev', 'dev', 'registry.example.com/'),
      );
    }
  });

  it('a cluster without Kyverno admits any image, so its environments are not checked', () => {
    const config = withPlatform('dev', { kyverno: { enabled: false } });
    expect(imageProblems([web({ image: 'team/shop' })], config)).toEqual([
      noHost('team/shop', 'prod', 'prod'),
    ]);
  });

  it('a malformed allow-list is left to the Kyverno component, which names the setting', () => {
    const config = withPlatform('prod', { kyverno: { allowedRegistries: ['ghcr.io/acme/*'] } });
    const apps = [
      web({
        image: 'ghcr.io/acme/shop',
        environments: { dev: { enabled: false }, test: { enabled: false } },
      }),
    ];
    expect(() => renderTree(config, undefined, { apps, versions: versionsFor(apps) })).toThrow(
      new ConfigError([
        {
          subject: "cluster 'prod'",
          field: 'platform.kyverno.allowedRegistries[0]',
          message:
            "must be a registry host (and optional path) ending in '/', e.g. 'ghcr.io/acme/', got 'ghcr.io/acme/*'",
        },
      ]),
    );
  });
});

describe('registry hosts follow Docker: a first part with a dot, a colon, or localhost', () => {
  it.each([
    ['registry.example.com/web/shop', 'registry.example.com'],
    ['registry:5000/shop', 'registry:5000'],
    ['localhost/shop', 'localhost'],
    ['team/shop', undefined],
    ['shop', undefined],
  ])('%s', (image, host) => {
    expect(registryHost(image)).toBe(host);
  });
});

/** Kyverno's string pattern: `a | b` alternatives, each a wildcard (`*` any run, `?` one). */
function kyvernoAdmits(pattern: string, value: string): boolean {
  return pattern.split('|').some((alternative) => {
    const source = alternative
      .trim()
      .split('')
      .map((c) => (c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[.+^${}()|[\]\\/]/g, '\\$&')))
      .join('');
    return new RegExp(`^${source}$`).test(value);
  });
}

/** The image pattern of a cluster's rendered `restrict-image-registries` policy. */
function registryPattern(tree: RenderedTree, cluster: string): string {
  const policy = findObject(
    tree,
    `platform/${cluster}/`,
    'ClusterPolicy',
    'restrict-image-registries',
  );
  return (policy.spec as Loose).rules[0].validate.pattern.spec.containers[0].image;
}

describe('synth and admission agree', () => {
  const repositories = [
    'registry.example.com/web/shop',
    'registry.example.com/shop',
    'registry.example.com.evil.io/shop',
    'registry.example.com:5000/shop',
    'ghcr.io/acme/shop',
    'ghcr.io/acme/team/shop',
    'ghcr.io/acmecorp/shop',
    'team/shop',
  ];
  const rendered = (repository: string) => [
    imageOf(repository, '1.4.2'),
    imageOf(repository, `sha256:${'a'.repeat(64)}`),
  ];

  // The reference apps come from registry.example.com/payments/ and /web/, so the own list keeps them.
  const ownList = [
    'ghcr.io/acme/',
    'registry.example.com/payments/',
    'registry.example.com/web/',
    'registry.example.com:5000/',
  ];
  it.each([
    ['the default list', undefined],
    ['a list of its own', ownList],
  ])('for %s, the rendered policy admits exactly the images synth accepts', (_what, list) => {
    const config = list
      ? withPlatform('prod', { kyverno: { allowedRegistries: list } })
      : loadConfig();
    const tree = list ? renderTree(config) : referenceTree();
    const cluster = config.clusters.find((c) => c.name === 'prod')!;
    const pattern = registryPattern(tree, 'prod');
    expect(pattern).toBe(
      allowedRegistries(cluster)
        .map((r) => `${r}*`)
        .join(' | '),
    );
    for (const repository of repositories) {
      const synth =
        registryHost(repository) !== undefined &&
        registryAllows(allowedRegistries(cluster), repository);
      for (const image of rendered(repository)) {
        // Synth is never more lenient than admission; it is stricter only for host-less images.
        expect([repository, kyvernoAdmits(pattern, image)]).toEqual([repository, synth]);
      }
    }
  });
});
