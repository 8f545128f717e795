// Where the upstream CRDs and schemas are, and how to fetch them. One resolver for the import
// script and the schema tests: NEXTGEN_CRDS_DIR, else ../shared/crds beside the repo, else
// .cache/crds filled by `npm run crds` from GitHub at the pinned tags (table below, taken from
// ../shared/crds/SOURCES.md; every file's sha256 is pinned too, so a moved tag is refused).
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';

/** The environment variable naming a CRD folder (same layout as ../shared/crds). */
export const CRDS_DIR_ENV = 'NEXTGEN_CRDS_DIR';

/** The shared CRD folder used when NEXTGEN_CRDS_DIR is unset (repo-relative). */
export const SHARED_CRDS_DIR = '../shared/crds';

/** The cache `npm run crds` fills, relative to the repo root. */
export const CRDS_CACHE_DIR = '.cache/crds';

/** Written into the cache last, when every file is there and checked. */
export const CRDS_LOCK_FILE = 'crds.lock.json';

/** One upstream folder at one tag, and the files taken from it. */
interface CrdGroup {
  /** Folder under the CRD folder (`flux`, `tekton`, ...). */
  readonly component: string;
  /** GitHub `owner/name`. */
  readonly repo: string;
  /** Tag the files are read at (a full commit id where the source has no tag). */
  readonly ref: string;
  /** Folder inside the repository. */
  readonly dir: string;
  /** Prefix put before each upstream name in the target folder (Tekton Triggers). */
  readonly targetPrefix?: string;
  /** Target names that differ from upstream's: upstream name -> target name. */
  readonly rename?: Readonly<Record<string, string>>;
  /** Upstream file name -> sha256 of its bytes (equal to the copy in ../shared/crds). */
  readonly files: Readonly<Record<string, string>>;
}

