// Chat through the API with the offline answerer: grounded replies with citations, conversations,
// fallbacks, what is stored, and the errors and isolation of the endpoint.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeId } from '../../../src/lib/ids.ts';
import { createTrainedBot } from '../../helpers/chat-fixtures.ts';
import { buildWorkspace, type TestWorkspace } from '../../helpers/factories.ts';
import { startTestApp, type TestApp } from '../../helpers/test-app.ts';

let t: TestApp;
let ws: TestWorkspace;
let botId: string;
let refundSourceId: string;
beforeAll(async () => {
  t = await startTestApp({ PARLEY_MAX_MESSAGE_CHARS: '500' }, { workers: true });
  ws = await buildWorkspace(t.context);
  const bot = await createTrainedBot(t, ws.liveKey);
  botId = bot.id;
  refundSourceId = bot.sourceIds[0]!;
});
afterAll(async () => {
  await t.close();
});

function chat(body: Record<string, unknown>, key = ws.liveKey, id = botId) {
  return t.request({ method: 'POST', url: `/v1/chatbots/${id}/chat`, key, body });
}

async function eventsOf(type: string, conversationId: string) {
  return t.context.db.query<{ type: string; data: Record<string, unknown> }>(
    `SELECT type, data FROM events WHERE type = $1 AND (data->>'conversation_id' = $2 OR data->>'id' = $2) ORDER BY id`,
    [type, conversationId],
  );
}

