// Which web sites may talk to a chatbot through the widget: the bot's allowed origins, checked
// against the browser's Origin on every public request.
import type { FastifyRequest } from 'fastify';

/** An origin as browsers send it, lower-cased, without a default port. */
export function normaliseOrigin(origin: string): string | null {
  try {
    const url = new URL(origin);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return null;
    return url.origin.toLowerCase();
  } catch {
    return null;
  }
}

/**
 * Whether `origin` is one of `allowed`: exact (scheme, host and port), or `scheme://*.domain[:port]`
 * for any subdomain of domain (not domain itself, as with cookies' leading dot).
 */
export function originAllowed(origin: string, allowed: readonly string[]): boolean {
  const actual = normaliseOrigin(origin);
  if (!actual) return false;
  const url = new URL(actual);
  for (const entry of allowed) {
    const pattern = entry.toLowerCase();
    const wildcard = /^(https?):\/\/\*\.(.+)$/.exec(pattern);
    if (!wildcard) {
      if (normaliseOrigin(pattern) === actual) return true;
      continue;
    }
    const base = normaliseOrigin(`${wildcard[1]}://${wildcard[2]}`);
    if (!base) continue;
    const baseUrl = new URL(base);
    if (
      url.protocol === baseUrl.protocol &&
      url.port === baseUrl.port &&
      url.hostname.endsWith(`.${baseUrl.hostname}`)
    ) {
      return true;
    }
  }
  return false;
}

/**
 * The origin a request comes from: the Origin header, or, for a same-origin request that has
 * none (browsers omit it on same-origin GETs), this server's own origin. Null when the request
 * says neither: not a browser on any site.
 */
export function requestOrigin(request: FastifyRequest): string | null {
  const header = request.headers.origin;
  if (typeof header === 'string' && header !== 'null') return header;
  if (request.headers['sec-fetch-site'] === 'same-origin' && request.headers.host) {
    return `${request.protocol}://${request.headers.host}`;
  }
  return null;
}
