// What a cluster's `platform.kubeletServingCertApprover` settings may hold: the size of the
// approver of the kubelets' serving-certificate requests, rendered as plain objects.
import type { ComponentSettings, DeploymentValues } from './component-settings';

/**
 * The approver's Deployment.
 * @default - 1 replica; 2 on distinct nodes (leader election picks one) on a production cluster
 * with two or more nodes; requests 10m CPU / 18Mi, memory limit 32Mi (upstream's sizing)
 */
export type KubeletServingCertApproverValues = DeploymentValues;

/**
 * A cluster's approver settings. Turning it off also turns off the kubelets' serving-certificate
 * rotation in the Talos patches (the kubelets then serve self-signed certificates nothing can
 * verify), so metrics-server, which depends on it, must be off too.
 */
export type KubeletServingCertApproverSettings =
  ComponentSettings<KubeletServingCertApproverValues>;