describe('POST /v1/chatbots/{id}/chat', () => {
  it('answers from the knowledge with a citation of the source it used', async () => {
    const response = await chat({ message: 'How long do I have to ask for a refund?' });
    expect(response.statusCode).toBe(200);
    const body = response.json();
    expect(body).toMatchObject({ mode: 'ai', grounded: true, provider: 'extractive', model: 'extractive' });
    expect(body.conversation_id).toMatch(/^conv_/);
    expect(body.message_id).toMatch(/^msg_/);
    expect(body.reply).toContain('30 days');
    expect(body.reply).toMatch(/\[1\]/);
    expect(body.sources_used[0]).toMatchObject({ id: refundSourceId, title: 'Refund policy', citation: 1 });
    expect(body.sources_used[0].snippet).toContain('30 days');
    expect(body.usage).toEqual({ input_tokens: expect.any(Number), output_tokens: expect.any(Number) });
    expect(new Date(body.created_at).toISOString()).toBe(body.created_at);
  });

  it('continues a conversation, follow-up included, and stores every message with what it was built on', async () => {
    const first = (
      await chat({
        message: 'How long does standard shipping take?',
        visitor: { email: 'Ana@Example.com', name: 'Ana', id: 'v-1' },
      })
    ).json();
    expect(first.reply).toContain('3 to 5 business days');
    const second = (
      await chat({ message: 'and how much does it cost?', conversation_id: first.conversation_id })
    ).json();
    expect(second.conversation_id).toBe(first.conversation_id);
    expect(second.grounded).toBe(true);
    expect(second.reply).toContain('4.90 EUR');

    const conversationId = decodeId('conv', first.conversation_id, 'id');
    const [conversation] = await t.context.db.query<Record<string, unknown>>(
      'SELECT * FROM conversations WHERE id = $1',
      [conversationId],
    );
    expect(conversation).toMatchObject({
      message_count: 4,
      customer_email: 'ana@example.com',
      customer_name: 'Ana',
      visitor_id: 'v-1',
      channel: 'api',
      status: 'open',
      mode: 'ai',
    });
    const stored = await t.context.db.query<Record<string, unknown>>(
      'SELECT role, content, model, provider, grounded, latency_ms, retrieved, sources_used FROM messages WHERE conversation_id = $1 ORDER BY id',
      [conversationId],
    );
    expect(stored.map((row) => row.role)).toEqual(['user', 'assistant', 'user', 'assistant']);
    expect(stored[2]!.content).toBe('and how much does it cost?');
    const reply = stored[3]!;
    expect(reply).toMatchObject({ model: 'extractive', provider: 'extractive', grounded: true });
    expect(reply.latency_ms).toEqual(expect.any(Number));
    expect((reply.retrieved as unknown[]).length).toBeGreaterThan(0);
    expect(reply.retrieved).toEqual(
      expect.arrayContaining([{ chunk_id: expect.any(String), score: expect.any(Number) }]),
    );
  });

  it('puts conversation.started, message.received and message.sent in the event outbox', async () => {
    const body = (await chat({ message: 'Can I get a refund on a gift card?' })).json();
    const started = await eventsOf('conversation.started', body.conversation_id);
    expect(started).toHaveLength(1);
    expect(started[0]!.data).toMatchObject({ id: body.conversation_id, chatbot_id: botId, status: 'open' });
    const received = await eventsOf('message.received', body.conversation_id);
    expect(received).toHaveLength(1);
    expect(received[0]!.data).toMatchObject({
      id: body.user_message_id,
      role: 'user',
      content: 'Can I get a refund on a gift card?',
    });
    const sent = await eventsOf('message.sent', body.conversation_id);
    expect(sent.map((event) => event.data.id)).toEqual([body.message_id]);
  });

  it('answers a matching Q&A pair', async () => {
    const body = (await chat({ message: 'Do you have a phone number?' })).json();
    expect(body.grounded).toBe(true);
    expect(body.reply).toContain('+1 555 0100');
  });

  it('replies with the fallback, ungrounded and without sources, when nothing in the knowledge answers', async () => {
    const bot = (await t.request({ url: `/v1/chatbots/${botId}`, key: ws.liveKey })).json();
    const body = (await chat({ message: 'What is the airspeed velocity of an unladen swallow?' })).json();
    expect(body).toMatchObject({ grounded: false, sources_used: [], reply: bot.fallback_message });
  });

  it('refuses a paused bot with 409 chatbot_inactive and stores nothing', async () => {
    const paused = await createTrainedBot(t, ws.liveKey, { name: 'Paused', is_active: false });
    const response = await chat(
      { message: 'How long do I have to ask for a refund?' },
      ws.liveKey,
      paused.id,
    );
    expect(response.statusCode).toBe(409);
    expect(response.json().error).toMatchObject({ type: 'conflict_error', code: 'chatbot_inactive' });
    const rows = await t.context.db.query('SELECT id FROM conversations WHERE chatbot_id = $1', [
      decodeId('bot', paused.id, 'id'),
    ]);
    expect(rows).toHaveLength(0);
  });

  it('keeps a conversation a person took over going when the bot is paused', async () => {
    const bot = await createTrainedBot(t, ws.liveKey, { name: 'Paused later' });
    const started = (await chat({ message: 'Hello' }, ws.liveKey, bot.id)).json();
    const escalated = await t.request({
      method: 'POST',
      url: `/v1/conversations/${started.conversation_id}/escalate`,
      key: ws.liveKey,
      body: {},
    });
    expect(escalated.statusCode).toBe(200);
    const paused = await t.request({
      method: 'PATCH',
      url: `/v1/chatbots/${bot.id}`,
      key: ws.liveKey,
      body: { is_active: false },
    });
    expect(paused.statusCode).toBe(200);
    // The visitor's message waits for the person; a new conversation is refused.
    const kept = await chat(
      { message: 'Are you still there?', conversation_id: started.conversation_id },
      ws.liveKey,
      bot.id,
    );
    expect(kept.statusCode, kept.body).toBe(202);
    expect(kept.json()).toMatchObject({ reply: null, mode: 'human' });
    const messages = (
      await t.request({ url: `/v1/conversations/${started.conversation_id}/messages`, key: ws.liveKey })
    ).json().data;
    expect(messages.at(-1)).toMatchObject({ role: 'user', content: 'Are you still there?' });
    expect((await chat({ message: 'New here' }, ws.liveKey, bot.id)).statusCode).toBe(409);
  });

  it('bounds the message length and refuses blank or malformed input', async () => {
    const long = await chat({ message: 'x'.repeat(501) });
    expect(long.statusCode).toBe(400);
    expect(long.json().error).toMatchObject({ code: 'message_too_long', param: 'message' });
    for (const message of ['   ', '\u200b', ' \ufeff\u200d ']) {
      const blank = await chat({ message });
      expect(blank.statusCode).toBe(400);
      expect(blank.json().error).toMatchObject({
        param: 'message',
        message: "The field 'message' must not be blank.",
      });
    }
    const missing = await chat({});
    expect(missing.json().error).toMatchObject({ code: 'missing_required_field', param: 'message' });
    const unknown = await chat({ message: 'hi', colour: 'red' });
    expect(unknown.json().error).toMatchObject({ code: 'unknown_parameter', param: 'colour' });
    const badEmail = await chat({ message: 'hi', visitor: { email: 'not-an-email' } });
    expect(badEmail.statusCode).toBe(400);
    for (const conversation_id of ['bot_123', '']) {
      const badConversation = await chat({ message: 'hi', conversation_id });
      expect(badConversation.statusCode).toBe(400);
      expect(badConversation.json().error).toMatchObject({ code: 'invalid_id', param: 'conversation_id' });
    }
  });

  it('answers 404 for an unknown bot, an unknown conversation, or one of another bot', async () => {
    const unknownBot = await chat({ message: 'hi' }, ws.liveKey, 'bot_01jdz6qg0ef8s9cm8y0d7sv9k2');
    expect(unknownBot.statusCode).toBe(404);
    const unknownConversation = await chat({
      message: 'hi',
      conversation_id: 'conv_01jdz6qg0ef8s9cm8y0d7sv9k2',
    });
    expect(unknownConversation.statusCode).toBe(404);
    const other = await t.request({
      method: 'POST',
      url: '/v1/chatbots',
      key: ws.liveKey,
      body: { name: 'Other' },
    });
    const started = (await chat({ message: 'hello' }, ws.liveKey, other.json().id)).json();
    const crossed = await chat({ message: 'hi', conversation_id: started.conversation_id });
    expect(crossed.statusCode).toBe(404);
  });

  it('keeps keys of another workspace and the test environment away from the bot and its conversations', async () => {
    const other = await buildWorkspace(t.context);
    expect((await chat({ message: 'refund?' }, other.liveKey)).statusCode).toBe(404);
    expect((await chat({ message: 'refund?' }, ws.testKey)).statusCode).toBe(404);
    const live = (await chat({ message: 'How do I reset my password?' })).json();
    const testBot = (
      await t.request({ method: 'POST', url: '/v1/chatbots', key: ws.testKey, body: { name: 'T' } })
    ).json();
    const crossed = await chat(
      { message: 'hi', conversation_id: live.conversation_id },
      ws.testKey,
      testBot.id,
    );
    expect(crossed.statusCode).toBe(404);
    const anonymous = await t.request({
      method: 'POST',
      url: `/v1/chatbots/${botId}/chat`,
      body: { message: 'hi' },
    });
    expect(anonymous.statusCode).toBe(401);
  });
});

