// Secret values never reach a diff: they are replaced by placeholders that still show
// whether a key was added, removed or changed.

/** A parsed Kubernetes object (any shape). */
export type KubeObject = Record<string, unknown>;

/** The placeholder of a value that is the same on both sides (or on the only side). */
export const MASK = '<masked>';
/** Placeholders of a value that differs, so the line diff shows the key changed. */
export const MASK_OLD = '<masked: old value>';
export const MASK_NEW = '<masked: new value>';

const SECRET_FIELDS = ['data', 'stringData'] as const;

/** Whether an object is a core Secret. */
export function isSecret(object: KubeObject | undefined): boolean {
  return object?.kind === 'Secret' && object.apiVersion === 'v1';
}

function asRecord(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}

function maskField(
  own: Record<string, unknown> | undefined,
  other: Record<string, unknown> | undefined,
  changedMask: string,
): Record<string, string> | undefined {
  if (!own) return undefined;
  const masked: Record<string, string> = {};
  for (const [key, value] of Object.entries(own)) {
    const same = other !== undefined && key in other && other[key] === value;
    masked[key] = same || other === undefined ? MASK : changedMask;
  }
  return masked;
}

/**
 * Masks the `data` and `stringData` values of a Secret pair (either side may be absent), SOPS
 * ciphertexts included, and reduces SOPS metadata to its recipients and date.
 * Objects of other kinds are returned unchanged.
 */
export function maskSecrets(
  before: KubeObject | undefined,
  after: KubeObject | undefined,
): [KubeObject | undefined, KubeObject | undefined] {
  const mask = (own: KubeObject | undefined, other: KubeObject | undefined, changed: string) => {
    if (!own || !isSecret(own)) return own;
    const copy: KubeObject = { ...own };
    for (const field of SECRET_FIELDS) {
      const value = maskField(
        asRecord(own[field]),
        isSecret(other) ? (asRecord(other?.[field]) ?? {}) : undefined,
        changed,
      );
      if (value) copy[field] = value;
    }
    // A SOPS file's metadata: who can decrypt it is worth reviewing; the wrapped data keys and
    // the MAC are ciphertext that changes on every write, so they are left out.
    const sops = asRecord(own.sops);
    if (sops) {
      const recipients = Array.isArray(sops.age)
        ? sops.age.map((entry) => asRecord(entry)?.recipient)
        : [];
      copy.sops = { recipients, lastmodified: sops.lastmodified };
    }
    return copy;
  };
  return [mask(before, after, MASK_OLD), mask(after, before, MASK_NEW)];
}
