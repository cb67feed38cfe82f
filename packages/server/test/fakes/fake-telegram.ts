// A fake Telegram Bot API served by the test, in the real shapes: `POST /bot{token}/{method}`
// answering `{ok: true, result}` or `{ok: false, error_code, description[, parameters]}`. It keeps
// each bot's webhook, queues updates for getUpdates (long polling with offset and timeout; a
// getUpdates that overlaps another one of the same bot ends the older with 409 Conflict, as
// Telegram does), records every call, and can revoke a token (401), answer the next calls of a method as told, or
// hold the next call of a method until the test releases it.
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface TelegramCall {
  token: string;
  method: string;
  // biome-ignore lint/suspicious/noExplicitAny: parameters are checked field by field in tests.
  params: any;
}

interface Failure {
  status: number;
  description: string;
  retryAfter?: number;
}

export interface FakeTelegram {
  url: string;
  calls: TelegramCall[];
  /** Calls of one method (optionally for one token). */
  callsOf(method: string, token?: string): TelegramCall[];
  /** From now on, every call with this token answers 401 Unauthorized. */
  revoke(token: string): void;
  /**
   * Holds the next call of `method` until `release()`: `reached` resolves with the call once it
   * arrives, so that a test acts while Parley waits for Telegram's answer.
   */
  holdNext(method: string): { reached: Promise<TelegramCall>; release(): void };
  /** The next `times` calls of `method` fail as given (after `after` calls answered as usual). */
  failNext(method: string, failure: Failure, times?: number, after?: number): void;
  /** getUpdates calls ended by another one of the same bot (409 Conflict), per token. */
  conflictsOf(token: string): number;
  /** An update for getUpdates to hand out (polling mode). */
  queueUpdate(token: string, update: Record<string, unknown>): void;
  webhookOf(token: string): { url: string; secret_token: string } | null;
  /** Resolves once `count` calls of `method` have been made. */
  waitForCalls(method: string, count: number, timeoutMs?: number): Promise<TelegramCall[]>;
  close(): Promise<void>;
}

