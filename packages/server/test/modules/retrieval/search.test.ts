// POST /v1/chatbots/{id}/search: ranking over real ingested sources, Q&A pairs first, nothing for
// off-topic questions, and the statistics following the sources as they change.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildWorkspace, type TestWorkspace } from '../../helpers/factories.ts';
import { startTestApp, type TestApp } from '../../helpers/test-app.ts';

let t: TestApp;
let ws: TestWorkspace;
let botId: string;

const SHIPPING = `# Shipping

We ship to 40 countries in Europe and North America, including Canada and the United States.
Standard delivery takes 3 to 5 business days; express delivery arrives the next business day.

## Shipping costs

Orders over 50 EUR ship free. Smaller orders pay a flat fee of 4.90 EUR.`;

const RETURNS = `# Returns and refunds

You can return any item within 30 days of delivery, unused and in its original packaging.
Start a return from the Orders page of your account and print the prepaid label.

## Refunds

Once the warehouse receives the returned parcel, the refund is paid back to the original payment
method within 5 business days. Shipping costs are refunded only for damaged items.`;

const ACCOUNT = `# Account security

## Changing your password

Open Settings, then Security, and choose Change password. A new password needs at least
12 characters. All other sessions are signed out when the password changes.

## Two-factor authentication

Turn on two-factor authentication under Settings > Security to require a one-time code
from an authenticator app at every sign-in.`;

const TROUBLESHOOTING = `# Payment problems

## Error PAY-402: card declined by issuer

The bank that issued the card refused the payment. Ask the bank to allow online payments,
or pay with another card or with PayPal.

## Error PAY-500: payment provider unavailable

The payment provider did not answer. Nothing was charged: try again in a few minutes.`;

