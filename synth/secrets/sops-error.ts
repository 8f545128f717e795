/**
 * Thrown for every SOPS failure a user can act on: not a SOPS file, no age identity matches,
 * a value or the MAC fails to decrypt, the MAC does not match, unsupported metadata. The
 * message says which file part (value path, `sops.*` field) and what went wrong.
 */
export class SopsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SopsError';
  }
}
