/**
 * The Kubernetes Pod Security Standards, checked offline against a pod spec.
 *
 * Policy version "latest" as the API server of Kubernetes 1.35 and 1.36 evaluates it (see
 * https://kubernetes.io/docs/concepts/security/pod-security-standards/ and the built-in admission
 * plugin, k8s.io/pod-security-admission). Two points where 1.34 differs are noted at the checks
 * that carry them: the user-namespace (`hostUsers: false`) relaxations only apply from 1.35.
 *
 * Each broken rule is one violation naming the field (containers by name, other lists by the
 * item's name or else its index), the rule as the docs name it, the level that rule belongs to,
 * the value seen and what to set instead. A rule of the Restricted level that also covers a
 * Baseline field (hostPath volumes, capabilities outside the baseline set, a seccomp profile
 * that is set to a forbidden type) reports that field once, under the Baseline rule.
 */

export type PodSecurityLevel = 'privileged' | 'baseline' | 'restricted';

/** One broken rule: the field path inside the pod spec (e.g. `spec.containers[app].securityContext.runAsNonRoot`), the rule's name as the docs name it (e.g. "Running as Non-root"), the level it belongs to, and the value seen. */
export interface PodSecurityViolation {
  readonly level: 'baseline' | 'restricted';
  readonly rule: string;
  readonly path: string;
  readonly seen: string;
  readonly fix: string;
}

/** Any other field a manifest carries is allowed and ignored. */
export interface Open {
  readonly [field: string]: unknown;
}

export interface SeccompProfileLike extends Open {
  readonly type?: string;
  readonly localhostProfile?: string;
}

export interface AppArmorProfileLike extends Open {
  readonly type?: string;
  readonly localhostProfile?: string;
}

export interface SELinuxOptionsLike extends Open {
  readonly user?: string;
  readonly role?: string;
  readonly type?: string;
  readonly level?: string;
}

export interface WindowsOptionsLike extends Open {
  readonly hostProcess?: boolean;
  readonly runAsUserName?: string;
}

export interface CapabilitiesLike extends Open {
  readonly add?: readonly string[];
  readonly drop?: readonly string[];
}

export interface SecurityContextLike extends Open {
  readonly privileged?: boolean;
  readonly allowPrivilegeEscalation?: boolean;
  readonly runAsNonRoot?: boolean;
  readonly runAsUser?: number;
  readonly runAsGroup?: number;
  readonly readOnlyRootFilesystem?: boolean;
  readonly procMount?: string;
  readonly capabilities?: CapabilitiesLike;
  readonly seccompProfile?: SeccompProfileLike;
  readonly appArmorProfile?: AppArmorProfileLike;
  readonly seLinuxOptions?: SELinuxOptionsLike;
  readonly windowsOptions?: WindowsOptionsLike;
}

export interface SysctlLike extends Open {
  readonly name?: string;
  readonly value?: string;
}

export interface PodSecurityContextLike extends Open {
  readonly runAsNonRoot?: boolean;
  readonly runAsUser?: number;
  readonly runAsGroup?: number;
  readonly fsGroup?: number;
  readonly supplementalGroups?: readonly number[];
  readonly sysctls?: readonly SysctlLike[];
  readonly seccompProfile?: SeccompProfileLike;
  readonly appArmorProfile?: AppArmorProfileLike;
  readonly seLinuxOptions?: SELinuxOptionsLike;
  readonly windowsOptions?: WindowsOptionsLike;
}

export interface ContainerPortLike extends Open {
  readonly name?: string;
  readonly containerPort?: number;
  readonly hostPort?: number;
  readonly protocol?: string;
}

/** The part of a probe or lifecycle handler that can aim at another host. */
export interface HandlerLike extends Open {
  readonly httpGet?: Open & { readonly host?: string };
  readonly tcpSocket?: Open & { readonly host?: string };
}