const CRD_GROUPS: readonly CrdGroup[] = [
  {
    component: 'flux',
    repo: 'fluxcd/source-controller',
    ref: 'v1.9.1',
    dir: 'config/crd/bases',
    files: {
      'source.toolkit.fluxcd.io_buckets.yaml':
        '366d4926a698332d824e97e9a9adf763f44dd7b59b70034916ebeefd91f1e43e',
      'source.toolkit.fluxcd.io_externalartifacts.yaml':
        '3e49150e6b483ee66de8ba1d91281b24c3bd7ade2b3a5f05e5db822e4ed70906',
      'source.toolkit.fluxcd.io_gitrepositories.yaml':
        '39a5a46c81539c992abc53f9be3e5434cd70d50a10d169b1e8a450e0df1c9d09',
      'source.toolkit.fluxcd.io_helmcharts.yaml':
        'dc0158d014e90007c0a084973ef561cd20d3d44520ed4e604e8acff8bb19d2b0',
      'source.toolkit.fluxcd.io_helmrepositories.yaml':
        '97c7759df00946cbb9a75a56457cff9964b2543d2248df859cef21e26b8e2ae6',
      'source.toolkit.fluxcd.io_ocirepositories.yaml':
        '2655834d468e46a533410d9e2bc3f4e7cbf9b4c922b95652012acb09bfb2545a',
    },
  },
  {
    component: 'flux',
    repo: 'fluxcd/kustomize-controller',
    ref: 'v1.9.4',
    dir: 'config/crd/bases',
    files: {
      'kustomize.toolkit.fluxcd.io_kustomizations.yaml':
        'da23ca0e6b4c80d3d26a91583137491e147ef4ef1e2208aece0d0af4ef851974',
    },
  },
  {
    component: 'flux',
    repo: 'fluxcd/helm-controller',
    ref: 'v1.6.3',
    dir: 'config/crd/bases',
    files: {
      'helm.toolkit.fluxcd.io_helmreleases.yaml':
        'aa8638ac68465ceac1f93a617baf5be833c589c51fd78a7384a4a274c252becc',
    },
  },
  {
    component: 'flux',
    repo: 'fluxcd/notification-controller',
    ref: 'v1.9.3',
    dir: 'config/crd/bases',
    files: {
      'notification.toolkit.fluxcd.io_alerts.yaml':
        '2b8f79249b39881bd23c49868f114c44c6e632dfcda451da576adfa16c64226f',
      'notification.toolkit.fluxcd.io_providers.yaml':
        '243ad33ac88ed965c6cd72b342dc5a93ecf5eefde2e03f4c2ea026b52d872135',
      'notification.toolkit.fluxcd.io_receivers.yaml':
        '4c8be1ad7789b78f0727557d01e5f33eef9447a1f4aa9b830a3c1cc8a1508a9b',
    },
  },
  {
    component: 'flux',
    repo: 'fluxcd/image-reflector-controller',
    ref: 'v1.2.0',
    dir: 'config/crd/bases',
    files: {
      'image.toolkit.fluxcd.io_imagepolicies.yaml':
        '7337df5b1d11febd1be7c4792523d985d9199550ad78f2245442ec3268000985',
      'image.toolkit.fluxcd.io_imagerepositories.yaml':
        'ffe681874747909190b65a61480cf6101bf643173d934e8baa4fb8cfbcd28d47',
    },
  },
  {
    component: 'flux',
    repo: 'fluxcd/image-automation-controller',
    ref: 'v1.2.1',
    dir: 'config/crd/bases',
    files: {
      'image.toolkit.fluxcd.io_imageupdateautomations.yaml':
        'fcfefa730060e0d9cf8cd3f823f87b439a98f992b1a3b1e145bf15527f181401',
    },
  },
  {
    component: 'argocd',
    repo: 'argoproj/argo-cd',
    ref: 'v3.5.1',
    dir: 'manifests/crds',
    files: {
      'application-crd.yaml': '5dde0e229249b6b707beb98674c1deae3949d5c319a6c45b9f5a80c99618e40c',
      'applicationset-crd.yaml': '7d282054f41ca2b71a22bab04a8caf0000e07e53a62432e6ea292dae5ab4f07d',
      'appproject-crd.yaml': 'ab225266944322750136f1198d93786e4a79a0e43c8d149abfba44da30a3eac8',
    },
  },
  {
    component: 'argo-rollouts',
    repo: 'argoproj/argo-rollouts',
    ref: 'v1.9.1',
    dir: 'manifests/crds',
    files: {
      'analysis-run-crd.yaml': 'eb1052e728aeb5e46eb1c1202958585eb48edc5ba25b406b7b41c1049009477d',
      'analysis-template-crd.yaml':
        '96a871705477bb8876f91630789ce753c8291f0ff5457a8cbc781ff150522369',
      'cluster-analysis-template-crd.yaml':
        '265283fa1dbf10a6b37c3b1e0ece97fa7fe561ca66da8521ca4b194297b31882',
      'experiment-crd.yaml': '419f87b0f6b1b3bfaf0020d71e2b3fe269e232a344e175d123dadceaa17de7ab',
      'rollout-crd.yaml': 'd79c0dab9bb386b1c9329fb69cf0d843fff2152b3f7916839755c1aabc7387f5',
    },
  },
  {
    component: 'tekton',
    repo: 'tektoncd/pipeline',
    ref: 'v1.15.0',
    dir: 'config/300-crds',
    files: {
      '300-customrun.yaml': '3d72dbef5a711344e445a20ac6ae222487126239ee9cbbebbe5d0d6cff3d7ea6',
      '300-pipeline.yaml': '529a6caae1d106b4eb246d11a42f236e64562baa5a435833ae828d4dd48f6671',
      '300-pipelinerun.yaml': 'fc416ea4e2cb9e9a0d996cb192c7b5bc9f17b70b7ea962bde212b7b231453a3b',
      '300-resolutionrequest.yaml':
        'b58b52478a0bc158e04ce580f651d38103dcbac1e9186ff5e4810a6747089aae',
      '300-stepaction.yaml': 'acd3155fc4bf4f01a1acf5824b6aa87d3265e1041b4f1f6825a16ec5b6ae1acf',
      '300-task.yaml': '7d5659628e9abc63050f3d5718aeba20d10c94a9e30201f0a818b7b0609f0274',
      '300-taskrun.yaml': '4e661963b0d441c731182de81274b349c4731299c98c53d6355069034b7742fb',
      '300-verificationpolicy.yaml':
        'c985b23f68318029d438025d255d84564d59bb884be112c6a84d278f43040bfb',
    },
  },
  {
    component: 'tekton',
    repo: 'tektoncd/triggers',
    ref: 'v0.37.0',
    dir: 'config',
    targetPrefix: 'triggers-',
    files: {
      '300-clusterinterceptor.yaml':
        'a5763f48dc27253c9c6571ff76dc9233a9d758961e6c8a67ee64396054edfa44',
      '300-clustertriggerbinding.yaml':
        'bceacc3ff07d24cea487e7aefb380650c1b4f1bc78a1696cd429875c5908c7f8',
      '300-eventlistener.yaml': 'a6c66b84f935c491a7a91e16e7aebe1aeab8d35b6c9b7240f9028af02e896948',
      '300-interceptor.yaml': 'd2f3ea55300f67cd97d933c48f1655a963aa58533ccf2cfa891aa2ed38333bf0',
      '300-trigger.yaml': 'af3acc2fcc6411ef7073b69d8bb3d673b9938490fabcaa8fadeb1b59b67de2e4',
      '300-triggerbinding.yaml': '9650eec5a72d0f332b1f240aa880ac2decec2174f8ecf63a402c67afdeefc414',
      '300-triggertemplate.yaml':
        'ecbf0f112e0bed90efc7b9ecf21c16746ec11325decde86b60cb95b6d545c203',
    },
  },
  {
    component: 'tekton-operator',
    repo: 'tektoncd/operator',
    ref: 'v0.80.0',
    dir: 'config/base/generated-crds',
    files: {
      'operator.tekton.dev_tektonconfigs.yaml':
        'c1b903969f8b468c01cab90d9236dfba361a07ddeffca11856100e2e795d34cc',
    },
  },
  {
    component: 'kyverno',
    repo: 'kyverno/kyverno',
    ref: 'v1.19.0',
    dir: 'config/crds/kyverno',
    files: {
      'kyverno.io_clusterpolicies.yaml':
        'fb041ee35f8e89b5bca566bb6e00cd67fccc30be8859998757333f2a40d79655',
      'kyverno.io_policies.yaml':
        'e6475e41d8ae4640913e92958ddfa03a61fbcbf857170f3c9783ae06f8c52a08',
      'kyverno.io_policyexceptions.yaml':
        '83d0478d61e88890c0dbf1e8360f5e5b7bb7d5708d0cc2d52c7dab8cfc833dbc',
    },
  },
  {
    component: 'metallb',
    repo: 'metallb/metallb',
    ref: 'v0.16.1',
    dir: 'config/crd/bases',
    files: {
      'metallb.io_bfdprofiles.yaml':
        'b62589379612dcd4a0f267d65364e1acdf9870ca068dfbc2dd338c73757ea156',
      'metallb.io_bgpadvertisements.yaml':
        '0e15848edf8f342f8bfd29f6c11b1d89266be5ebf950035987b5008bdf673370',
      'metallb.io_bgppeers.yaml':
        'ddf860a818a4a163547c5510f7122ffaee996d9157c227e6536ea1d39d6c4a60',
      'metallb.io_communities.yaml':
        'c6bca6acc922264263ff2df35986453d55570adeda1560f4bc66926df853b6b6',
      'metallb.io_ipaddresspools.yaml':
        '585d55016cb9cf1aac3ed4a63b1075051bf8c20aab28dfcd3cfbe58a632ed230',
      'metallb.io_l2advertisements.yaml':
        'c2561949e442c8253237ef81dbfe7c4a69fd5c1bfdf30f8bc0829d74d4cd4d64',
    },
  },
  {
    component: 'cert-manager',
    repo: 'cert-manager/cert-manager',
    ref: 'v1.21.1',
    dir: 'deploy/crds',
    files: {
      'cert-manager.io_certificaterequests.yaml':
        '74cf3801ab146a1745498de5f3b619cde6f2dc89ae03755084be08129ce726c3',
      'cert-manager.io_certificates.yaml':
        '7ad91029c00ec959d54215b19d3b1a9b7e0247eaa60f987151c2b70d8661f8af',
      'cert-manager.io_clusterissuers.yaml':
        '30008001b78aafb8e110af61359561104b5fafc3a4dc6ac0013245d0ee3fe4ca',
      'cert-manager.io_issuers.yaml':
        '05e37efb02777e0362d24269fa103c2fc11419f9c85e31854ef873e5d9e5c5cc',
    },
  },
  {
    component: 'rook',
    repo: 'rook/rook',
    ref: 'v1.20.6',
    dir: 'deploy/examples',
    files: {
      'crds.yaml': '7fa7462d44b35d636703a03a88120030692a06a05ac91ec253200cb4ae8c37cf',
    },
  },
  {
    component: 'prometheus-operator',
    repo: 'prometheus-operator/prometheus-operator',
    ref: 'v0.93.0',
    dir: 'example/prometheus-operator-crd',
    files: {
      'monitoring.coreos.com_alertmanagerconfigs.yaml':
        'fed47c462483a47a4d1912bf8a7a3767618644cfdee86dc73d7624c55d6a8b9d',
      'monitoring.coreos.com_alertmanagers.yaml':
        '0e8eccd22699818c93f619c8fe2d92dbbd783a7e9232827a886dedeac1fb5dc1',
      'monitoring.coreos.com_podmonitors.yaml':
        '45a93443daa687d3654f7e9631909ff7edcdf3ec09c5e60251b74aa2722aee5d',
      'monitoring.coreos.com_probes.yaml':
        'f4ead9704bd4c6303d53e4cc15670faaf0609022a5e08c0ce496286f453666b7',
      'monitoring.coreos.com_prometheuses.yaml':
        'c0eed4b2c38a58e3a5be7e2f5846df067804c694b0c9316b35029ab68fa183a4',
      'monitoring.coreos.com_prometheusrules.yaml':
        '78be98554b9c8506ab2b4f4feb91c5f3a56e536a0a510f3a8e876a459970d56d',
      'monitoring.coreos.com_servicemonitors.yaml':
        'a99047972c9dd7679ce2050b9968e8a08773492e671b3e17abd476d42aa78a32',
    },
  },
  {
    component: 'cilium',
    repo: 'cilium/cilium',
    ref: 'v1.19.4',
    dir: 'pkg/k8s/apis/cilium.io/client/crds/v2',
    files: {
      'ciliumcidrgroups.yaml': '64c3e515decd0a1a91745e0544e9601dbddd1b5d46914834a8fd175f51499ee9',
      'ciliumclusterwidenetworkpolicies.yaml':
        'ae742b7ad66ddb4af752b6ae9787f2d3bc4597e3f29df80417967767f9bf2a79',
      'ciliumloadbalancerippools.yaml':
        '04a1e2415f62364c409913f85d2ed597ba41e4f8c31fd242fd79149348853142',
      'ciliumnetworkpolicies.yaml':
        '1b1738a904de1152c43078e6a873440aea100f30f10ce5ed4e8622524c13fa43',
    },
  },
  {
    component: 'cilium',
    repo: 'cilium/cilium',
    ref: 'v1.19.4',
    dir: 'pkg/k8s/apis/cilium.io/client/crds/v2alpha1',
    files: {
      'ciliuml2announcementpolicies.yaml':
        'c9a67b0d8a3a5ea43d80c3ac1a0e05f5d0c7ba19ed70cbe8ccd4e04ad5077e1b',
    },
  },
  {
    component: 'gateway-api',
    repo: 'kubernetes-sigs/gateway-api',
    ref: 'v1.6.1',
    dir: 'config/crd/standard',
    files: {
      'gateway.networking.k8s.io_backendtlspolicies.yaml':
        '0d48c9e4b53dd9510cf615b9b1192d9d7afb07a1cc0498c9515627cb1c075419',
      'gateway.networking.k8s.io_gatewayclasses.yaml':
        '53710048ba26f8620eed59d5e51b157ecf040daf5c6eef31a4b991e0808c4be5',
      'gateway.networking.k8s.io_gateways.yaml':
        '25b885f5870b8fff1ae82efa2628b2761cef3745900c2aecf8fb76629a01255a',
      'gateway.networking.k8s.io_grpcroutes.yaml':
        '53a8d029da8f07e55d3fa58a5cf6de5950dab19fbb8d6a8082fb5e51ca5ef6fc',
      'gateway.networking.k8s.io_httproutes.yaml':
        'a424a0d6c953b162e71d1d97bb7e75012d8f1ac264e7274f2763d1b96ab39852',
      'gateway.networking.k8s.io_referencegrants.yaml':
        '8c645e9333cfa67790cc2a53e0c00076f88b2bd4230d2b49688c78bc34f9b2c3',
    },
  },
  {
    component: 'gateway-api-v1.4.1',
    repo: 'kubernetes-sigs/gateway-api',
    ref: 'v1.4.1',
    dir: 'config/crd/standard',
    files: {
      'gateway.networking.k8s.io_backendtlspolicies.yaml':
        'f94f34b0c19cab6c25b53a6e672d9a684116a4e52193531fe2abcea20b51574f',
      'gateway.networking.k8s.io_gatewayclasses.yaml':
        '7d958ad3965ea4a4996616846d9ecaf1fededbf9351b9752b8b85973936ae8c8',
      'gateway.networking.k8s.io_gateways.yaml':
        'a02ea425fc901f197b668c9ddd56375e1f6896994914c6e6b9b4fdb85cf3ba6e',
      'gateway.networking.k8s.io_grpcroutes.yaml':
        'b72068b42cb32051ca609e5a8dfefb16904d164abe2e71d9f3c776fae41c4dab',
      'gateway.networking.k8s.io_httproutes.yaml':
        '98c6777c22309d319292e9c288ee632006c9ffdd4272383d6f9dffa3fbccaf14',
      'gateway.networking.k8s.io_referencegrants.yaml':
        'd74fc2f8e90094f4c4d6dc13a2d720011a40e30e5640b3e2a2051fac820f6584',
    },
  },
  {
    component: 'talos',
    repo: 'siderolabs/talos',
    ref: 'v1.13.9',
    dir: 'website/content/v1.13/schemas',
    files: {
      'config.schema.json': '3729ac38813c92a35d3159444402d9e7955b5b67aa28303969d5e1d1fa9d2d1d',
    },
  },
  {
    component: 'kubernetes',
    repo: 'kubernetes-sigs/reference-docs',
    ref: '3916407035d114b164f9df72e4cd726f3d138003',
    dir: 'gen-resourcesdocs/api/v1.36',
    rename: { 'swagger.json': 'swagger-v1.36.json' },
    files: {
      'swagger.json': 'dcede2063da1d7ad62ecb5af8adb6d7fabd0b52385a7fa0048afb491dac90450',
    },
  },
  {
    component: 'kubernetes',
    repo: 'cdk8s-team/cdk8s',
    ref: '71f8cba7ecc809d861e837e842217202d5e5a16c',
    dir: 'kubernetes-schemas/v1.36.0',
    rename: { '_definitions.json': 'cdk8s-_definitions-v1.36.0.json' },
    files: {
      '_definitions.json': 'a9e98cdc6ab09980f23b5e987a5f11d0ec1fc838187efb92f347ccf38ed8fd65',
    },
  },
];

