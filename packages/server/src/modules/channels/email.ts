// The email adapter: inbound mail from a provider's webhook (Mailgun: HMAC-SHA256 of timestamp +
// token with the webhook signing key, within 5 minutes, each token once; Postmark: HTTP basic
// auth), threading (our own Message-IDs and the `reply+{thread}@` address carry the thread, so
// `In-Reply-To`, `References` or the address a reply is sent to find its conversation), quoted
// history stripped, and outbound mail by SMTP (nodemailer).
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import EmailReplyParser from 'email-reply-parser';
import nodemailer from 'nodemailer';
import { PlatformError } from './platform-error.ts';

export const MAILGUN_TIMESTAMP_TOLERANCE_SECONDS = 300;
/** The user name of Postmark's basic auth (the password is the channel's secret). */
export const POSTMARK_USER = 'parley';

export interface EmailSettings {
  address: string;
  provider: 'mailgun' | 'postmark';
  smtp_host: string;
  smtp_port: number;
  smtp_secure: boolean;
  smtp_username: string | null;
}

/** An inbound email as Parley keeps it, whichever provider posted it. */
export interface InboundEmail {
  message_id: string;
  from: { email: string; name: string | null };
  to: string[];
  subject: string;
  text: string;
  in_reply_to: string | null;
  references: string[];
  /** Set when stored: the conversation's thread. */
  thread?: string;
}

const same = (a: string, b: string) => {
  const left = createHash('sha256').update(a).digest();
  const right = createHash('sha256').update(b).digest();
  return timingSafeEqual(left, right);
};

export function verifyMailgun(
  signingKey: string,
  fields: { timestamp?: string; token?: string; signature?: string },
  now: Date = new Date(),
): boolean {
  const { timestamp, token, signature } = fields;
  if (!timestamp || !token || !signature || !/^\d+$/.test(timestamp)) return false;
  if (Math.abs(now.getTime() / 1000 - Number(timestamp)) > MAILGUN_TIMESTAMP_TOLERANCE_SECONDS) return false;
  const expected = createHmac('sha256', signingKey).update(`${timestamp}${token}`).digest('hex');
  return same(expected, signature);
}

export function verifyBasicAuth(header: string | undefined, password: string): boolean {
  if (!header?.startsWith('Basic ')) return false;
  const decoded = Buffer.from(header.slice('Basic '.length), 'base64').toString('utf8');
  return same(decoded, `${POSTMARK_USER}:${password}`);
}

/** `Name <a@b>` or `a@b` as address and name. */
export function parseAddress(value: string): { email: string; name: string | null } {
  const match = /^\s*"?([^"<]*?)"?\s*<([^>]+)>\s*$/.exec(value);
  if (match) return { email: match[2]!.trim().toLowerCase(), name: match[1]!.trim() || null };
  return { email: value.trim().toLowerCase(), name: null };
}

const messageIds = (value: string | null | undefined) => (value ?? '').match(/<[^<>\s]+>/g) ?? [];

/** Mailgun's form fields (forward() of a parsed message) as an inbound email. */
export function mailgunEmail(fields: Record<string, string>): InboundEmail | null {
  let headers: [string, string][] = [];
  try {
    headers = JSON.parse(fields['message-headers'] ?? '[]');
  } catch {}
  const header = (name: string) =>
    headers.find(([key]) => key.toLowerCase() === name.toLowerCase())?.[1] ?? fields[name] ?? null;
  const messageId = messageIds(header('Message-Id'))[0];
  if (!fields.from || !messageId) return null;
  return {
    message_id: messageId,
    from: parseAddress(fields.from),
    to: (fields.recipient ?? '').split(',').map((address) => parseAddress(address).email),
    subject: fields.subject ?? '',
    text: fields['body-plain'] ?? '',
    in_reply_to: messageIds(header('In-Reply-To'))[0] ?? null,
    references: messageIds(header('References')),
  };
}

interface PostmarkInbound {
  FromFull?: { Email?: string; Name?: string };
  ToFull?: { Email?: string }[];
  OriginalRecipient?: string;
  Subject?: string;
  MessageID?: string;
  TextBody?: string;
  Headers?: { Name?: string; Value?: string }[];
}

/** Postmark's inbound JSON as an inbound email. */
export function postmarkEmail(body: PostmarkInbound): InboundEmail | null {
  const header = (name: string) =>
    body.Headers?.find((entry) => entry.Name?.toLowerCase() === name.toLowerCase())?.Value ?? null;
  const messageId =
    messageIds(header('Message-ID'))[0] ?? (body.MessageID ? `<${body.MessageID}>` : undefined);
  if (!body.FromFull?.Email || !messageId) return null;
  const to = (body.ToFull ?? []).map((entry) => String(entry.Email ?? '').toLowerCase());
  if (body.OriginalRecipient) to.push(body.OriginalRecipient.toLowerCase());
  return {
    message_id: messageId,
    from: { email: body.FromFull.Email.toLowerCase(), name: body.FromFull.Name || null },
    to,
    subject: body.Subject ?? '',
    text: body.TextBody ?? '',
    in_reply_to: messageIds(header('In-Reply-To'))[0] ?? null,
    references: messageIds(header('References')),
  };
}