export interface ContainerLike extends Open {
  readonly name?: string;
  readonly image?: string;
  readonly securityContext?: SecurityContextLike;
  readonly ports?: readonly ContainerPortLike[];
  readonly livenessProbe?: HandlerLike;
  readonly readinessProbe?: HandlerLike;
  readonly startupProbe?: HandlerLike;
  readonly lifecycle?: Open & { readonly postStart?: HandlerLike; readonly preStop?: HandlerLike };
}

export interface VolumeLike extends Open {
  readonly name?: string;
}

/** A Kubernetes PodSpec as plain JSON: every field optional, any other field allowed. */
export interface PodSpecLike extends Open {
  readonly containers?: readonly ContainerLike[];
  readonly initContainers?: readonly ContainerLike[];
  readonly ephemeralContainers?: readonly ContainerLike[];
  readonly securityContext?: PodSecurityContextLike;
  readonly hostNetwork?: boolean;
  readonly hostPID?: boolean;
  readonly hostIPC?: boolean;
  readonly hostUsers?: boolean;
  readonly volumes?: readonly VolumeLike[];
  readonly os?: Open & { readonly name?: string };
}

/** The label the Pod Security admission plugin reads for the enforced level. */
export const ENFORCE_LABEL = 'pod-security.kubernetes.io/enforce';

/**
 * The level enforced in a namespace, from its labels.
 *
 * No label means `privileged`: that is what the API server enforces when its
 * PodSecurityConfiguration sets no other default (the built-in default is privileged/latest);
 * a cluster whose admission configuration sets another default is not modelled here.
 * A label with a value that is not a level fails closed to `restricted`, as the admission
 * plugin does for `enforce`.
 */
export function namespacePodSecurityLevel(
  labels: Readonly<Record<string, string>> | undefined,
): PodSecurityLevel {
  const value = labels?.[ENFORCE_LABEL];
  if (value === undefined) return 'privileged';
  return value === 'privileged' || value === 'baseline' || value === 'restricted'
    ? value
    : 'restricted';
}

/** Capabilities a container may add at the Baseline level (the container runtime's defaults). */
const BASELINE_CAPABILITIES: ReadonlySet<string> = new Set([
  'AUDIT_WRITE',
  'CHOWN',
  'DAC_OVERRIDE',
  'FOWNER',
  'FSETID',
  'KILL',
  'MKNOD',
  'NET_BIND_SERVICE',
  'SETFCAP',
  'SETGID',
  'SETPCAP',
  'SETUID',
  'SYS_CHROOT',
]);

/**
 * Namespaced sysctls allowed at Baseline, as of policy version 1.32 (unchanged through 1.36).
 * The 1.37 policy adds net.ipv4.tcp_slow_start_after_idle and net.ipv4.tcp_notsent_lowat.
 */
const SAFE_SYSCTLS: ReadonlySet<string> = new Set([
  'kernel.shm_rmid_forced',
  'net.ipv4.ip_local_port_range',
  'net.ipv4.tcp_syncookies',
  'net.ipv4.ping_group_range',
  'net.ipv4.ip_unprivileged_port_start',
  'net.ipv4.ip_local_reserved_ports',
  'net.ipv4.tcp_keepalive_time',
  'net.ipv4.tcp_fin_timeout',
  'net.ipv4.tcp_keepalive_intvl',
  'net.ipv4.tcp_keepalive_probes',
  'net.ipv4.tcp_rmem',
  'net.ipv4.tcp_wmem',
]);

/** SELinux types a pod or container may ask for; an empty or missing type is allowed too. */
const SELINUX_TYPES: ReadonlySet<string> = new Set([
  'container_t',
  'container_init_t',
  'container_kvm_t',
  'container_engine_t', // allowed since policy version 1.31
]);

/** Seccomp and AppArmor profile types that keep the process confined. */
const CONFINED_PROFILE_TYPES: ReadonlySet<string> = new Set(['RuntimeDefault', 'Localhost']);

/**
 * Inline volume sources the Restricted level allows. `image` is not in the docs' list yet, but
 * the admission plugin has accepted image volumes at every version since Kubernetes 1.33.
 */
