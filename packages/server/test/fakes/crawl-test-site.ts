// A small web site on 127.0.0.1 for the crawler's tests: linked pages, robots.txt, sitemaps
// (one gzipped), redirects good and bad, errors, slow and oversize answers, and validators.
// It records what it was asked, so tests assert on what the site saw (hits, user agents,
// concurrent requests, bytes sent before the client hung up). Test support only: nothing in
// the product imports it.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';

export interface TestSiteOptions {
  /** robots.txt body, or an HTTP status to answer it with instead. */
  robots?: string | number;
}

export interface TestSite {
  origin: string;
  port: number;
  url(path: string): string;
  /** Requests received for a path (query included when given, else any query). */
  hits(path: string): number;
  /** User-Agent headers seen, in order. */
  userAgents: string[];
  /** The most requests from one client address that were in flight at once. */
  maxConcurrent(): number;
  resetConcurrency(): void;
  /** /huge: bytes written before the client went away, and whether all were sent. */
  huge: { bytesSent: number; completed: boolean; totalBytes: number };
  close(): Promise<void>;
}

export const GUIDE_ETAG = '"guide-v1"';
export const GUIDE_LAST_MODIFIED = 'Tue, 02 Apr 2024 10:00:00 GMT';
const HUGE_TOTAL = 64 * 1024 * 1024;

const page = (title: string, body: string) =>
  `<!doctype html><html><head><title>${title}</title></head><body><h1>${title}</h1>${body}</body></html>`;

