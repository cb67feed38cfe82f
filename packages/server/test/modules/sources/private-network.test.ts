// With the private network refused and the operator's Ollama on localhost, only provider calls
// reach that one origin (scheme, host and port): the crawler and other ports stay refused.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeLlmServer, startFakeOllama } from '../../fakes/fake-providers.ts';
import { page, type StaticSite, startStaticSite } from '../../fakes/static-site.ts';
import { buildWorkspace, type TestWorkspace } from '../../helpers/factories.ts';
import { startTestApp, type TestApp } from '../../helpers/test-app.ts';

let t: TestApp;
let ws: TestWorkspace;
let ollama: FakeLlmServer;
let internal: StaticSite;
const viaLocalhost = (origin: string) => origin.replace('127.0.0.1', 'localhost');

beforeAll(async () => {
  ollama = await startFakeOllama();
  internal = await startStaticSite({
    '/': page('Internal admin', '<p>The database password is hunter2-internal.</p>'),
  });
  t = await startTestApp(
    { PARLEY_ALLOW_PRIVATE_NETWORK: 'false', OLLAMA_BASE_URL: viaLocalhost(ollama.origin) },
    { workers: true },
  );
  ws = await buildWorkspace(t.context);
});
afterAll(async () => {
  await t.close();
  await internal.close();
  await ollama.close();
});

async function newBot(): Promise<string> {
  const created = await t.request({
    method: 'POST',
    url: '/v1/chatbots',
    key: ws.liveKey,
    body: { name: 'Crawler bot' },
  });
  return created.json().id;
}

async function crawl(url: string) {
  const botId = await newBot();
  const created = await t.request({
    method: 'POST',
    url: `/v1/chatbots/${botId}/sources`,
    key: ws.liveKey,
    body: { type: 'website', url },
  });
  if (created.statusCode !== 202) return { botId, created, source: null };
  let source: Record<string, unknown> = {};
  await expect
    .poll(
      async () => {
        source = (await t.request({ url: `/v1/sources/${created.json().id}`, key: ws.liveKey })).json();
        return source.status;
      },
      { timeout: 30_000, interval: 100 },
    )
    .toMatch(/^(ready|failed)$/);
  return { botId, created, source };
}

async function testIntegration(baseUrl: string) {
  const botId = await newBot();
  const integration = await t.request({
    method: 'POST',
    url: `/v1/chatbots/${botId}/integrations`,
    key: ws.liveKey,
    body: { provider: 'ollama', model: 'llama3', base_url: baseUrl },
  });
  expect(integration.statusCode, integration.body).toBe(201);
  const tested = await t.request({
    method: 'POST',
    url: `/v1/integrations/${integration.json().id}/test`,
    key: ws.liveKey,
  });
  expect(tested.statusCode).toBe(200);
  return tested.json();
}

describe('outbound fetches with a provider on localhost', () => {
  it('does not crawl another port of the provider host, nor search what it served', async () => {
    const before = internal.requests.length;
    const { botId, created, source } = await crawl(`${viaLocalhost(internal.origin)}/`);
    if (source) expect(source.status).toBe('failed');
    else expect(created.statusCode).toBe(400);
    expect(internal.requests.length).toBe(before);
    const search = await t.request({
      method: 'POST',
      url: `/v1/chatbots/${botId}/search`,
      key: ws.liveKey,
      body: { query: 'database password' },
    });
    expect(search.statusCode).toBe(200);
    expect(search.body).not.toContain('hunter2');
  });

  it("does not crawl the provider's own origin either", async () => {
    const before = ollama.requests.length;
    const { source, created } = await crawl(`${viaLocalhost(ollama.origin)}/`);
    if (source) expect(source.status).toBe('failed');
    else expect(created.statusCode).toBe(400);
    expect(ollama.requests.length).toBe(before);
  });

  it.each([
    'http://[::127.0.0.1]:PORT/',
    'http://[::ffff:7f00:1]:PORT/',
    'http://[64:ff9b::7f00:1]:PORT/',
    'http://[2002:7f00:1::]:PORT/',
    'http://2130706433:PORT/',
    'http://0x7f.1:PORT/',
    'http://0:PORT/',
  ])('refuses the private address %s', async (template) => {
    const before = internal.requests.length;
    const port = new URL(internal.origin).port;
    const { source, created } = await crawl(template.replace('PORT', port));
    if (source) expect(source.status).toBe('failed');
    else expect(created.statusCode).toBe(400);
    expect(internal.requests.length).toBe(before);
  });

  it('lets provider calls reach the configured origin, and no other port of it', async () => {
    expect(await testIntegration(viaLocalhost(ollama.origin))).toMatchObject({ ok: true });
    const before = internal.requests.length;
    const refused = await testIntegration(viaLocalhost(internal.origin));
    expect(refused.ok).toBe(false);
    expect(internal.requests.length).toBe(before);
  });
});
