// References check: everything an object names (a Secret, ConfigMap, ServiceAccount, PVC,
// StorageClass, namespace, Flux source or provider, Argo CD project, cert-manager issuer) exists
// among the cluster's objects, is created by a controller from an object that exists (a
// Certificate's Secret), or is declared as created at run time by a component's operator.
import { describe, type ClusterObject, type KubeObject, isRecord, wildcard } from './objects';
import { podTemplates } from './pods';
import type { ClusterProblem } from './problems';

/** Something a component's controllers create at run time, which no chart or file holds. */
export interface ProvidedAtRunTime {
  /** Kind (`Secret`, `ConfigMap`, `ServiceAccount`, `CSIDriver` for a StorageClass provisioner). */
  readonly kind: string;
  /** Namespace; empty for cluster-scoped kinds and provisioners. */
  readonly namespace: string;
  /** Name, or a pattern with `*`. */
  readonly name: string;
  /** Who creates it (for messages and reviews). */
  readonly createdBy: string;
}

/** Namespaces every cluster has before anything is applied. */
const BUILT_IN_NAMESPACES = ['default', 'kube-node-lease', 'kube-public', 'kube-system'];

/** Objects Kubernetes creates in every namespace. */
const PER_NAMESPACE: readonly { kind: string; name: string }[] = [
  { kind: 'ServiceAccount', name: 'default' },
  { kind: 'ConfigMap', name: 'kube-root-ca.crt' },
];

const asRecord = (value: unknown): Record<string, unknown> => (isRecord(value) ? value : {});
const asList = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);
const text = (value: unknown): string | undefined =>
  typeof value === 'string' ? value : undefined;

/** Objects a controller creates from each object of a kind, whatever component runs it. */
const DERIVED: readonly {
  readonly group: string;
  readonly kind: string;
  readonly creates: (
    object: KubeObject,
  ) => { kind: string; name: string; clusterScoped?: boolean }[];
}[] = [
  // cert-manager writes a Certificate's key pair to the Secret it names.
  {
    group: 'cert-manager.io/',
    kind: 'Certificate',
    creates: (object) => {
      const name = text(asRecord(object.spec).secretName);
      return name ? [{ kind: 'Secret', name }] : [];
    },
  },
  // A bucket provisioner answers an ObjectBucketClaim with a Secret (keys) and a ConfigMap
  // (endpoint) of the claim's name (kube-object-storage/lib-bucket-provisioner, which Rook uses).
  {
    group: 'objectbucket.io/',
    kind: 'ObjectBucketClaim',
    creates: (object) => {
      const name = object.metadata?.name ?? '';
      return [
        { kind: 'Secret', name },
        { kind: 'ConfigMap', name },
      ];
    },
  },
  // ceph-csi-operator registers a CSIDriver named after each Driver object (v1.0.4,
  // internal/controller/driver_controller.go reconcileK8sCsiDriver).
  {
    group: 'csi.ceph.io/',
    kind: 'Driver',
    creates: (object) => [
      { kind: 'CSIDriver', name: object.metadata?.name ?? '', clusterScoped: true },
    ],
  },
];

/** One reference an object makes. */
interface Reference {
  readonly kind: string;
  readonly namespace: string;
  readonly name: string;
  readonly path: string;
}

/** The index of what exists, by `kind/namespace/name`. */
class Inventory {
  private readonly exact = new Set<string>();
  private readonly patterns: { kind: string; namespace: string; name: RegExp }[] = [];
  private readonly namespaces = new Set<string>(BUILT_IN_NAMESPACES);

