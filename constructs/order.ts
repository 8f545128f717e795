/**
 * Orders strings by UTF-16 code unit, the same on every machine. `localeCompare` follows the
 * process locale (in Lithuanian `y` sorts with `i`), so output sorted with it would differ
 * between a developer's laptop and CI.
 */
export function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
