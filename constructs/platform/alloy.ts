// Grafana Alloy: a DaemonSet that tails every pod's logs through the Kubernetes API and pushes
// them to Loki, labelled with namespace, pod, container and app.
import type { Construct } from 'constructs';
import {
  PlatformComponent,
  PodSecurityLevel,
  type ComponentIdentity,
  type PlatformComponentProps,
} from './component';
import { isComponentEnabled } from '../config/settings';
import { CHART_VERSIONS } from './versions';
import { mergeValues } from '../config/component-settings';
import { type AlloyValues, type AlloySettings } from '../config/alloy';
import { LOKI_URL, PLATFORM_NAMESPACES } from '../contract/names';

/** Props of {@link Alloy}. */
export interface AlloyProps extends PlatformComponentProps {
  /**
   * The cluster's settings for Alloy. `values` merge over the defaults: objects key by key,
   * arrays and scalars (the whole configuration text) replaced.
   * @default {} - every pod's logs to Loki
   */
  readonly settings?: AlloySettings;
}

/**
 * The pipeline: discover this node's pods (the chart sets HOSTNAME to the node name), keep
 * useful labels, tail through the API (no hostPath, so the namespace stays baseline), push to Loki.
 */
export function alloyConfig(lokiUrl: string): string {
  return [
    'discovery.kubernetes "pods" {',
    '  role = "pod"',
    '  selectors {',
    '    role  = "pod"',
    '    field = "spec.nodeName=" + sys.env("HOSTNAME")',
    '  }',
    '}',
    '',
    'discovery.relabel "pods" {',
    '  targets = discovery.kubernetes.pods.targets',
    ...[
      ['__meta_kubernetes_namespace', 'namespace'],
      ['__meta_kubernetes_pod_name', 'pod'],
      ['__meta_kubernetes_pod_container_name', 'container'],
      ['__meta_kubernetes_pod_label_app_kubernetes_io_name', 'app'],
    ].flatMap(([source, target]) => [
      '  rule {',
      `    source_labels = ["${source}"]`,
      `    target_label  = "${target}"`,
      '  }',
    ]),
    '}',
    '',
    'loki.source.kubernetes "pods" {',
    '  targets    = discovery.relabel.pods.output',
    '  forward_to = [loki.write.default.receiver]',
    '}',
    '',
    'loki.write "default" {',
    '  endpoint {',
    `    url = "${lokiUrl}/loki/api/v1/push"`,
    '  }',
    '}',
    '',
  ].join('\n');
}

/** Grafana Alloy, shipping logs to Loki; installs after Loki. */
export class Alloy extends PlatformComponent {
  /** Name, namespace and source of the component. */
  public static readonly IDENTITY: ComponentIdentity = {
    name: 'alloy',
    namespace: PLATFORM_NAMESPACES.alloy,
    sourceFile: 'constructs/platform/alloy.ts',
    // The Alloy image runs as root; no host access is needed.
    podSecurity: PodSecurityLevel.BASELINE,
  };

  /** The chart values rendered into the HelmRelease. */
  public readonly values: AlloyValues;

  public constructor(scope: Construct, id: string, props: AlloyProps) {
    super(scope, id, Alloy.IDENTITY, props);
    const defaults: AlloyValues = {
      controller: { type: 'daemonset' },
      alloy: {
        configMap: { create: true, content: alloyConfig(LOKI_URL) },
        mounts: { varlog: false, dockercontainers: false },
        resources: { requests: { cpu: '50m', memory: '128Mi' }, limits: { memory: '256Mi' } },
      },
      serviceMonitor: { enabled: isComponentEnabled(props.cluster, 'monitoring') },
    };
    this.values = mergeValues(defaults, props.settings?.values);
    this.installChart(CHART_VERSIONS.alloy, this.values);
  }
}
