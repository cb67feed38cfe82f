// The web console in Chromium against a fresh `parley serve` with its demo page: the first owner
// signs in, creates a bot, adds a site served by the test and watches it become ready, asks in
// the playground and reads the retrieval inspector; a visitor leaves their email and asks for a
// person in the widget on the demo page; an agent (a second browser) takes the conversation over
// in the inbox and answers, and the reply arrives in the widget; the lead is listed; a webhook
// gets a delivery; an API key is created, works, is revoked and stops working. Every page is
// screenshotted at desktop and phone width and checked with axe-core.
import { mkdirSync } from 'node:fs';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type StaticSite, page as sitePage, startStaticSite } from '../fakes/static-site.ts';
import { startWebhookReceiver, type WebhookReceiver } from '../fakes/webhook-receiver.ts';
import { ARTIFACTS, CHROMIUM, CHROMIUM_ARGS, checkPage, signIn, UI_TIMEOUT_MS } from './console-helpers.ts';
import { api } from './http-helpers.ts';
import {
  makeTempDir,
  type RunningParley,
  runCli,
  startParley,
  useProcessCleanup,
} from './process-helpers.ts';

useProcessCleanup();

const OWNER = { email: 'owner@example.com', password: 'owner password 1' };
const AGENT = { email: 'sam@example.com', password: 'agent password 1' };

let browser: Browser;
let server: RunningParley;
let site: StaticSite;
let receiver: WebhookReceiver;
let liveKey: string;
let dataDir: string;

beforeAll(async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  site = await startStaticSite({
    '/': sitePage('Acme Help', '<p>Read about <a href="/returns">returns</a>.</p>'),
    '/returns': sitePage(
      'Returns',
      '<p>You can return any Acme kettle within 45 days of delivery for a full refund. Print the prepaid label from your account page.</p>',
    ),
  });
  receiver = await startWebhookReceiver();
  // The demo page (with the widget) is on, as `npm start` runs it; the test's site and webhook
  // receiver are on this machine.
  dataDir = makeTempDir();
  server = await startParley(dataDir, {
    env: { PARLEY_DEMO: 'true', PARLEY_ALLOW_PRIVATE_NETWORK: 'true' },
  });
  liveKey = server.banner.keys.find((key) => key.environment === 'live')!.secret;
  for (const [person, role] of [
    [OWNER, 'owner'],
    [AGENT, 'agent'],
  ] as const) {
    const created = await runCli(dataDir, [
      'users',
      'create',
      '--email',
      person.email,
      '--role',
      role,
      '--password',
      person.password,
    ]);
    expect(created.code, created.describe()).toBe(0);
  }
  browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await site?.close();
  await receiver?.close();
});

async function demoBotId(): Promise<string> {
  const bots = await api(server.url, '/v1/chatbots', { key: liveKey });
  return (bots.body.data as { id: string; slug: string }[]).find((bot) => bot.slug === 'parley-demo')!.id;
}