/** One file of the CRD folder and where it comes from. */
export interface CrdFile {
  /** Folder under the CRD folder (`flux`, `kubernetes`, ...). */
  readonly component: string;
  /** GitHub `owner/name` of the upstream repository. */
  readonly repo: string;
  /** Tag (or full commit id) the file is read at. */
  readonly ref: string;
  /** Path of the file inside the repository. */
  readonly path: string;
  /** File name in `<crds>/<component>/`. */
  readonly file: string;
  /** sha256 (hex) the fetched bytes must have. */
  readonly sha256: string;
}

/** Every file of the CRD folder, in table order. */
export const CRD_FILES: readonly CrdFile[] = CRD_GROUPS.flatMap((group) =>
  Object.entries(group.files).map(([upstream, sha256]) => ({
    component: group.component,
    repo: group.repo,
    ref: group.ref,
    path: `${group.dir}/${upstream}`,
    file: group.rename?.[upstream] ?? `${group.targetPrefix ?? ''}${upstream}`,
    sha256,
  })),
);

/** The raw.githubusercontent.com URL of a file at its tag. */
export function crdUrl(file: CrdFile): string {
  const segments = [...file.repo.split('/'), file.ref, ...file.path.split('/')];
  return `https://raw.githubusercontent.com/${segments.map(encodeURIComponent).join('/')}`;
}

