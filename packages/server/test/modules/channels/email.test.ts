// Email channels end to end: inbound mail posted by Mailgun (signed, recent, each token once) or
// Postmark (basic auth), answered from knowledge by SMTP to a local server with the thread kept
// (Message-ID, In-Reply-To, References, reply+{thread}@), quoted history stripped, a message
// delivered twice answered once, handoff with the agent's reply by email, SMTP's temporary
// refusals retried, and refused SMTP credentials announced once.
import { createHmac, randomBytes } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { startFakeSmtp } from '../../fakes/fake-smtp.ts';
import {
  agentSays,
  captureLeadsFromChat,
  channelEvents,
  eventsOf,
  expectDisconnectedOnce,
  expectReconnected,
  inboundStatus,
  leadsOf,
  PUBLIC_URL,
  SHIPPING_URL,
  SOON,
  startChannelApp,
} from './channel-fixtures.ts';

const SMTP_PASSWORD = 'smtp-password-one';
const smtp = await startFakeSmtp({ parley: SMTP_PASSWORD });
const { t, ws, bot, close } = await startChannelApp({ PARLEY_ALLOW_PRIVATE_NETWORK: 'true' });
afterAll(async () => {
  await close();
  await smtp.close();
});

const SUPPORT = 'support@shop.example.com';
const SIGNING_KEY = 'key-3ax6xnjp29jd6fds4gc373sgvjxteol0';
let channelId = '';
let conversationId = '';
let nextMail = 0;

/** A parsed email as Mailgun's forward() posts it (form-encoded), signed at `at`. */
function mailgunPost(
  mail: {
    from?: string;
    to?: string;
    subject: string;
    body: string;
    inReplyTo?: string;
    references?: string;
  },
  options: { key?: string; at?: Date; token?: string; messageId?: string } = {},
) {
  nextMail += 1;
  const messageId = options.messageId ?? `<ada-${nextMail}@mail.example.com>`;
  const timestamp = String(Math.floor((options.at ?? new Date()).getTime() / 1000));
  const token = options.token ?? randomBytes(25).toString('hex');
  const headers = [
    ['Message-Id', messageId],
    ...(mail.inReplyTo ? [['In-Reply-To', mail.inReplyTo]] : []),
    ...(mail.references ? [['References', mail.references]] : []),
  ];
  const form = new URLSearchParams({
    recipient: mail.to ?? SUPPORT,
    sender: 'ada@example.com',
    from: mail.from ?? 'Ada Lovelace <ada@example.com>',
    subject: mail.subject,
    'body-plain': mail.body,
    'message-headers': JSON.stringify(headers),
    timestamp,
    token,
    signature: createHmac('sha256', options.key ?? SIGNING_KEY)
      .update(`${timestamp}${token}`)
      .digest('hex'),
  });
  return { messageId, token, form: form.toString() };
}

function deliver(post: { form: string }) {
  return t.request({
    method: 'POST',
    url: `/hooks/channels/${channelId}/email`,
    body: post.form,
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
  });
}

const mailsTo = (address: string) =>
  smtp.messages.filter((mail) => mail.to && JSON.stringify(mail.to).includes(address));
const QUOTED =
  '\n\nOn Mon, 7 Dec 2026 at 10:00, Shop Support <support@shop.example.com> wrote:\n> An older answer\n> about something else';

