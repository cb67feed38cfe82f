// The first-run demo: a chatbot trained on Parley's own docs, ensured at every start, and the
// page at `/` that embeds it with the widget's script tag.
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeId } from '../../../src/lib/ids.ts';
import { REPO_ROOT, serverBaseUrl, serverOrigins } from '../../../src/modules/demo/demo-docs.ts';
import { createDemoService, DEMO_SLUG } from '../../../src/modules/demo/demo-service.ts';
import { buildWorkspace, type TestWorkspace } from '../../helpers/factories.ts';
import { startTestApp, type TestApp } from '../../helpers/test-app.ts';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp({}, { workers: true });
});
afterAll(async () => {
  await t.close();
});

interface Source {
  id: string;
  type: string;
  title: string;
  status: string;
  url: string | null;
}

async function listSources(key: string, botId: string): Promise<Source[]> {
  const response = await t.request({ url: `/v1/chatbots/${botId}/sources?page_size=100`, key });
  expect(response.statusCode, response.body).toBe(200);
  return response.json().data;
}

async function waitUntilTrained(key: string, botId: string): Promise<Source[]> {
  let sources: Source[] = [];
  await expect
    .poll(
      async () => {
        sources = await listSources(key, botId);
        return sources.every((s) => s.status === 'ready' || s.status === 'failed');
      },
      { timeout: 90_000, interval: 200 },
    )
    .toBe(true);
  return sources;
}

async function botsWithDemoSlug(key: string) {
  const response = await t.request({ url: '/v1/chatbots?page_size=100', key });
  return (response.json().data as { id: string; slug: string }[]).filter((bot) => bot.slug === DEMO_SLUG);
}

/** What a start on this port tells the demo. */
function at(port: number) {
  return { origins: serverOrigins('127.0.0.1', port), baseUrl: serverBaseUrl('127.0.0.1', port) };
}

const repoDocs = ['README.md', ...readdirSync(path.join(REPO_ROOT, 'docs')).filter((f) => f.endsWith('.md'))];