export async function startFakeTelegram(): Promise<FakeTelegram> {
  const calls: TelegramCall[] = [];
  const revoked = new Set<string>();
  /** Per method, what its next calls get: a failure, or null for the usual answer. */
  const failures = new Map<string, (Failure | null)[]>();
  const webhooks = new Map<string, { url: string; secret_token: string }>();
  const updates = new Map<string, Record<string, unknown>[]>();
  /** The getUpdates waiting per bot: woken by an update, or ended by an overlapping one. */
  const pollers = new Map<string, { wake(): void; conflicted: boolean }>();
  const conflicts = new Map<string, number>();
  const waiters = new Set<() => void>();
  const holds = new Map<string, { arrive(call: TelegramCall): void; released: Promise<void> }[]>();
  let messageId = 1000;

  const botIdOf = (token: string) => Number(token.split(':')[0]) || 1;

  async function answer(token: string, method: string, params: Record<string, unknown>) {
    if (revoked.has(token))
      return { status: 401, body: { ok: false, error_code: 401, description: 'Unauthorized' } };
    const queued = failures.get(method);
    const failure = queued?.shift();
    if (failure) {
      return {
        status: failure.status,
        body: {
          ok: false,
          error_code: failure.status,
          description: failure.description,
          ...(failure.retryAfter ? { parameters: { retry_after: failure.retryAfter } } : {}),
        },
      };
    }
    const ok = (result: unknown) => ({ status: 200, body: { ok: true, result } });
    switch (method) {
      case 'getMe':
        return ok({
          id: botIdOf(token),
          is_bot: true,
          first_name: 'Fake bot',
          username: `fake_${botIdOf(token)}_bot`,
        });
      case 'setWebhook':
        webhooks.set(token, { url: String(params.url), secret_token: String(params.secret_token ?? '') });
        return ok(true);
      case 'deleteWebhook':
        webhooks.delete(token);
        return ok(true);
      case 'getWebhookInfo':
        return ok({
          url: webhooks.get(token)?.url ?? '',
          has_custom_certificate: false,
          pending_update_count: 0,
        });
      case 'getUpdates': {
        if (webhooks.has(token)) {
          return {
            status: 409,
            body: {
              ok: false,
              error_code: 409,
              description: "Conflict: can't use getUpdates method while webhook is active",
            },
          };
        }
        const offset = Number(params.offset ?? 0);
        const pending = () =>
          (updates.get(token) ?? []).filter((update) => Number(update.update_id) >= offset);
        // Another getUpdates of this bot still waiting: Telegram ends the older one with a 409.
        const older = pollers.get(token);
        if (older) {
          older.conflicted = true;
          older.wake();
        }
        if (pending().length === 0 && Number(params.timeout ?? 0) > 0) {
          // Long polling: wait for an update or the timeout.
          const poller = { wake: () => {}, conflicted: false };
          await new Promise<void>((resolve) => {
            const timer = setTimeout(resolve, Number(params.timeout) * 1000);
            poller.wake = () => {
              clearTimeout(timer);
              resolve();
            };
            pollers.set(token, poller);
          });
          if (pollers.get(token) === poller) pollers.delete(token);
          if (poller.conflicted) {
            conflicts.set(token, (conflicts.get(token) ?? 0) + 1);
            return {
              status: 409,
              body: {
                ok: false,
                error_code: 409,
                description:
                  'Conflict: terminated by other getUpdates request; make sure that only one bot instance is running',
              },
            };
          }
        }
        // Confirmed updates (below the offset) are forgotten, as Telegram does.
        updates.set(token, pending());
        return ok(pending());
      }
      case 'sendMessage':
        messageId += 1;
        return ok({
          message_id: messageId,
          date: Math.floor(Date.now() / 1000),
          chat: { id: Number(params.chat_id), type: 'private' },
          text: params.text,
        });
      default:
        return { status: 404, body: { ok: false, error_code: 404, description: 'Not Found' } };
    }
  }

  const server = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', async () => {
      const match = /^\/bot([^/]+)\/(\w+)$/.exec(request.url ?? '');
      let params: Record<string, unknown> = {};
      try {
        params = chunks.length ? JSON.parse(Buffer.concat(chunks).toString('utf8')) : {};
      } catch {}
      const hold = match ? holds.get(match[2]!)?.shift() : undefined;
      if (hold) {
        hold.arrive({ token: match![1]!, method: match![2]!, params });
        await hold.released;
      }
      const result = match
        ? await answer(match[1]!, match[2]!, params)
        : { status: 404, body: { ok: false, error_code: 404, description: 'Not Found' } };
      if (match) {
        calls.push({ token: match[1]!, method: match[2]!, params });
        for (const wake of waiters) wake();
      }
      response.writeHead(result.status, { 'content-type': 'application/json' });
      response.end(JSON.stringify(result.body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  const fake: FakeTelegram = {
    url: `http://127.0.0.1:${port}`,
    calls,
    callsOf: (method, token) =>
      calls.filter((call) => call.method === method && (!token || call.token === token)),
    revoke: (token) => revoked.add(token),
    holdNext(method) {
      let arrive!: (call: TelegramCall) => void;
      let release!: () => void;
      const reached = new Promise<TelegramCall>((resolve) => {
        arrive = resolve;
      });
      const released = new Promise<void>((resolve) => {
        release = resolve;
      });
      holds.set(method, [...(holds.get(method) ?? []), { arrive, released }]);
      return { reached, release };
    },
    failNext(method, failure, times = 1, after = 0) {
      failures.set(method, [
        ...(failures.get(method) ?? []),
        ...Array.from({ length: after }, () => null),
        ...Array.from({ length: times }, () => failure),
      ]);
    },
    queueUpdate(token, update) {
      updates.set(token, [...(updates.get(token) ?? []), update]);
      pollers.get(token)?.wake();
    },
    webhookOf: (token) => webhooks.get(token) ?? null,
    conflictsOf: (token) => conflicts.get(token) ?? 0,
    waitForCalls(method, count, timeoutMs = 20_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const found = fake.callsOf(method);
          if (found.length < count) return false;
          waiters.delete(check);
          clearTimeout(timer);
          resolve(found);
          return true;
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`expected ${count} ${method} calls, got ${fake.callsOf(method).length}`));
        }, timeoutMs);
        waiters.add(check);
        check();
      });
    },
    async close() {
      for (const poller of pollers.values()) poller.wake();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  return fake;
}