  public constructor(objects: readonly ClusterObject[], provided: readonly ProvidedAtRunTime[]) {
    for (const { object, namespace } of objects) {
      const name = object.metadata?.name ?? '';
      this.add(object.kind ?? '', namespace, name);
      if (object.kind === 'Namespace') this.namespaces.add(name);
      for (const derived of DERIVED) {
        if (object.kind === derived.kind && object.apiVersion?.startsWith(derived.group)) {
          for (const made of derived.creates(object)) {
            this.add(made.kind, made.clusterScoped ? '' : namespace, made.name);
          }
        }
      }
    }
    for (const entry of provided) {
      if (entry.name.includes('*')) {
        this.patterns.push({
          kind: entry.kind,
          namespace: entry.namespace,
          name: wildcard(entry.name),
        });
      } else this.add(entry.kind, entry.namespace, entry.name);
    }
  }

  private add(kind: string, namespace: string, name: string): void {
    this.exact.add(`${kind}/${namespace}/${name}`);
  }

  public hasNamespace(namespace: string): boolean {
    return this.namespaces.has(namespace);
  }

  public has(reference: Reference): boolean {
    if (this.exact.has(`${reference.kind}/${reference.namespace}/${reference.name}`)) return true;
    if (
      reference.namespace &&
      PER_NAMESPACE.some(({ kind, name }) => kind === reference.kind && name === reference.name)
    ) {
      return true;
    }
    return this.patterns.some(
      (pattern) =>
        pattern.kind === reference.kind &&
        pattern.namespace === reference.namespace &&
        pattern.name.test(reference.name),
    );
  }
}

/** The Secrets, ConfigMaps, ServiceAccount and PVCs a pod spec names (optional ones skipped). */
function podReferences(spec: Record<string, unknown>, namespace: string, at: string): Reference[] {
  const refs: Reference[] = [];
  const add = (kind: string, name: unknown, path: string): void => {
    const value = text(name);
    if (value) refs.push({ kind, namespace, name: value, path });
  };
  add('ServiceAccount', spec.serviceAccountName, `${at}.serviceAccountName`);
  asList(spec.imagePullSecrets).forEach((secret, i) =>
    add('Secret', asRecord(secret).name, `${at}.imagePullSecrets[${i}].name`),
  );
  asList(spec.volumes).forEach((raw) => {
    const volume = asRecord(raw);
    const base = `${at}.volumes[${text(volume.name) ?? '?'}]`;
    const secret = asRecord(volume.secret);
    if (volume.secret && secret.optional !== true)
      add('Secret', secret.secretName, `${base}.secret.secretName`);
    const configMap = asRecord(volume.configMap);
    if (volume.configMap && configMap.optional !== true)
      add('ConfigMap', configMap.name, `${base}.configMap.name`);
    const claim = asRecord(volume.persistentVolumeClaim);
    if (volume.persistentVolumeClaim)
      add('PersistentVolumeClaim', claim.claimName, `${base}.persistentVolumeClaim.claimName`);
    asList(asRecord(volume.projected).sources).forEach((rawSource, j) => {
      const source = asRecord(rawSource);
      const projectedSecret = asRecord(source.secret);
      if (source.secret && projectedSecret.optional !== true) {
        add('Secret', projectedSecret.name, `${base}.projected.sources[${j}].secret.name`);
      }
      const projectedConfigMap = asRecord(source.configMap);
      if (source.configMap && projectedConfigMap.optional !== true) {
        add('ConfigMap', projectedConfigMap.name, `${base}.projected.sources[${j}].configMap.name`);
      }
    });
  });
  for (const list of ['initContainers', 'containers'] as const) {
    asList(spec[list]).forEach((raw) => {
      const container = asRecord(raw);
      const base = `${at}.${list}[${text(container.name) ?? '?'}]`;
      asList(container.env).forEach((rawEnv) => {
        const env = asRecord(rawEnv);
        const from = asRecord(env.valueFrom);
        const secretKey = asRecord(from.secretKeyRef);
        if (from.secretKeyRef && secretKey.optional !== true) {
          add(
            'Secret',
            secretKey.name,
            `${base}.env[${text(env.name) ?? '?'}].valueFrom.secretKeyRef.name`,
          );
        }
        const configMapKey = asRecord(from.configMapKeyRef);
        if (from.configMapKeyRef && configMapKey.optional !== true) {
          add(
            'ConfigMap',
            configMapKey.name,
            `${base}.env[${text(env.name) ?? '?'}].valueFrom.configMapKeyRef.name`,
          );
        }
      });
      asList(container.envFrom).forEach((rawFrom, i) => {
        const from = asRecord(rawFrom);
        const secret = asRecord(from.secretRef);
        if (from.secretRef && secret.optional !== true)
          add('Secret', secret.name, `${base}.envFrom[${i}].secretRef.name`);
        const configMap = asRecord(from.configMapRef);
        if (from.configMapRef && configMap.optional !== true) {
          add('ConfigMap', configMap.name, `${base}.envFrom[${i}].configMapRef.name`);
        }
      });
    });
  }
  return refs;
}

