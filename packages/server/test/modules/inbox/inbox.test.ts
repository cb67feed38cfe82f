// The team inbox's tools through the API: private notes that never reach the visitor, labels on
// conversations (filtered and counted), canned replies filled in on the server, sidebar counts.
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
  expect(response.statusCode, response.body).toBe(201);
  return response.json().id;
}

describe('private notes', () => {
  it('stay with the team: not in the visitor’s messages, the API’s messages or message events', async () => {
    const ws = await buildWorkspace(t.context);
    const owner = await people.signedIn(ws.id, 'owner');
    const agent = await people.signedIn(ws.id, 'agent');
    const bot = await widgetBot(ws);
    const visitor = await chat(bot, { message: 'My parcel never came' });
    expect(visitor.response.statusCode, visitor.response.body).toBe(200);

    const note = await owner.call('POST', `/v1/conversations/${visitor.conversationId}/notes`, {
      content: `Refund approved, @${agent.email} please tell them. @nobody@example.com is no one.`,
    });
    expect(note.statusCode, note.body).toBe(201);
    expect(note.json()).toMatchObject({
      conversation_id: visitor.conversationId,
      author_id: owner.id,
      author_name: owner.email,
      mentions: [agent.id],
      mentioned: [{ id: agent.id, email: agent.email }],
    });
    const notes = await agent.call('GET', `/v1/conversations/${visitor.conversationId}/notes`);
    expect(notes.json().data.map((n: { content: string }) => n.content)).toEqual([note.json().content]);

    const widgetMessages = await pub({
      url: `/public/v1/chatbots/${bot}/conversations/${visitor.conversationId}/messages`,
      token: visitor.token,
    });
    expect(widgetMessages.statusCode).toBe(200);
    expect(widgetMessages.body).not.toContain('Refund approved');
    const apiMessages = await agent.call('GET', `/v1/conversations/${visitor.conversationId}/messages`);
    expect(apiMessages.json().data.length).toBeGreaterThan(0);
    expect(apiMessages.body).not.toContain('Refund approved');
    const events = await t.request({ url: '/v1/events?page_size=100', key: ws.liveKey });
    expect(events.body).not.toContain('Refund approved');
    expect(
      (await t.request({ url: `/v1/conversations/${visitor.conversationId}`, key: ws.liveKey })).json()
        .message_count,
    ).toBe(
      (await t.request({ url: `/v1/conversations/${visitor.conversationId}`, key: ws.liveKey })).json()
        .message_count,
    );
  });

  it('refuse a blank note and another tenant’s conversation', async () => {
    const ws = await buildWorkspace(t.context);
    const other = await buildWorkspace(t.context);
    const bot = await widgetBot(ws);
    const visitor = await chat(bot, { message: 'Hi' });
    const blank = await t.request({
      method: 'POST',
      url: `/v1/conversations/${visitor.conversationId}/notes`,
      key: ws.liveKey,
      body: { content: '   ' },
    });
    expect(blank.statusCode).toBe(400);
    const foreign = await t.request({
      method: 'POST',
      url: `/v1/conversations/${visitor.conversationId}/notes`,
      key: other.liveKey,
      body: { content: 'Sneaky' },
    });
    expect(foreign.statusCode).toBe(404);
    const list = await t.request({
      url: `/v1/conversations/${visitor.conversationId}/notes`,
      key: ws.liveKey,
    });
    expect(list.json().data).toEqual([]);
  });
});

