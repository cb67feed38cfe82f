// A custom channel: any system that speaks signed HTTP. Inbound messages are POSTed to
// `/hooks/channels/{id}` signed with Standard Webhooks (the scheme of Parley's own webhooks, with
// the channel's `whsec_` secret); replies are POSTed to the channel's URL signed the same way, by
// the webhook sender, and retried on the webhooks' schedule.
import { Webhook } from 'standardwebhooks';
import type { SafeFetch } from '../../lib/safe-fetch.ts';
import { sendAttempt } from '../webhooks/webhook-sender.ts';
import { signDelivery } from '../webhooks/webhook-signing.ts';
import { PlatformError } from './platform-error.ts';

const SEND_TIMEOUT_MS = 15_000;

/** Whether the raw body is signed with the secret (and recent: Standard Webhooks' 5 minutes). */
export function verifyCustomSignature(
  secret: string,
  headers: Record<string, string>,
  rawBody: string,
): boolean {
  try {
    new Webhook(secret).verify(rawBody, headers);
    return true;
  } catch {
    return false;
  }
}

export interface CustomInbound {
  thread_id: string;
  text: string;
  user?: { id?: string; name?: string; email?: string };
}

export function customMessage(payload: CustomInbound) {
  const text = typeof payload.text === 'string' ? payload.text.trim() : '';
  if (!text || typeof payload.thread_id !== 'string') return null;
  const user = payload.user ?? {};
  return {
    threadKey: payload.thread_id,
    text,
    visitor: {
      id: `custom:${user.id ?? payload.thread_id}`,
      ...(user.name ? { name: user.name } : {}),
      ...(user.email ? { email: user.email } : {}),
    },
    metadata: { custom: { thread_id: payload.thread_id, user_id: user.id ?? null } },
  };
}

export function customText(content: string, sources: { url: string | null }[]) {
  return { text: content, sources: sources.map((source) => source.url).filter(Boolean) };
}

/** One signed POST of a reply; a refusal (401/403) means the receiver no longer takes our secret. */
export async function sendCustom(
  fetch: SafeFetch,
  request: { url: string; secret: string; id: string; body: Record<string, unknown> },
): Promise<void> {
  const sentAt = new Date();
  const body = JSON.stringify({ ...request.body, timestamp: sentAt.toISOString() });
  const result = await sendAttempt(
    { fetch, timeoutMs: SEND_TIMEOUT_MS },
    {
      url: request.url,
      headers: signDelivery([request.secret], { id: request.id, timestamp: sentAt, body }),
      body,
      sentAt,
    },
  );
  if (result.outcome.kind === 'succeeded') return;
  const status = result.statusCode ?? 0;
  throw new PlatformError(status, `Custom channel: ${result.outcome.reason}`, {
    retryAfter: result.retryAfterSeconds,
    credentialsRejected: status === 401 || status === 403,
    retryable: result.outcome.kind === 'retry',
  });
}
