// Email channels' other inbound mail: Mailgun's multipart posts (attachments), signatures refused
// (another key, too old, a token used twice), the sender made a lead when the chatbot captures
// leads from chat, and Postmark's inbound JSON behind its basic auth. The full loop is in
// email.test.ts.
import { afterAll, describe, expect, it } from 'vitest';
import { startFakeSmtp } from '../../fakes/fake-smtp.ts';
import {
  captureLeadsFromChat,
  channelEvents,
  eventsOf,
  inboundStatus,
  leadsOf,
  SOON,
  startChannelApp,
} from './channel-fixtures.ts';
import { connectMailgun, deliverTo, mailgunPost, mailsTo as mailsOf, QUOTED } from './email-fixtures.ts';

const SMTP_PASSWORD = 'smtp-password-one';
const smtp = await startFakeSmtp({ parley: SMTP_PASSWORD });
const { t, ws, bot, close } = await startChannelApp({ PARLEY_ALLOW_PRIVATE_NETWORK: 'true' });
afterAll(async () => {
  await close();
  await smtp.close();
});

let channelId = '';
let conversationId = '';
const deliver = (post: { form: string }) => deliverTo(t, channelId, post);
const mailsTo = (address: string) => mailsOf(smtp, address);

describe('an email channel’s inbound mail (Mailgun)', () => {
  it('answers a first email in a conversation of its own', async () => {
    channelId = (
      await connectMailgun(t, ws.liveKey, bot, { port: smtp.port, password: SMTP_PASSWORD })
    ).json().id;
    const post = mailgunPost({ subject: 'Parcels to Iceland', body: 'How long do parcels to Iceland take?' });
    expect((await deliver(post)).statusCode).toBe(200);
    await expect.poll(() => mailsTo('ada@example.com').length, SOON).toBe(1);
    await expect.poll(() => inboundStatus(t, ws.liveKey, channelId, post.messageId), SOON).toBe('processed');
    conversationId = (await channelEvents(t, ws.liveKey, channelId)).find(
      (row) => row.platform_message_id === post.messageId,
    )!.conversation_id as string;
  });

  it('takes an email with an attachment, which Mailgun posts as multipart', async () => {
    const sent = mailsTo('ada@example.com').length;
    const post = mailgunPost({
      subject: 'Re: Parcels to Iceland',
      body: 'Here is my receipt, where is my parcel?',
      inReplyTo: mailsTo('ada@example.com')[0]!.messageId!,
    });
    const form = new FormData();
    for (const [key, value] of new URLSearchParams(post.form)) form.append(key, value);
    form.append('attachment-count', '1');
    form.append('attachment-1', new Blob(['Receipt no. 4411'], { type: 'text/plain' }), 'receipt.txt');
    const request = new Request('http://mailgun.invalid', { method: 'POST', body: form });
    const response = await t.request({
      method: 'POST',
      url: `/hooks/channels/${channelId}/email`,
      body: Buffer.from(await request.arrayBuffer()).toString('utf8'),
      headers: { 'content-type': request.headers.get('content-type')! },
    });
    expect(response.statusCode, response.body).toBe(200);
    await expect.poll(() => inboundStatus(t, ws.liveKey, channelId, post.messageId), SOON).toBe('processed');
    const row = (await channelEvents(t, ws.liveKey, channelId)).find(
      (r) => r.platform_message_id === post.messageId,
    )!;
    expect(row.conversation_id).toBe(conversationId);
    // It is answered like any other.
    await expect.poll(() => mailsTo('ada@example.com').length, SOON).toBe(sent + 1);
  });

  it.each([
    ['another signing key', { key: 'key-not-the-one' }],
    ['a timestamp six minutes old', { at: new Date(Date.now() - 6 * 60_000) }],
  ])('refuses an email signed with %s with 403, and stores nothing', async (_name, options) => {
    const before = (await channelEvents(t, ws.liveKey, channelId)).length;
    const response = await deliver(mailgunPost({ subject: 'Let me in', body: 'Let me in' }, options));
    expect(response.statusCode).toBe(403);
    expect(await channelEvents(t, ws.liveKey, channelId)).toHaveLength(before);
  });

  it('refuses a replayed token', async () => {
    const post = mailgunPost({ from: 'Bob <bob@example.com>', subject: 'Hello', body: 'Hello there' });
    expect((await deliver(post)).statusCode).toBe(200);
    const replay = mailgunPost(
      { from: 'Bob <bob@example.com>', subject: 'Hello', body: 'Other text' },
      { token: post.token },
    );
    const response = await deliver(replay);
    expect(response.statusCode).toBe(403);
    expect(response.json().error.code).toBe('replayed_webhook');
  });

  it('takes a token once when posts sharing it race: one is stored, the others are 403 and change nothing', async () => {
    const before = await channelEvents(t, ws.liveKey, channelId);
    // The conversations of the senders of these posts.
    const conversations = async () =>
      (
        (await t.request({ url: '/v1/conversations?channel=email&page_size=100', key: ws.liveKey })).json()
          .data as { customer_email: string | null }[]
      ).filter((conversation) => conversation.customer_email?.endsWith('@evil.example'));
    const first = mailgunPost({ from: 'Mallory 0 <m0@evil.example>', subject: 'Replay 0', body: 'Replay 0' });
    const posts = [
      first,
      ...Array.from({ length: 29 }, (_, i) =>
        mailgunPost(
          {
            from: `Mallory ${i + 1} <m${i + 1}@evil.example>`,
            subject: `Replay ${i + 1}`,
            body: `Replay ${i + 1}`,
          },
          { token: first.token },
        ),
      ),
    ];
    const responses = await Promise.all(posts.map((post) => deliver(post)));
    const statuses = responses.map((response) => response.statusCode);
    expect(statuses.filter((status) => status === 200)).toHaveLength(1);
    expect(statuses.filter((status) => status === 403)).toHaveLength(29);
    for (const response of responses.filter((r) => r.statusCode === 403)) {
      expect(response.json().error).toMatchObject({ type: 'permission_error', code: 'replayed_webhook' });
    }
    const taken = posts[statuses.indexOf(200)]!;
    const inbound = (await channelEvents(t, ws.liveKey, channelId)).filter(
      (row) => row.direction === 'inbound' && !before.some((old) => old.id === row.id),
    );
    expect(inbound.map((row) => row.platform_message_id)).toEqual([taken.messageId]);
    await expect.poll(() => inboundStatus(t, ws.liveKey, channelId, taken.messageId), SOON).toBe('processed');
    const [conversation, ...others] = await conversations();
    expect(others).toEqual([]);
    expect(conversation).toMatchObject({ customer_email: `m${posts.indexOf(taken)}@evil.example` });
  });

  it('makes the sender a lead, with their name, only when the chatbot captures leads from chat', async () => {
    const quiet = mailgunPost({
      from: 'Grace Hopper <grace@example.com>',
      subject: 'Compilers',
      body: 'Do you ship to Arlington?',
    });
    expect((await deliver(quiet)).statusCode).toBe(200);
    await expect.poll(() => inboundStatus(t, ws.liveKey, channelId, quiet.messageId), SOON).toBe('processed');
    expect(await leadsOf(t, ws.liveKey, bot)).toEqual([]);

    await captureLeadsFromChat(t, ws.liveKey, bot, true);
    const post = mailgunPost({
      from: 'Grace Hopper <Grace@Example.com>',
      subject: 'Compilers again',
      body: 'Do you ship to Norfolk?',
    });
    expect((await deliver(post)).statusCode).toBe(200);
    await expect.poll(() => inboundStatus(t, ws.liveKey, channelId, post.messageId), SOON).toBe('processed');
    const inbound = (await channelEvents(t, ws.liveKey, channelId)).find(
      (row) => row.platform_message_id === post.messageId,
    )!;
    const leads = await leadsOf(t, ws.liveKey, bot);
    expect(leads).toHaveLength(1);
    expect(leads[0]).toMatchObject({
      email: 'grace@example.com',
      name: 'Grace Hopper',
      conversation_id: inbound.conversation_id,
      captured_via: 'chat',
    });
    const captured = await eventsOf(t, ws.liveKey, 'lead.captured');
    expect(captured.map((event) => event.data.id)).toEqual([leads[0]!.id]);
    await captureLeadsFromChat(t, ws.liveKey, bot, false);
  });
});