const RESTRICTED_VOLUME_SOURCES = [
  'configMap',
  'csi',
  'downwardAPI',
  'emptyDir',
  'ephemeral',
  'image',
  'persistentVolumeClaim',
  'projected',
  'secret',
] as const;

const PROBES = ['livenessProbe', 'readinessProbe', 'startupProbe'] as const;
const LIFECYCLE_HOOKS = ['postStart', 'preStop'] as const;
const HANDLER_ACTIONS = ['httpGet', 'tcpSocket'] as const;
const HOST_NAMESPACES = ['hostNetwork', 'hostPID', 'hostIPC'] as const;
const CONTAINER_LISTS = ['initContainers', 'containers', 'ephemeralContainers'] as const;

/** Violations of `level` (restricted includes baseline) by a pod spec, `[]` when it complies. */
export function podSecurityViolations(
  spec: PodSpecLike,
  level: PodSecurityLevel,
): PodSecurityViolation[] {
  if (level === 'privileged') return [];
  const pod = podView(spec);
  const out: PodSecurityViolation[] = [];
  baseline(pod, level === 'restricted', out);
  if (level === 'restricted') restricted(pod, out);
  return out;
}

// --- reading plain JSON --------------------------------------------------------------------

/** A container as met by the checks: where it sits and its (possibly missing) security context. */
interface ContainerView {
  /** `spec.containers[app]` */
  readonly path: string;
  /** `container app` / `init container cp-config`, for fixes. */
  readonly label: string;
  readonly fields: Open;
  readonly sc: Open | undefined;
}

interface PodView {
  readonly spec: Open;
  readonly sc: Open | undefined;
  readonly containers: readonly ContainerView[];
  readonly windows: boolean;
  /** The pod runs in its own user namespace (`hostUsers: false`). */
  readonly userNamespace: boolean;
}

function record(value: unknown): Open | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Open)
    : undefined;
}

function list(value: unknown): readonly unknown[] {
  return Array.isArray(value) ? value : [];
}

/** Set in the Go sense: present and not null. */
function isSet(value: unknown): boolean {
  return value !== undefined && value !== null;
}

/** A list item's key in a path: its name when it has one, else its index. */
function key(item: Open | undefined, index: number): string {
  const name = item?.name;
  return typeof name === 'string' && name !== '' ? name : String(index);
}

function show(value: unknown): string {
  if (value === undefined) return 'undefined';
  return typeof value === 'string' ? value : JSON.stringify(value);
}

function podView(spec: PodSpecLike): PodView {
  const fields: Open = record(spec) ?? {};
  const containers: ContainerView[] = [];
  for (const listName of CONTAINER_LISTS) {
    const kind =
      listName === 'containers'
        ? 'container'
        : listName === 'initContainers'
          ? 'init container'
          : 'ephemeral container';
    list(fields[listName]).forEach((item, index) => {
      const container = record(item) ?? {};
      const name = key(container, index);
      containers.push({
        path: `spec.${listName}[${name}]`,
        label: `${kind} ${name}`,
        fields: container,
        sc: record(container.securityContext),
      });
    });
  }
  return {
    spec: fields,
    sc: record(fields.securityContext),
    containers,
    windows: record(fields.os)?.name === 'windows',
    userNamespace: fields.hostUsers === false,
  };
}

type Sink = PodSecurityViolation[];

function report(
  out: Sink,
  level: PodSecurityViolation['level'],
  rule: string,
  path: string,
  seen: unknown,
  fix: string,
): void {
  out.push({ level, rule, path, seen: show(seen), fix });
}

/** The pod-level security context followed by every container's, each with its path. */
function securityContexts(pod: PodView): { path: string; sc: Open | undefined }[] {
  return [
    { path: 'spec.securityContext', sc: pod.sc },
    ...pod.containers.map((c) => ({ path: `${c.path}.securityContext`, sc: c.sc })),
  ];
}

// --- Baseline ------------------------------------------------------------------------------