/** Every `storageClassName` anywhere in an object (PVCs, claim templates, operator CRs). */
function storageClassReferences(object: KubeObject): Reference[] {
  const refs: Reference[] = [];
  const walk = (value: unknown, path: string): void => {
    if (Array.isArray(value)) value.forEach((item, i) => walk(item, `${path}[${i}]`));
    else if (isRecord(value)) {
      for (const [key, child] of Object.entries(value)) {
        const childPath = path ? `${path}.${key}` : key;
        if (key === 'storageClassName' && typeof child === 'string' && child !== '') {
          refs.push({ kind: 'StorageClass', namespace: '', name: child, path: childPath });
        } else walk(child, childPath);
      }
    }
  };
  walk(object.spec, 'spec');
  return refs;
}

/** What Flux, Argo CD, cert-manager and Gateway API objects name. */
function controllerReferences(object: KubeObject, namespace: string): Reference[] {
  const spec = asRecord(object.spec);
  const refs: Reference[] = [];
  const ref = (
    kind: string | undefined,
    name: unknown,
    path: string,
    inNamespace = namespace,
  ): void => {
    const value = text(name);
    if (kind && value) refs.push({ kind, namespace: inNamespace, name: value, path });
  };
  const group = object.apiVersion?.split('/')[0] ?? '';
  if (group.endsWith('toolkit.fluxcd.io')) {
    const secretRef = asRecord(spec.secretRef);
    ref('Secret', secretRef.name, 'spec.secretRef.name');
    const source = asRecord(spec.sourceRef);
    ref(text(source.kind), source.name, 'spec.sourceRef', text(source.namespace) ?? namespace);
    const decryption = asRecord(asRecord(spec.decryption).secretRef);
    ref('Secret', decryption.name, 'spec.decryption.secretRef.name');
    const chartRef = asRecord(spec.chartRef);
    ref(text(chartRef.kind), chartRef.name, 'spec.chartRef', text(chartRef.namespace) ?? namespace);
    const chartSource = asRecord(asRecord(asRecord(spec.chart).spec).sourceRef);
    ref(
      text(chartSource.kind),
      chartSource.name,
      'spec.chart.spec.sourceRef',
      text(chartSource.namespace) ?? namespace,
    );
    asList(spec.valuesFrom).forEach((raw, i) => {
      const from = asRecord(raw);
      if (from.optional !== true) ref(text(from.kind), from.name, `spec.valuesFrom[${i}]`);
    });
    ref('Provider', asRecord(spec.providerRef).name, 'spec.providerRef.name');
    asList(spec.dependsOn).forEach((raw, i) => {
      const dependency = asRecord(raw);
      ref(
        object.kind,
        dependency.name,
        `spec.dependsOn[${i}]`,
        text(dependency.namespace) ?? namespace,
      );
    });
  }
  if (object.kind === 'Application' && group === 'argoproj.io') {
    ref('AppProject', spec.project, 'spec.project');
  }
  if (group === 'cert-manager.io' && object.kind === 'Certificate') {
    const issuer = asRecord(spec.issuerRef);
    const kind = text(issuer.kind) ?? 'Issuer';
    ref(kind, issuer.name, 'spec.issuerRef', kind === 'ClusterIssuer' ? '' : namespace);
  }
  if (group === 'gateway.networking.k8s.io' && object.kind === 'Gateway') {
    asList(spec.listeners).forEach((raw) => {
      const listener = asRecord(raw);
      asList(asRecord(listener.tls).certificateRefs).forEach((rawCert, j) => {
        const cert = asRecord(rawCert);
        ref(
          'Secret',
          cert.name,
          `spec.listeners[${text(listener.name) ?? '?'}].tls.certificateRefs[${j}]`,
          text(cert.namespace) ?? namespace,
        );
      });
    });
  }
  return refs;
}

