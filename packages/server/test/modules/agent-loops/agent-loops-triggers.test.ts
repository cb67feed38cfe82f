// What starts executions besides a request: cron schedules, driven here by the scheduler's tick
// at chosen times (the clock the periodic job reads), with the skip and queue overlap rules; and
// events, here an escalation, with a filter.
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { startFakeOpenAI } from '../../fakes/fake-openai.ts';
import { buildWorkspace } from '../../helpers/factories.ts';
import { startTestApp } from '../../helpers/test-app.ts';
import { createBot, createLoop, type Execution, waitForStatus } from './loop-helpers.ts';

const llm = await startFakeOpenAI();
const t = await startTestApp({ PARLEY_ALLOW_PRIVATE_NETWORK: 'true' }, { workers: true, ownDatabase: true });
afterAll(async () => {
  await t.close();
  await llm.close();
});
const ws = await buildWorkspace(t.context);
const bot = await createBot(t, ws.liveKey, llm);

beforeEach(() => llm.reset());

async function executionsOf(loopId: string): Promise<Execution[]> {
  const response = await t.request({ url: `/v1/agent-loops/${loopId}/executions`, key: ws.liveKey });
  expect(response.statusCode, response.body).toBe(200);
  return response.json().data;
}

async function loopRow(loopId: string) {
  return (await t.request({ url: `/v1/agent-loops/${loopId}`, key: ws.liveKey })).json();
}

const DAY = 24 * 3600 * 1000;

/** Turned off after its test, so later ticks at later times do not start it again. */
async function disable(loopId: string) {
  const response = await t.request({
    method: 'PATCH',
    url: `/v1/agent-loops/${loopId}`,
    key: ws.liveKey,
    body: { enabled: false },
  });
  expect(response.json()).toMatchObject({ enabled: false, next_run_at: null });
}

describe('cron triggers', () => {
  it('start one run when due, in the schedule’s time zone, and move to the next time', async () => {
    const loop = await createLoop(t, ws.liveKey, {
      chatbot_id: bot,
      tools: ['emit_event'],
      trigger: { type: 'cron', schedules: [{ cron: '30 6 * * *', timezone: 'Europe/Paris' }] },
    });
    const due = new Date(loop.next_run_at as string);
    expect(due.getTime()).toBeGreaterThan(Date.now());
    // 06:30 in Paris is 05:30 or 04:30 UTC, by the season.
    expect(due.getUTCMinutes()).toBe(30);
    expect([4, 5]).toContain(due.getUTCHours());

    await t.context.loopTriggers.tick(new Date(due.getTime() - 1000));
    expect(await executionsOf(loop.id)).toEqual([]);

    llm.script({ chunks: ['Morning summary sent.'] });
    const after = new Date(due.getTime() + 1000);
    await t.context.loopTriggers.tick(after);
    // The same moment again: the loop's next run has moved on.
    await t.context.loopTriggers.tick(after);
    const executions = await executionsOf(loop.id);
    expect(executions).toHaveLength(1);
    const [execution] = executions;
    expect(execution).toMatchObject({ triggered_by: 'cron', input: { scheduled_at: due.toISOString() } });
    const done = await waitForStatus(t, ws.liveKey, execution!.id, ['succeeded', 'failed']);
    expect(done).toMatchObject({ status: 'succeeded', output: 'Morning summary sent.' });
    expect(new Date((await loopRow(loop.id)).next_run_at).getTime()).toBe(due.getTime() + DAY);
    await disable(loop.id);
  });

  it.each([
    ['skip', 1],
    ['queue', 2],
  ])(
    'with overlap %s, a run due while one waits for approval makes %i executions',
    async (overlap, count) => {
      const loop = await createLoop(t, ws.liveKey, {
        chatbot_id: bot,
        tools: [{ name: 'emit_event', needs_approval: true }],
        trigger: { type: 'cron', schedules: [{ cron: '0 12 * * *' }], overlap },
      });
      const due = new Date(loop.next_run_at as string);
      llm.script({ chunks: [], toolCalls: [{ id: 'c1', name: 'emit_event', arguments: { name: 'daily' } }] });
      await t.context.loopTriggers.tick(due);
      const [first] = await executionsOf(loop.id);
      // Scheduled runs are never approved by themselves: the call waits for a person.
      await waitForStatus(t, ws.liveKey, first!.id, ['awaiting_approval']);

      const nextDay = new Date(due.getTime() + DAY);
      await t.context.loopTriggers.tick(nextDay);
      const executions = await executionsOf(loop.id);
      expect(executions).toHaveLength(count);
      if (overlap === 'queue') {
        // Queued behind the open run: it does not start while that one is open.
        await t.context.loopTriggers.tick(nextDay);
        expect((await executionsOf(loop.id))[0]).toMatchObject({ status: 'queued', step_count: 0 });
        expect(llm.requests).toHaveLength(1);
      }
      expect(new Date((await loopRow(loop.id)).next_run_at).getTime()).toBe(due.getTime() + 2 * DAY);
      await disable(loop.id);
    },
  );
});