describe('the demo chatbot', () => {
  let ws: TestWorkspace;
  let botId: string;

  beforeAll(async () => {
    ws = await buildWorkspace(t.context);
  });

  it('is created once, in the live environment, trained on the README and docs', {
    timeout: 120_000,
  }, async () => {
    const first = await t.context.demo.ensure({
      workspaceId: ws.id,
      ...at(4100),
    });
    expect(first).not.toBeNull();
    expect(first!.created).toBe(true);
    expect(first!.sent).toHaveLength(repoDocs.length);
    expect(first!.sent).toContain('README.md');
    expect(first!.sent).toContain('docs/widget.md');
    botId = encodeId('bot', first!.chatbotId);

    const bot = (await t.request({ url: `/v1/chatbots/${botId}`, key: ws.liveKey })).json();
    expect(bot).toMatchObject({
      name: 'Parley demo',
      slug: DEMO_SLUG,
      provider: 'extractive',
      handoff_settings: { enabled: true },
      widget_settings: { allowed_origins: ['http://127.0.0.1:4100', 'http://localhost:4100'] },
    });
    expect(bot.widget_settings.greeting).toMatch(/Parley/);
    expect(bot.widget_settings.starter_questions).toHaveLength(3);
    // Not in the test environment.
    expect((await t.request({ url: `/v1/chatbots/${botId}`, key: ws.testKey })).statusCode).toBe(404);

    const sources = await waitUntilTrained(ws.liveKey, botId);
    expect(sources.map((s) => s.status)).toEqual(sources.map(() => 'ready'));
    expect(sources.every((s) => s.type === 'text')).toBe(true);
    // Titled by each file's first heading.
    expect(sources.map((s) => s.title).sort()).toEqual(
      expect.arrayContaining(['Parley', 'The website widget', 'Knowledge sources']),
    );

    // A question the README answers finds the README's passage.
    const search = await t.request({
      method: 'POST',
      url: `/v1/chatbots/${botId}/search`,
      key: ws.liveKey,
      body: { query: 'What happens when the server gets SIGTERM?' },
    });
    expect(search.statusCode, search.body).toBe(200);
    // The README's operating notes and docs/security.md both say what SIGTERM does.
    const [best] = search.json().data;
    expect(['Parley', 'Security']).toContain(best.title);
    expect(best.text).toMatch(/SIGTERM (stops taking requests|ends the process)/);

    // The starter questions shown in the widget are answered from the docs, offline.
    for (const question of bot.widget_settings.starter_questions as string[]) {
      const chat = await t.request({
        method: 'POST',
        url: `/v1/chatbots/${botId}/chat`,
        key: ws.liveKey,
        body: { message: question },
      });
      expect(chat.statusCode, chat.body).toBe(200);
      expect(chat.json(), question).toMatchObject({ grounded: true });
      expect(chat.json().sources_used.length, question).toBeGreaterThan(0);
    }
  });

  it('is found again at a later start: nothing re-sent, nothing duplicated', async () => {
    const before = await listSources(ws.liveKey, botId);
    const again = await t.context.demo.ensure({ workspaceId: ws.id, ...at(4100) });
    expect(again).toMatchObject({ created: false, sent: [], removed: 0 });
    expect(encodeId('bot', again!.chatbotId)).toBe(botId);
    expect(await botsWithDemoSlug(ws.liveKey)).toHaveLength(1);
    const after = await listSources(ws.liveKey, botId);
    expect(after.map((s) => s.id).sort()).toEqual(before.map((s) => s.id).sort());
  });

  it('allows the new port instead of the old one after a start on another port', {
    timeout: 60_000,
  }, async () => {
    const moved = await t.context.demo.ensure({ workspaceId: ws.id, ...at(4200) });
    // The links to the docs follow the server's address: the files are sent again, once.
    expect(moved).toMatchObject({ created: false, removed: repoDocs.length });
    expect(moved!.sent).toHaveLength(repoDocs.length);
    const bot = (await t.request({ url: `/v1/chatbots/${botId}`, key: ws.liveKey })).json();
    expect(bot.widget_settings.allowed_origins).toEqual(['http://127.0.0.1:4200', 'http://localhost:4200']);
    const sources = await waitUntilTrained(ws.liveKey, botId);
    expect(sources).toHaveLength(repoDocs.length);
    expect(sources.find((s) => s.title === 'Parley')).toMatchObject({
      url: 'http://127.0.0.1:4200/demo/README.md',
    });
  });

  it('is shared by the nodes of one database: each adds its origins, none sends the files again', async () => {
    const other = await t.context.demo.ensure({ workspaceId: ws.id, ...at(4300), manyNodes: true });
    expect(other).toMatchObject({ created: false, sent: [], removed: 0 });
    const back = await t.context.demo.ensure({ workspaceId: ws.id, ...at(4200), manyNodes: true });
    expect(back).toMatchObject({ created: false, sent: [], removed: 0 });
    const bot = (await t.request({ url: `/v1/chatbots/${botId}`, key: ws.liveKey })).json();
    expect(bot.widget_settings.allowed_origins.sort()).toEqual(
      [
        'http://127.0.0.1:4200',
        'http://localhost:4200',
        'http://127.0.0.1:4300',
        'http://localhost:4300',
      ].sort(),
    );
  });

  it('serves the documentation its answers link to, and nothing else', async () => {
    const readme = await t.request({ url: '/demo/README.md' });
    expect(readme.statusCode).toBe(200);
    expect(readme.headers['content-type']).toMatch(/^text\/html/);
    expect(readme.body).toContain('# Parley');
    const widgetDoc = await t.request({ url: '/demo/docs/widget.md' });
    expect(widgetDoc.statusCode).toBe(200);
    // Markdown shown as text: the docs' own example tags are escaped.
    expect(widgetDoc.body).toContain('&lt;script src=');
    for (const url of ['/demo/package.json', '/demo/docs/../package.json', '/demo/docs/nope.md', '/demo/']) {
      const response = await t.request({ url });
      expect(response.statusCode, url).toBe(404);
      expect(response.json().error.type, url).toBe('not_found_error');
    }
  });

  it('is served on the page at /, with the script tag a customer would use', async () => {
    const page = await t.request({ url: '/' });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    expect(page.body).toContain(`<script src="/widget.js" data-chatbot-id="${botId}" async></script>`);
    expect(page.body).toContain('href="/docs"');
    expect(page.body).toContain('How do I put the chatbot on my website?');
  });

  it('says so on the page when the demo bot was deleted', async () => {
    const removed = await t.request({ method: 'DELETE', url: `/v1/chatbots/${botId}`, key: ws.liveKey });
    expect(removed.statusCode, removed.body).toBe(200);
    const page = await t.request({ url: '/' });
    expect(page.statusCode).toBe(200);
    expect(page.body).not.toContain('data-chatbot-id');
    expect(page.body).toContain('Restart the server to create it again');
  });
});

