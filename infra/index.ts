// Entry point of `pulumi up -s <cluster>` (see Pulumi.yaml).
import { defineStack } from './program';

const { outputs } = defineStack();

export const clusterName = outputs.clusterName;
export const apiEndpoint = outputs.apiEndpoint;
export const fluxPath = outputs.fluxPath;
export const argocdUrl = outputs.argocdUrl;
export const grafanaUrl = outputs.grafanaUrl;
export const kubeconfig = outputs.kubeconfig;
export const talosconfig = outputs.talosconfig;