function baseline(pod: PodView, restrictedLevel: boolean, out: Sink): void {
  // HostProcess: Windows host-process containers get privileged access to the node.
  for (const { path, sc } of securityContexts(pod)) {
    const hostProcess = record(sc?.windowsOptions)?.hostProcess;
    if (hostProcess === true) {
      report(
        out,
        'baseline',
        'HostProcess',
        `${path}.windowsOptions.hostProcess`,
        hostProcess,
        'remove securityContext.windowsOptions.hostProcess (or set it to false)',
      );
    }
  }

  // Host Namespaces: no sharing of the node's network, PID or IPC namespace.
  for (const field of HOST_NAMESPACES) {
    if (pod.spec[field] === true) {
      report(
        out,
        'baseline',
        'Host Namespaces',
        `spec.${field}`,
        true,
        `set spec.${field}: false (or remove it)`,
      );
    }
  }

  // Privileged Containers.
  for (const c of pod.containers) {
    if (c.sc?.privileged === true) {
      report(
        out,
        'baseline',
        'Privileged Containers',
        `${c.path}.securityContext.privileged`,
        true,
        'set securityContext.privileged: false (or remove it)',
      );
    }
  }

  // Capabilities: only the runtime's default set may be added.
  for (const c of pod.containers) {
    const added = list(record(c.sc?.capabilities)?.add);
    const extra = added.filter(
      (cap) => !(typeof cap === 'string' && BASELINE_CAPABILITIES.has(cap)),
    );
    if (extra.length > 0) {
      report(
        out,
        'baseline',
        'Capabilities',
        `${c.path}.securityContext.capabilities.add`,
        extra.map(show).join(', '),
        `remove ${extra.map(show).join(', ')} from securityContext.capabilities.add ` +
          `(allowed: ${[...BASELINE_CAPABILITIES].join(', ')})`,
      );
    }
  }

  // HostPath Volumes.
  list(pod.spec.volumes).forEach((item, index) => {
    const volume = record(item);
    if (isSet(volume?.hostPath)) {
      const name = key(volume, index);
      report(
        out,
        'baseline',
        'HostPath Volumes',
        `spec.volumes[${name}].hostPath`,
        volume?.hostPath,
        `replace hostPath volume ${name} with a pod-local volume (emptyDir, configMap, secret, ` +
          'persistentVolumeClaim, ...)',
      );
    }
  });

  // Host Ports: only 0 or unset.
  for (const c of pod.containers) {
    list(c.fields.ports).forEach((item, index) => {
      const port = record(item);
      const hostPort = port?.hostPort;
      if (isSet(hostPort) && hostPort !== 0) {
        const path = `${c.path}.ports[${key(port, index)}].hostPort`;
        report(
          out,
          'baseline',
          'Host Ports',
          path,
          hostPort,
          `remove ${path.slice(c.path.length + 1)} (or set it to 0); expose the port with a Service`,
        );
      }
    });
  }

  // Host Probes / Lifecycle Hooks (policy 1.34+): probes and hooks may only target the pod.
  for (const c of pod.containers) {
    const handlers: { field: string; handler: Open | undefined }[] = [
      ...PROBES.map((probe) => ({ field: probe, handler: record(c.fields[probe]) })),
      ...LIFECYCLE_HOOKS.map((hook) => ({
        field: `lifecycle.${hook}`,
        handler: record(record(c.fields.lifecycle)?.[hook]),
      })),
    ];
    for (const { field, handler } of handlers) {
      for (const action of HANDLER_ACTIONS) {
        const host = record(handler?.[action])?.host;
        if (isSet(host) && host !== '') {
          report(
            out,
            'baseline',
            'Host Probes / Lifecycle Hooks',
            `${c.path}.${field}.${action}.host`,
            host,
            `remove ${field}.${action}.host (the check then targets the pod's own IP)`,
          );
        }
      }
    }
  }

  // AppArmor: an explicit profile must stay confined (the beta annotations are not read).
  for (const { path, sc } of securityContexts(pod)) {
    const profile = sc?.appArmorProfile;
    if (isSet(profile) && !confined(record(profile)?.type)) {
      report(
        out,
        'baseline',
        'AppArmor',
        `${path}.appArmorProfile.type`,
        record(profile)?.type,
        'set securityContext.appArmorProfile.type: RuntimeDefault (or Localhost), or remove it',
      );
    }
  }

  // SELinux: type from the container set only; no custom user or role.
  for (const { path, sc } of securityContexts(pod)) {
    const options = record(sc?.seLinuxOptions);
    if (!options) continue;
    const type = options.type;
    if (isSet(type) && type !== '' && !(typeof type === 'string' && SELINUX_TYPES.has(type))) {
      report(
        out,
        'baseline',
        'SELinux',
        `${path}.seLinuxOptions.type`,
        type,
        `set securityContext.seLinuxOptions.type to one of ${[...SELINUX_TYPES].join(', ')}, ` +
          'or remove it',
      );
    }
    for (const field of ['user', 'role'] as const) {
      const value = options[field];
      if (isSet(value) && value !== '') {
        report(
          out,
          'baseline',
          'SELinux',
          `${path}.seLinuxOptions.${field}`,
          value,
          `remove securityContext.seLinuxOptions.${field}`,
        );
      }
    }
  }

  // /proc Mount Type: the default masks stay. From 1.35 Baseline allows any type in a pod with
  // its own user namespace; Restricted still does not (1.34 allowed neither).
  if (!pod.userNamespace || restrictedLevel) {
    const level = pod.userNamespace ? 'restricted' : 'baseline';
    for (const c of pod.containers) {
      const procMount = c.sc?.procMount;
      if (isSet(procMount) && procMount !== 'Default') {
        report(
          out,
          level,
          '/proc Mount Type',
          `${c.path}.securityContext.procMount`,
          procMount,
          'set securityContext.procMount: Default (or remove it)',
        );
      }
    }
  }

  // Seccomp: an explicit profile must not be Unconfined (or anything else but the two below).
  for (const { path, sc } of securityContexts(pod)) {
    const profile = sc?.seccompProfile;
    if (isSet(profile) && !confined(record(profile)?.type)) {
      report(
        out,
        'baseline',
        'Seccomp',
        `${path}.seccompProfile.type`,
        record(profile)?.type,
        'set securityContext.seccompProfile.type: RuntimeDefault (or Localhost)',
      );
    }
  }

  // Sysctls: only the namespaced, isolated ones.
  list(pod.sc?.sysctls).forEach((item, index) => {
    const sysctl = record(item);
    const name = sysctl?.name;
    if (!(typeof name === 'string' && SAFE_SYSCTLS.has(name))) {
      report(
        out,
        'baseline',
        'Sysctls',
        `spec.securityContext.sysctls[${key(sysctl, index)}]`,
        name,
        `remove sysctl ${show(name)} from spec.securityContext.sysctls ` +
          `(allowed: ${[...SAFE_SYSCTLS].join(', ')})`,
      );
    }
  });
}