describe('labels', () => {
  it('are defined by admins, put on conversations by agents, filtered and counted', async () => {
    const ws = await buildWorkspace(t.context);
    const admin = await people.signedIn(ws.id, 'admin');
    const agent = await people.signedIn(ws.id, 'agent');
    const bot = await widgetBot(ws);
    const refund = (await admin.call('POST', '/v1/labels', { name: 'refund', color: '#D04040' })).json();
    const vip = (await admin.call('POST', '/v1/labels', { name: 'vip', color: '#1f8a70' })).json();
    expect(refund).toMatchObject({ name: 'refund', color: '#d04040' });
    expect((await agent.call('POST', '/v1/labels', { name: 'x', color: '#000000' })).statusCode).toBe(403);
    const dup = await admin.call('POST', '/v1/labels', { name: 'refund', color: '#000000' });
    expect(dup.statusCode).toBe(409);
    const badColour = await admin.call('POST', '/v1/labels', { name: 'red', color: 'red' });
    expect(badColour.json().error.param).toBe('color');

    const first = (await chat(bot, { message: 'Refund please' })).conversationId;
    const second = (await chat(bot, { message: 'Hello' })).conversationId;
    const set = await agent.call('PUT', `/v1/conversations/${first}/labels`, {
      label_ids: [refund.id, vip.id, vip.id],
    });
    expect(set.statusCode, set.body).toBe(200);
    expect(set.json().data.map((l: { name: string }) => l.name)).toEqual(['refund', 'vip']);
    await agent.call('PUT', `/v1/conversations/${second}/labels`, { label_ids: [vip.id] });
    expect((await agent.call('GET', `/v1/conversations/${first}/labels`)).json().data).toHaveLength(2);

    const byLabel = async (label: string) =>
      (await agent.call('GET', `/v1/conversations?label_id=${label}`))
        .json()
        .data.map((c: { id: string }) => c.id);
    expect(await byLabel(refund.id)).toEqual([first]);
    expect((await byLabel(vip.id)).sort()).toEqual([first, second].sort());

    const counts = (await agent.call('GET', '/v1/inbox/counts')).json();
    expect(counts.by_label).toEqual(
      expect.arrayContaining([
        { label_id: refund.id, count: 1 },
        { label_id: vip.id, count: 2 },
      ]),
    );
    expect(counts.by_status).toEqual({ open: 0, pending: 2, snoozed: 0, resolved: 0 });
    expect(counts.by_chatbot).toEqual([{ chatbot_id: bot, count: 2 }]);
    expect(counts.by_assignee).toEqual([{ user_id: null, count: 2 }]);

    // Replacing the set takes labels off; deleting a label takes it off everywhere.
    await agent.call('PUT', `/v1/conversations/${first}/labels`, { label_ids: [refund.id] });
    expect(await byLabel(vip.id)).toEqual([second]);
    expect((await admin.call('DELETE', `/v1/labels/${vip.id}`)).statusCode).toBe(200);
    expect((await agent.call('GET', `/v1/conversations/${second}/labels`)).json().data).toEqual([]);
  });

  it('refuses a label of another workspace or environment, changing nothing', async () => {
    const ws = await buildWorkspace(t.context);
    const bot = await widgetBot(ws);
    const conversation = (await chat(bot, { message: 'Hello' })).conversationId;
    const testLabel = (
      await t.request({
        method: 'POST',
        url: '/v1/labels',
        key: ws.testKey,
        body: { name: 'test', color: '#000000' },
      })
    ).json();
    const own = (
      await t.request({
        method: 'POST',
        url: '/v1/labels',
        key: ws.liveKey,
        body: { name: 'own', color: '#000000' },
      })
    ).json();
    const refused = await t.request({
      method: 'PUT',
      url: `/v1/conversations/${conversation}/labels`,
      key: ws.liveKey,
      body: { label_ids: [own.id, testLabel.id] },
    });
    expect(refused.statusCode).toBe(400);
    expect(refused.json().error).toMatchObject({ code: 'unknown_label', param: 'label_ids' });
    const labels = await t.request({ url: `/v1/conversations/${conversation}/labels`, key: ws.liveKey });
    expect(labels.json().data).toEqual([]);
  });
});