describe('an email channel (Mailgun in, SMTP out)', () => {
  it('refuses SMTP credentials the server rejects, and a Mailgun channel without its signing key', async () => {
    const base = {
      type: 'email',
      address: SUPPORT,
      provider: 'mailgun',
      smtp_host: '127.0.0.1',
      smtp_port: smtp.port,
      smtp_username: 'parley',
    };
    const refused = await t.request({
      method: 'POST',
      url: `/v1/chatbots/${bot}/channels`,
      key: ws.liveKey,
      body: { ...base, smtp_password: 'wrong', mailgun_signing_key: SIGNING_KEY },
    });
    expect(refused.statusCode).toBe(400);
    expect(refused.json().error).toMatchObject({
      code: 'channel_credentials_rejected',
      param: 'smtp_password',
    });
    const missing = await t.request({
      method: 'POST',
      url: `/v1/chatbots/${bot}/channels`,
      key: ws.liveKey,
      body: { ...base, smtp_password: SMTP_PASSWORD },
    });
    expect(missing.statusCode).toBe(400);
    expect(missing.json().error.param).toBe('mailgun_signing_key');
    expect((await t.request({ url: `/v1/chatbots/${bot}/channels`, key: ws.liveKey })).json().data).toEqual(
      [],
    );
  });

  it('connects with one call, never showing the credentials', async () => {
    const response = await t.request({
      method: 'POST',
      url: `/v1/chatbots/${bot}/channels`,
      key: ws.liveKey,
      body: {
        type: 'email',
        address: SUPPORT,
        provider: 'mailgun',
        smtp_host: '127.0.0.1',
        smtp_port: smtp.port,
        smtp_username: 'parley',
        smtp_password: SMTP_PASSWORD,
        mailgun_signing_key: SIGNING_KEY,
      },
    });
    expect(response.statusCode, response.body).toBe(201);
    for (const secret of [SMTP_PASSWORD, SIGNING_KEY]) expect(response.body).not.toContain(secret);
    const channel = response.json();
    channelId = channel.id;
    expect(channel).toMatchObject({
      type: 'email',
      status: 'active',
      webhook_url: `${PUBLIC_URL}/hooks/channels/${channelId}/email`,
      credentials: { smtp_password: true, inbound_secret: true },
      settings: { address: SUPPORT, provider: 'mailgun', smtp_port: smtp.port, smtp_username: 'parley' },
    });
    expect(channel.secret).toBeUndefined();
  });

  it('answers a signed email from knowledge by SMTP, in its thread, without the quoted history', async () => {
    const post = mailgunPost({
      subject: 'Parcels to Iceland',
      body: `How long do parcels to Iceland take?${QUOTED}`,
    });
    expect((await deliver(post)).statusCode).toBe(200);
    await expect.poll(() => mailsTo('ada@example.com').length, SOON).toBe(1);
    const [reply] = mailsTo('ada@example.com');
    expect(reply!.subject).toBe('Re: Parcels to Iceland');
    expect(reply!.from?.text).toBe(SUPPORT);
    expect(reply!.inReplyTo).toBe(post.messageId);
    expect(reply!.references).toEqual(post.messageId);
    expect(reply!.replyTo?.text).toMatch(/^support\+[a-f0-9]+@shop\.example\.com$/);
    expect(reply!.messageId).toMatch(/@shop\.example\.com>$/);
    expect(reply!.text).toContain('9 business days');
    expect(reply!.text).toContain(SHIPPING_URL);

    await expect.poll(() => inboundStatus(t, ws.liveKey, channelId, post.messageId), SOON).toBe('processed');
    const inbound = (await channelEvents(t, ws.liveKey, channelId)).find(
      (row) => row.platform_message_id === post.messageId,
    )!;
    conversationId = inbound.conversation_id as string;
    const conversation = (
      await t.request({ url: `/v1/conversations/${conversationId}`, key: ws.liveKey })
    ).json();
    expect(conversation).toMatchObject({
      channel: 'email',
      customer_email: 'ada@example.com',
      customer_name: 'Ada Lovelace',
      visitor_id: 'email:ada@example.com',
    });
    const messages = (
      await t.request({ url: `/v1/conversations/${conversationId}/messages`, key: ws.liveKey })
    ).json();
    expect(messages.data[0]).toMatchObject({ role: 'user', content: 'How long do parcels to Iceland take?' });
  });

  it('keeps a reply (In-Reply-To, or sent to the reply+ address) in its conversation, and answers a repeat once', async () => {
    const [first] = mailsTo('ada@example.com');
    const byHeader = mailgunPost({
      subject: 'Re: Parcels to Iceland',
      body: `What does express delivery cost?${QUOTED}`,
      inReplyTo: first!.messageId!,
      references: `<ada-1@mail.example.com> ${first!.messageId}`,
    });
    expect((await deliver(byHeader)).statusCode).toBe(200);
    // Mailgun delivers the same email again (a new token): stored once.
    expect(
      (await deliver(mailgunPost({ subject: 'x', body: 'x' }, { messageId: byHeader.messageId }))).statusCode,
    ).toBe(200);
    const byAddress = mailgunPost({
      to: first!.replyTo!.text,
      subject: 'One more thing',
      body: 'Do you ship to Greenland?',
    });
    expect((await deliver(byAddress)).statusCode).toBe(200);
    await expect.poll(() => mailsTo('ada@example.com').length, SOON).toBe(3);
    for (const id of [byHeader.messageId, byAddress.messageId]) {
      await expect.poll(() => inboundStatus(t, ws.liveKey, channelId, id), SOON).toBe('processed');
    }
    const rows = await channelEvents(t, ws.liveKey, channelId);
    expect(rows.filter((row) => row.platform_message_id === byHeader.messageId)).toHaveLength(1);
    expect(
      new Set(rows.filter((row) => row.direction === 'inbound').map((row) => row.conversation_id)),
    ).toEqual(new Set([conversationId]));
    expect(mailsTo('ada@example.com')[1]!.references).toEqual([
      '<ada-1@mail.example.com>',
      first!.messageId,
      byHeader.messageId,
    ]);
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

  it('stays quiet once a human has the conversation, and emails the agent’s reply', async () => {
    const sent = mailsTo('ada@example.com').length;
    const escalated = await t.request({
      method: 'POST',
      url: `/v1/conversations/${conversationId}/escalate`,
      key: ws.liveKey,
      body: {},
    });
    expect(escalated.statusCode, escalated.body).toBe(200);
    await expect.poll(() => mailsTo('ada@example.com').length, SOON).toBe(sent + 1);
    const notice = mailsTo('ada@example.com').at(-1)!;
    const waiting = mailgunPost({
      subject: 'Re: Parcels to Iceland',
      body: 'Is anyone there?',
      inReplyTo: notice.messageId!,
    });
    expect((await deliver(waiting)).statusCode).toBe(200);
    await expect
      .poll(() => inboundStatus(t, ws.liveKey, channelId, waiting.messageId), SOON)
      .toBe('processed');
    await agentSays(t, ws.liveKey, conversationId, 'Hi Ada, Grace from support here.');
    await expect.poll(() => mailsTo('ada@example.com').length, SOON).toBe(sent + 2);
    const mail = mailsTo('ada@example.com').at(-1)!;
    expect(mail.text?.trim()).toBe('Hi Ada, Grace from support here.');
    expect(mail.inReplyTo).toBe(waiting.messageId);
  });

  it('retries when the SMTP server refuses for now (421), then delivers', async () => {
    const sent = mailsTo('ada@example.com').length;
    smtp.refuseNext(421, '4.7.0 Too many messages, slow down');
    await agentSays(t, ws.liveKey, conversationId, 'Your parcel left the warehouse.');
    await expect.poll(() => mailsTo('ada@example.com').length, SOON).toBe(sent + 1);
    await expect
      .poll(async () => (await channelEvents(t, ws.liveKey, channelId))[0], SOON)
      .toMatchObject({ direction: 'outbound', status: 'sent', attempts: 2 });
  });

  it('marks the channel disconnected once when the SMTP server refuses the password, and reconnects with a new one', async () => {
    smtp.revoke(SMTP_PASSWORD);
    const reason = 'SMTP: 535 5.7.8 Authentication credentials invalid';
    await expectDisconnectedOnce(t, ws.liveKey, { channelId, conversationId }, reason);
    smtp.setPassword('parley', 'smtp-password-two');
    await expectReconnected(t, ws.liveKey, channelId, { smtp_password: 'smtp-password-two' });
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
    // The password the first channel was given last: the first one is revoked.
    const password = 'smtp-password-two';
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
