// GET /v1/analytics/overview: what the bots did over a period, counted by the database over every
// conversation of the period (grounded and fallback answers, thumbs, escalations, cited sources,
// the questions answered with the fallback), per day and in total, per workspace and environment.
import { afterAll, describe, expect, it } from 'vitest';
import { createTrainedBot } from '../../helpers/chat-fixtures.ts';
import { buildWorkspace } from '../../helpers/factories.ts';
import { startTestApp } from '../../helpers/test-app.ts';

// Workers train the bot.
const t = await startTestApp({}, { workers: true });
afterAll(() => t.close());

async function chat(key: string, bot: string, body: Record<string, unknown>) {
  const response = await t.request({ method: 'POST', url: `/v1/chatbots/${bot}/chat`, key, body });
  expect(response.statusCode, response.body).toBeLessThan(300);
  return response.json();
}

function overview(key: string, query = '') {
  return t.request({ url: `/v1/analytics/overview${query}`, key });
}

describe('GET /v1/analytics/overview', () => {
  // Training the bot and chatting take a while on a busy machine.
  it('counts every conversation of the period in the database, per day and in total', {
    timeout: 120_000,
  }, async () => {
    const ws = await buildWorkspace(t.context);
    const bot = await createTrainedBot(t, ws.liveKey);
    const refund = await chat(ws.liveKey, bot.id, { message: 'How long do I have to ask for a refund?' });
    const shipping = await chat(ws.liveKey, bot.id, { message: 'How long does standard shipping take?' });
    const swallow = await chat(ws.liveKey, bot.id, { message: 'What is the airspeed of a swallow?' });
    await chat(ws.liveKey, bot.id, { message: 'what is the airspeed of a swallow?' });
    expect([refund.grounded, shipping.grounded, swallow.grounded]).toEqual([true, true, false]);
    for (const [message, rating] of [
      [refund.message_id, 'up'],
      [swallow.message_id, 'down'],
    ]) {
      const feedback = await t.request({
        method: 'POST',
        url: `/v1/messages/${message}/feedback`,
        key: ws.liveKey,
        body: { rating },
      });
      expect(feedback.statusCode).toBe(200);
    }
    const escalated = await t.request({
      method: 'POST',
      url: `/v1/conversations/${swallow.conversation_id}/escalate`,
      key: ws.liveKey,
      body: {},
    });
    expect(escalated.statusCode).toBeLessThan(300);
    // Another workspace's activity, and this one's test environment, are not counted.
    const other = await buildWorkspace(t.context);
    const otherBot = await t.request({
      method: 'POST',
      url: '/v1/chatbots',
      key: other.liveKey,
      body: { name: 'Other' },
    });
    await chat(other.liveKey, otherBot.json().id, { message: 'what is the airspeed of a swallow?' });

    const response = await overview(ws.liveKey);
    expect(response.statusCode).toBe(200);
    const body = response.json();
    const totals = {
      conversations: 4,
      visitor_messages: 4,
      answers: 4,
      grounded: 2,
      fallback: 2,
      thumbs_up: 1,
      thumbs_down: 1,
      escalations: 1,
    };
    expect(body.totals).toEqual(totals);
    // The last 30 UTC days by default, today included: every day listed, today's with everything.
    expect(new Date(body.to).getTime() - new Date(body.from).getTime()).toBe(30 * 86_400_000);
    expect(body.to.slice(11)).toBe('00:00:00.000Z');
    expect(body.days).toHaveLength(30);
    expect(body.days.at(-1)).toEqual({ date: new Date().toISOString().slice(0, 10), ...totals });
    expect(body.days[0]).toMatchObject({ answers: 0, conversations: 0 });
    expect(body.top_sources.map((s: { title: string }) => s.title).sort()).toEqual([
      'Refund policy',
      'Shipping',
    ]);
    expect(body.top_sources[0].citations).toBe(1);
    expect(body.unanswered).toEqual([
      {
        question: expect.stringMatching(/^[wW]hat is the airspeed of a swallow\?$/),
        count: 2,
        last_asked_at: expect.any(String),
      },
    ]);

    const test = (await overview(ws.testKey)).json();
    expect(test.totals).toMatchObject({ conversations: 0, answers: 0, escalations: 0 });

    // One chatbot's figures; a period without the activity.
    const quiet = await t.request({
      method: 'POST',
      url: '/v1/chatbots',
      key: ws.liveKey,
      body: { name: 'Quiet' },
    });
    const quietBot = (await overview(ws.liveKey, `?chatbot_id=${quiet.json().id}`)).json();
    expect(quietBot.totals).toMatchObject({ conversations: 0, answers: 0, escalations: 0 });
    expect(quietBot.top_sources).toEqual([]);
    expect((await overview(ws.liveKey, `?chatbot_id=${bot.id}`)).json().totals).toEqual(totals);
    const lastYear = (
      await overview(ws.liveKey, '?from=2025-01-01T00:00:00Z&to=2025-01-08T00:00:00Z')
    ).json();
    expect(lastYear.days.map((d: { date: string }) => d.date)).toEqual([
      '2025-01-01',
      '2025-01-02',
      '2025-01-03',
      '2025-01-04',
      '2025-01-05',
      '2025-01-06',
      '2025-01-07',
    ]);
    expect(lastYear.totals.answers).toBe(0);
  });

  it('refuses a period that ends before it starts, is over a year long, or a malformed chatbot id', async () => {
    const ws = await buildWorkspace(t.context);
    for (const [query, param] of [
      ['?from=2026-02-01T00:00:00Z&to=2026-01-01T00:00:00Z', 'from'],
      ['?from=2024-01-01T00:00:00Z&to=2026-01-01T00:00:00Z', 'from'],
      ['?chatbot_id=not-a-bot', 'chatbot_id'],
      ['?from=yesterday', 'from'],
    ]) {
      const response = await overview(ws.liveKey, query);
      expect(response.statusCode, query).toBe(400);
      expect(response.json().error.param, query).toBe(param);
    }
  });
});
