// What an application engineer writes: the props of WebService, Worker and ScheduledTask.
import type { Duration } from 'cdk8s';
import type { ResourceSizes } from '../config/types';
import type { RolloutTemplate } from './rollout';

/** A Secret the app reads, referenced by name: its values never appear in this repository. */
export interface SecretReference {
  /**
   * Name of the Secret in the app's namespace. Argo CD never deploys it (the team's AppProject
   * does not allow the Secret kind): it is encrypted in `secrets/<cluster>/<env>-<app>/<name>.yaml`
   * (`npm run secret -- set --app <app> --env <env> ...`), and Flux decrypts it into the
   * namespace before Argo CD syncs the app. Synth fails while it is missing.
   */
  readonly secretName: string;
  /**
   * Who provides the Secret instead of an encrypted file (an external vault, an operator),
   * in every environment.
   * @default - encrypted in git
   */
  readonly providedBy?: string;
  /**
   * Environment variables to fill from the Secret: variable name to key in the Secret.
   * @default {} - every key of the Secret becomes a variable of the same name (envFrom)
   */
  readonly keys?: Readonly<Record<string, string>>;
}

/** Horizontal pod autoscaling on CPU. */
export interface AutoscalingOptions {
  /** Fewest replicas, at least 1. */
  readonly minReplicas: number;
  /** Most replicas, not below minReplicas. */
  readonly maxReplicas: number;
  /**
   * Average CPU utilisation (percent of the request) the autoscaler aims for.
   * @default 70
   */
  readonly targetCpuPercent?: number;
}

/** The CPU utilisation an autoscaler aims for: the app's `targetCpuPercent`, else 70. */
export function targetCpuPercent(autoscaling: AutoscalingOptions): number {
  return autoscaling.targetCpuPercent ?? 70;
}

/** How many pods a voluntary disruption (node drain) may take at once. */
export interface DisruptionBudgetOptions {
  /**
   * Pods that must stay up; below the smallest replica count, or every drain blocks.
   * @default - none; maxUnavailable 1 is used instead
   */
  readonly minAvailable?: number;
  /**
   * Pods that may be down at once.
   * @default 1
   */
  readonly maxUnavailable?: number;
}

/** Per-environment differences; anything left out keeps the app's value. */
export interface EnvironmentOverrides {
  /**
   * Whether the app runs in this environment.
   * @default true
   */
  readonly enabled?: boolean;
  /**
   * Replicas (ignored when autoscaling is on).
   * @default the app's replicas
   */
  readonly replicas?: number;
  /**
   * Container sizes, merged key by key over the app's.
   * @default the app's resources
   */
  readonly resources?: Partial<ResourceSizes>;
  /**
   * Environment variables, merged over the app's (same name: this value wins).
   * @default the app's env
   */
  readonly env?: Readonly<Record<string, string>>;
  /**
   * Autoscaling for this environment, replacing the app's.
   * @default the app's autoscaling
   */
  readonly autoscaling?: AutoscalingOptions;
  /**
   * Destinations outside the cluster in this environment, replacing the app's.
   * @default the app's external
   */
  readonly external?: readonly ExternalEndpoint[];
}

/** A destination outside the cluster: a host name or an address block, and its TCP ports. */
export interface ExternalEndpoint {
  /**
   * DNS name (`db.example.com`), or a wildcard of one level (`*.queue.example.com`).
   * @default - give `cidr` instead
   */
  readonly host?: string;
  /**
   * IPv4 address block (`10.30.0.0/24`, `10.30.0.5/32`).
   * @default - give `host` instead
   */
  readonly cidr?: string;
  /** TCP ports, 1..65535, at least one. */
  readonly ports: readonly number[];
}

/** Where Prometheus scrapes the app's metrics. */
export interface MetricsOptions {
  /**
   * Name of the container port serving metrics.
   * @default the first port (`http` for a WebService)
   */
  readonly port?: string;
  /**
   * HTTP path of the metrics.
   * @default '/metrics'
   */
  readonly path?: string;
  /**
   * Scrape interval; part of the rollback bound (bad data shows one scrape late).
   * @default Duration.seconds(15)
   */
  readonly interval?: Duration;
}

