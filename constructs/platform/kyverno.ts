// Kyverno: the policy engine and the platform's baseline policies. App namespaces (labelled by
// the app model) get the strict rules; every namespace gets Pod Security "baseline", with
// exceptions only for the node agents that need the host.
import type { Construct } from 'constructs';
import { ClusterTier, type ClusterConfig } from '../config/types';
import { ProblemCollector } from '../errors';
import {
  ClusterPolicy,
  ClusterPolicySpecRulesValidateFailureAction,
  ClusterPolicySpecRulesValidatePodSecurityLevel,
  ClusterPolicySpecRulesValidatePodSecurityVersion,
  type ClusterPolicySpecRules,
} from '../imports/kyverno-clusterpolicy-kyverno.io';
import { PolicyException } from '../imports/kyverno-policyexception-kyverno.io';
import { APP_NAMESPACE_LABEL, STANDARD_LABELS, TEAM_LABEL } from '../contract/labels';
import {
  PlatformComponent,
  type ComponentIdentity,
  type PrivilegedPods,
  type PlatformComponentProps,
} from './component';
import { isComponentEnabled, type ComponentKey } from '../config/settings';
import { CHART_VERSIONS } from './versions';
import { mergeValues } from '../config/component-settings';
import { type KyvernoValues, type KyvernoSettings } from '../config/kyverno';
import { PLATFORM_NAMESPACES } from '../contract/names';

/** Props of {@link Kyverno}. */
export interface KyvernoProps extends PlatformComponentProps {
  /**
   * The cluster's settings for Kyverno. `values` merge over the defaults: objects key by key,
   * arrays and scalars replaced, left-out keys keep the default.
   * @default {} - Audit in dev, Enforce and HA in prod
   */
  readonly settings?: KyvernoSettings;
  /**
   * The enabled components' pods that break Pod Security "baseline" by design; each
   * component's set gets one PolicyException (the platform collects them from the identities).
   * @default [] - no exceptions
   */
  readonly privilegedPods?: readonly ComponentPrivilegedPods[];
}

/** One component's {@link PrivilegedPods}, with the component and namespace they run in. */
export interface ComponentPrivilegedPods extends PrivilegedPods {
  /** The component's key in the platform settings. */
  readonly component: ComponentKey;
  /** The component's namespace. */
  readonly namespace: string;
}

/** The baseline policy every namespace gets (and the only one with exceptions). */
export const BASELINE_POLICY = 'pod-security-baseline';

const appPods = {
  any: [
    {
      resources: {
        kinds: ['Pod'],
        namespaceSelector: { matchLabels: { [APP_NAMESPACE_LABEL]: 'true' } },
      },
    },
  ],
};

const containerLists = ['containers', '=(initContainers)', '=(ephemeralContainers)'] as const;

/** A pattern applying the same constraint to every container list of a pod. */
function everyContainer(constraint: Record<string, unknown>): Record<string, unknown> {
  return { spec: Object.fromEntries(containerLists.map((list) => [list, [constraint]])) };
}

/**
 * Kyverno and the baseline policy set: Pod Security "restricted" in app namespaces and
 * "baseline" everywhere else, requests and limits, no `:latest` or untagged images, images only
 * from the cluster's registries, the recommended and team labels, and a generated default-deny
 * CiliumNetworkPolicy in every app namespace. Validations audit in dev and enforce in prod.
 */
export class Kyverno extends PlatformComponent {
  /** Name, namespace and source of the component. */
  public static readonly IDENTITY: ComponentIdentity = {
    name: 'kyverno',
    namespace: PLATFORM_NAMESPACES.kyverno,
    sourceFile: 'constructs/platform/kyverno.ts',
  };

  /** The chart values rendered into the HelmRelease. */
  public readonly values: KyvernoValues;
  /** Whether validations reject or report. */
  public readonly failureAction: ClusterPolicySpecRulesValidateFailureAction;

