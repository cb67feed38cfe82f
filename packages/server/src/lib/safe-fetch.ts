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

/**
 * True for addresses on the public internet (ipaddr.js range 'unicast'). An IPv6 address that
 * carries an IPv4 one (IPv4-compatible ::a.b.c.d, mapped ::ffff:a.b.c.d, SIIT, NAT64 64:ff9b::/96,
 * 6to4 2002::/16) is judged by the IPv4 address it reaches, so ::127.0.0.1 is loopback.
 * Accepts every IPv4 spelling ipaddr.js does (2130706433, 0x7f.1, 0177.0.0.1).
 */
export function isPublicAddress(address: string): boolean {
  if (!ipaddr.isValid(address)) return false;
  const parsed = ipaddr.parse(address);
  if (parsed.kind() === 'ipv4') return parsed.range() === 'unicast';
  const embedded = embeddedIPv4(parsed as ipaddr.IPv6);
  if (embedded) return embedded.range() === 'unicast';
  return parsed.range() === 'unicast';
}

function embeddedIPv4(address: ipaddr.IPv6): ipaddr.IPv4 | null {
  const words = address.parts;
  const lastTwo = (high: number, low: number) =>
    new ipaddr.IPv4([high >> 8, high & 0xff, low >> 8, low & 0xff]);
  const zero = (from: number, to: number) => words.slice(from, to).every((word) => word === 0);
  // ::a.b.c.d (IPv4-compatible, deprecated but still parsed), ::ffff:a.b.c.d, ::ffff:0:a.b.c.d
  if (zero(0, 5) && (words[5] === 0 || words[5] === 0xffff)) return lastTwo(words[6]!, words[7]!);
  if (zero(0, 4) && words[4] === 0xffff && words[5] === 0) return lastTwo(words[6]!, words[7]!);
  // NAT64 well-known prefix 64:ff9b::/96
  if (words[0] === 0x64 && words[1] === 0xff9b && zero(2, 6)) return lastTwo(words[6]!, words[7]!);
  // 6to4: 2002:AABB:CCDD::/48 tunnels to AA.BB.CC.DD
  if (words[0] === 0x2002) return lastTwo(words[1]!, words[2]!);
  return null;
}

export interface SafeFetchOptions {
  /** PARLEY_ALLOW_PRIVATE_NETWORK: no address checks at all (local development, tests). */
  allowPrivateNetwork: boolean;
  /**
   * Origins (scheme, host and port) the operator configured, e.g. OLLAMA_BASE_URL's, reachable
   * even when private. Only that exact origin: another port of the same host stays refused.
   */
  trustedOrigins?: string[];
  /** Connect timeout; the caller's AbortSignal bounds the whole request. */
  connectTimeoutMs?: number;
  /** How long an idle connection is kept for reuse (undici's default: 4 s). */
  keepAliveTimeoutMs?: number;
}

export type SafeFetch = typeof fetch;

/** The origin (scheme://host[:port], default port omitted) as the WHATWG URL parser writes it. */
function originOf(url: string): string {
  return new URL(url).origin;
}

export function createSafeFetch(options: SafeFetchOptions): SafeFetch {
  const trustedOrigins = new Set((options.trustedOrigins ?? []).map(originOf));
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
      if (blocked) return callback(new BlockedAddressError(hostname, blocked.address), []);
      const wantsAll = (lookupOptions as { all?: boolean }).all;
      if (wantsAll) return callback(null, addresses);
      const first = addresses[0]!;
      return callback(null, first.address, first.family);
    });
  };
  const agentOptions = (lookup?: typeof guardedLookup) => ({
    connect: {
      ...(lookup ? { lookup: lookup as never } : {}),
      timeout: options.connectTimeoutMs ?? 10_000,
    },
    ...(options.keepAliveTimeoutMs === undefined ? {} : { keepAliveTimeout: options.keepAliveTimeoutMs }),
  });
  // Two connection pools: the open one only ever carries requests to a trusted origin (or every
  // request when the private network is allowed), so a trusted connection is never reused for
  // another origin and a guarded one never skips the check.
  const open = new Agent(agentOptions());
  const guarded = options.allowPrivateNetwork ? open : new Agent(agentOptions(guardedLookup));

  return (async (input: string | URL | Request, init?: RequestInit) => {
    const url = new URL(typeof input === 'string' || input instanceof URL ? input : input.url);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw new TypeError(`Only http and https URLs can be fetched, not ${url.protocol}`);
    }
    const trusted = options.allowPrivateNetwork || trustedOrigins.has(url.origin);
    // An IP literal never goes through DNS lookup: check it here. The URL parser has already
    // turned every IPv4 spelling (2130706433, 0x7f.1, 0) into dotted decimal.
    const host = url.hostname.replace(/^\[|\]$/g, '');
    if (!trusted && ipaddr.isValid(host) && !isPublicAddress(host)) {
      throw new BlockedAddressError(url.hostname, host);
    }
    // Redirects are not followed: a public URL must not bounce the request inside, and a
    // trusted origin must not bounce it anywhere else. Callers that follow them do it by hand.
    return undiciFetch(
      input as never,
      { ...(init as object), redirect: 'manual', dispatcher: trusted ? open : guarded } as never,
    );
  }) as unknown as SafeFetch;
}
