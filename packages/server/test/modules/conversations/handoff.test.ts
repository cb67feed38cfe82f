// Human handoff through the API: escalation on request, by the visitor's words and after
// fallbacks; the bot quiet while a human has the conversation; agent replies; handing back.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTrainedBot, parseEvents } from '../../helpers/chat-fixtures.ts';
import { buildWorkspace, type TestWorkspace } from '../../helpers/factories.ts';
import { startTestApp, type TestApp } from '../../helpers/test-app.ts';

let t: TestApp;
let ws: TestWorkspace;
let botId: string;
beforeAll(async () => {
  t = await startTestApp({}, { workers: true });
  ws = await buildWorkspace(t.context);
  botId = (await createTrainedBot(t, ws.liveKey)).id;
});
afterAll(async () => {
  await t.close();
});

function chat(body: Record<string, unknown>, id = botId) {
  return t.request({ method: 'POST', url: `/v1/chatbots/${id}/chat`, key: ws.liveKey, body });
}

async function events(type: string, conversationId: string) {
  return t.context.db.query<{ data: Record<string, unknown> }>(
    `SELECT data FROM events WHERE type = $1 AND (data->>'id' = $2 OR data->>'conversation_id' = $2) ORDER BY id`,
    [type, conversationId],
  );
}

describe('human handoff', () => {
  it('hands over when the visitor asks for a human, tells them, and stays quiet after', async () => {
    const first = (await chat({ message: 'How do I reset my password?' })).json();
    const asked = await chat({
      message: 'This is not helping. Can I TALK TO A  HUMAN please?',
      conversation_id: first.conversation_id,
    });
    expect(asked.statusCode).toBe(202);
    const body = asked.json();
    expect(body).toMatchObject({
      conversation_id: first.conversation_id,
      reply: null,
      mode: 'human',
      escalated: true,
    });
    const bot = (await t.request({ url: `/v1/chatbots/${botId}`, key: ws.liveKey })).json();
    expect(body.system_message).toMatchObject({ role: 'system', content: bot.handoff_settings.message });
    const escalated = await events('conversation.escalated', first.conversation_id);
    expect(escalated).toHaveLength(1);
    expect(escalated[0]!.data).toMatchObject({ mode: 'human', trigger: 'visitor_request' });

    // While a human has it, messages are stored and announced, and the bot does not answer.
    const waiting = await chat({ message: 'Hello? Anyone?', conversation_id: first.conversation_id });
    expect(waiting.statusCode).toBe(202);
    expect(waiting.json()).toMatchObject({
      reply: null,
      mode: 'human',
      escalated: false,
      system_message: null,
    });
    const received = await events('message.received', first.conversation_id);
    expect(received.map((event) => event.data.content)).toContain('Hello? Anyone?');
    const stream = await chat({
      message: 'Still there?',
      conversation_id: first.conversation_id,
      stream: true,
    });
    const streamed = parseEvents(stream.body);
    expect(streamed.map((event) => event.event)).toEqual(['conversation']);
    expect(streamed[0]!.data).toMatchObject({ mode: 'human' });

    const messages = (
      await t.request({ url: `/v1/conversations/${first.conversation_id}/messages`, key: ws.liveKey })
    ).json();
    expect(messages.data.map((m: { role: string }) => m.role)).toEqual([
      'user',
      'assistant',
      'user',
      'system',
      'user',
      'user',
    ]);
  });

  it('hands over after two fallback replies in a row, as set on the bot', async () => {
    const first = (await chat({ message: 'What is the airspeed velocity of an unladen swallow?' })).json();
    expect(first).toMatchObject({ grounded: false, mode: 'ai', escalated: false });
    const second = (
      await chat({ message: 'Which colour is the number seven?', conversation_id: first.conversation_id })
    ).json();
    expect(second).toMatchObject({ grounded: false, mode: 'human', escalated: true });
    expect(second.system_message.role).toBe('system');
    const escalated = await events('conversation.escalated', first.conversation_id);
    expect(escalated[0]!.data).toMatchObject({ trigger: 'fallbacks' });
  });

  it('does not count a grounded answer in between, and respects bots that turn handoff off', async () => {
    const a = (await chat({ message: 'What is the airspeed velocity of an unladen swallow?' })).json();
    await chat({ message: 'How do I reset my password?', conversation_id: a.conversation_id });
    const c = (
      await chat({ message: 'Which colour is the number seven?', conversation_id: a.conversation_id })
    ).json();
    expect(c.mode).toBe('ai');

    const quiet = await createTrainedBot(t, ws.liveKey, {
      name: 'No handoff',
      handoff_settings: { enabled: false },
    });
    const asked = await chat({ message: 'talk to a human', conversation_id: undefined }, quiet.id);
    expect(asked.statusCode).toBe(200);
    expect(asked.json().mode).toBe('ai');
  });

  it('lets an agent reply (taking the conversation over), then hands back to the bot', async () => {
    const c = (await chat({ message: 'How long does shipping take?' })).json();
    const sent = await t.request({
      method: 'POST',
      url: `/v1/conversations/${c.conversation_id}/messages`,
      key: ws.liveKey,
      body: { content: 'Hi, this is Sam from support. Let me check your order.', author_name: 'Sam' },
    });
    expect(sent.statusCode).toBe(201);
    expect(sent.json()).toMatchObject({
      role: 'agent',
      author_name: 'Sam',
      content: 'Hi, this is Sam from support. Let me check your order.',
    });
    const conversation = (
      await t.request({ url: `/v1/conversations/${c.conversation_id}`, key: ws.liveKey })
    ).json();
    expect(conversation).toMatchObject({ mode: 'human', assignee: 'Sam' });
    const messageSent = await events('message.sent', c.conversation_id);
    expect(messageSent.map((event) => event.data.role)).toEqual(['assistant', 'agent']);
    expect((await chat({ message: 'Thanks Sam', conversation_id: c.conversation_id })).statusCode).toBe(202);

    const back = await t.request({
      method: 'PATCH',
      url: `/v1/conversations/${c.conversation_id}`,
      key: ws.liveKey,
      body: { mode: 'ai' },
    });
    expect(back.json().mode).toBe('ai');
    const answered = await chat({
      message: 'How long does standard shipping take?',
      conversation_id: c.conversation_id,
    });
    expect(answered.statusCode).toBe(200);
    expect(answered.json().reply).toContain('3 to 5 business days');

    const blank = await t.request({
      method: 'POST',
      url: `/v1/conversations/${c.conversation_id}/messages`,
      key: ws.liveKey,
      body: { content: '  ' },
    });
    expect(blank.statusCode).toBe(400);
  });

  it('escalates through the API once; a second call changes nothing', async () => {
    const c = (await chat({ message: 'hello' })).json();
    const first = await t.request({
      method: 'POST',
      url: `/v1/conversations/${c.conversation_id}/escalate`,
      key: ws.liveKey,
      body: { reason: 'VIP customer' },
    });
    expect(first.statusCode).toBe(200);
    expect(first.json()).toMatchObject({
      escalated: true,
      conversation: { mode: 'human' },
      system_message: { role: 'system' },
    });
    const again = await t.request({
      method: 'POST',
      url: `/v1/conversations/${c.conversation_id}/escalate`,
      key: ws.liveKey,
    });
    expect(again.json()).toMatchObject({ escalated: false, system_message: null });
    const escalated = await events('conversation.escalated', c.conversation_id);
    expect(escalated).toHaveLength(1);
    expect(escalated[0]!.data).toMatchObject({ reason: 'VIP customer', trigger: 'api' });
  });
});