  public constructor(scope: Construct, id: string, props: KyvernoProps) {
    super(scope, id, Kyverno.IDENTITY, props);
    const { cluster } = props;
    const production = cluster.tier === ClusterTier.PRODUCTION;
    const settings = props.settings ?? {};
    const monitored = { serviceMonitor: { enabled: isComponentEnabled(cluster, 'monitoring') } };
    const defaults: KyvernoValues = {
      admissionController: { replicas: production ? 3 : 1, ...monitored },
      backgroundController: {
        replicas: production ? 2 : 1,
        ...monitored,
        rbac: {
          clusterRole: {
            extraResources: [
              {
                apiGroups: ['cilium.io'],
                resources: ['ciliumnetworkpolicies'],
                verbs: ['create', 'update', 'patch', 'delete', 'get', 'list', 'watch'],
              },
            ],
          },
        },
      },
      cleanupController: { replicas: production ? 2 : 1, ...monitored },
      reportsController: { replicas: production ? 2 : 1, ...monitored },
      features: { policyExceptions: { enabled: true, namespace: this.namespace } },
    };
    this.values = mergeValues(defaults, settings.values);
    const registries = settings.allowedRegistries ?? ['registry.example.com/'];
    validate(cluster, this.values, registries);
    this.installChart(CHART_VERSIONS.kyverno, this.values);

    this.failureAction =
      (settings.failureAction ?? (production ? 'Enforce' : 'Audit')) === 'Enforce'
        ? ClusterPolicySpecRulesValidateFailureAction.ENFORCE
        : ClusterPolicySpecRulesValidateFailureAction.AUDIT;
    this.addPodSecurity();
    this.addAppPolicies(registries);
    this.addDefaultDeny();
    this.addExceptions(props.privilegedPods ?? []);
  }

  private policy(
    name: string,
    title: string,
    description: string,
    rules: ClusterPolicySpecRules[],
    annotations: Record<string, string> = {},
  ): void {
    new ClusterPolicy(this.configs, name, {
      metadata: {
        name,
        annotations: {
          'policies.kyverno.io/title': title,
          'policies.kyverno.io/description': description,
          ...annotations,
        },
      },
      spec: { background: true, rules },
    });
  }

  private validation(
    name: string,
    message: string,
    pattern: Record<string, unknown>,
  ): ClusterPolicySpecRules {
    return {
      name,
      match: appPods,
      validate: { failureAction: this.failureAction, message, pattern },
    };
  }

  private addPodSecurity(): void {
    const podSecurity = (level: ClusterPolicySpecRulesValidatePodSecurityLevel) => ({
      failureAction: this.failureAction,
      podSecurity: { level, version: ClusterPolicySpecRulesValidatePodSecurityVersion.LATEST },
    });
    this.policy(
      'pod-security-restricted',
      'Pod Security Standards: restricted',
      'App pods run as non-root with no privilege escalation, every capability dropped and the RuntimeDefault seccomp profile.',
      [
        {
          name: 'restricted',
          match: appPods,
          validate: podSecurity(ClusterPolicySpecRulesValidatePodSecurityLevel.RESTRICTED),
        },
      ],
    );
    this.policy(
      BASELINE_POLICY,
      'Pod Security Standards: baseline',
      'No pod uses the host namespaces, host paths or privileged mode, except the node agents with a PolicyException.',
      [
        {
          name: 'baseline',
          match: { any: [{ resources: { kinds: ['Pod'] } }] },
          validate: podSecurity(ClusterPolicySpecRulesValidatePodSecurityLevel.BASELINE),
        },
      ],
      // Checked on pods only, so the exceptions name pods (controllers stay admitted).
      { 'pod-policies.kyverno.io/autogen-controllers': 'none' },
    );
  }

  private addAppPolicies(registries: readonly string[]): void {
    this.policy(
      'require-requests-limits',
      'Require requests and limits',
      'Every app container requests CPU and memory and has a memory limit, so the scheduler can place it and a leak cannot starve its node.',
      [
        this.validation(
          'requests-and-memory-limit',
          'Every container needs resources.requests.cpu, resources.requests.memory and resources.limits.memory.',
          everyContainer({
            resources: { requests: { cpu: '?*', memory: '?*' }, limits: { memory: '?*' } },
          }),
        ),
      ],
    );
    this.policy(
      'disallow-latest-tag',
      'Disallow untagged and latest images',
      'An image names an exact version, so a rollback returns to the same bits.',
      [
        this.validation(
          'require-tag',
          'Images need a tag or digest.',
          everyContainer({ image: '*:*' }),
        ),
        this.validation(
          'no-latest',
          "The ':latest' tag is not allowed.",
          everyContainer({ image: '!*:latest' }),
        ),
      ],
    );
    this.policy(
      'restrict-image-registries',
      'Allowed image registries',
      `App images come only from: ${registries.join(', ')}.`,
      [
        this.validation(
          'allowed-registries',
          `Images must come from one of: ${registries.join(', ')}.`,
          everyContainer({ image: registries.map((registry) => `${registry}*`).join(' | ') }),
        ),
      ],
    );
    this.policy(
      'require-labels',
      'Require the recommended and team labels',
      'App pods say what they are and which team owns them, for routing alerts and costs.',
      [
        this.validation(
          'recommended-and-team',
          `Pods need the labels ${STANDARD_LABELS.name}, ${STANDARD_LABELS.instance}, ${STANDARD_LABELS.partOf} and ${TEAM_LABEL}.`,
          {
            metadata: {
              labels: {
                [STANDARD_LABELS.name]: '?*',
                [STANDARD_LABELS.instance]: '?*',
                [STANDARD_LABELS.partOf]: '?*',
                [TEAM_LABEL]: '?*',
              },
            },
          },
        ),
      ],
    );
  }