const domainOf = (address: string) => address.slice(address.lastIndexOf('@') + 1).toLowerCase();

/**
 * The thread an email continues: the `reply+{thread}@` address it was sent to, or one of our
 * Message-IDs (`<{thread}.{id}@domain>`) it answers; null for a new conversation.
 */
export function threadOf(email: InboundEmail, address: string): string | null {
  const domain = domainOf(address);
  const local = address.slice(0, address.lastIndexOf('@')).toLowerCase();
  for (const recipient of email.to) {
    const match = new RegExp(`^${escapeRegExp(local)}\\+([a-z0-9]+)@${escapeRegExp(domain)}$`).exec(
      recipient,
    );
    if (match) return match[1]!;
  }
  for (const id of [email.in_reply_to, ...email.references.toReversed()]) {
    const match = id ? new RegExp(`^<([a-z0-9]+)\\.[^@]+@${escapeRegExp(domain)}>$`, 'i').exec(id) : null;
    if (match) return match[1]!.toLowerCase();
  }
  return null;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** A new conversation's thread id, the same for every delivery of one message. */
export function newThread(secret: string, messageId: string): string {
  return createHmac('sha256', secret).update(messageId).digest('hex').slice(0, 24);
}

/** What the person wrote, without the quoted history and signature below it. */
export function visibleText(text: string): string {
  return new EmailReplyParser().read(text.replace(/\r\n/g, '\n')).getVisibleText().trim();
}

export function emailMessage(stored: InboundEmail) {
  const text = visibleText(stored.text);
  if (!text || !stored.thread) return null;
  return {
    threadKey: stored.thread,
    text,
    visitor: {
      id: `email:${stored.from.email}`,
      email: stored.from.email,
      ...(stored.from.name ? { name: stored.from.name } : {}),
    },
    contact: { email: stored.from.email, ...(stored.from.name ? { name: stored.from.name } : {}) },
    metadata: { email: { from: stored.from.email, subject: stored.subject, message_id: stored.message_id } },
  };
}

export function emailText(content: string, sources: { url: string | null }[]): string {
  const urls = [...new Set(sources.map((source) => source.url).filter((url): url is string => Boolean(url)))];
  return urls.length ? `${content}\n\n${urls.join('\n')}` : content;
}

/** SMTP's answer as a PlatformError: 535 (auth) refuses the credentials, 4xx and no answer are retried. */
function smtpError(error: unknown): PlatformError {
  const failure = error as { code?: string; responseCode?: number; response?: string; message?: string };
  const status = failure.responseCode ?? 0;
  const message = `SMTP: ${String(failure.response ?? failure.message ?? 'failed').slice(0, 300)}`;
  return new PlatformError(status, message, {
    credentialsRejected: failure.code === 'EAUTH' || status === 535,
    retryable:
      status === 0 ||
      (status >= 400 && status < 500) ||
      failure.code === 'ECONNECTION' ||
      failure.code === 'ETIMEDOUT',
  });
}

export interface OutboundEmail {
  to: string;
  subject: string;
  text: string;
  messageId: string;
  inReplyTo: string | null;
  references: string[];
  replyTo: string;
}

export function createMailer() {
  const transport = (settings: EmailSettings, password: string | null) =>
    nodemailer.createTransport({
      host: settings.smtp_host,
      port: settings.smtp_port,
      secure: settings.smtp_secure,
      ...(settings.smtp_username ? { auth: { user: settings.smtp_username, pass: password ?? '' } } : {}),
      connectionTimeout: 15_000,
      greetingTimeout: 15_000,
      socketTimeout: 30_000,
    });
  return {
    /** Connects and authenticates: the health check. */
    async verify(settings: EmailSettings, password: string | null): Promise<void> {
      const mailer = transport(settings, password);
      try {
        await mailer.verify();
      } catch (error) {
        throw smtpError(error);
      } finally {
        mailer.close();
      }
    },
    async send(settings: EmailSettings, password: string | null, mail: OutboundEmail): Promise<void> {
      const mailer = transport(settings, password);
      try {
        await mailer.sendMail({
          from: settings.address,
          to: mail.to,
          replyTo: mail.replyTo,
          subject: mail.subject,
          text: mail.text,
          messageId: mail.messageId,
          ...(mail.inReplyTo ? { inReplyTo: mail.inReplyTo } : {}),
          ...(mail.references.length ? { references: mail.references } : {}),
        });
      } catch (error) {
        throw smtpError(error);
      } finally {
        mailer.close();
      }
    },
  };
}

export type Mailer = ReturnType<typeof createMailer>;

/** Our Message-ID for a reply in a thread, and the thread's reply address. */
export function emailIds(address: string, thread: string, deliveryId: string) {
  const domain = domainOf(address);
  const local = address.slice(0, address.lastIndexOf('@'));
  return { messageId: `<${thread}.${deliveryId}@${domain}>`, replyTo: `${local}+${thread}@${domain}` };
}