function confined(type: unknown): boolean {
  return typeof type === 'string' && CONFINED_PROFILE_TYPES.has(type);
}

// --- Restricted ----------------------------------------------------------------------------

function restricted(pod: PodView, out: Sink): void {
  // Volume Types: only pod-local and PersistentVolume-backed sources. hostPath is reported by
  // the Baseline rule already.
  list(pod.spec.volumes).forEach((item, index) => {
    const volume = record(item) ?? {};
    if (RESTRICTED_VOLUME_SOURCES.some((source) => isSet(volume[source]))) return;
    if (isSet(volume.hostPath)) return;
    const name = key(volume, index);
    const sources = Object.keys(volume).filter((field) => field !== 'name' && isSet(volume[field]));
    report(
      out,
      'restricted',
      'Volume Types',
      sources.length === 1 ? `spec.volumes[${name}].${sources[0]}` : `spec.volumes[${name}]`,
      sources.length > 0 ? sources.join(', ') : '(no volume source)',
      `make volume ${name} one of ${RESTRICTED_VOLUME_SOURCES.join(', ')} ` +
        '(a persistentVolumeClaim can reach any other storage through a PersistentVolume)',
    );
  });

  // Privilege Escalation (Linux only from 1.25).
  if (!pod.windows) {
    for (const c of pod.containers) {
      const value = c.sc?.allowPrivilegeEscalation;
      if (value !== false) {
        report(
          out,
          'restricted',
          'Privilege Escalation',
          `${c.path}.securityContext.allowPrivilegeEscalation`,
          value,
          'set securityContext.allowPrivilegeEscalation: false',
        );
      }
    }
  }

  // Running as Non-root: true at pod level or on every container; a container's own value wins,
  // so a container may not say false under a pod that says true. Waived from 1.35 for a pod with
  // its own user namespace.
  if (!pod.userNamespace) {
    const podValue = pod.sc?.runAsNonRoot;
    if (isSet(podValue) && podValue !== true) {
      report(
        out,
        'restricted',
        'Running as Non-root',
        'spec.securityContext.runAsNonRoot',
        podValue,
        'set spec.securityContext.runAsNonRoot: true',
      );
    }
    for (const c of pod.containers) {
      const value = c.sc?.runAsNonRoot;
      if (isSet(value) ? value !== true : !isSet(podValue)) {
        report(
          out,
          'restricted',
          'Running as Non-root',
          `${c.path}.securityContext.runAsNonRoot`,
          value,
          isSet(value)
            ? `set securityContext.runAsNonRoot: true on ${c.label} (or remove it under a pod-level true)`
            : `set spec.securityContext.runAsNonRoot: true (or securityContext.runAsNonRoot: true on ${c.label})`,
        );
      }
    }
  }

  // Running as Non-root user: no explicit UID 0. Waived from 1.35 like the rule above.
  if (!pod.userNamespace) {
    for (const { path, sc } of securityContexts(pod)) {
      if (sc?.runAsUser === 0) {
        report(
          out,
          'restricted',
          'Running as Non-root user',
          `${path}.runAsUser`,
          0,
          'set securityContext.runAsUser to a non-zero UID (or remove it)',
        );
      }
    }
  }

  // Seccomp: a profile is required, at pod level or on every container (Linux only from 1.25).
  // A profile set to a forbidden type is the Baseline rule's.
  if (!pod.windows && !isSet(pod.sc?.seccompProfile)) {
    for (const c of pod.containers) {
      if (!isSet(c.sc?.seccompProfile)) {
        report(
          out,
          'restricted',
          'Seccomp',
          `${c.path}.securityContext.seccompProfile.type`,
          undefined,
          `set spec.securityContext.seccompProfile.type: RuntimeDefault (or Localhost), or the same on ${c.label}`,
        );
      }
    }
  }

  // Capabilities: drop ALL, add back NET_BIND_SERVICE at most (Linux only from 1.25). Additions
  // outside the baseline set are the Baseline rule's.
  if (!pod.windows) {
    for (const c of pod.containers) {
      const capabilities = record(c.sc?.capabilities);
      const drop = capabilities?.drop;
      if (!list(drop).includes('ALL')) {
        report(
          out,
          'restricted',
          'Capabilities',
          `${c.path}.securityContext.capabilities.drop`,
          drop,
          'set securityContext.capabilities.drop: ["ALL"]',
        );
      }
      const extra = list(capabilities?.add).filter(
        (cap) =>
          typeof cap === 'string' && BASELINE_CAPABILITIES.has(cap) && cap !== 'NET_BIND_SERVICE',
      );
      if (extra.length > 0) {
        report(
          out,
          'restricted',
          'Capabilities',
          `${c.path}.securityContext.capabilities.add`,
          extra.map(show).join(', '),
          `remove ${extra.map(show).join(', ')} from securityContext.capabilities.add ` +
            '(only NET_BIND_SERVICE may be added)',
        );
      }
    }
  }
}