describe('re-syncing the documentation', () => {
  let root: string;
  let ws: TestWorkspace;
  let demo: ReturnType<typeof createDemoService>;

  beforeAll(async () => {
    root = mkdtempSync(path.join(tmpdir(), 'parley-demo-docs-'));
    mkdirSync(path.join(root, 'docs'));
    writeFileSync(path.join(root, 'README.md'), '# Acme\n\nAcme sells anvils.\n');
    writeFileSync(path.join(root, 'docs', 'billing.md'), '# Billing\n\nInvoices are sent monthly.\n');
    writeFileSync(path.join(root, 'docs', 'returns.md'), '# Returns\n\nReturns are free within 30 days.\n');
    writeFileSync(path.join(root, 'docs', 'notes.txt'), 'not markdown: not sent');
    ws = await buildWorkspace(t.context);
    demo = createDemoService({ ...t.context, enabled: true, docsRoot: root });
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('sends only what changed, never twice, and keeps sources added by hand', {
    timeout: 60_000,
  }, async () => {
    const origins = at(4300);
    const first = await demo.ensure({ workspaceId: ws.id, ...origins });
    expect(first!.sent).toEqual(['README.md', 'docs/billing.md', 'docs/returns.md']);
    const botId = encodeId('bot', first!.chatbotId);
    const byHand = await t.request({
      method: 'POST',
      url: `/v1/chatbots/${botId}/sources`,
      key: ws.liveKey,
      body: { type: 'text', title: 'Shipping', content: 'We ship anvils worldwide.' },
    });
    expect(byHand.statusCode, byHand.body).toBe(202);
    const original = await waitUntilTrained(ws.liveKey, botId);
    expect(original).toHaveLength(4);

    // Unchanged: nothing happens.
    expect(await demo.ensure({ workspaceId: ws.id, ...origins })).toMatchObject({ sent: [], removed: 0 });

    // One file changed: that one alone is sent again, replacing its old source.
    writeFileSync(path.join(root, 'docs', 'returns.md'), '# Returns\n\nReturns are free within 60 days.\n');
    const changed = await demo.ensure({ workspaceId: ws.id, ...origins });
    expect(changed).toMatchObject({ created: false, sent: ['docs/returns.md'], removed: 1 });
    const afterChange = await waitUntilTrained(ws.liveKey, botId);
    expect(afterChange.map((s) => s.title).sort()).toEqual(['Acme', 'Billing', 'Returns', 'Shipping']);
    const oldReturns = original.find((s) => s.title === 'Returns')!;
    const newReturns = afterChange.find((s) => s.title === 'Returns')!;
    expect(newReturns.id).not.toBe(oldReturns.id);
    for (const title of ['Acme', 'Billing', 'Shipping']) {
      expect(afterChange.find((s) => s.title === title)!.id).toBe(
        original.find((s) => s.title === title)!.id,
      );
    }
    const search = await t.request({
      method: 'POST',
      url: `/v1/chatbots/${botId}/search`,
      key: ws.liveKey,
      body: { query: 'How many days do I have to return an anvil?' },
    });
    const texts = (search.json().data as { text: string }[]).map((r) => r.text).join('\n');
    expect(texts).toContain('60 days');
    expect(texts).not.toContain('30 days');

    // A file gone (or retitled): its source goes; the one added by hand stays.
    rmSync(path.join(root, 'docs', 'billing.md'));
    writeFileSync(path.join(root, 'README.md'), '# Acme Inc.\n\nAcme sells anvils.\n');
    const pruned = await demo.ensure({ workspaceId: ws.id, ...origins });
    expect(pruned).toMatchObject({ sent: ['README.md'], removed: 2 });
    const titles = (await listSources(ws.liveKey, botId)).map((s) => s.title).sort();
    expect(titles).toEqual(['Acme Inc.', 'Returns', 'Shipping']);
  });
});

describe('PARLEY_DEMO=false', () => {
  let off: TestApp;
  beforeAll(async () => {
    off = await startTestApp({ PARLEY_DEMO: 'false' });
  });
  afterAll(async () => {
    await off.close();
  });

  it('creates no bot, and the page says the demo is off', async () => {
    const ws = await buildWorkspace(off.context);
    expect(await off.context.demo.ensure({ workspaceId: ws.id, ...at(1) })).toBe(null);
    const bots = await off.request({ url: '/v1/chatbots', key: ws.liveKey });
    expect(bots.json().data).toEqual([]);
    const page = await off.request({ url: '/' });
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('PARLEY_DEMO=false');
    expect(page.body).not.toContain('data-chatbot-id');
  });
});
