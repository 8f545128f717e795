// Small IPv4 helpers for config validation (the platform's node networks are IPv4).

const OCTET = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/;

/** Parses a dotted IPv4 address into a 32-bit number, or undefined if it is not one. */
export function parseIpv4(text: string): number | undefined {
  const parts = text.split('.');
  if (parts.length !== 4 || !parts.every((part) => OCTET.test(part))) return undefined;
  return parts.reduce((value, part) => value * 256 + Number(part), 0);
}

/** An inclusive range of IPv4 addresses, as numbers. */
export interface Ipv4Range {
  readonly first: number;
  readonly last: number;
}

/**
 * Parses a MetalLB-style address block: a CIDR (`10.0.0.0/28`) or an inclusive range
 * (`10.0.0.200-10.0.0.220`). Returns a reason instead when it is neither.
 */
export function parseAddressBlock(text: string): Ipv4Range | string {
  if (text.includes('/')) {
    const [address, bits] = text.split('/');
    const base = parseIpv4(address);
    const prefix = /^\d{1,2}$/.test(bits) ? Number(bits) : NaN;
    if (base === undefined || !(prefix >= 0 && prefix <= 32)) {
      return `must be a CIDR like 10.0.0.0/28 or a range like 10.0.0.200-10.0.0.220, got '${text}'`;
    }
    const size = 2 ** (32 - prefix);
    if (base % size !== 0) {
      return `CIDR '${text}' has host bits set (the network address is not aligned to /${prefix})`;
    }
    return { first: base, last: base + size - 1 };
  }
  const [from, to, extra] = text.split('-');
  const first = parseIpv4(from ?? '');
  const last = parseIpv4(to ?? '');
  if (extra !== undefined || first === undefined || last === undefined) {
    return `must be a CIDR like 10.0.0.0/28 or a range like 10.0.0.200-10.0.0.220, got '${text}'`;
  }
  if (first > last) return `range '${text}' starts after it ends`;
  return { first, last };
}

/** Whether the address lies inside the range. */
export function rangeContains(range: Ipv4Range, address: number): boolean {
  return address >= range.first && address <= range.last;
}

/** Whether two ranges share at least one address. */
export function rangesOverlap(a: Ipv4Range, b: Ipv4Range): boolean {
  return a.first <= b.last && b.first <= a.last;
}
