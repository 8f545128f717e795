// What a cluster's `platform.metricsServer` settings may hold: the size of metrics-server, which
// the platform renders as plain objects (its chart is not in the offline chart mirror).
import type { ComponentSettings, DeploymentValues } from './component-settings';

/**
 * metrics-server's Deployment.
 * @default - 1 replica; 2 on distinct workers on a production cluster with two or more; requests
 * 100m CPU / 200Mi (upstream's sizing for up to 100 nodes), memory limit 400Mi
 */
export type MetricsServerValues = DeploymentValues;

/**
 * A cluster's metrics-server settings. Turning it off leaves every HorizontalPodAutoscaler without
 * CPU and memory metrics (`kubectl top` too).
 */
export type MetricsServerSettings = ComponentSettings<MetricsServerValues>;
