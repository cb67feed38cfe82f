// What the email channel test files share: Mailgun's signed inbound posts, the SMTP server's
// mail to one address, and a Mailgun channel connected with one call.
import { createHmac, randomBytes } from 'node:crypto';
import { expect } from 'vitest';
import type { FakeSmtp } from '../../fakes/fake-smtp.ts';
import type { TestApp } from '../../helpers/test-app.ts';

export const SUPPORT = 'support@shop.example.com';
export const SIGNING_KEY = 'key-3ax6xnjp29jd6fds4gc373sgvjxteol0';
export const QUOTED =
  '\n\nOn Mon, 7 Dec 2026 at 10:00, Shop Support <support@shop.example.com> wrote:\n> An older answer\n> about something else';
let nextMail = 0;

/** A parsed email as Mailgun's forward() posts it (form-encoded), signed at `at`. */
export function mailgunPost(
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

/** Posts to an email channel's webhook as Mailgun does (form-encoded). */
export function deliverTo(t: TestApp, channelId: string, post: { form: string }) {
  return t.request({
    method: 'POST',
    url: `/hooks/channels/${channelId}/email`,
    body: post.form,
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
  });
}

/** The mail the SMTP server took for this address, oldest first. */
export const mailsTo = (smtp: FakeSmtp, address: string) =>
  smtp.messages.filter((mail) => mail.to && JSON.stringify(mail.to).includes(address));

/** A Mailgun channel on the local SMTP server, created with one call (201). */
export async function connectMailgun(
  t: TestApp,
  key: string,
  bot: string,
  smtp: { port: number; password: string },
) {
  const response = await t.request({
    method: 'POST',
    url: `/v1/chatbots/${bot}/channels`,
    key,
    body: {
      type: 'email',
      address: SUPPORT,
      provider: 'mailgun',
      smtp_host: '127.0.0.1',
      smtp_port: smtp.port,
      smtp_username: 'parley',
      smtp_password: smtp.password,
      mailgun_signing_key: SIGNING_KEY,
    },
  });
  expect(response.statusCode, response.body).toBe(201);
  return response;
}
