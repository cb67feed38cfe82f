// The widget in a real browser (Debian's Chromium, driven by playwright-core) against a real
// `parley serve`: the first-run demo page, a streamed answer with its source, the history after
// a reload, a person answering after "Talk to a person", the rating asked once the team resolves
// the conversation, a site that is not allowed, and a reply carrying HTML that must stay text.
// Screenshots go to test-artifacts/ at the repo root.
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type StaticSite, startStaticSite } from '../fakes/static-site.ts';
import { api, waitUntil } from './http-helpers.ts';
import {
  makeDataDir,
  REPO_ROOT,
  type RunningParley,
  startParley,
  useProcessCleanup,
} from './process-helpers.ts';

useProcessCleanup();

const CHROMIUM = '/usr/bin/chromium';
const ARTIFACTS = path.join(REPO_ROOT, 'test-artifacts');
/** Generous: a busy two-core machine runs the server, its ingestion and a browser at once. */
const UI_TIMEOUT_MS = 60_000;

let browser: Browser;
beforeAll(async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
});
afterAll(async () => {
  await browser?.close();
});

interface Demo {
  server: RunningParley;
  liveKey: string;
  botId: string;
}

/** A fresh server with the demo on (as `npm start` runs it), once its bot is trained. */
async function startDemo(): Promise<Demo> {
  const server = await startParley(makeDataDir(), { env: { PARLEY_DEMO: 'true' } });
  expect(server.banner.text).toContain(`  Demo: ${server.url}/ (a chatbot trained on these docs)\n`);
  const liveKey = server.banner.keys.find((key) => key.environment === 'live')!.secret;
  const bots = await api(server.url, '/v1/chatbots', { key: liveKey });
  const bot = (bots.body.data as { id: string; slug: string }[]).find((b) => b.slug === 'parley-demo');
  expect(bot, JSON.stringify(bots.body)).toBeDefined();
  await waitForTraining(server.url, liveKey, bot!.id);
  return { server, liveKey, botId: bot!.id };
}

async function waitForTraining(url: string, key: string, botId: string): Promise<void> {
  await waitUntil(
    'the demo bot to be trained',
    async () => {
      const sources = await api(url, `/v1/chatbots/${botId}/sources?page_size=100`, { key });
      const data = sources.body.data as { status: string }[];
      return data.length > 0 && data.every((source) => source.status === 'ready');
    },
    UI_TIMEOUT_MS,
  );
}

async function conversations(demo: Demo): Promise<{ id: string; mode: string }[]> {
  const listed = await api(demo.server.url, '/v1/conversations?page_size=100', { key: demo.liveKey });
  expect(listed.status, JSON.stringify(listed.body)).toBe(200);
  return listed.body.data;
}

function assistantMessages(page: Page) {
  return page.locator('[data-testid="parley-message"][data-role="assistant"]');
}

async function openChat(page: Page): Promise<void> {
  await page.getByTestId('parley-launcher').click({ timeout: UI_TIMEOUT_MS });
  await page.getByTestId('parley-panel').waitFor({ timeout: UI_TIMEOUT_MS });
}

async function screenshot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: path.join(ARTIFACTS, `widget-${name}.png`) });
}