/**
 * What every kind of app has. Fixed for every pod, so the image must cope: it runs as UID and
 * GID 10001 (fsGroup 10001), non-root, with a read-only root filesystem and a writable 64Mi
 * emptyDir at `/tmp`, every capability dropped and the RuntimeDefault seccomp profile (Pod
 * Security "restricted"), without a service account token.
 */
export interface AppProps {
  /**
   * App name, a DNS-1035 label (a letter first: it names Services); names its namespace
   * (`<env prefix>-<name>`), objects, Services (`<name>-canary`, `<name>-preview`) and Argo CD
   * Application (`<env>-<name>`), each at most 63 characters. Unique across all apps.
   */
  readonly name: string;
  /** Owning team, DNS-1123 label: its Argo CD project, its label, who may call whom. */
  readonly team: string;
  /**
   * Image repository without tag (`registry.example.com/team/app`). The tag or digest per
   * environment comes from `environments/versions/<env>.json`, which pipelines edit.
   */
  readonly image: string;
  /**
   * Container command, replacing the image's entrypoint.
   * @default the image's entrypoint
   */
  readonly command?: readonly string[];
  /**
   * Container sizes, merged key by key over the environment's defaults.
   * @default the environment's defaultResources
   */
  readonly resources?: Partial<ResourceSizes>;
  /**
   * Plain environment variables (no secrets: use `secrets`).
   * @default {}
   */
  readonly env?: Readonly<Record<string, string>>;
  /**
   * Configuration rendered into a ConfigMap and passed as environment variables.
   * @default {} - no ConfigMap
   */
  readonly config?: Readonly<Record<string, string>>;
  /**
   * Secrets, by reference only.
   * @default []
   */
  readonly secrets?: readonly SecretReference[];
  /**
   * Replicas, when not autoscaled.
   * @default the environment's defaultReplicas
   */
  readonly replicas?: number;
  /**
   * CPU autoscaling; when set, the workload leaves `replicas` to the autoscaler.
   * @default - a fixed replica count
   */
  readonly autoscaling?: AutoscalingOptions;
  /**
   * PodDisruptionBudget.
   * @default { maxUnavailable: 1 }
   */
  readonly disruptionBudget?: DisruptionBudgetOptions;
  /**
   * Apps of the same team allowed to call this one (ingress on its ports).
   * @default [] - only the gateway and Prometheus reach it
   */
  readonly callers?: readonly string[];
  /**
   * Apps this one calls, any team's, in the same environment: egress to their ports here, and
   * ingress from this app on theirs. Each must be enabled wherever this app is.
   * @default [] - DNS only
   */
  readonly dependencies?: readonly string[];
  /**
   * Destinations outside the cluster the app connects to (its database, a queue, an API):
   * egress to each, and nothing else outside. A host name becomes a Cilium `toFQDNs` rule,
   * which Cilium resolves through the DNS lookups the app makes; a CIDR a `toCIDRSet` rule.
   * Replaced whole by an environment's `external` (each environment has its own database).
   * @default [] - nothing outside the cluster
   */
  readonly external?: readonly ExternalEndpoint[];
  /**
   * Metrics scraping.
   * @default port `http` (the first port), path `/metrics`, every 15 s
   */
  readonly metrics?: MetricsOptions;
  /**
   * Per-environment overrides, keyed by environment name (an unknown name fails synth).
   * @default {} - enabled everywhere with the app's settings
   */
  readonly environments?: Readonly<Record<string, EnvironmentOverrides>>;
}

/** A container port. */
export interface PortOptions {
  /** Port name, DNS-1123 label of at most 15 characters (`http`, `grpc`, `metrics`). */
  readonly name: string;
  /** Port number, 1..65535. */
  readonly port: number;
}

/**
 * HTTP health probes, both GETs on the first port. Their timing is fixed: readiness every 5 s,
 * liveness every 10 s, each failing after 3 misses in a row (15 s and 30 s).
 */
