import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import type { AddressPolicy } from './forbidden-addresses.js';

/** Turns a host name into its addresses (DNS by default; tests may replace it). */
export type Resolver = (hostname: string) => Promise<string[]>;

export const systemResolver: Resolver = async (hostname) =>
  (await lookup(hostname, { all: true, verbatim: true })).map((entry) => entry.address);

export class EgressRefused extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'EgressRefused';
  }
}

export class ResolutionFailed extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ResolutionFailed';
  }
}

/**
 * Resolves a host once and returns the address to connect to. Every address the name resolves to
 * must be allowed (a name that also points at a private address is refused as a whole, which
 * defeats DNS rebinding tricks that mix answers); the connection then uses this address, never a
 * second lookup.
 */
export async function pinnedAddress(
  host: string,
  resolver: Resolver,
  policy: AddressPolicy,
): Promise<{ address: string; family: 4 | 6 }> {
  let addresses: string[];
  if (isIP(host) !== 0) {
    addresses = [host];
  } else {
    try {
      addresses = await resolver(host);
    } catch (err) {
      throw new ResolutionFailed(`cannot resolve ${host}: ${(err as NodeJS.ErrnoException).code ?? 'error'}`);
    }
    if (addresses.length === 0) throw new ResolutionFailed(`cannot resolve ${host}: no addresses`);
  }
  for (const address of addresses) {
    const kind = policy.forbidden(address);
    if (kind) {
      throw new EgressRefused(
        address === host
          ? `${host} is a ${kind} address`
          : `${host} resolves to ${address}, a ${kind} address`,
      );
    }
  }
  const address = addresses[0]!;
  return { address, family: isIP(address) === 6 ? 6 : 4 };
}
