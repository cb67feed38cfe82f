// Outbound HTTP that refuses loopback, private, link-local and other non-public addresses,
// checked on the address actually connected to (after DNS), so a hostname that resolves to
// 10.0.0.1 — or changes its answer between check and connect — cannot reach the inside.
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import ipaddr from 'ipaddr.js';
import { Agent, fetch as undiciFetch } from 'undici';

export class BlockedAddressError extends Error {
  readonly code = 'EBLOCKEDADDRESS';
  constructor(host: string, address: string) {
    super(`Refusing to connect to ${host} (${address}): private and loopback addresses are not allowed.`);
    this.name = 'BlockedAddressError';
  }
}

/** True for addresses on the public internet (ipaddr.js range 'unicast'). */
export function isPublicAddress(address: string): boolean {
  if (!ipaddr.isValid(address)) return false;
  let parsed = ipaddr.parse(address);
  if (parsed.kind() === 'ipv6' && (parsed as ipaddr.IPv6).isIPv4MappedAddress()) {
    parsed = (parsed as ipaddr.IPv6).toIPv4Address();
  }
  return parsed.range() === 'unicast';
}

export interface SafeFetchOptions {
  /** PARLEY_ALLOW_PRIVATE_NETWORK: no address checks at all (local development, tests). */
  allowPrivateNetwork: boolean;
  /** Hostnames the operator configured (e.g. OLLAMA_BASE_URL's), allowed even when private. */
  trustedHosts?: string[];
  /** Connect timeout; the caller's AbortSignal bounds the whole request. */
  connectTimeoutMs?: number;
  /** How long an idle connection is kept for reuse (undici's default: 4 s). */
  keepAliveTimeoutMs?: number;
}

export type SafeFetch = typeof fetch;

export function createSafeFetch(options: SafeFetchOptions): SafeFetch {
  const trusted = new Set((options.trustedHosts ?? []).map((host) => host.toLowerCase()));
  const guardedLookup = (
    hostname: string,
    lookupOptions: object,
    callback: (
      error: NodeJS.ErrnoException | null,
      address: string | LookupAddress[],
      family?: number,
    ) => void,
  ) => {
    dnsLookup(hostname, { ...lookupOptions, all: true }, (error, addresses) => {
      if (error) return callback(error, []);
      const blocked = addresses.find((entry) => !isPublicAddress(entry.address));
      if (blocked && !options.allowPrivateNetwork && !trusted.has(hostname.toLowerCase())) {
        return callback(new BlockedAddressError(hostname, blocked.address), []);
      }
      const wantsAll = (lookupOptions as { all?: boolean }).all;
      if (wantsAll) return callback(null, addresses);
      const first = addresses[0]!;
      return callback(null, first.address, first.family);
    });
  };
  const agent = new Agent({
    connect: { lookup: guardedLookup as never, timeout: options.connectTimeoutMs ?? 10_000 },
    ...(options.keepAliveTimeoutMs === undefined ? {} : { keepAliveTimeout: options.keepAliveTimeoutMs }),
  });

  return (async (input: string | URL | Request, init?: RequestInit) => {
    const url = new URL(typeof input === 'string' || input instanceof URL ? input : input.url);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw new TypeError(`Only http and https URLs can be fetched, not ${url.protocol}`);
    }
    // An IP literal never goes through DNS lookup: check it here.
    const host = url.hostname.replace(/^\[|\]$/g, '');
    if (
      ipaddr.isValid(host) &&
      !isPublicAddress(host) &&
      !options.allowPrivateNetwork &&
      !trusted.has(host)
    ) {
      throw new BlockedAddressError(url.hostname, host);
    }
    // Redirects are not followed: a public URL must not bounce the request inside.
    return undiciFetch(
      input as never,
      { ...(init as object), redirect: 'manual', dispatcher: agent } as never,
    );
  }) as unknown as SafeFetch;
}