async function addSource(key: string, bot: string, body: Record<string, unknown>): Promise<string> {
  const created = await t.request({ method: 'POST', url: `/v1/chatbots/${bot}/sources`, key, body });
  expect(created.statusCode, created.body).toBe(202);
  const id = created.json().id as string;
  // Polled by hand: sources are also added in beforeAll, where expect.poll is not available.
  const deadline = Date.now() + 60_000;
  let status = '';
  while (Date.now() < deadline) {
    status = (await t.request({ url: `/v1/sources/${id}`, key })).json().status;
    if (status === 'ready' || status === 'failed') break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  expect(status).toBe('ready');
  return id;
}

async function createBot(key: string, name: string): Promise<string> {
  const response = await t.request({ method: 'POST', url: '/v1/chatbots', key, body: { name } });
  expect(response.statusCode, response.body).toBe(201);
  return response.json().id;
}

function search(bot: string, body: unknown, key = ws.liveKey) {
  return t.request({ method: 'POST', url: `/v1/chatbots/${bot}/search`, key, body });
}

async function results(bot: string, query: string, key = ws.liveKey, extra: Record<string, unknown> = {}) {
  const response = await search(bot, { query, ...extra }, key);
  expect(response.statusCode, response.body).toBe(200);
  return response.json().data as {
    chunk_id: string;
    source_id: string;
    document_id: string;
    title: string;
    url: string | null;
    heading: string;
    text: string;
    score: number;
  }[];
}

beforeAll(async () => {
  t = await startTestApp({}, { workers: true });
  ws = await buildWorkspace(t.context);
  botId = await createBot(ws.liveKey, 'Shop assistant');
  await addSource(ws.liveKey, botId, { type: 'text', title: 'Shipping', content: SHIPPING });
  await addSource(ws.liveKey, botId, { type: 'text', title: 'Returns and refunds', content: RETURNS });
  await addSource(ws.liveKey, botId, { type: 'text', title: 'Account security', content: ACCOUNT });
  await addSource(ws.liveKey, botId, { type: 'text', title: 'Payment problems', content: TROUBLESHOOTING });
  await addSource(ws.liveKey, botId, {
    type: 'qa',
    pairs: [
      { question: 'Do you ship to Canada?', answer: 'Yes. Parcels to Canada take 6 to 8 business days.' },
      { question: 'Can I pay by invoice?', answer: 'Invoices are available for business customers only.' },
    ],
  });
}, 120_000);
afterAll(async () => {
  await t.close();
});

describe('ranking', () => {
  it('puts the chunk that answers a keyword query first, with typed ids and scores from 0 to 1', async () => {
    const data = await results(botId, 'two-factor authentication');
    expect(data.length).toBeGreaterThan(0);
    expect(data[0]!.text).toContain('authenticator app');
    expect(data[0]).toMatchObject({ title: 'Account security', url: null });
    expect(data[0]!.chunk_id).toMatch(/^chunk_[0-9a-z]{26}$/);
    expect(data[0]!.source_id).toMatch(/^src_[0-9a-z]{26}$/);
    expect(data[0]!.document_id).toMatch(/^doc_[0-9a-z]{26}$/);
    for (const [i, result] of data.entries()) {
      expect(result.score).toBeGreaterThanOrEqual(0.1);
      expect(result.score).toBeLessThanOrEqual(1);
      if (i > 0) expect(result.score).toBeLessThanOrEqual(data[i - 1]!.score);
    }
  });

  it('answers a natural question worded differently from the page', async () => {
    const data = await results(botId, 'How long until my refund arrives after I return an order?');
    expect(data[0]!.text).toContain('refund is paid back');
  });

  it('repairs misspelled words', async () => {
    const data = await results(botId, 'how can I chnage my pasword');
    expect(data[0]!.text).toContain('Change password');
  });

  it('finds the section of an error message', async () => {
    const data = await results(botId, 'Error PAY-402: card declined by issuer');
    expect(data[0]!.text).toContain('The bank that issued the card refused the payment');
    expect(data[0]!.heading).toContain('PAY-402');
  });

  it('puts a Q&A pair whose question matches first', async () => {
    const data = await results(botId, 'Do you ship to Canada?');
    expect(data[0]!.text).toContain('Parcels to Canada take 6 to 8 business days');
    // The shipping page mentions Canada too, and comes after the pair.
    expect(data.slice(1).some((result) => result.text.includes('We ship to 40 countries'))).toBe(true);
  });

  it('returns nothing for a question the knowledge does not answer, at most weak matches', async () => {
    expect(await results(botId, 'What is the capital of Mongolia?')).toEqual([]);
    expect(await results(botId, 'how do I?')).toEqual([]);
    // "painted" is one edit from "printed": a weak match, which the answerer weighs (the chat
    // falls back on it, see chat.test.ts).
    for (const result of await results(botId, 'Who painted the Mona Lisa?')) {
      expect(result.score).toBeLessThan(0.3);
    }
  });

  it('finds the page for a question whose words the pages do not use', async () => {
    // "ask" and "many" are in no chunk: they are how the question is worded, not its subject.
    const data = await results(botId, 'How many days do I have to ask for a refund?');
    expect(data[0]!.text).toContain('within 30 days of delivery');
    // A word the bot does not know is met through its WordNet relatives: "reimburse" → "refund".
    const reimbursed = await results(botId, 'When do you reimburse me?');
    expect(reimbursed[0]!.text).toContain('the refund is paid back');
  });

  it('returns at most top_k chunks, by default the bot top_k', async () => {
    expect(await results(botId, 'shipping orders payment', ws.liveKey, { top_k: 1 })).toHaveLength(1);
    const patched = await t.request({
      method: 'PATCH',
      url: `/v1/chatbots/${botId}`,
      key: ws.liveKey,
      body: { retrieval_settings: { top_k: 2 } },
    });
    expect(patched.statusCode).toBe(200);
    try {
      expect(await results(botId, 'shipping orders payment')).toHaveLength(2);
    } finally {
      await t.request({
        method: 'PATCH',
        url: `/v1/chatbots/${botId}`,
        key: ws.liveKey,
        body: { retrieval_settings: { top_k: 6 } },
      });
    }
  });

  it("leaves out chunks below the bot's min_relevance", async () => {
    const own = await buildWorkspace(t.context);
    const bot = await createBot(own.liveKey, 'Strict');
    await addSource(own.liveKey, bot, { type: 'text', title: 'Returns and refunds', content: RETURNS });
    // One of three rare words matches: a weak hit, kept at min_relevance 0, dropped at 0.5.
    const query = 'refund via cryptocurrency wallet';
    const loose = await t.request({
      method: 'PATCH',
      url: `/v1/chatbots/${bot}`,
      key: own.liveKey,
      body: { retrieval_settings: { min_relevance: 0 } },
    });
    expect(loose.statusCode).toBe(200);
    const all = await results(bot, query, own.liveKey);
    expect(all.length).toBeGreaterThan(0);
    await t.request({
      method: 'PATCH',
      url: `/v1/chatbots/${bot}`,
      key: own.liveKey,
      body: { retrieval_settings: { min_relevance: 0.5 } },
    });
    expect(await results(bot, query, own.liveKey)).toEqual([]);
    expect((await results(bot, 'refund to the original payment method', own.liveKey)).length).toBeGreaterThan(
      0,
    );
  });
});

describe('knowledge changes', () => {
  it('stops finding a deleted source at once, and finds a new one', async () => {
    const own = await buildWorkspace(t.context);
    const bot = await createBot(own.liveKey, 'Changing');
    const warranty = await addSource(own.liveKey, bot, {
      type: 'text',
      title: 'Warranty',
      content: 'Every kettle carries a two-year warranty against limescale damage.',
    });
    await addSource(own.liveKey, bot, { type: 'text', title: 'Shipping', content: SHIPPING });
    expect((await results(bot, 'kettle warranty limescale', own.liveKey))[0]!.text).toContain(
      'two-year warranty',
    );

    const deleted = await t.request({ method: 'DELETE', url: `/v1/sources/${warranty}`, key: own.liveKey });
    expect(deleted.statusCode).toBe(200);
    expect(await results(bot, 'kettle warranty limescale', own.liveKey)).toEqual([]);

    await addSource(own.liveKey, bot, {
      type: 'text',
      title: 'Warranty',
      content: 'Toasters carry a three-year warranty.',
    });
    const data = await results(bot, 'toaster warranty', own.liveKey);
    expect(data[0]!.text).toContain('three-year warranty');
  });
});

describe('environments and tenants', () => {
  it('keeps test-mode knowledge to test keys, and live knowledge to live keys', async () => {
    const own = await buildWorkspace(t.context);
    const liveBot = await createBot(own.liveKey, 'Live bot');
    const testBot = await createBot(own.testKey, 'Test bot');
    await addSource(own.liveKey, liveBot, {
      type: 'text',
      title: 'Opening hours',
      content: 'The store opens at 9 and closes at 18 on weekdays.',
    });
    await addSource(own.testKey, testBot, {
      type: 'text',
      title: 'Opening hours',
      content: 'The test store opens at 7 and closes at 22 on weekdays.',
    });
    const live = await results(liveBot, 'store opening hours weekdays', own.liveKey);
    expect(live.map((result) => result.text).join('\n')).toContain('closes at 18');
    expect(live.map((result) => result.text).join('\n')).not.toContain('closes at 22');
    const test = await results(testBot, 'store opening hours weekdays', own.testKey);
    expect(test.map((result) => result.text).join('\n')).toContain('closes at 22');
    expect(test.map((result) => result.text).join('\n')).not.toContain('closes at 18');

    for (const [bot, key] of [
      [liveBot, own.testKey],
      [testBot, own.liveKey],
    ] as const) {
      const response = await search(bot, { query: 'store opening hours' }, key);
      expect(response.statusCode).toBe(404);
      expect(response.json().error).toMatchObject({ type: 'not_found_error', code: 'resource_not_found' });
    }
  });

  it("answers 404 for another workspace's bot, 401 without a valid key", async () => {
    const other = await buildWorkspace(t.context);
    const foreign = await search(botId, { query: 'shipping' }, other.liveKey);
    expect(foreign.statusCode).toBe(404);
    expect(foreign.json().error.type).toBe('not_found_error');

    const anonymous = await t.request({
      method: 'POST',
      url: `/v1/chatbots/${botId}/search`,
      body: { query: 'x' },
    });
    expect(anonymous.statusCode).toBe(401);
    expect(anonymous.json().error.type).toBe('authentication_error');
    const wrong = await search(botId, { query: 'shipping' }, 'prl_live_not_a_real_key_000000000000');
    expect(wrong.statusCode).toBe(401);

    const revoked = await buildWorkspace(t.context);
    await t.context.apiKeys.revoke({ workspaceId: revoked.id, environment: 'live' }, revoked.liveKeyId);
    const afterRevoke = await search(botId, { query: 'shipping' }, revoked.liveKey);
    expect(afterRevoke.statusCode).toBe(401);
  });
});

describe('bad input', () => {
  it.each([
    ['no query', {}, 'query'],
    ['an empty query', { query: '' }, 'query'],
    ['a blank query', { query: '   ' }, 'query'],
    ['a query over 4000 characters', { query: 'x'.repeat(4001) }, 'query'],
    ['a number as query', { query: 42 }, 'query'],
    ['top_k 0', { query: 'shipping', top_k: 0 }, 'top_k'],
    ['top_k 51', { query: 'shipping', top_k: 51 }, 'top_k'],
    ['a fractional top_k', { query: 'shipping', top_k: 2.5 }, 'top_k'],
    ['an unknown field', { query: 'shipping', limit: 3 }, 'limit'],
  ])('refuses %s, naming the parameter', async (_label, body, param) => {
    const response = await search(botId, body);
    expect(response.statusCode).toBe(400);
    expect(response.json().error).toMatchObject({ type: 'invalid_request_error', param, status: 400 });
    expect(response.json().error.request_id).toMatch(/^req_/);
  });

  it('refuses a malformed id or one of another type, and answers 404 for an unknown one', async () => {
    for (const id of ['bot_123', 'not-an-id', 'src_01jdz6qg0ef8s9cm8y0d7sv9k2']) {
      const response = await search(id, { query: 'shipping' });
      expect(response.statusCode).toBe(400);
      expect(response.json().error).toMatchObject({
        type: 'invalid_request_error',
        code: 'invalid_id',
        param: 'id',
      });
    }
    const unknown = await search('bot_01jdz6qg0ef8s9cm8y0d7sv9k2', { query: 'shipping' });
    expect(unknown.statusCode).toBe(404);
  });

  it('accepts the longest query and any characters', async () => {
    const long = `${'refund '.repeat(570)}`.slice(0, 4000);
    expect((await search(botId, { query: long })).statusCode).toBe(200);
    for (const query of ["'; DROP TABLE chunks; --", '!!! ??? (((', 'ü ß 東京 🚚', '&|!<->:*']) {
      const response = await search(botId, { query });
      expect(response.statusCode, query).toBe(200);
      expect(Array.isArray(response.json().data)).toBe(true);
    }
  });
});
