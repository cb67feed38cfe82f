// A small web site served by the test: pages with navigation boilerplate, robots.txt, a sitemap,
// redirects and errors. Pages can change between crawls, and every request is recorded.
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface SiteResponse {
  status?: number;
  type?: string;
  body?: string | Buffer;
  headers?: Record<string, string>;
  delayMs?: number;
}

export interface StaticSite {
  origin: string;
  pages: Map<string, SiteResponse>;
  requests: { path: string; headers: http.IncomingHttpHeaders }[];
  set(path: string, response: SiteResponse | string): void;
  close(): Promise<void>;
}

/** Wraps main content in the navigation, header, footer and cookie banner a real site has. */
export function page(title: string, main: string, extra = ''): string {
  return `<!doctype html><html><head><title>${title} | Acme Help</title>${extra}</head><body>
<header><nav><a href="/">Home</a> <a href="/pricing">Pricing</a> <a href="/docs/start">Docs</a> <a href="/private/admin">Admin</a></nav></header>
<div class="cookie-banner" id="cookie-consent">We use cookies to improve your experience. Accept all cookies?</div>
<main><article><h1>${title}</h1>${main}</article></main>
<footer><p>Copyright Acme Corp. All rights reserved. Follow us on social media.</p></footer>
</body></html>`;
}

export async function startStaticSite(
  initial: Record<string, SiteResponse | string> = {},
): Promise<StaticSite> {
  const pages = new Map<string, SiteResponse>();
  const requests: StaticSite['requests'] = [];
  const set = (path: string, response: SiteResponse | string) =>
    pages.set(path, typeof response === 'string' ? { body: response } : response);
  for (const [path, response] of Object.entries(initial)) set(path, response);

  const server = http.createServer((request, response) => {
    const path = (request.url ?? '/').split('?')[0]!;
    requests.push({ path, headers: request.headers });
    const entry = pages.get(path);
    const send = () => {
      if (!entry) {
        response
          .writeHead(404, { 'content-type': 'text/html' })
          .end('<html><body><h1>Not found</h1></body></html>');
        return;
      }
      const body = entry.body ?? '';
      // Conditional requests as real servers answer them (RFC 9110 §13.2.2): If-None-Match
      // first; If-Modified-Since only when the request has no If-None-Match.
      const etag = entry.headers?.etag;
      const lastModified = entry.headers?.['last-modified'];
      const noneMatch = request.headers['if-none-match'];
      const modifiedSince = request.headers['if-modified-since'];
      const fresh =
        noneMatch !== undefined
          ? etag !== undefined && noneMatch === etag
          : lastModified !== undefined &&
            modifiedSince !== undefined &&
            Date.parse(modifiedSince) >= Date.parse(lastModified);
      if (fresh && (entry.status ?? 200) === 200) {
        const validators: Record<string, string> = {};
        if (etag) validators.etag = etag;
        if (lastModified) validators['last-modified'] = lastModified;
        response.writeHead(304, validators).end();
        return;
      }
      response
        .writeHead(entry.status ?? 200, {
          'content-type': entry.type ?? 'text/html; charset=utf-8',
          ...entry.headers,
        })
        .end(body);
    };
    if (entry?.delayMs) setTimeout(send, entry.delayMs);
    else send();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    origin,
    pages,
    requests,
    set,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