/** Where a file goes in a CRD folder. */
export function crdTarget(dir: string, file: CrdFile): string {
  return path.join(dir, file.component, file.file);
}

function isDirectory(dir: string): boolean {
  return fs.statSync(dir, { throwIfNoEntry: false })?.isDirectory() ?? false;
}

/**
 * The folder holding the upstream CRDs and schemas: NEXTGEN_CRDS_DIR (relative to the repo
 * root), else `../shared/crds` when it exists, else `.cache/crds` once `npm run crds` has
 * filled it. Throws, naming `npm run crds`, when there is none.
 */
export function crdsDir(
  root: string,
  env: Readonly<Record<string, string | undefined>> = process.env,
): string {
  const given = env[CRDS_DIR_ENV];
  if (given) return path.resolve(root, given);
  const shared = path.resolve(root, SHARED_CRDS_DIR);
  if (isDirectory(shared)) return shared;
  const cache = path.resolve(root, CRDS_CACHE_DIR);
  if (fs.existsSync(path.join(cache, CRDS_LOCK_FILE))) return cache;
  const state = isDirectory(cache) ? 'is incomplete' : 'is not filled';
  throw new Error(
    `no CRD folder: ${CRDS_DIR_ENV} is unset, ${shared} does not exist and ${CRDS_CACHE_DIR} ` +
      `${state}; run "npm run crds" (fetches them from GitHub) or set ${CRDS_DIR_ENV}`,
  );
}

