// Satisfaction through the public API: the visitor rates a resolved conversation from the widget
// (once), and GET /v1/analytics/csat sums the ratings up, per workspace and environment.
import { afterAll, describe, expect, it } from 'vitest';
import { buildWorkspace, type TestWorkspace } from '../../helpers/factories.ts';
import { personClient } from '../../helpers/people.ts';
import { startTestApp } from '../../helpers/test-app.ts';
import { widgetClient } from '../../helpers/widget-client.ts';

const SITE = 'https://shop.example.com';
const t = await startTestApp();
afterAll(() => t.close());
const people = personClient(t);
const { pub, chat } = widgetClient(t, SITE);

async function widgetBot(ws: TestWorkspace): Promise<string> {
  const response = await t.request({
    method: 'POST',
    url: '/v1/chatbots',
    key: ws.liveKey,
    body: { name: 'Shop bot', widget_settings: { allowed_origins: [SITE] } },
  });
  return response.json().id;
}

function rate(bot: string, visitor: { conversationId: string; token: string }, body: unknown) {
  return pub({
    method: 'POST',
    url: `/public/v1/chatbots/${bot}/conversations/${visitor.conversationId}/rating`,
    token: visitor.token,
    body,
  });
}

describe('satisfaction', () => {
  it('is asked after resolution, once, and summed up per assignee', async () => {
    const ws = await buildWorkspace(t.context);
    const agent = await people.signedIn(ws.id, 'agent');
    const bot = await widgetBot(ws);
    const happy = await chat(bot, { message: 'Where is my parcel?' });
    const unhappy = await chat(bot, { message: 'I want a refund' });
    const stillOpen = await chat(bot, { message: 'Hello?' });

    const early = await rate(bot, happy, { rating: 5 });
    expect(early.statusCode).toBe(409);
    expect(early.json().error.code).toBe('conversation_not_resolved');

    await agent.call('POST', `/v1/conversations/${happy.conversationId}/messages`, {
      content: 'On its way!',
    });
    for (const visitor of [happy, unhappy]) {
      const resolved = await agent.call('PATCH', `/v1/conversations/${visitor.conversationId}`, {
        inbox_status: 'resolved',
      });
      expect(resolved.statusCode).toBe(200);
    }
    const outOfRange = await rate(bot, happy, { rating: 6 });
    expect(outOfRange.statusCode).toBe(400);
    expect(outOfRange.json().error.param).toBe('rating');

    const rated = await rate(bot, happy, { rating: 5, comment: 'Quick and kind' });
    expect(rated.statusCode, rated.body).toBe(201);
    expect(rated.json()).toEqual({ rated: true, rating: 5 });
    const again = await rate(bot, happy, { rating: 1 });
    expect(again.statusCode).toBe(409);
    expect(again.json().error.code).toBe('already_rated');
    expect((await rate(bot, unhappy, { rating: 2 })).statusCode).toBe(201);
    // Another visitor's token never rates this conversation.
    const forged = await rate(
      bot,
      { conversationId: stillOpen.conversationId, token: happy.token },
      { rating: 1 },
    );
    expect(forged.statusCode).toBe(401);

    const csat = await agent.call('GET', '/v1/analytics/csat');
    expect(csat.statusCode, csat.body).toBe(200);
    expect(csat.json()).toEqual({
      responses: 2,
      average: 3.5,
      satisfaction: 0.5,
      distribution: { '1': 0, '2': 1, '3': 0, '4': 0, '5': 1 },
      by_assignee: expect.arrayContaining([
        { user_id: agent.id, responses: 1, average: 5 },
        { user_id: null, responses: 1, average: 2 },
      ]),
    });
    const future = new Date(Date.now() + 3600_000).toISOString();
    expect((await agent.call('GET', `/v1/analytics/csat?from=${future}`)).json().responses).toBe(0);
    const testKey = await t.request({ url: '/v1/analytics/csat', key: ws.testKey });
    expect(testKey.json()).toMatchObject({ responses: 0, average: null, satisfaction: null });
    const otherWorkspace = await buildWorkspace(t.context);
    expect(
      (await t.request({ url: '/v1/analytics/csat', key: otherWorkspace.liveKey })).json().responses,
    ).toBe(0);
  });
});
