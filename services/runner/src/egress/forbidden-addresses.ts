/**
 * Address ranges a guest may never reach, whatever the allowlist says: checked on the resolved
 * address of every connection, redirects included (SPEC section 6).
 */
import { BlockList, isIP } from 'node:net';

export type ForbiddenKind =
  'unspecified' | 'loopback' | 'private' | 'link-local' | 'cgnat' | 'metadata' | 'reserved';

const RANGES: Array<[ForbiddenKind, string, number, 'ipv4' | 'ipv6']> = [
  // Cloud metadata services first, so the message names them (they also sit in the ranges below).
  ['metadata', '169.254.169.254', 32, 'ipv4'],
  ['metadata', '100.100.100.200', 32, 'ipv4'],
  ['metadata', 'fd00:ec2::254', 128, 'ipv6'],
  ['unspecified', '0.0.0.0', 8, 'ipv4'],
  ['private', '10.0.0.0', 8, 'ipv4'],
  ['cgnat', '100.64.0.0', 10, 'ipv4'],
  ['loopback', '127.0.0.0', 8, 'ipv4'],
  ['link-local', '169.254.0.0', 16, 'ipv4'],
  ['private', '172.16.0.0', 12, 'ipv4'],
  ['reserved', '192.0.0.0', 24, 'ipv4'],
  ['reserved', '192.0.2.0', 24, 'ipv4'],
  ['reserved', '192.88.99.0', 24, 'ipv4'],
  ['private', '192.168.0.0', 16, 'ipv4'],
  ['reserved', '198.18.0.0', 15, 'ipv4'],
  ['reserved', '198.51.100.0', 24, 'ipv4'],
  ['reserved', '203.0.113.0', 24, 'ipv4'],
  ['reserved', '224.0.0.0', 4, 'ipv4'],
  ['reserved', '240.0.0.0', 4, 'ipv4'],
  ['unspecified', '::', 128, 'ipv6'],
  ['loopback', '::1', 128, 'ipv6'],
  // IPv4-mapped, NAT64 and 6to4 embed IPv4 addresses: refused whole rather than decoded.
  ['reserved', '::ffff:0:0', 96, 'ipv6'],
  ['reserved', '64:ff9b::', 96, 'ipv6'],
  ['reserved', '64:ff9b:1::', 48, 'ipv6'],
  ['reserved', '100::', 64, 'ipv6'],
  ['reserved', '2001::', 23, 'ipv6'],
  ['reserved', '2001:db8::', 32, 'ipv6'],
  ['reserved', '2002::', 16, 'ipv6'],
  ['private', 'fc00::', 7, 'ipv6'],
  ['link-local', 'fe80::', 10, 'ipv6'],
  ['reserved', 'fec0::', 10, 'ipv6'],
  ['reserved', 'ff00::', 8, 'ipv6'],
];

const lists = RANGES.map(([kind, address, prefix, family]) => {
  const list = new BlockList();
  list.addSubnet(address, prefix, family);
  return { kind, list, family };
});

/** Why an address is off limits, or undefined for a public unicast address. Non-addresses are 'reserved'. */
export function forbiddenKind(address: string): ForbiddenKind | undefined {
  const version = isIP(address);
  if (version === 0) return 'reserved';
  const family = version === 4 ? 'ipv4' : 'ipv6';
  for (const { kind, list, family: f } of lists) {
    if (f === family && list.check(address, family)) return kind;
  }
  return undefined;
}

/** Decides which addresses a guest may connect to. */
export interface AddressPolicy {
  forbidden(address: string): ForbiddenKind | undefined;
}

export const defaultAddressPolicy: AddressPolicy = { forbidden: forbiddenKind };