describe('the widget on the demo page, in Chromium', () => {
  it('answers with a streamed reply and its source, keeps the history, and hands over to a person', {
    timeout: 300_000,
  }, async () => {
    const demo = await startDemo();
    const context = await browser.newContext();
    const page = await context.newPage();
    const violations: string[] = [];
    page.on('console', (message) => {
      if (/Content Security Policy/i.test(message.text())) violations.push(message.text());
    });
    try {
      const landing = await page.goto(`${demo.server.url}/`);
      // The page embeds the widget as a customer would, under a strict Content-Security-Policy
      // (no inline style or script but the page's own): the widget needs nothing looser.
      expect(landing!.headers()['content-security-policy']).toContain("style-src 'self' 'nonce-");
      expect(await page.locator(`script[src="/widget.js"][data-chatbot-id="${demo.botId}"]`).count()).toBe(1);
      await openChat(page);
      // Styled from its adopted stylesheet: the launcher sits fixed in the corner.
      expect(await page.getByTestId('parley-launcher').evaluate((el) => getComputedStyle(el).position)).toBe(
        'fixed',
      );
      await page
        .getByTestId('parley-greeting')
        .filter({ hasText: 'Parley' })
        .waitFor({ timeout: UI_TIMEOUT_MS });

      // A starter question; the reply comes as a stream of server-sent events.
      const question = 'How do I put the chatbot on my website?';
      const chatResponse = page.waitForResponse(
        (response) => response.request().method() === 'POST' && response.url().endsWith('/chat'),
        { timeout: UI_TIMEOUT_MS },
      );
      await page.getByTestId('parley-starter').filter({ hasText: question }).click();
      const response = await chatResponse;
      expect(response.status()).toBe(200);
      expect(response.headers()['content-type']).toMatch(/^text\/event-stream/);

      const answer = assistantMessages(page)
        .filter({ has: page.getByTestId('parley-source') })
        .first();
      await answer.waitFor({ timeout: UI_TIMEOUT_MS });
      expect(await answer.textContent()).toMatch(/script tag/i);
      const source = answer.getByTestId('parley-source').first();
      expect(await source.getAttribute('href')).toBe(`${demo.server.url}/demo/docs/widget.md`);
      expect(await source.textContent()).toBe('The website widget');
      await screenshot(page, 'answer');
      expect(violations).toEqual([]);

      // The source opens the document the answer came from.
      const [docPage] = await Promise.all([context.waitForEvent('page'), source.click()]);
      await docPage.waitForLoadState();
      expect(await docPage.locator('pre').textContent()).toContain('# The website widget');
      await docPage.close();

      // After a reload the conversation is still there.
      await page.reload();
      await openChat(page);
      await page
        .locator('[data-testid="parley-message"][data-role="user"]')
        .filter({ hasText: question })
        .waitFor({ timeout: UI_TIMEOUT_MS });
      await assistantMessages(page)
        .filter({ hasText: /script tag/i })
        .first()
        .waitFor();
      await screenshot(page, 'history');

      // "Talk to a person": the conversation goes to the inbox in human mode.
      await page.getByTestId('parley-handoff').click({ timeout: UI_TIMEOUT_MS });
      let conversationId = '';
      await waitUntil(
        'the conversation to be handed to a person',
        async () => {
          const human = (await conversations(demo)).find((c) => c.mode === 'human');
          conversationId = human?.id ?? '';
          return Boolean(human);
        },
        UI_TIMEOUT_MS,
      );
      expect(await conversations(demo)).toHaveLength(1);

      // Typing shows both ways: the visitor's reaches the team's stream of the conversation,
      // and the person's shows in the widget until their message arrives.
      const teamStream = new AbortController();
      const visitorTyping = (async () => {
        const response = await fetch(`${demo.server.url}/v1/conversations/${conversationId}/events`, {
          headers: { authorization: `Bearer ${demo.liveKey}` },
          signal: teamStream.signal,
        });
        const reader = response.body!.getReader();
        let text = '';
        while (!/event: typing\ndata: \{[^\n]*"from":"visitor"/.test(text)) {
          const { value, done } = await reader.read();
          if (done) return false;
          text += new TextDecoder().decode(value);
        }
        return true;
      })();
      await page.getByTestId('parley-input').fill('I have one more ques');
      await page.getByTestId('parley-input').press('n');
      expect(await visitorTyping).toBe(true);
      teamStream.abort();
      const signalled = await api(demo.server.url, `/v1/conversations/${conversationId}/typing`, {
        key: demo.liveKey,
        method: 'POST',
        body: { typing: true, author_name: 'Ana' },
      });
      expect(signalled.status, JSON.stringify(signalled.body)).toBe(202);
      await page.getByRole('status', { name: 'Ana is typing' }).waitFor({ timeout: UI_TIMEOUT_MS });
      await page.getByTestId('parley-input').fill('');

      // A person answers through the API; the reply appears in the open widget. HTML in it
      // is shown as text, never run.
      const reply = 'Hi, this is Ana from support. <img src=x onerror="window.__xss=1"> shows as text.';
      const posted = await api(demo.server.url, `/v1/conversations/${conversationId}/messages`, {
        key: demo.liveKey,
        method: 'POST',
        body: { content: reply, author_name: 'Ana' },
      });
      expect(posted.status, JSON.stringify(posted.body)).toBe(201);
      const agentMessage = page
        .locator('[data-testid="parley-message"][data-role="agent"]')
        .filter({ hasText: 'this is Ana from support' });
      await agentMessage.waitFor({ timeout: UI_TIMEOUT_MS });
      expect(await agentMessage.textContent()).toContain('<img src=x onerror="window.__xss=1">');
      expect(await agentMessage.locator('img').count()).toBe(0);
      expect(await page.getByTestId('parley-agent-typing').count()).toBe(0);
      expect(await page.evaluate(() => (window as { __xss?: unknown }).__xss)).toBeUndefined();
      await screenshot(page, 'agent-reply');

      // The team resolves the conversation: the widget asks for a rating, which the team reads
      // in the satisfaction figures; a rated conversation asks nothing more.
      const resolved = await api(demo.server.url, `/v1/conversations/${conversationId}`, {
        key: demo.liveKey,
        method: 'PATCH',
        body: { status: 'closed' },
      });
      expect(resolved.status, JSON.stringify(resolved.body)).toBe(200);
      await page.getByTestId('parley-rating').waitFor({ timeout: UI_TIMEOUT_MS });
      await page.getByTestId('parley-rating-option').nth(3).click();
      await page.getByTestId('parley-rating-comment').fill('Quick and kind, thank you');
      await page.getByTestId('parley-rating-send').click();
      await page.getByTestId('parley-rating-thanks').waitFor({ timeout: UI_TIMEOUT_MS });
      expect(await page.getByTestId('parley-rating').count()).toBe(0);
      await screenshot(page, 'rated');
      const csat = await api(demo.server.url, '/v1/analytics/csat', { key: demo.liveKey });
      expect(csat.body).toMatchObject({ responses: 1, average: 4, distribution: { '4': 1 } });
      await page.reload();
      await openChat(page);
      await agentMessage.waitFor({ timeout: UI_TIMEOUT_MS });
      expect(await page.getByTestId('parley-rating').count()).toBe(0);
    } finally {
      await context.close();
    }
  });

  it('gives no chat on a site that is not allowed, and shows HTML in a bot reply as text', {
    timeout: 300_000,
  }, async () => {
    const demo = await startDemo();
    const embed = `<!doctype html><html><head><title>Another site</title></head><body><h1>Another site</h1>
<script src="${demo.server.url}/widget.js" data-chatbot-id="${demo.botId}" async></script></body></html>`;
    const elsewhere: StaticSite = await startStaticSite({
      '/': { type: 'text/html; charset=utf-8', body: embed },
    });
    const context = await browser.newContext();
    try {
      // Another origin (another port): the widget loads, but the chat is refused.
      const page = await context.newPage();
      await page.goto(`${elsewhere.origin}/`);
      await openChat(page);
      const error = page.getByTestId('parley-error');
      await error.waitFor({ timeout: UI_TIMEOUT_MS });
      expect(await error.textContent()).toMatch(/not available on this site/i);
      // The composer takes 4,000 characters, counted as the server counts them: an emoji is one.
      await page.getByTestId('parley-input').fill('😀'.repeat(4001));
      const typed = await page.getByTestId('parley-input').inputValue();
      expect(Array.from(typed)).toHaveLength(4000);
      await page.getByTestId('parley-input').fill('Hello?');
      await page.getByTestId('parley-send').click();
      await error.waitFor({ timeout: UI_TIMEOUT_MS });
      expect(await assistantMessages(page).filter({ hasText: /\w/ }).count()).toBe(0);
      await screenshot(page, 'disallowed-origin');
      expect(await conversations(demo)).toEqual([]);

      // A reply quoting knowledge that holds an HTML tag, on the demo page itself.
      const added = await api(demo.server.url, `/v1/chatbots/${demo.botId}/sources`, {
        key: demo.liveKey,
        method: 'POST',
        body: {
          type: 'text',
          title: 'Zanzibar quartz',
          content:
            'The zanzibar quartz code is <b>Z-42</b> <img src=x onerror="window.__xss=1"> and nothing else.',
        },
      });
      expect(added.status, JSON.stringify(added.body)).toBe(202);
      await waitForTraining(demo.server.url, demo.liveKey, demo.botId);
      const demoPage = await context.newPage();
      await demoPage.goto(`${demo.server.url}/`);
      await openChat(demoPage);
      await demoPage.getByTestId('parley-input').fill('What is the zanzibar quartz code?');
      await demoPage.getByTestId('parley-send').click();
      const quoted = assistantMessages(demoPage).filter({ hasText: 'zanzibar quartz code' });
      await quoted.waitFor({ timeout: UI_TIMEOUT_MS });
      // The answerer leaves the image and its handler out; the widget shows the tag it keeps as text.
      expect(await quoted.textContent()).toContain(
        'The zanzibar quartz code is <b>Z-42</b> and nothing else',
      );
      expect(await quoted.textContent()).not.toContain('onerror');
      expect(await quoted.locator('b, img').count()).toBe(0);
      expect(await demoPage.evaluate(() => (window as { __xss?: unknown }).__xss)).toBeUndefined();
      await screenshot(demoPage, 'html-as-text');

      // The team asks for an email or a phone number before the chat. A visitor in the UK leaves
      // a number written the way it is said there; it is read as a UK number.
      const asked = await api(demo.server.url, `/v1/chatbots/${demo.botId}`, {
        key: demo.liveKey,
        method: 'PATCH',
        body: { lead_settings: { ask_in_widget: true, widget_contact: 'email_or_phone' } },
      });
      expect(asked.status, JSON.stringify(asked.body)).toBe(200);
      const visitorContext = await browser.newContext({ locale: 'en-GB' });
      try {
        const visitor = await visitorContext.newPage();
        await visitor.goto(`${demo.server.url}/`);
        await openChat(visitor);
        await visitor.getByTestId('parley-lead-form').waitFor({ timeout: UI_TIMEOUT_MS });
        expect(await visitor.getByTestId('parley-input').count()).toBe(0);
        await visitor.getByTestId('parley-lead-submit').click();
        await visitor.getByTestId('parley-lead-missing').waitFor();
        await visitor.getByTestId('parley-lead-phone').fill('020 7946 0958');
        await visitor.getByTestId('parley-lead-name').fill('Priya');
        await screenshot(visitor, 'lead-form');
        await visitor.getByTestId('parley-lead-submit').click();
        await visitor.getByTestId('parley-input').waitFor({ timeout: UI_TIMEOUT_MS });
        // The first message starts the conversation, and the lead goes with it.
        await visitor.getByTestId('parley-input').fill('What is the zanzibar quartz code?');
        await visitor.getByTestId('parley-send').click();
        await assistantMessages(visitor).filter({ hasText: 'zanzibar quartz code' }).waitFor({
          timeout: UI_TIMEOUT_MS,
        });
      } finally {
        await visitorContext.close();
      }
      await expect
        .poll(async () => {
          const listed = await api(demo.server.url, '/v1/conversations?page_size=1', { key: demo.liveKey });
          return listed.body.data[0] as { id: string; customer_name: string | null };
        })
        .toMatchObject({ customer_name: 'Priya' });
      const leads = await api(demo.server.url, '/v1/leads', { key: demo.liveKey });
      const newest = (await api(demo.server.url, '/v1/conversations?page_size=1', { key: demo.liveKey })).body
        .data[0] as { id: string };
      expect(leads.body.data).toEqual([
        expect.objectContaining({
          email: null,
          phone_e164: '+442079460958',
          name: 'Priya',
          captured_via: 'widget',
          conversation_id: newest.id,
        }),
      ]);
    } finally {
      await context.close();
      await elsewhere.close();
    }
  });
});