export interface HttpProbes {
  /**
   * Readiness path: traffic is sent only while it answers 2xx/3xx.
   * @default '/healthz/ready'
   */
  readonly readinessPath?: string;
  /**
   * Liveness path: the container restarts when it stops answering.
   * @default '/healthz/live'
   */
  readonly livenessPath?: string;
}

/** An HTTP service: Service, HTTPRoute on the environment's domain, any rollout template. */
export interface WebServiceProps extends AppProps {
  /**
   * Container ports; the first serves HTTP traffic through the gateway.
   * @default [{ name: 'http', port: 8080 }]
   */
  readonly ports?: readonly PortOptions[];
  /**
   * Health probes on the first port.
   * @default readiness `/healthz/ready`, liveness `/healthz/live`
   */
  readonly probes?: HttpProbes;
  /**
   * Public host name, or a function of the environment's domain; one DNS label under that
   * domain (`shop.dev.example.com`), the names the environment's Gateway listener and
   * certificate (`*.<domain>`) cover.
   * @default `<name>.<environment domain>`
   */
  readonly host?: string | ((domain: string) => string);
  /**
   * How new versions roll out.
   * @default RolloutStrategy.rolling()
   */
  readonly rollout?: RolloutTemplate;
}

/**
 * How the kubelet tells that a worker is stuck (and restarts it): every 10 s, restarted after
 * 3 misses in a row. Nothing calls a worker, so without one a hung consumer runs for ever.
 */
export class WorkerLiveness {
  /**
   * An HTTP GET that must answer 2xx/3xx.
   * @param options.port container port name; default: the metrics port (the first port)
   * @param options.path default: the metrics path (`/metrics`)
   */
  public static http(options: { readonly port?: string; readonly path?: string } = {}) {
    return new WorkerLiveness('http', options.port, options.path, undefined, undefined);
  }

  /** A command in the container that must exit 0 (e.g. a heartbeat-file check). */
  public static exec(command: readonly string[]) {
    return new WorkerLiveness('exec', undefined, undefined, command, undefined);
  }

  /** No probe, on purpose; the reason is required and kept in the app's file. */
  public static none(reason: string) {
    return new WorkerLiveness('none', undefined, undefined, undefined, reason);
  }

  private constructor(
    /** `http`, `exec` or `none`. */
    public readonly kind: 'http' | 'exec' | 'none',
    /** Port name of an HTTP probe. */
    public readonly port: string | undefined,
    /** Path of an HTTP probe. */
    public readonly path: string | undefined,
    /** Command of an exec probe. */
    public readonly command: readonly string[] | undefined,
    /** Why there is no probe. */
    public readonly reason: string | undefined,
  ) {}
}

/**
 * A queue consumer or other background process: no Service, no route; rolling updates with
 * maxSurge 25 % and maxUnavailable 0 (fixed), so capacity never drops during an update.
 */
export interface WorkerProps extends AppProps {
  /**
   * Container ports (for metrics, say).
   * @default [] - no ports; no metrics scraping
   */
  readonly ports?: readonly PortOptions[];
  /**
   * Liveness probe. A worker without ports must choose one (or `WorkerLiveness.none(reason)`).
   * @default WorkerLiveness.http() - GET the metrics path on the metrics port
   */
  readonly liveness?: WorkerLiveness;
}

/**
 * A task on a schedule (CronJob); runs to completion, so no replicas, budget or callers. Fixed:
 * a run never starts while the previous one runs (concurrencyPolicy Forbid), a failed run is
 * retried twice (Job backoffLimit 2), and the last 3 successful and 3 failed Jobs are kept.
 */
export interface ScheduledTaskProps extends Omit<
  AppProps,
  'replicas' | 'autoscaling' | 'disruptionBudget' | 'callers' | 'metrics'
> {
  /** Cron schedule, five fields (`0 3 * * *`), in the cluster's time zone (UTC). */
  readonly schedule: string;
  /**
   * Longest a run may take before it is stopped.
   * @default Duration.minutes(30)
   */
  readonly timeout?: Duration;
}