function problem(entry: ClusterObject, path: string, rule: string, fix: string): ClusterProblem {
  return { check: 'references', object: describe(entry), source: entry.source, path, rule, fix };
}

/**
 * The references check. `provided` lists what components declare their controllers create at
 * run time; StorageClass provisioners count as installed when a CSIDriver of that name exists or
 * is provided (`kind: 'CSIDriver'`).
 */
export function checkReferences(
  objects: readonly ClusterObject[],
  provided: readonly ProvidedAtRunTime[],
): ClusterProblem[] {
  const inventory = new Inventory(objects, provided);
  const problems: ClusterProblem[] = [];
  const missing = (entry: ClusterObject, reference: Reference): void => {
    const where = reference.namespace ? ` in namespace '${reference.namespace}'` : '';
    problems.push(
      problem(
        entry,
        reference.path,
        `names ${reference.kind} '${reference.name}'${where}, which nothing in the cluster creates`,
        `add the ${reference.kind} (for a Secret: encrypted in git, or created by a component that declares it), or fix the name`,
      ),
    );
  };
  for (const entry of objects) {
    const { object, namespace } = entry;
    if (namespace && !inventory.hasNamespace(namespace)) {
      problems.push(
        problem(
          entry,
          'metadata.namespace',
          `namespace '${namespace}' does not exist in the cluster`,
          'render its Namespace, or fix the namespace',
        ),
      );
    }
    // A HelmRelease's values are checked as the objects its chart renders from them.
    if (object.kind === 'HelmRelease') {
      for (const reference of controllerReferences(object, namespace)) {
        if (!inventory.has(reference)) missing(entry, reference);
      }
      continue;
    }
    for (const reference of [
      ...storageClassReferences(object),
      ...controllerReferences(object, namespace),
    ]) {
      if (!inventory.has(reference)) missing(entry, reference);
    }
    if (object.kind === 'StorageClass') {
      // CSI provisioners read their credentials from the Secrets the parameters name.
      const parameters = asRecord(object.parameters);
      for (const [key, value] of Object.entries(parameters)) {
        const match = /^csi\.storage\.k8s\.io\/(.+)-secret-name$/.exec(key);
        const secretNamespace = match
          ? text(parameters[`csi.storage.k8s.io/${match[1]}-secret-namespace`])
          : undefined;
        if (match && secretNamespace) {
          const reference = {
            kind: 'Secret',
            namespace: secretNamespace,
            name: String(value),
            path: `parameters.${key}`,
          };
          if (!inventory.has(reference)) missing(entry, reference);
        }
      }
      const provisioner = text(object.provisioner);
      if (
        provisioner &&
        !inventory.has({ kind: 'CSIDriver', namespace: '', name: provisioner, path: 'provisioner' })
      ) {
        problems.push(
          problem(
            entry,
            'provisioner',
            `provisioner '${provisioner}' is not installed (no CSIDriver of that name in the cluster, and no component declares it creates one)`,
            'install the CSI driver (its chart or operator), or point the StorageClass at a provisioner the cluster has',
          ),
        );
      }
    }
  }
  for (const template of podTemplates(objects)) {
    for (const reference of podReferences(
      { ...template.spec },
      template.owner.namespace,
      template.path,
    )) {
      if (!inventory.has(reference)) missing(template.owner, reference);
    }
  }
  return problems;
}