function sha256(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

/** Options of fetchCrds. */
export interface FetchCrdsOptions {
  /** The repo root; files go to `<root>/.cache/crds/<component>/<file>`. */
  readonly root: string;
  /** The files; CRD_FILES by default. */
  readonly files?: readonly CrdFile[];
  /** The fetch function; the global fetch by default. */
  readonly fetch?: typeof fetch;
  /** Receives one line per file fetched or failed; silent by default. */
  readonly log?: (line: string) => void;
  /** Parallel downloads; 6 by default. */
  readonly concurrency?: number;
}

/** The outcome of fetchCrds. */
export interface FetchCrdsResult {
  /** Files downloaded now. */
  readonly fetched: number;
  /** Files already in the cache with the pinned sha256. */
  readonly unchanged: number;
  /** `<url>: <reason>` per file that could not be fetched or had another sha256. */
  readonly failures: readonly string[];
  /** Files not tried because a request failed at the network level (no internet). */
  readonly skipped: number;
  /** The lock file, written only when nothing failed. */
  readonly lockFile: string;
}

/** The request itself failed (no route, DNS, timeout): later requests would fail alike. */
class NetworkError extends Error {}

async function fetchOne(
  fetchFn: typeof fetch,
  file: CrdFile,
  target: string,
): Promise<'fetched' | 'unchanged'> {
  if (fs.existsSync(target) && sha256(fs.readFileSync(target)) === file.sha256) return 'unchanged';
  const url = crdUrl(file);
  let response: Response;
  try {
    response = await fetchFn(url, { signal: AbortSignal.timeout(60_000) });
  } catch (error) {
    const cause = (error as { cause?: { message?: string } }).cause?.message;
    throw new NetworkError(`${url}: ${(error as Error).message}${cause ? ` (${cause})` : ''}`);
  }
  if (!response.ok) throw new Error(`${url}: HTTP ${response.status} ${response.statusText}`);
  const data = Buffer.from(await response.arrayBuffer());
  const digest = sha256(data);
  if (digest !== file.sha256) {
    throw new Error(`${url}: sha256 ${digest}, pinned ${file.sha256} (did the tag move?)`);
  }
  fs.mkdirSync(path.dirname(target), { recursive: true });
  const staging = `${target}.${process.pid}.tmp`;
  try {
    fs.writeFileSync(staging, data);
    fs.renameSync(staging, target);
  } finally {
    fs.rmSync(staging, { force: true });
  }
  return 'fetched';
}

/**
 * Fills `<root>/.cache/crds` with every file of the table, each checked against its pinned
 * sha256. Files already there with that digest are not fetched again. After a request fails
 * at the network level the rest are not tried (offline, each would wait for its own DNS
 * failure). The lock file, which makes crdsDir accept the cache, is written only when every
 * file is there.
 */
export async function fetchCrds(options: FetchCrdsOptions): Promise<FetchCrdsResult> {
  const cache = path.join(path.resolve(options.root), CRDS_CACHE_DIR);
  const files = options.files ?? CRD_FILES;
  const fetchFn = options.fetch ?? fetch;
  const log = options.log ?? (() => undefined);
  const lockFile = path.join(cache, CRDS_LOCK_FILE);
  const failures: string[] = [];
  let fetched = 0;
  let unchanged = 0;
  let next = 0;
  let offline = false;
  const worker = async (): Promise<void> => {
    while (next < files.length && !offline) {
      const file = files[next++]!;
      const name = `${file.component}/${file.file}`;
      try {
        const status = await fetchOne(fetchFn, file, crdTarget(cache, file));
        if (status === 'fetched') {
          fetched++;
          log(`fetched    ${name}  (${file.repo}@${file.ref})`);
        } else {
          unchanged++;
        }
      } catch (error) {
        if (error instanceof NetworkError) offline = true;
        failures.push((error as Error).message);
        log(`FAILED     ${name}  ${(error as Error).message}`);
      }
    }
  };
  const workers = Math.max(1, Math.min(options.concurrency ?? 6, files.length));
  await Promise.all(Array.from({ length: workers }, worker));
  const skipped = files.length - next;
  if (failures.length === 0 && skipped === 0) {
    const lock = files
      .map((f) => ({ file: `${f.component}/${f.file}`, url: crdUrl(f), sha256: f.sha256 }))
      .sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0));
    fs.mkdirSync(cache, { recursive: true });
    fs.writeFileSync(lockFile, JSON.stringify({ lockVersion: 1, files: lock }, null, 2) + '\n');
  } else {
    fs.rmSync(lockFile, { force: true });
  }
  return { fetched, unchanged, failures, skipped, lockFile };
}
