// GET /app: the console's single-page app, as built by npm ci (packages/console/dist): its page
// for any path under /app (a reload of a deep link works), its hashed assets cached for good,
// and nothing outside dist/assets reachable.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../../helpers/test-app.ts';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(async () => {
  await t?.close();
});

describe('the console at /app', () => {
  it('serves the app for /app and every page under it, with a strict policy', async () => {
    for (const url of ['/app', '/app/', '/app/inbox', '/app/chatbots/bot_123/knowledge?x=1']) {
      const page = await t.request({ url });
      expect(page.statusCode, url).toBe(200);
      expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
      expect(page.headers['cache-control']).toBe('no-cache');
      expect(page.headers['content-security-policy']).toContain("frame-ancestors 'none'");
      expect(page.body).toContain('<div id="root"></div>');
    }
  });

  it('serves the hashed script the page names, cached for a year', async () => {
    const page = await t.request({ url: '/app' });
    const script = /<script type="module" crossorigin src="(\/app\/assets\/[\w.-]+\.js)"/.exec(page.body);
    expect(script, page.body).not.toBeNull();
    const asset = await t.request({ url: script![1]! });
    expect(asset.statusCode).toBe(200);
    expect(asset.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(asset.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(asset.body.length).toBeGreaterThan(1000);
  });

  it('answers 404 in the error envelope for an unknown asset, and never leaves dist/assets', async () => {
    for (const url of [
      '/app/assets/missing.js',
      '/app/assets/..%2F..%2Fpackage.json',
      '/app/assets/..%5C..%5Cpackage.json',
      '/app/assets/nested/index.html',
    ]) {
      const response = await t.request({ url });
      expect(response.statusCode, url).toBe(404);
      expect(response.json().error.code).toBe('resource_not_found');
    }
  });
});