export async function startTestSite(options: TestSiteOptions = {}): Promise<TestSite> {
  const hitLog: string[] = [];
  const userAgents: string[] = [];
  const active = new Map<string, number>();
  let maxConcurrent = 0;
  const huge = { bytesSent: 0, completed: false, totalBytes: HUGE_TOTAL };

  let routes: Record<string, Route> = {};

  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', `http://${req.headers.host ?? '127.0.0.1'}`);
    hitLog.push(url.pathname + url.search);
    userAgents.push(req.headers['user-agent'] ?? '');
    const client = req.socket.remoteAddress ?? '?';
    const inFlight = (active.get(client) ?? 0) + 1;
    active.set(client, inFlight);
    maxConcurrent = Math.max(maxConcurrent, inFlight);
    res.once('close', () => active.set(client, (active.get(client) ?? 1) - 1));
    const route = routes[url.pathname];
    if (route) route(req, res, url);
    else res.writeHead(404, { 'content-type': 'text/html' }).end(page('Not found', ''));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const origin = `http://127.0.0.1:${port}`;
  routes = buildRoutes(origin, options, huge);

  return {
    origin,
    port,
    url: (path) => `${origin}${path}`,
    hits: (path) =>
      hitLog.filter((hit) => (path.includes('?') ? hit === path : hit.split('?')[0] === path)).length,
    userAgents,
    maxConcurrent: () => maxConcurrent,
    resetConcurrency: () => {
      maxConcurrent = 0;
    },
    huge,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

type Route = (req: http.IncomingMessage, res: http.ServerResponse, url: URL) => void;

function buildRoutes(
  origin: string,
  options: TestSiteOptions,
  huge: TestSite['huge'],
): Record<string, Route> {
  return {
    '/robots.txt': (_req, res) => {
      if (typeof options.robots === 'number') return void res.writeHead(options.robots).end('nope');
      const body =
        options.robots ??
        [
          'User-agent: *',
          'Disallow: /private/',
          'Crawl-delay: 2',
          '',
          'User-agent: BadBot',
          'Disallow: /',
          '',
          `Sitemap: ${origin}/sitemap_index.xml`,
        ].join('\n');
      res.writeHead(200, { 'content-type': 'text/plain' }).end(body);
    },
    '/': html(
      page(
        'Home',
        [
          '<a href="/about">About</a>',
          '<a href="docs/intro#getting-started">Intro</a>',
          `<a href="${origin}/pricing?plan=pro&amp;utm_source=home&amp;gclid=abc">Pricing</a>`,
          '<a href="/private/secret">Secret</a>',
          '<a href="/r/start">Old docs link</a>',
          '<a href="mailto:support@example.com">Mail</a>',
          '<a href="javascript:void(0)">Menu</a>',
          '<a href="/logo.png">Logo</a>',
          '<a href="https://elsewhere.example/page">Elsewhere</a>',
        ].join('\n'),
      ),
    ),
    '/about': (req, res, url) =>
      html(
        page(
          'About',
          `<a href="/">Home</a><a href="./docs/intro">Intro</a><a href="//${url.host}/about#team">Team</a>`,
        ),
      )(req, res, url),
    '/docs/intro': html(page('Intro', '<a href="../about">About</a> <a href="/docs//guide">Guide</a>')),
    '/docs/guide': (req, res) => {
      const since = req.headers['if-modified-since'];
      const fresh =
        req.headers['if-none-match'] === GUIDE_ETAG ||
        (since !== undefined && Date.parse(since) >= Date.parse(GUIDE_LAST_MODIFIED));
      const validators = { etag: GUIDE_ETAG, 'last-modified': GUIDE_LAST_MODIFIED };
      if (fresh) return void res.writeHead(304, validators).end();
      res.writeHead(200, { ...validators, 'content-type': 'text/html; charset=utf-8' });
      res.end(page('Guide', '<p>How to set things up.</p>'));
    },
    '/pricing': html(page('Pricing', '<p>Pro plan: 20 EUR.</p>')),
    '/only-in-sitemap': html(page('Hidden gem', '<p>Only the sitemap knows me.</p>')),
    '/private/secret': html(page('Secret', '<p>Robots said no.</p>')),
    '/logo.png': (_req, res) => res.writeHead(200, { 'content-type': 'image/png' }).end(Buffer.alloc(16)),
    '/gzipped': (_req, res) =>
      res
        .writeHead(200, { 'content-type': 'text/html', 'content-encoding': 'gzip' })
        .end(gzipSync(page('Compressed', '<p>Squeezed.</p>'))),
    '/sitemap_index.xml': xml(
      `<?xml version="1.0" encoding="UTF-8"?>
<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
  <sitemap><loc>${origin}/sitemaps/pages.xml</loc></sitemap>
  <sitemap><loc>${origin}/sitemaps/docs.xml.gz</loc><lastmod>2024-04-02</lastmod></sitemap>
</sitemapindex>`,
    ),
    '/sitemaps/pages.xml': xml(
      `<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
  <url><loc>${origin}/</loc></url>
  <url><loc>${origin}/about</loc><lastmod>2024-01-15</lastmod></url>
  <url><loc>${origin}/only-in-sitemap</loc></url>
  <url><loc>${origin}/private/secret</loc></url>
  <url><loc>${origin}/pricing?plan=pro&amp;utm_source=sitemap</loc></url>
</urlset>`,
    ),
    '/sitemaps/docs.xml.gz': (_req, res) => {
      const body = `<?xml version="1.0"?><urlset>
  <url><loc>${origin}/docs/intro</loc><lastmod>2024-03-01</lastmod></url>
  <url><loc>${origin}/docs/guide</loc><lastmod>2024-04-02T10:00:00+00:00</lastmod></url>
  <url><loc>${origin}/about</loc><lastmod>2024-02-20</lastmod></url>
</urlset>`;
      res.writeHead(200, { 'content-type': 'application/gzip' }).end(gzipSync(body));
    },
    '/r/start': redirect(301, 'middle'),
    '/r/middle': redirect(302, '/docs/guide'),
    '/loop/a': redirect(301, '/loop/b'),
    '/loop/b': redirect(302, '/loop/a'),
    '/redirect/private-ip': redirect(302, 'http://10.0.0.1/admin'),
    '/redirect/loopback-ip': (req, res, url) =>
      redirect(302, `http://127.0.0.1:${url.port}/about`)(req, res, url),
    '/redirect/loopback-name': (req, res, url) =>
      redirect(302, `http://localhost:${url.port}/about`)(req, res, url),
    '/redirect/ftp': redirect(302, 'ftp://127.0.0.1/file.txt'),
    // ?left=N redirects N more times before landing on /about; ?ms= delays each hop.
    '/redirect/chain': (req, res, url) => {
      const left = Number(url.searchParams.get('left') ?? 0);
      const ms = url.searchParams.get('ms');
      const next = left > 0 ? `/redirect/chain?left=${left - 1}${ms ? `&ms=${ms}` : ''}` : '/about';
      setTimeout(() => redirect(307, next)(req, res, url), Number(ms ?? 0));
    },
    '/error': (_req, res) => res.writeHead(500, { 'content-type': 'text/plain' }).end('boom'),
    // Never answers: the client's deadline has to end it.
    '/slow': () => {},
    // Answers, then stalls halfway through the body.
    '/slow-body': (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html', 'content-length': '1000' });
      res.write('<html><body>half');
    },
    '/delay': (_req, res, url) => {
      setTimeout(
        () => res.writeHead(200, { 'content-type': 'text/plain' }).end('done'),
        Number(url.searchParams.get('ms') ?? 50),
      );
    },
    '/huge': (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html' });
      const chunk = Buffer.alloc(64 * 1024, 'a');
      const pump = () => {
        while (huge.bytesSent < HUGE_TOTAL && !res.destroyed) {
          huge.bytesSent += chunk.length;
          if (!res.write(chunk)) return void res.once('drain', pump);
        }
        if (!res.destroyed) {
          huge.completed = true;
          res.end();
        }
      };
      pump();
    },
    '/huge-declared': (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html', 'content-length': String(100 * 1024 * 1024) });
      res.write(Buffer.alloc(1024, 'a'));
    },
  };
}

function html(body: string): Route {
  return (_req, res) => res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(body);
}

function xml(body: string): Route {
  return (_req, res) => res.writeHead(200, { 'content-type': 'application/xml' }).end(body);
}

function redirect(status: number, location: string): Route {
  return (_req, res) => res.writeHead(status, { location }).end();
}