describe('the console, in Chromium', () => {
  it('runs a team’s day from sign-in to a revoked key, on every page, at desktop and phone width', {
    timeout: 600_000,
  }, async () => {
    expect(server.banner.text).toContain(`  Console: ${server.url}/app (the team signs in here)\n`);
    // Signed out: the sign-in page.
    const visitorContext = await browser.newContext();
    const signInPage = await visitorContext.newPage();
    await signInPage.goto(`${server.url}/app/inbox`);
    await signInPage.waitForURL(`${server.url}/app/sign-in`);
    await checkPage(signInPage, 'sign-in', () =>
      signInPage.getByRole('button', { name: 'Sign in' }).waitFor(),
    );

    const { page } = await signIn(browser, server.url, OWNER.email, OWNER.password);
    await expect.poll(() => page.getByTestId('role').textContent()).toBe('owner');
    await checkPage(page, 'chatbots', () => page.getByTestId('chatbot-row').first().waitFor());

    // A new bot, and a site for it to learn from, served by the test.
    await page.getByLabel("New chatbot's name").fill('Acme help');
    await page.getByRole('button', { name: 'Create chatbot' }).click();
    await page.getByRole('heading', { name: 'Acme help' }).waitFor();
    await page.getByLabel('Start URL (the crawl stays on this site)').fill(`${site.origin}/`);
    await page.getByRole('button', { name: 'Add', exact: true }).click();
    // Live progress until ready: the list polls while the crawl runs.
    await page.locator('[data-testid="source"][data-status="ready"]').waitFor({ timeout: UI_TIMEOUT_MS });
    expect(await page.getByTestId('source').textContent()).toMatch(/(\d+) of \1 pages processed/);
    await page.getByRole('button', { name: 'Documents' }).click();
    await page.getByRole('cell', { name: 'Returns' }).waitFor();
    await checkPage(page, 'knowledge', () => page.getByTestId('source').waitFor());

    // The playground answers from the site and shows what retrieval found.
    await page.getByRole('link', { name: 'Playground' }).click();
    await page.getByLabel('Message').fill('How many days do I have to return a kettle?');
    await page.getByRole('button', { name: 'Send' }).click();
    const answer = page.getByTestId('playground-answer').first();
    await answer.waitFor({ timeout: UI_TIMEOUT_MS });
    expect(await answer.textContent()).toMatch(/45 days/);
    const passage = page.getByTestId('passage').filter({ hasText: '45 days' }).first();
    expect(await passage.textContent()).toMatch(/score \d\.\d{3}/);
    expect(await passage.textContent()).toContain('cited');
    expect(await page.getByTestId('grounded').textContent()).toMatch(/^Answered from \d+ cited passage/);
    await checkPage(page, 'playground', () => answer.waitFor());

    // Settings: pause and resume, and the demo bot asks visitors for their email.
    await page.getByRole('link', { name: 'Settings' }).click();
    await page.getByRole('button', { name: 'Pause chatbot' }).click();
    await expect.poll(() => page.getByTestId('bot-state').textContent()).toBe('paused');
    await page.getByRole('button', { name: 'Resume chatbot' }).click();
    await expect.poll(() => page.getByTestId('bot-state').textContent()).toBe('active');
    await checkPage(page, 'chatbot-settings', () => page.getByTestId('allowed-origins').waitFor());
    await page.getByRole('link', { name: 'Integrations and channels' }).click();
    await checkPage(page, 'channels', () =>
      page.getByRole('heading', { name: 'Connect a channel' }).waitFor(),
    );

    const demoId = await demoBotId();
    await page.goto(`${server.url}/app/chatbots/${demoId}`);
    await page.getByLabel('Ask for an email in the widget').check();
    await page.getByRole('button', { name: 'Save settings' }).click();
    await page.getByRole('button', { name: 'Saved' }).waitFor();

    // A visitor on the demo page leaves their email and asks for a person.
    const visitor = await visitorContext.newPage();
    await visitor.goto(`${server.url}/`);
    await visitor.getByTestId('parley-launcher').click({ timeout: UI_TIMEOUT_MS });
    await visitor.getByTestId('parley-lead-email').fill('visitor@example.org');
    await visitor.getByTestId('parley-lead-submit').click();
    await visitor.getByTestId('parley-input').fill('Do you ship to Canada?');
    await visitor.getByTestId('parley-send').click();
    await visitor
      .locator(
        '[data-testid="parley-message"][data-role="assistant"], [data-testid="parley-message"][data-role="system"]',
      )
      .first()
      .waitFor({ timeout: UI_TIMEOUT_MS });
    await visitor.getByTestId('parley-handoff').click({ timeout: UI_TIMEOUT_MS });

    // The agent, in a browser of their own, is offered only what an agent may do.
    const agent = (await signIn(browser, server.url, AGENT.email, AGENT.password)).page;
    const nav = agent.getByRole('navigation', { name: 'Pages' });
    await nav.getByRole('link', { name: 'Inbox' }).waitFor();
    expect(await nav.getByRole('link', { name: 'API keys' }).count()).toBe(0);
    expect(await nav.getByRole('link', { name: 'Webhooks' }).count()).toBe(0);
    await nav.getByRole('link', { name: 'Inbox' }).click();
    // The escalated conversation is the one open conversation: it needs people.
    const item = agent.getByTestId('conversation-item').first();
    await item.waitFor({ timeout: UI_TIMEOUT_MS });
    await item.click();
    await agent.getByRole('button', { name: 'Take over' }).click();
    await expect
      .poll(() => agent.getByTestId('assignee').locator('option:checked').textContent())
      .toContain(AGENT.email);
    await agent.getByRole('textbox', { name: 'Reply' }).fill('Hi, this is Sam. Your order ships tomorrow.');
    await agent.getByRole('button', { name: 'Send', exact: true }).click();
    await agent
      .locator('[data-testid="thread-message"][data-role="agent"]')
      .filter({ hasText: 'Your order ships tomorrow' })
      .waitFor();
    // The visitor's next message reaches the agent live.
    await visitor
      .locator('[data-testid="parley-message"][data-role="agent"]')
      .filter({ hasText: 'Your order ships tomorrow' })
      .waitFor({ timeout: UI_TIMEOUT_MS });
    await visitor.getByTestId('parley-input').fill('Thank you!');
    await visitor.getByTestId('parley-send').click();
    await agent
      .locator('[data-testid="thread-message"][data-role="user"]')
      .filter({ hasText: 'Thank you!' })
      .waitFor({ timeout: UI_TIMEOUT_MS });
    await checkPage(agent, 'inbox', () => agent.getByTestId('thread').waitFor());

    // The lead is in the list.
    await page.getByRole('navigation', { name: 'Pages' }).getByRole('link', { name: 'Leads' }).click();
    await page.getByTestId('lead-row').filter({ hasText: 'visitor@example.org' }).waitFor();
    await checkPage(page, 'leads', () => page.getByTestId('lead-row').first().waitFor());

    // A webhook endpoint gets a test delivery, shown in its log.
    await page.getByRole('navigation', { name: 'Pages' }).getByRole('link', { name: 'Webhooks' }).click();
    await page.getByLabel('Endpoint URL').fill(receiver.url);
    await page.getByRole('button', { name: 'Add endpoint' }).click();
    await page.getByTestId('webhook-secret').waitFor();
    await page.getByRole('button', { name: 'Send a test event' }).click();
    await page
      .locator('[data-testid="delivery"][data-status="succeeded"]')
      .first()
      .waitFor({ timeout: UI_TIMEOUT_MS });
    const delivered = await receiver.waitFor(1, UI_TIMEOUT_MS);
    expect(delivered.some((request) => request.json?.type === 'webhook.test')).toBe(true);
    await checkPage(page, 'webhooks', () => page.getByTestId('webhook').waitFor());

    // An API key: shown once, works, is revoked and stops working.
    await page.getByRole('navigation', { name: 'Pages' }).getByRole('link', { name: 'API keys' }).click();
    await page.getByLabel('Key name').fill('Zapier');
    await page.getByRole('button', { name: 'Create key' }).click();
    const secret = (await page.getByTestId('new-key').textContent())!;
    expect((await api(server.url, '/v1/workspace', { key: secret })).status).toBe(200);
    await page.getByRole('button', { name: 'Close' }).click();
    page.once('dialog', (dialog) => void dialog.accept());
    await page
      .getByTestId('api-key-row')
      .filter({ hasText: 'Zapier' })
      .getByRole('button', { name: 'Revoke' })
      .click();
    await page.getByTestId('api-key-row').filter({ hasText: 'Zapier' }).getByText('revoked').waitFor();
    expect((await api(server.url, '/v1/workspace', { key: secret })).status).toBe(401);
    await checkPage(page, 'api-keys', () => page.getByTestId('api-key-row').first().waitFor());

    await page.getByRole('navigation', { name: 'Pages' }).getByRole('link', { name: 'Analytics' }).click();
    await checkPage(page, 'analytics', () => page.getByTestId('usage').waitFor());
    await page.getByRole('navigation', { name: 'Pages' }).getByRole('link', { name: 'People' }).click();
    await checkPage(page, 'people', () =>
      page.getByTestId('person-row').filter({ hasText: AGENT.email }).waitFor(),
    );

    // The test environment is shown as such, and has none of live's bots.
    await page.getByText('Test', { exact: true }).click();
    await page.getByRole('status').filter({ hasText: 'Test environment' }).waitFor();
    await page.getByRole('navigation', { name: 'Pages' }).getByRole('link', { name: 'Chatbots' }).click();
    await page.getByText('No chatbot yet.').waitFor();
    await checkPage(page, 'test-environment', () => page.getByText('No chatbot yet.').waitFor());
  });
});