describe('canned replies', () => {
  it('fill in the visitor’s and the agent’s names on the server, with fallbacks', async () => {
    const ws = await buildWorkspace(t.context);
    const admin = await people.signedIn(ws.id, 'admin');
    const agent = await people.signedIn(ws.id, 'agent');
    await agent.call('PATCH', '/v1/me', { name: 'Ben Ortiz' });
    const bot = await widgetBot(ws);
    const created = await admin.call('POST', '/v1/canned-replies', {
      shortcut: 'Refund',
      content:
        'Hi {{visitor.first_name | there}}, {{agent.name}} here: your refund for {{ visitor.email }} is on its way.',
    });
    expect(created.statusCode, created.body).toBe(201);
    expect(created.json().shortcut).toBe('refund');
    const typo = await admin.call('POST', '/v1/canned-replies', {
      shortcut: 'oops',
      content: 'Hi {{visitor.nmae}}',
    });
    expect(typo.statusCode).toBe(400);
    expect(typo.json().error).toMatchObject({ code: 'unknown_variable', param: 'content' });
    expect(typo.json().error.message).toContain('{{visitor.nmae}}');
    expect(
      (await admin.call('POST', '/v1/canned-replies', { shortcut: 'REFUND', content: 'x' })).statusCode,
    ).toBe(409);

    const anonymous = (await chat(bot, { message: 'Where is my refund?' })).conversationId;
    const known = (
      await t.request({
        method: 'POST',
        url: `/v1/chatbots/${bot}/chat`,
        key: ws.liveKey,
        body: { message: 'Refund?', visitor: { name: 'Ana María Lopez', email: 'ana@example.com' } },
      })
    ).json().conversation_id;
    const render = (conversation: string) =>
      agent.call('POST', `/v1/canned-replies/${created.json().id}/render`, { conversation_id: conversation });
    expect((await render(known)).json().content).toBe(
      'Hi Ana, Ben Ortiz here: your refund for ana@example.com is on its way.',
    );
    expect((await render(anonymous)).json().content).toBe(
      'Hi there, Ben Ortiz here: your refund for  is on its way.',
    );

    const found = await agent.call('GET', '/v1/canned-replies?shortcut=ref');
    expect(found.json().data.map((r: { shortcut: string }) => r.shortcut)).toEqual(['refund']);
    expect((await agent.call('GET', '/v1/canned-replies?shortcut=zzz')).json().data).toEqual([]);
  });
});

describe('read receipts', () => {
  it('show the team how far each person has read, never moving back', async () => {
    const ws = await buildWorkspace(t.context);
    const ana = await people.signedIn(ws.id, 'agent');
    const ben = await people.signedIn(ws.id, 'agent');
    const bot = await widgetBot(ws);
    const visitor = await chat(bot, { message: 'First question' });
    const other = await chat(bot, { message: 'Another visitor' });
    const messages = (await ana.call('GET', `/v1/conversations/${visitor.conversationId}/messages`)).json()
      .data;
    const [first, last] = [messages[0].id, messages.at(-1).id];
    expect(first).not.toBe(last);

    const read = await ana.call('POST', `/v1/conversations/${visitor.conversationId}/read`);
    expect(read.statusCode, read.body).toBe(200);
    expect(read.json()).toMatchObject({ user_id: ana.id, last_read_message_id: last });
    const back = await ana.call('POST', `/v1/conversations/${visitor.conversationId}/read`, {
      message_id: first,
    });
    expect(back.json().last_read_message_id).toBe(last);
    await ben.call('POST', `/v1/conversations/${visitor.conversationId}/read`, { message_id: first });

    const otherMessage = (await ana.call('GET', `/v1/conversations/${other.conversationId}/messages`)).json()
      .data[0].id;
    const foreign = await ana.call('POST', `/v1/conversations/${visitor.conversationId}/read`, {
      message_id: otherMessage,
    });
    expect(foreign.statusCode).toBe(400);
    expect(foreign.json().error.code).toBe('unknown_message');

    const receipts = await t.request({
      url: `/v1/conversations/${visitor.conversationId}/reads`,
      key: ws.liveKey,
    });
    expect(
      receipts
        .json()
        .data.map((r: { user_id: string; last_read_message_id: string }) => [
          r.user_id,
          r.last_read_message_id,
        ]),
    ).toEqual(
      expect.arrayContaining([
        [ana.id, last],
        [ben.id, first],
      ]),
    );
    const byKey = await t.request({
      method: 'POST',
      url: `/v1/conversations/${visitor.conversationId}/read`,
      key: ws.liveKey,
    });
    expect(byKey.statusCode).toBe(403);
    expect(byKey.json().error.code).toBe('session_required');
  });
});
