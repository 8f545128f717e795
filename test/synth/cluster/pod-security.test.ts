import {
  ContainerLike,
  PodSecurityContextLike,
  PodSecurityLevel,
  PodSecurityViolation,
  PodSpecLike,
  SecurityContextLike,
  namespacePodSecurityLevel,
  podSecurityViolations,
} from '../../../synth/cluster/pod-security';

/** A container that meets the Restricted level under a compliant pod. */
function container(
  name: string,
  sc: SecurityContextLike = {},
  fields: ContainerLike = {},
): ContainerLike {
  return {
    name,
    image: 'registry.example/app:1',
    ...fields,
    securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] }, ...sc },
  };
}

/** A pod that meets the Restricted level, with `fields` and `podSc` laid over it. */
function pod(fields: PodSpecLike = {}, podSc: PodSecurityContextLike = {}): PodSpecLike {
  return {
    containers: [container('app')],
    ...fields,
    securityContext: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' }, ...podSc },
  };
}

type Found = Omit<PodSecurityViolation, 'fix'>;

function found(spec: PodSpecLike, level: PodSecurityLevel): Found[] {
  return podSecurityViolations(spec, level).map(({ level: l, rule, path, seen }) => ({
    level: l,
    rule,
    path,
    seen,
  }));
}

function rules(spec: PodSpecLike, level: PodSecurityLevel): string[] {
  return podSecurityViolations(spec, level).map((v) => `${v.level}: ${v.rule}`);
}

