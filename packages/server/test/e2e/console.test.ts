// The web console in Chromium against a fresh `parley serve` with its demo page: the first owner
// opens the one-time link printed at start and is signed in, invites an agent, creates a bot, adds a site served by the test and watches it become ready, asks in
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
import { ARTIFACTS, CHROMIUM, CHROMIUM_ARGS, checkPage, DESKTOP, UI_TIMEOUT_MS } from './console-helpers.ts';
import { api } from './http-helpers.ts';
import {
  makeDataDir,
  type RunningParley,
  startParley,
  stopParley,
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
  dataDir = makeDataDir();
  server = await startParley(dataDir, {
    env: { PARLEY_DEMO: 'true', PARLEY_ALLOW_PRIVATE_NETWORK: 'true' },
  });
  liveKey = server.banner.keys.find((key) => key.environment === 'live')!.secret;
  browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
}, 180_000);

afterAll(async () => {
  await browser?.close();
  // Started before the test, the server is not among the processes each test's cleanup ends.
  if (server && !server.process.exit)
    await stopParley(server).catch(() => {
      if (!server.process.exit) server.process.signal('SIGKILL');
    });
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
    // The page asked for is kept, to open once signed in.
    await signInPage.waitForURL(`${server.url}/app/sign-in?next=%2Finbox`);
    await checkPage(signInPage, 'sign-in', () =>
      signInPage.getByRole('button', { name: 'Sign in' }).waitFor(),
    );

    // The first owner opens the one-time link printed next to the keys and is signed in.
    const firstOwnerLink = /^ {2}First owner: (\S+)$/m.exec(server.banner.text)?.[1];
    expect(firstOwnerLink).toMatch(new RegExp(`^${server.url}/app/setup\\?token=`));
    const page = await (await browser.newContext({ viewport: DESKTOP })).newPage();
    await page.goto(firstOwnerLink!);
    await checkPage(page, 'first-owner', () =>
      page.getByRole('heading', { name: 'Welcome to Parley' }).waitFor(),
    );
    await page.getByLabel('Email').fill(OWNER.email);
    await page.getByLabel('Your name').fill('Olga Owner');
    await page.getByLabel('Password (10 characters or more)').fill(OWNER.password);
    await page.getByRole('button', { name: 'Become the owner and sign in' }).click();
    await page.getByRole('heading', { name: 'Chatbots' }).waitFor({ timeout: UI_TIMEOUT_MS });
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
    // Pausing asks first; resuming does not.
    page.once('dialog', (dialog) => void dialog.accept());
    await page.getByRole('button', { name: 'Pause chatbot' }).click();
    await expect.poll(() => page.getByTestId('bot-state').textContent()).toBe('paused');
    await page.getByRole('button', { name: 'Resume chatbot' }).click();
    await expect.poll(() => page.getByTestId('bot-state').textContent()).toBe('active');
    // The real widget runs beside the settings, and shows a change before it is saved.
    const preview = page.frameLocator('iframe[title="Widget preview"]');
    await preview.locator('#parley-title').waitFor({ timeout: UI_TIMEOUT_MS });
    await page.getByLabel('Title').fill('Acme support');
    await expect.poll(() => preview.locator('#parley-title').textContent()).toBe('Acme support');
    await checkPage(page, 'chatbot-settings', () => preview.getByTestId('parley-panel').waitFor());
    await page.getByRole('link', { name: 'Integrations and channels' }).click();
    await checkPage(page, 'channels', () =>
      page.getByRole('heading', { name: 'Connect a channel' }).waitFor(),
    );

    const demoId = await demoBotId();
    await page.goto(`${server.url}/app/chatbots/${demoId}`);
    await page.getByLabel('Ask for contact details in the widget').check();
    await page.getByRole('button', { name: 'Save settings' }).click();
    await page.getByRole('button', { name: 'Saved' }).waitFor();

    // The team's label and canned reply, made in the console.
    await page.goto(`${server.url}/app/inbox/settings`);
    await page.getByLabel('New label').fill('Shipping');
    await page.getByRole('button', { name: 'Add label' }).click();
    await page.getByLabel('Name of Shipping').waitFor();
    await page.getByLabel('Shortcut', { exact: true }).fill('ships');
    await page
      .getByLabel('Reply', { exact: true })
      .fill('Hi {{visitor.first_name | there}}, this is {{agent.name | Sam}}. Your order ships tomorrow.');
    await page.getByRole('button', { name: 'Add canned reply' }).click();
    await page.getByLabel('Shortcut of /ships').waitFor();
    await checkPage(page, 'inbox-settings', () => page.getByLabel('Shortcut of /ships').waitFor());

    // The owner invites the agent (the default role) from People; the one-time link is shown.
    await page.getByRole('navigation', { name: 'Pages' }).getByRole('link', { name: 'People' }).click();
    await page.getByLabel('Email').fill(AGENT.email);
    await page.getByRole('button', { name: 'Invite' }).click();
    const invitation = (await page.getByTestId('invitation-url').textContent())!;
    expect(invitation).toMatch(new RegExp(`^${server.url}/app/accept-invite\\?token=`));

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
    const agent = await (await browser.newContext({ viewport: DESKTOP })).newPage();
    await agent.goto(invitation);
    await agent.getByLabel('Password (10 characters or more)').fill(AGENT.password);
    await agent.getByRole('button', { name: 'Set password and sign in' }).click();
    await agent.getByRole('heading', { name: 'Chatbots' }).waitFor({ timeout: UI_TIMEOUT_MS });
    const nav = agent.getByRole('navigation', { name: 'Pages' });
    await nav.getByRole('link', { name: 'Inbox' }).waitFor();
    expect(await nav.getByRole('link', { name: 'API keys' }).count()).toBe(0);
    expect(await nav.getByRole('link', { name: 'Webhooks' }).count()).toBe(0);
    // Opened by its address, an admin's page says why it shows nothing, rather than its forms.
    await agent.goto(`${server.url}/app/webhooks`);
    await agent.getByTestId('page-forbidden').waitFor({ timeout: UI_TIMEOUT_MS });
    expect(await agent.getByTestId('page-forbidden').textContent()).toContain('Webhooks needs another role');
    expect(await agent.getByRole('textbox').count()).toBe(0);
    await nav.getByRole('link', { name: 'Inbox' }).click();
    // The escalated conversation is the one open conversation: it needs people.
    const item = agent.getByTestId('conversation-item').first();
    await item.waitFor({ timeout: UI_TIMEOUT_MS });
    await item.click();
    await agent.getByRole('button', { name: 'Take over' }).click();
    await expect
      .poll(() => agent.getByTestId('assignee').locator('option:checked').textContent())
      .toContain(AGENT.email);
    // The label is on once the server has it (the chip shows the conversation's labels as stored).
    const shippingLabel = agent.getByRole('checkbox', { name: 'Shipping' });
    await shippingLabel.click();
    await expect.poll(() => shippingLabel.isChecked()).toBe(true);

    // Typing, both ways: the visitor's shows in the agent's inbox, the agent's in the owner's.
    const { conversation_id: visitorConversation, token: visitorToken } = JSON.parse(
      (await visitor.evaluate((key) => localStorage.getItem(key), `parley:${demoId}`))!,
    );
    const typingIndicator = (p: typeof page) => p.getByTestId('typing-indicator').textContent();
    await expect
      .poll(
        async () => {
          await visitor.evaluate(
            ([bot, conversation, token]) =>
              fetch(`/public/v1/chatbots/${bot}/conversations/${conversation}/typing`, {
                method: 'POST',
                headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
                body: '{"typing": true}',
              }),
            [demoId, visitorConversation, visitorToken],
          );
          return typingIndicator(agent);
        },
        { timeout: UI_TIMEOUT_MS, interval: 1000 },
      )
      .toMatch(/is typing…/);
    // The owner opens the conversation by its link, as a notice email gives it.
    await page.goto(`${server.url}/app/inbox?conversation=${visitorConversation}`);
    await page.getByTestId('thread-message').first().waitFor();
    const reply = agent.getByRole('textbox', { name: 'Reply' });
    await reply.fill('Let me check');
    await expect
      .poll(
        async () => {
          await reply.press('End');
          await reply.pressSequentially('.');
          return typingIndicator(page);
        },
        { timeout: UI_TIMEOUT_MS, interval: 1500 },
      )
      .toContain(`${AGENT.email} is typing…`);

    // The canned reply on "/", filled in for this visitor on the server.
    await reply.fill('/ship');
    await agent.getByRole('list', { name: 'Canned replies' }).getByRole('button').first().waitFor();
    await reply.press('Enter');
    await expect.poll(() => reply.inputValue()).toBe('Hi there, this is Sam. Your order ships tomorrow.');
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

    // Notifications: a mention in the owner's note reaches the agent on the conversation, and,
    // elsewhere in the console, the visitor's next message; its toast opens the conversation.
    await page.getByText('Private note', { exact: true }).click();
    await page.getByRole('textbox', { name: 'Note' }).fill(`@${AGENT.email} please confirm the date`);
    await page.getByRole('button', { name: 'Send', exact: true }).click();
    await agent
      .getByTestId('toast')
      .filter({ hasText: 'You were mentioned' })
      .waitFor({ timeout: UI_TIMEOUT_MS });
    await agent.getByTestId('thread-note').filter({ hasText: 'please confirm the date' }).waitFor();
    await agent.getByRole('navigation', { name: 'Pages' }).getByRole('link', { name: 'Leads' }).click();
    await visitor.getByTestId('parley-input').fill('Is tomorrow certain?');
    await visitor.getByTestId('parley-send').click();
    const toast = agent.getByTestId('toast').filter({ hasText: 'Is tomorrow certain?' });
    await toast.waitFor({ timeout: UI_TIMEOUT_MS });
    expect(await toast.textContent()).toContain('New message from');
    expect(await agent.getByTestId('inbox-unread').textContent()).toBe('1 unread');
    await toast.getByTestId('notice').click();
    await agent
      .locator('[data-testid="thread-message"][data-role="user"]')
      .filter({ hasText: 'Is tomorrow certain?' })
      .waitFor();
    expect(await agent.getByTestId('inbox-unread').count()).toBe(0);
    // Presence: the agent says they are online from the header; the owner sees how the
    // conversation changed hands.
    await agent.getByLabel('Your availability').selectOption('online');
    await expect
      .poll(() => page.getByTestId('assignment-history').textContent())
      .toContain(`Assigned to ${AGENT.email} by hand`);

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
    // A key in a seed product's form, for a client of its API that checks the prefix.
    await page.getByLabel('Key name').fill('Old SiteGist client');
    await page.getByLabel('Key format').selectOption('sitegist');
    await page.getByRole('button', { name: 'Create key' }).click();
    const siteGistKey = (await page.getByTestId('new-key').textContent())!;
    expect(siteGistKey).toMatch(/^sk_live_/);
    expect((await api(server.url, '/compat/sitegist/api/v1/chatbots', { key: siteGistKey })).status).toBe(
      200,
    );
    await page.getByRole('button', { name: 'Close' }).click();
    await checkPage(page, 'api-keys', () => page.getByTestId('api-key-row').first().waitFor());

    await page.getByRole('navigation', { name: 'Pages' }).getByRole('link', { name: 'Analytics' }).click();
    // The server's figures over the period: the demo visitor's handoff is the one escalation.
    await expect
      .poll(() => page.getByTestId('analytics-totals').textContent())
      .toMatch(/Escalated to a person1 \(/);
    await checkPage(page, 'analytics', () => page.getByTestId('analytics-day').first().waitFor());
    await page.getByRole('navigation', { name: 'Pages' }).getByRole('link', { name: 'People' }).click();
    await checkPage(page, 'people', () =>
      page.getByTestId('person-row').filter({ hasText: AGENT.email }).waitFor(),
    );
    await expect.poll(() => page.getByLabel(`Availability of ${AGENT.email}`).inputValue()).toBe('online');
    // Signed out everywhere by the owner (who confirms), the agent's console ends its stream and
    // goes to sign-in.
    page.once('dialog', (dialog) => void dialog.accept());
    await page.getByRole('button', { name: `Sign ${AGENT.email} out everywhere` }).click();
    await agent.waitForURL((url) => url.pathname === '/app/sign-in', { timeout: UI_TIMEOUT_MS });
    expect(new URL(agent.url()).searchParams.get('next')).toMatch(/^\/inbox\?conversation=conv_/);

    // The test environment is shown as such, and has none of live's bots.
    await page.getByText('Test', { exact: true }).click();
    await page.getByRole('status').filter({ hasText: 'Test environment' }).waitFor();
    await page.getByRole('navigation', { name: 'Pages' }).getByRole('link', { name: 'Chatbots' }).click();
    await page.getByText('No chatbot yet.').waitFor();
    await checkPage(page, 'test-environment', () => page.getByText('No chatbot yet.').waitFor());
  });
});