describe('POST /v1/messages/{id}/feedback', () => {
  it('records a rating on a reply, and a new rating replaces it', async () => {
    const reply = (await chat({ message: 'How do I reset my password?' })).json();
    const up = await t.request({
      method: 'POST',
      url: `/v1/messages/${reply.message_id}/feedback`,
      key: ws.liveKey,
      body: { rating: 'up' },
    });
    expect(up.statusCode).toBe(200);
    expect(up.json()).toMatchObject({
      id: reply.message_id,
      role: 'assistant',
      feedback: { rating: 'up', comment: null },
    });
    const down = await t.request({
      method: 'POST',
      url: `/v1/messages/${reply.message_id}/feedback`,
      key: ws.liveKey,
      body: { rating: 'down', comment: 'Too short' },
    });
    expect(down.json().feedback).toMatchObject({ rating: 'down', comment: 'Too short' });
  });

  it('refuses feedback on a visitor message, bad ratings, and foreign or unknown messages', async () => {
    const reply = (await chat({ message: 'How do I reset my password?' })).json();
    const onUser = await t.request({
      method: 'POST',
      url: `/v1/messages/${reply.user_message_id}/feedback`,
      key: ws.liveKey,
      body: { rating: 'up' },
    });
    expect(onUser.statusCode).toBe(400);
    const bad = await t.request({
      method: 'POST',
      url: `/v1/messages/${reply.message_id}/feedback`,
      key: ws.liveKey,
      body: { rating: 'meh' },
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.param).toBe('rating');
    const other = await buildWorkspace(t.context);
    const foreign = await t.request({
      method: 'POST',
      url: `/v1/messages/${reply.message_id}/feedback`,
      key: other.liveKey,
      body: { rating: 'up' },
    });
    expect(foreign.statusCode).toBe(404);
    const testEnv = await t.request({
      method: 'POST',
      url: `/v1/messages/${reply.message_id}/feedback`,
      key: ws.testKey,
      body: { rating: 'up' },
    });
    expect(testEnv.statusCode).toBe(404);
    const wrongType = await t.request({
      method: 'POST',
      url: `/v1/messages/${reply.conversation_id}/feedback`,
      key: ws.liveKey,
      body: { rating: 'up' },
    });
    expect(wrongType.statusCode).toBe(400);
  });
});