describe('podSecurityViolations', () => {
  it('finds nothing in a pod that meets the Restricted level, at any level', () => {
    for (const level of ['privileged', 'baseline', 'restricted'] as const) {
      expect(podSecurityViolations(pod(), level)).toEqual([]);
    }
  });

  describe('each Baseline control broken on its own', () => {
    const cases: { name: string; spec: PodSpecLike; rule: string; path: string; seen: string }[] = [
      {
        name: 'pod-level hostProcess',
        spec: pod({}, { windowsOptions: { hostProcess: true } }),
        rule: 'HostProcess',
        path: 'spec.securityContext.windowsOptions.hostProcess',
        seen: 'true',
      },
      {
        name: 'container hostProcess',
        spec: pod({ containers: [container('app', { windowsOptions: { hostProcess: true } })] }),
        rule: 'HostProcess',
        path: 'spec.containers[app].securityContext.windowsOptions.hostProcess',
        seen: 'true',
      },
      {
        name: 'hostNetwork',
        spec: pod({ hostNetwork: true }),
        rule: 'Host Namespaces',
        path: 'spec.hostNetwork',
        seen: 'true',
      },
      {
        name: 'hostPID',
        spec: pod({ hostPID: true }),
        rule: 'Host Namespaces',
        path: 'spec.hostPID',
        seen: 'true',
      },
      {
        name: 'hostIPC',
        spec: pod({ hostIPC: true }),
        rule: 'Host Namespaces',
        path: 'spec.hostIPC',
        seen: 'true',
      },
      {
        name: 'privileged container',
        spec: pod({ containers: [container('app', { privileged: true })] }),
        rule: 'Privileged Containers',
        path: 'spec.containers[app].securityContext.privileged',
        seen: 'true',
      },
      {
        name: 'capability outside the default set',
        spec: pod({
          containers: [
            container('app', {
              capabilities: { drop: ['ALL'], add: ['NET_BIND_SERVICE', 'SYS_ADMIN'] },
            }),
          ],
        }),
        rule: 'Capabilities',
        path: 'spec.containers[app].securityContext.capabilities.add',
        seen: 'SYS_ADMIN',
      },
      {
        name: 'hostPath volume',
        spec: pod({ volumes: [{ name: 'docker', hostPath: { path: '/var/run/docker.sock' } }] }),
        rule: 'HostPath Volumes',
        path: 'spec.volumes[docker].hostPath',
        seen: '{"path":"/var/run/docker.sock"}',
      },
      {
        name: 'host port',
        spec: pod({
          containers: [
            container(
              'app',
              {},
              { ports: [{ name: 'http', containerPort: 8080, hostPort: 8080 }] },
            ),
          ],
        }),
        rule: 'Host Ports',
        path: 'spec.containers[app].ports[http].hostPort',
        seen: '8080',
      },
      {
        name: 'host port on an unnamed port',
        spec: pod({
          containers: [container('app', {}, { ports: [{ containerPort: 53, hostPort: 53 }] })],
        }),
        rule: 'Host Ports',
        path: 'spec.containers[app].ports[0].hostPort',
        seen: '53',
      },
      {
        name: 'probe aimed at another host',
        spec: pod({
          containers: [
            container('app', {}, { livenessProbe: { httpGet: { host: '10.0.0.1', port: 8080 } } }),
          ],
        }),
        rule: 'Host Probes / Lifecycle Hooks',
        path: 'spec.containers[app].livenessProbe.httpGet.host',
        seen: '10.0.0.1',
      },
      {
        name: 'lifecycle hook aimed at another host',
        spec: pod({
          containers: [
            container(
              'app',
              {},
              { lifecycle: { preStop: { tcpSocket: { host: 'node', port: 22 } } } },
            ),
          ],
        }),
        rule: 'Host Probes / Lifecycle Hooks',
        path: 'spec.containers[app].lifecycle.preStop.tcpSocket.host',
        seen: 'node',
      },
      {
        name: 'unconfined AppArmor on a container',
        spec: pod({ containers: [container('app', { appArmorProfile: { type: 'Unconfined' } })] }),
        rule: 'AppArmor',
        path: 'spec.containers[app].securityContext.appArmorProfile.type',
        seen: 'Unconfined',
      },
      {
        name: 'unconfined AppArmor on the pod',
        spec: pod({}, { appArmorProfile: { type: 'Unconfined' } }),
        rule: 'AppArmor',
        path: 'spec.securityContext.appArmorProfile.type',
        seen: 'Unconfined',
      },
      {
        name: 'SELinux type outside the container set',
        spec: pod({ containers: [container('app', { seLinuxOptions: { type: 'spc_t' } })] }),
        rule: 'SELinux',
        path: 'spec.containers[app].securityContext.seLinuxOptions.type',
        seen: 'spc_t',
      },
      {
        name: 'custom SELinux user',
        spec: pod({ containers: [container('app', { seLinuxOptions: { user: 'system_u' } })] }),
        rule: 'SELinux',
        path: 'spec.containers[app].securityContext.seLinuxOptions.user',
        seen: 'system_u',
      },
      {
        name: 'custom SELinux role on the pod',
        spec: pod({}, { seLinuxOptions: { role: 'system_r' } }),
        rule: 'SELinux',
        path: 'spec.securityContext.seLinuxOptions.role',
        seen: 'system_r',
      },
      {
        name: 'unmasked /proc',
        spec: pod({ containers: [container('app', { procMount: 'Unmasked' })] }),
        rule: '/proc Mount Type',
        path: 'spec.containers[app].securityContext.procMount',
        seen: 'Unmasked',
      },
      {
        name: 'unconfined seccomp on a container',
        spec: pod({ containers: [container('app', { seccompProfile: { type: 'Unconfined' } })] }),
        rule: 'Seccomp',
        path: 'spec.containers[app].securityContext.seccompProfile.type',
        seen: 'Unconfined',
      },
      {
        name: 'unconfined seccomp on the pod',
        spec: pod({}, { seccompProfile: { type: 'Unconfined' } }),
        rule: 'Seccomp',
        path: 'spec.securityContext.seccompProfile.type',
        seen: 'Unconfined',
      },
      {
        name: 'unsafe sysctl',
        spec: pod({}, { sysctls: [{ name: 'kernel.msgmax', value: '65536' }] }),
        rule: 'Sysctls',
        path: 'spec.securityContext.sysctls[kernel.msgmax]',
        seen: 'kernel.msgmax',
      },
    ];

    it.each(cases)('$name: exactly $rule at baseline', ({ spec, rule, path, seen }) => {
      expect(found(spec, 'baseline')).toEqual([{ level: 'baseline', rule, path, seen }]);
    });

    it.each(cases)('$name: the same one violation at restricted', ({ spec, rule, path, seen }) => {
      expect(found(spec, 'restricted')).toEqual([{ level: 'baseline', rule, path, seen }]);
    });

    it.each(cases)('$name: allowed at privileged', ({ spec }) => {
      expect(podSecurityViolations(spec, 'privileged')).toEqual([]);
    });
  });

  describe('each Restricted control broken on its own', () => {
    const cases: { name: string; spec: PodSpecLike; rule: string; path: string; seen: string }[] = [
      {
        name: 'NFS volume',
        spec: pod({ volumes: [{ name: 'share', nfs: { server: 'nas', path: '/export' } }] }),
        rule: 'Volume Types',
        path: 'spec.volumes[share].nfs',
        seen: 'nfs',
      },
      {
        name: 'allowPrivilegeEscalation: true',
        spec: pod({ containers: [container('app', { allowPrivilegeEscalation: true })] }),
        rule: 'Privilege Escalation',
        path: 'spec.containers[app].securityContext.allowPrivilegeEscalation',
        seen: 'true',
      },
      {
        name: 'allowPrivilegeEscalation unset',
        spec: pod({
          containers: [{ name: 'app', securityContext: { capabilities: { drop: ['ALL'] } } }],
        }),
        rule: 'Privilege Escalation',
        path: 'spec.containers[app].securityContext.allowPrivilegeEscalation',
        seen: 'undefined',
      },
      {
        name: 'pod-level runAsNonRoot: false',
        spec: pod({}, { runAsNonRoot: false }),
        rule: 'Running as Non-root',
        path: 'spec.securityContext.runAsNonRoot',
        seen: 'false',
      },
      {
        name: 'runAsNonRoot set nowhere',
        spec: pod({}, { runAsNonRoot: undefined }),
        rule: 'Running as Non-root',
        path: 'spec.containers[app].securityContext.runAsNonRoot',
        seen: 'undefined',
      },
      {
        name: 'pod-level runAsUser: 0',
        spec: pod({}, { runAsUser: 0 }),
        rule: 'Running as Non-root user',
        path: 'spec.securityContext.runAsUser',
        seen: '0',
      },
      {
        name: 'container runAsUser: 0',
        spec: pod({ containers: [container('app', { runAsUser: 0 })] }),
        rule: 'Running as Non-root user',
        path: 'spec.containers[app].securityContext.runAsUser',
        seen: '0',
      },
      {
        name: 'seccomp profile set nowhere',
        spec: pod({}, { seccompProfile: undefined }),
        rule: 'Seccomp',
        path: 'spec.containers[app].securityContext.seccompProfile.type',
        seen: 'undefined',
      },
      {
        name: 'capabilities not dropped',
        spec: pod({ containers: [container('app', { capabilities: {} })] }),
        rule: 'Capabilities',
        path: 'spec.containers[app].securityContext.capabilities.drop',
        seen: 'undefined',
      },
      {
        name: 'capabilities dropped, but not ALL',
        spec: pod({ containers: [container('app', { capabilities: { drop: ['NET_RAW'] } })] }),
        rule: 'Capabilities',
        path: 'spec.containers[app].securityContext.capabilities.drop',
        seen: '["NET_RAW"]',
      },
      {
        name: 'default capability other than NET_BIND_SERVICE added back',
        spec: pod({
          containers: [container('app', { capabilities: { drop: ['ALL'], add: ['CHOWN'] } })],
        }),
        rule: 'Capabilities',
        path: 'spec.containers[app].securityContext.capabilities.add',
        seen: 'CHOWN',
      },
    ];

    it.each(cases)('$name: exactly $rule at restricted', ({ spec, rule, path, seen }) => {
      expect(found(spec, 'restricted')).toEqual([{ level: 'restricted', rule, path, seen }]);
    });

    it.each(cases)('$name: allowed at baseline', ({ spec }) => {
      expect(podSecurityViolations(spec, 'baseline')).toEqual([]);
    });
  });

  describe('Running as Non-root: pod level or every container, the container winning', () => {
    it('accepts true on every container when the pod says nothing', () => {
      const spec = pod(
        {
          containers: [
            container('app', { runAsNonRoot: true }),
            container('sidecar', { runAsNonRoot: true }),
          ],
        },
        { runAsNonRoot: undefined },
      );
      expect(podSecurityViolations(spec, 'restricted')).toEqual([]);
    });

    it('names only the container that does not opt in when the pod says nothing', () => {
      const spec = pod(
        { containers: [container('app', { runAsNonRoot: true }), container('sidecar')] },
        { runAsNonRoot: undefined },
      );
      expect(found(spec, 'restricted')).toEqual([
        {
          level: 'restricted',
          rule: 'Running as Non-root',
          path: 'spec.containers[sidecar].securityContext.runAsNonRoot',
          seen: 'undefined',
        },
      ]);
    });

    it('refuses a container that overrides a pod-level true with false', () => {
      const spec = pod({
        containers: [container('app'), container('legacy', { runAsNonRoot: false })],
      });
      expect(found(spec, 'restricted')).toEqual([
        {
          level: 'restricted',
          rule: 'Running as Non-root',
          path: 'spec.containers[legacy].securityContext.runAsNonRoot',
          seen: 'false',
        },
      ]);
    });

    it('refuses a pod-level false even when every container overrides it with true', () => {
      const spec = pod(
        { containers: [container('app', { runAsNonRoot: true })] },
        { runAsNonRoot: false },
      );
      expect(found(spec, 'restricted')).toEqual([
        {
          level: 'restricted',
          rule: 'Running as Non-root',
          path: 'spec.securityContext.runAsNonRoot',
          seen: 'false',
        },
      ]);
    });
  });

  describe('Seccomp: pod level or every container', () => {
    it('accepts a profile on every container when the pod has none', () => {
      const spec = pod(
        {
          containers: [
            container('app', { seccompProfile: { type: 'RuntimeDefault' } }),
            container('sidecar', {
              seccompProfile: { type: 'Localhost', localhostProfile: 'p.json' },
            }),
          ],
        },
        { seccompProfile: undefined },
      );
      expect(podSecurityViolations(spec, 'restricted')).toEqual([]);
    });

    it('names each container left without a profile', () => {
      const spec = pod(
        {
          containers: [
            container('app', { seccompProfile: { type: 'RuntimeDefault' } }),
            container('sidecar'),
          ],
        },
        { seccompProfile: undefined },
      );
      expect(found(spec, 'restricted').map((v) => v.path)).toEqual([
        'spec.containers[sidecar].securityContext.seccompProfile.type',
      ]);
    });
  });

  describe('what Baseline allows and Restricted refuses', () => {
    const minimal: PodSpecLike = { containers: [{ name: 'app', image: 'nginx:1.27' }] };

    it('lets the default, minimally specified pod through Baseline', () => {
      expect(podSecurityViolations(minimal, 'baseline')).toEqual([]);
    });

    it('refuses it at Restricted for each hardening field it leaves unset', () => {
      expect(rules(minimal, 'restricted')).toEqual([
        'restricted: Privilege Escalation',
        'restricted: Running as Non-root',
        'restricted: Seccomp',
        'restricted: Capabilities',
      ]);
    });

    it.each([
      [
        'a capability from the default set',
        pod({
          containers: [container('app', { capabilities: { drop: ['ALL'], add: ['SETUID'] } })],
        }),
      ],
      ['an NFS volume', pod({ volumes: [{ name: 'share', nfs: { server: 'nas', path: '/' } }] })],
      ['root as the user', pod({}, { runAsUser: 0 })],
    ])('allows %s at Baseline only', (_name, spec) => {
      expect(podSecurityViolations(spec, 'baseline')).toEqual([]);
      expect(podSecurityViolations(spec, 'restricted')).toHaveLength(1);
    });
  });

  describe('what both levels allow', () => {
    it.each<[string, PodSpecLike]>([
      [
        'NET_BIND_SERVICE added back',
        pod({
          containers: [
            container('app', { capabilities: { drop: ['ALL'], add: ['NET_BIND_SERVICE'] } }),
          ],
        }),
      ],
      [
        'hostPort 0',
        pod({
          containers: [container('app', {}, { ports: [{ containerPort: 80, hostPort: 0 }] })],
        }),
      ],
      [
        'a probe with an empty host',
        pod({
          containers: [
            container('app', {}, { readinessProbe: { tcpSocket: { host: '', port: 80 } } }),
          ],
        }),
      ],
      [
        'a Localhost AppArmor profile',
        pod({}, { appArmorProfile: { type: 'Localhost', localhostProfile: 'k8s-app' } }),
      ],
      [
        'SELinux type container_engine_t with a level',
        pod({}, { seLinuxOptions: { type: 'container_engine_t', level: 's0:c1,c2' } }),
      ],
      ['procMount Default', pod({ containers: [container('app', { procMount: 'Default' })] })],
      [
        'a Localhost seccomp profile',
        pod({}, { seccompProfile: { type: 'Localhost', localhostProfile: 'p.json' } }),
      ],
      [
        'the safe sysctls',
        pod(
          {},
          {
            sysctls: [
              { name: 'net.ipv4.ip_local_port_range', value: '1024 65535' },
              { name: 'net.ipv4.tcp_rmem', value: '4096 87380 6291456' },
            ],
          },
        ),
      ],
      [
        'every allowed volume type',
        pod({
          volumes: [
            { name: 'a', configMap: { name: 'cm' } },
            { name: 'b', csi: { driver: 'secrets-store.csi.k8s.io' } },
            { name: 'c', downwardAPI: { items: [] } },
            { name: 'd', emptyDir: {} },
            { name: 'e', ephemeral: { volumeClaimTemplate: {} } },
            { name: 'f', image: { reference: 'registry.example/data:1' } },
            { name: 'g', persistentVolumeClaim: { claimName: 'data' } },
            { name: 'h', projected: { sources: [] } },
            { name: 'i', secret: { secretName: 's' } },
          ],
        }),
      ],
      [
        'a non-root UID',
        pod({ containers: [container('app', { runAsUser: 65532 })] }, { runAsUser: 1000 }),
      ],
    ])('%s', (_name, spec) => {
      expect(podSecurityViolations(spec, 'baseline')).toEqual([]);
      expect(podSecurityViolations(spec, 'restricted')).toEqual([]);
    });

    it('still refuses a sysctl the 1.36 policy does not list as safe', () => {
      const spec = pod(
        {},
        { sysctls: [{ name: 'net.ipv4.tcp_slow_start_after_idle', value: '0' }] },
      );
      expect(rules(spec, 'baseline')).toEqual(['baseline: Sysctls']);
    });
  });

  it('allows everything at privileged', () => {
    const everything: PodSpecLike = {
      hostNetwork: true,
      hostPID: true,
      hostIPC: true,
      securityContext: {
        runAsUser: 0,
        runAsNonRoot: false,
        seccompProfile: { type: 'Unconfined' },
        sysctls: [{ name: 'kernel.msgmax', value: '1' }],
      },
      volumes: [
        { name: 'root', hostPath: { path: '/' } },
        { name: 'share', nfs: { server: 'nas', path: '/' } },
      ],
      containers: [
        {
          name: 'app',
          ports: [{ containerPort: 22, hostPort: 22 }],
          securityContext: {
            privileged: true,
            allowPrivilegeEscalation: true,
            procMount: 'Unmasked',
            capabilities: { add: ['SYS_ADMIN', 'CHOWN'] },
            seLinuxOptions: { type: 'spc_t', user: 'u', role: 'r' },
            appArmorProfile: { type: 'Unconfined' },
          },
        },
      ],
    };
    expect(podSecurityViolations(everything, 'privileged')).toEqual([]);
    expect(rules(everything, 'baseline')).toEqual([
      'baseline: Host Namespaces',
      'baseline: Host Namespaces',
      'baseline: Host Namespaces',
      'baseline: Privileged Containers',
      'baseline: Capabilities',
      'baseline: HostPath Volumes',
      'baseline: Host Ports',
      'baseline: AppArmor',
      'baseline: SELinux',
      'baseline: SELinux',
      'baseline: SELinux',
      'baseline: /proc Mount Type',
      'baseline: Seccomp',
      'baseline: Sysctls',
    ]);
    expect(rules(everything, 'restricted')).toEqual([
      ...rules(everything, 'baseline'),
      'restricted: Volume Types',
      'restricted: Privilege Escalation',
      'restricted: Running as Non-root',
      'restricted: Running as Non-root user',
      'restricted: Capabilities',
      'restricted: Capabilities',
    ]);
  });

  describe('init and ephemeral containers', () => {
    it('checks init containers, naming them by name', () => {
      const spec = pod({
        initContainers: [
          container('cp-config', { capabilities: { drop: ['ALL'], add: ['SYS_ADMIN'] } }),
        ],
      });
      expect(found(spec, 'baseline')).toEqual([
        {
          level: 'baseline',
          rule: 'Capabilities',
          path: 'spec.initContainers[cp-config].securityContext.capabilities.add',
          seen: 'SYS_ADMIN',
        },
      ]);
    });

    it('checks ephemeral containers at both levels', () => {
      const spec = pod({
        ephemeralContainers: [
          { name: 'debugger', image: 'busybox', securityContext: { privileged: true } },
        ],
      });
      expect(found(spec, 'baseline')).toEqual([
        {
          level: 'baseline',
          rule: 'Privileged Containers',
          path: 'spec.ephemeralContainers[debugger].securityContext.privileged',
          seen: 'true',
        },
      ]);
      expect(found(spec, 'restricted').map((v) => `${v.rule} ${v.path}`)).toEqual([
        'Privileged Containers spec.ephemeralContainers[debugger].securityContext.privileged',
        'Privilege Escalation spec.ephemeralContainers[debugger].securityContext.allowPrivilegeEscalation',
        'Capabilities spec.ephemeralContainers[debugger].securityContext.capabilities.drop',
      ]);
    });

    it('reports init containers before containers before ephemeral containers', () => {
      const spec: PodSpecLike = {
        initContainers: [{ name: 'init', securityContext: { privileged: true } }],
        containers: [{ name: 'app', securityContext: { privileged: true } }],
        ephemeralContainers: [{ name: 'debug', securityContext: { privileged: true } }],
      };
      expect(found(spec, 'baseline').map((v) => v.path)).toEqual([
        'spec.initContainers[init].securityContext.privileged',
        'spec.containers[app].securityContext.privileged',
        'spec.ephemeralContainers[debug].securityContext.privileged',
      ]);
    });

    it('falls back to the index for a container without a name', () => {
      const spec: PodSpecLike = { containers: [{ securityContext: { privileged: true } }] };
      expect(found(spec, 'baseline').map((v) => v.path)).toEqual([
        'spec.containers[0].securityContext.privileged',
      ]);
    });
  });

  describe('Windows pods', () => {
    const windowsPod = (podSc: PodSecurityContextLike = { runAsNonRoot: true }): PodSpecLike => ({
      os: { name: 'windows' },
      securityContext: podSc,
      containers: [{ name: 'iis', image: 'mcr.microsoft.com/windows/servercore/iis' }],
    });

    it('are exempt from Privilege Escalation, Seccomp and Capabilities at Restricted', () => {
      expect(podSecurityViolations(windowsPod(), 'restricted')).toEqual([]);
      const linux: PodSpecLike = { ...windowsPod(), os: { name: 'linux' } };
      expect(rules(linux, 'restricted')).toEqual([
        'restricted: Privilege Escalation',
        'restricted: Seccomp',
        'restricted: Capabilities',
      ]);
    });

    it('still have to run as non-root', () => {
      expect(found(windowsPod({}), 'restricted')).toEqual([
        {
          level: 'restricted',
          rule: 'Running as Non-root',
          path: 'spec.containers[iis].securityContext.runAsNonRoot',
          seen: 'undefined',
        },
      ]);
    });

    it('may not run HostProcess containers', () => {
      const spec = windowsPod({ runAsNonRoot: true, windowsOptions: { hostProcess: true } });
      expect(rules(spec, 'baseline')).toEqual(['baseline: HostProcess']);
    });
  });

  describe('pods with their own user namespace (hostUsers: false, policy 1.35+)', () => {
    it('may run as root at Restricted', () => {
      const spec = pod(
        { hostUsers: false, containers: [container('app', { runAsUser: 0, runAsNonRoot: false })] },
        { runAsNonRoot: undefined, runAsUser: 0 },
      );
      expect(podSecurityViolations(spec, 'restricted')).toEqual([]);
    });

    it('may unmask /proc at Baseline but not at Restricted', () => {
      const spec = pod({
        hostUsers: false,
        containers: [container('app', { procMount: 'Unmasked' })],
      });
      expect(podSecurityViolations(spec, 'baseline')).toEqual([]);
      expect(found(spec, 'restricted')).toEqual([
        {
          level: 'restricted',
          rule: '/proc Mount Type',
          path: 'spec.containers[app].securityContext.procMount',
          seen: 'Unmasked',
        },
      ]);
    });
  });

  describe('fixes', () => {
    it.each<{ fix: string; spec: PodSpecLike }>([
      {
        fix: 'set securityContext.allowPrivilegeEscalation: false',
        spec: pod({ containers: [container('app', { allowPrivilegeEscalation: true })] }),
      },
      { fix: 'set spec.hostNetwork: false (or remove it)', spec: pod({ hostNetwork: true }) },
      {
        fix: 'set spec.securityContext.runAsNonRoot: true',
        spec: pod({}, { runAsNonRoot: false }),
      },
      {
        fix: 'set securityContext.capabilities.drop: ["ALL"]',
        spec: pod({ containers: [container('app', { capabilities: {} })] }),
      },
      {
        fix: 'set securityContext.procMount: Default (or remove it)',
        spec: pod({ containers: [container('app', { procMount: 'Unmasked' })] }),
      },
      {
        fix: 'set spec.securityContext.seccompProfile.type: RuntimeDefault (or Localhost), or the same on container app',
        spec: pod({}, { seccompProfile: undefined }),
      },
    ])('$fix', ({ fix, spec }) => {
      expect(podSecurityViolations(spec, 'restricted').map((v) => v.fix)).toEqual([fix]);
    });
  });

  it('tolerates fields of the wrong shape without throwing', () => {
    const odd = {
      containers: 'app',
      volumes: [null, 7],
      securityContext: { sysctls: 'kernel.msgmax' },
    } as unknown as PodSpecLike;
    expect(podSecurityViolations(odd, 'baseline')).toEqual([]);
    expect(rules(odd, 'restricted')).toEqual([
      'restricted: Volume Types',
      'restricted: Volume Types',
    ]);
  });
});

describe('namespacePodSecurityLevel', () => {
  const enforce = 'pod-security.kubernetes.io/enforce';
  it.each<{ name: string; labels: Record<string, string> | undefined; level: PodSecurityLevel }>([
    { name: 'no labels at all', labels: undefined, level: 'privileged' },
    {
      name: 'no enforce label',
      labels: { 'kubernetes.io/metadata.name': 'apps' },
      level: 'privileged',
    },
    {
      name: 'only warn and audit labels',
      labels: {
        'pod-security.kubernetes.io/warn': 'restricted',
        'pod-security.kubernetes.io/audit': 'baseline',
      },
      level: 'privileged',
    },
    { name: 'enforce privileged', labels: { [enforce]: 'privileged' }, level: 'privileged' },
    { name: 'enforce baseline', labels: { [enforce]: 'baseline' }, level: 'baseline' },
    { name: 'enforce restricted', labels: { [enforce]: 'restricted' }, level: 'restricted' },
    {
      name: 'an invalid level, failing closed',
      labels: { [enforce]: 'Baseline' },
      level: 'restricted',
    },
  ])('$name → $level', ({ labels, level }) => {
    expect(namespacePodSecurityLevel(labels)).toBe(level);
  });
});