describe('event triggers', () => {
  it('run when a conversation of the filtered bot is escalated, with the event as input', async () => {
    const chat = await t.request({
      method: 'POST',
      url: `/v1/chatbots/${bot}/chat`,
      key: ws.liveKey,
      body: { message: 'Where is my order?' },
    });
    expect(chat.statusCode, chat.body).toBe(200);
    const conversation = chat.json().conversation_id as string;
    const otherBot = await createBot(t, ws.liveKey, llm);
    const label = await t.request({
      method: 'POST',
      url: '/v1/labels',
      key: ws.liveKey,
      body: { name: 'Shipping', color: '#336699' },
    });
    expect(label.statusCode, label.body).toBe(201);
    const loop = await createLoop(t, ws.liveKey, {
      chatbot_id: bot,
      tools: ['get_conversation', 'add_note', 'update_conversation'],
      trigger: { type: 'event', event: 'conversation.escalated', filter: { chatbot_id: bot } },
    });
    const ignored = await createLoop(t, ws.liveKey, {
      chatbot_id: bot,
      tools: ['finish'],
      trigger: { type: 'event', event: 'conversation.escalated', filter: { chatbot_id: otherBot } },
    });
    llm.reset();
    llm.script(
      {
        chunks: [],
        toolCalls: [{ id: 'c1', name: 'get_conversation', arguments: { conversation_id: conversation } }],
      },
      {
        chunks: [],
        toolCalls: [
          {
            id: 'c2',
            name: 'add_note',
            arguments: { conversation_id: conversation, text: 'Order A-1 shipped on Monday.' },
          },
        ],
      },
      {
        chunks: [],
        toolCalls: [
          {
            id: 'c3',
            name: 'update_conversation',
            arguments: { conversation_id: conversation, add_labels: ['Shipping'], status: 'closed' },
          },
        ],
      },
      { chunks: ['Closed: the order had shipped.'] },
    );
    const escalated = await t.request({
      method: 'POST',
      url: `/v1/conversations/${conversation}/escalate`,
      key: ws.liveKey,
      body: { reason: 'Order question' },
    });
    expect(escalated.statusCode, escalated.body).toBe(200);

    const [execution] = await executionsOf(loop.id);
    expect(execution).toMatchObject({
      triggered_by: 'event',
      input: { event: 'conversation.escalated', data: { id: conversation, reason: 'Order question' } },
    });
    const done = await waitForStatus(t, ws.liveKey, execution!.id, ['succeeded', 'failed']);
    expect(done.status, JSON.stringify(done)).toBe('succeeded');
    expect(JSON.stringify(done.steps[1]!.output)).toContain('Where is my order?');
    const read = await t.request({ url: `/v1/conversations/${conversation}`, key: ws.liveKey });
    expect(read.json(), JSON.stringify(done.steps)).toMatchObject({ status: 'closed', mode: 'human' });
    expect(await executionsOf(ignored.id)).toEqual([]);
    const notes = await t.request({ url: `/v1/conversations/${conversation}/notes`, key: ws.liveKey });
    expect(notes.json().data).toEqual([
      expect.objectContaining({ content: 'Order A-1 shipped on Monday.', author_name: 'Loop' }),
    ]);
    const labels = await t.request({ url: `/v1/conversations/${conversation}/labels`, key: ws.liveKey });
    expect(JSON.stringify(labels.json())).toContain('Shipping');
    // Private: the note is not one of the conversation's messages.
    const messages = await t.request({ url: `/v1/conversations/${conversation}/messages`, key: ws.liveKey });
    expect(messages.body).not.toContain('shipped on Monday');
  });
});
