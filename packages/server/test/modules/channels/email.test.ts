// Email channels end to end (Mailgun in, SMTP out): connecting with one call, answers from
// knowledge by SMTP to a local server with the thread kept (Message-ID, In-Reply-To, References,
// reply+{thread}@), quoted history stripped, a message delivered twice answered once, handoff with
// the agent's reply by email, SMTP's temporary refusals retried, and refused SMTP credentials
// announced once. Other inbound mail (multipart, bad signatures, leads, Postmark) is in
// email-inbound.test.ts.
import { afterAll, describe, expect, it } from 'vitest';
import { startFakeSmtp } from '../../fakes/fake-smtp.ts';
import {
  agentSays,
  channelEvents,
  expectDisconnectedOnce,
  expectReconnected,
  inboundStatus,
  PUBLIC_URL,
  SHIPPING_URL,
  SOON,
  startChannelApp,
} from './channel-fixtures.ts';
import {
  connectMailgun,
  deliverTo,
  mailgunPost,
  mailsTo as mailsOf,
  QUOTED,
  SIGNING_KEY,
  SUPPORT,
} from './email-fixtures.ts';

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
    const response = await connectMailgun(t, ws.liveKey, bot, { port: smtp.port, password: SMTP_PASSWORD });
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
});