describe('an email channel with Postmark in', () => {
  it('takes Postmark’s inbound JSON only with its basic auth, and answers by SMTP', async () => {
    const password = SMTP_PASSWORD;
    const created = await t.request({
      method: 'POST',
      url: `/v1/chatbots/${bot}/channels`,
      key: ws.liveKey,
      body: {
        type: 'email',
        address: 'help@store.example.org',
        provider: 'postmark',
        smtp_host: '127.0.0.1',
        smtp_port: smtp.port,
        smtp_username: 'parley',
        smtp_password: password,
      },
    });
    expect(created.statusCode, created.body).toBe(201);
    const { id, secret } = created.json();
    expect(secret).toEqual(expect.any(String));
    const inbound = {
      FromName: 'Grace Hopper',
      From: 'grace@example.net',
      FromFull: { Email: 'grace@example.net', Name: 'Grace Hopper', MailboxHash: '' },
      To: 'help@store.example.org',
      ToFull: [{ Email: 'help@store.example.org', Name: '', MailboxHash: '' }],
      OriginalRecipient: 'help@store.example.org',
      Subject: 'Iceland',
      MessageID: '22c74902-a0c1-4511-804f-341342852c90',
      TextBody: `How long do parcels to Iceland take?${QUOTED}`,
      Headers: [{ Name: 'Message-ID', Value: '<grace-1@example.net>' }],
    };
    const post = (authorization?: string) =>
      t.request({
        method: 'POST',
        url: `/hooks/channels/${id}/email`,
        body: inbound,
        headers: authorization ? { authorization } : {},
      });
    const basic = (password: string) => `Basic ${Buffer.from(`parley:${password}`).toString('base64')}`;
    expect((await post()).statusCode).toBe(403);
    expect((await post(basic('not-the-secret'))).statusCode).toBe(403);
    expect((await post(basic(secret))).statusCode).toBe(200);
    await expect.poll(() => mailsTo('grace@example.net').length, SOON).toBe(1);
    const [reply] = mailsTo('grace@example.net');
    expect(reply).toMatchObject({ subject: 'Re: Iceland', inReplyTo: '<grace-1@example.net>' });
    expect(reply!.text).toContain('9 business days');
    const row = (await channelEvents(t, ws.liveKey, id)).find((r) => r.direction === 'inbound')!;
    const messages = (
      await t.request({ url: `/v1/conversations/${row.conversation_id}/messages`, key: ws.liveKey })
    ).json();
    expect(messages.data[0]).toMatchObject({ role: 'user', content: 'How long do parcels to Iceland take?' });
  });
});