  private addDefaultDeny(): void {
    this.policy(
      'default-deny-app-namespaces',
      'Default-deny network policy per app namespace',
      'Every app namespace starts closed (DNS excepted); each app opens only what it declares.',
      [
        {
          name: 'default-deny',
          match: {
            any: [
              {
                resources: {
                  kinds: ['Namespace'],
                  selector: { matchLabels: { [APP_NAMESPACE_LABEL]: 'true' } },
                },
              },
            ],
          },
          generate: {
            apiVersion: 'cilium.io/v2',
            kind: 'CiliumNetworkPolicy',
            name: 'default-deny',
            namespace: '{{request.object.metadata.name}}',
            synchronize: true,
            generateExisting: true,
            data: {
              spec: {
                // Selecting every pod with an empty rule admits nothing: default deny both ways.
                endpointSelector: {},
                ingress: [{}],
                egress: [
                  {
                    toEndpoints: [
                      {
                        matchLabels: {
                          'k8s:io.kubernetes.pod.namespace': 'kube-system',
                          'k8s:k8s-app': 'kube-dns',
                        },
                      },
                    ],
                    toPorts: [
                      {
                        ports: [{ port: '53', protocol: 'ANY' }],
                        rules: { dns: [{ matchPattern: '*' }] },
                      },
                    ],
                  },
                ],
              },
            },
          },
        },
      ],
    );
  }

  private addExceptions(privilegedPods: readonly ComponentPrivilegedPods[]): void {
    for (const agent of privilegedPods) {
      new PolicyException(this.configs, `exception-${agent.component}`, {
        metadata: {
          name: `${agent.namespace}-node-agents`,
          namespace: this.namespace,
          annotations: { 'policies.kyverno.io/description': agent.why },
        },
        spec: {
          exceptions: [{ policyName: BASELINE_POLICY, ruleNames: ['baseline'] }],
          match: {
            any: [
              {
                resources: {
                  kinds: ['Pod'],
                  namespaces: [agent.namespace],
                  names: [...agent.names],
                },
              },
            ],
          },
        },
      });
    }
  }
}

function validate(
  cluster: ClusterConfig,
  values: KyvernoValues,
  registries: readonly string[],
): void {
  const problems = new ProblemCollector();
  const subject = `cluster '${cluster.name}'`;
  const replicas = values.admissionController.replicas;
  problems.check(
    replicas === 1 || (Number.isInteger(replicas) && replicas >= 3),
    subject,
    'platform.kyverno.values.admissionController.replicas',
    `must be 1, or 3 or more for high availability (Kyverno does not support 2), got ${replicas}`,
  );
  problems.check(
    registries.length > 0,
    subject,
    'platform.kyverno.allowedRegistries',
    'must list at least one registry, or no app image could run',
  );
  registries.forEach((registry, i) => {
    problems.check(
      /^[a-z0-9.-]+(:\d+)?(\/[a-z0-9._-]+)*\/$/.test(registry),
      subject,
      `platform.kyverno.allowedRegistries[${i}]`,
      `must be a registry host (and optional path) ending in '/', e.g. 'ghcr.io/acme/', got '${registry}'`,
    );
  });
  problems.check(
    values.features.policyExceptions.enabled,
    subject,
    'platform.kyverno.values.features.policyExceptions.enabled',
    "must stay true: the node agents' PolicyExceptions would be ignored and their pods rejected",
  );
  problems.throwIfAny();
}
