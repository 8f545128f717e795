import { asApplied } from '../../synth/cluster/objects';
import { sharedValidator } from '../../synth/cluster/schema';
import { objectsOf, referenceTree } from '../support/tree';

describe('every synthesized object validates strictly against its upstream schema', () => {
  const validator = sharedValidator();
  const objects = objectsOf(referenceTree());

  it('renders objects to validate', () => {
    expect(objects.length).toBeGreaterThan(20);
  });

  it.each(objects.map(({ file, object }) => [file, object] as const))('%s', (_file, object) => {
    // Flux decrypts a SOPS Secret and drops its metadata before the API server sees it.
    expect(validator.validate(asApplied(object))).toEqual([]);
  });

  it('uses no apiVersion its CRD marks deprecated', () => {
    const deprecated = objects
      .filter(({ object }) => validator.isDeprecated(object))
      .map(({ file, object }) => `${file}: ${object.apiVersion}`);
    expect(deprecated).toEqual([]);
  });

  it('validates the TektonConfig against the Tekton Operator CRD, not as an unknown kind', () => {
    const configs = objects.filter(({ object }) => object.kind === 'TektonConfig');
    expect(configs.length).toBeGreaterThan(0);
    for (const { object } of configs) {
      const spec = object.spec as Record<string, unknown>;
      const misspelt = {
        ...object,
        spec: { ...spec, pruner: { ...(spec.pruner as object), prunePerResource: true } },
      };
      expect(validator.validate(misspelt)).toEqual([
        expect.stringContaining("must NOT have additional properties 'prunePerResource'"),
      ]);
    }
  });
});

describe('the validator itself', () => {
  const validator = sharedValidator();
  const namespace = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'a' } };

  it('accepts a valid core object', () => {
    expect(validator.validate(namespace)).toEqual([]);
  });

  it('rejects an unknown field in a core object', () => {
    expect(validator.validate({ ...namespace, spec: { finalizers: [], colour: 'red' } })).toEqual([
      "Namespace 'a': /spec must NOT have additional properties 'colour'",
    ]);
  });

  it('rejects an unknown field in a CRD object, and in its metadata', () => {
    const issuer = {
      apiVersion: 'cert-manager.io/v1',
      kind: 'ClusterIssuer',
      metadata: { name: 'x', labelz: {} },
      spec: { selfSigned: {}, selfsigned: {} },
    };
    expect(validator.validate(issuer)).toEqual([
      "ClusterIssuer 'x': /metadata must NOT have additional properties 'labelz'",
      "ClusterIssuer 'x': /spec must NOT have additional properties 'selfsigned'",
    ]);
  });

  it('rejects a wrong type and a missing required field', () => {
    const kustomization = {
      apiVersion: 'kustomize.toolkit.fluxcd.io/v1',
      kind: 'Kustomization',
      metadata: { name: 'k' },
      spec: { interval: '1m', prune: 'yes' },
    };
    const problems = validator.validate(kustomization);
    expect(problems).toContain("Kustomization 'k': /spec/prune must be boolean");
    expect(problems).toContain("Kustomization 'k': /spec must have required property 'sourceRef'");
  });

  it('rejects a removed apiVersion', () => {
    expect(
      validator.validate({
        apiVersion: 'helm.toolkit.fluxcd.io/v2beta1',
        kind: 'HelmRelease',
        metadata: { name: 'r' },
      }),
    ).toEqual([
      "HelmRelease 'r': no schema serves helm.toolkit.fluxcd.io/v2beta1 HelmRelease (removed, unserved or unknown apiVersion)",
    ]);
    expect(
      validator.validate({
        apiVersion: 'policy/v1beta1',
        kind: 'PodSecurityPolicy',
        metadata: { name: 'p' },
      }),
    ).toHaveLength(1);
  });
});
