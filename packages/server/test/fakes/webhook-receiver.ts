// A webhook receiver served by the test: records every request (headers and raw body) and
// answers as the test decides — a status, a Retry-After, a delay, or never (to time out).
// It can go down and come back on the same port.
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedRequest {
  path: string;
  headers: Record<string, string>;
  body: string;
  /** Parsed body. */
  // biome-ignore lint/suspicious/noExplicitAny: the body is checked field by field in tests.
  json: any;
  /** The status this receiver answered with (null: it never answered). */
  answered: number | null;
}

export interface ReceiverAnswer {
  status?: number;
  headers?: Record<string, string>;
  body?: string;
  /** Wait this long before answering. */
  delayMs?: number;
  /** Never answer (the sender times out). */
  hang?: boolean;
  /** Close the connection without answering. */
  reset?: boolean;
}

export interface WebhookReceiver {
  url: string;
  port: number;
  requests: ReceivedRequest[];
  /** Decides each answer; default: 200 "ok". */
  respond: (request: ReceivedRequest, index: number) => ReceiverAnswer;
  /** Stops listening (connections are refused) until up() is called. */
  down(): Promise<void>;
  up(): Promise<void>;
  /** Resolves once `count` requests have arrived. */
  waitFor(count: number, timeoutMs?: number): Promise<ReceivedRequest[]>;
  close(): Promise<void>;
}

export async function startWebhookReceiver(path = '/hooks'): Promise<WebhookReceiver> {
  const requests: ReceivedRequest[] = [];
  const hanging = new Set<http.ServerResponse>();
  const waiters = new Set<() => void>();
  let port = 0;
  let server: http.Server | null = null;

  const receiver: WebhookReceiver = {
    url: '',
    port: 0,
    requests,
    respond: () => ({ status: 200, body: 'ok' }),
    async down() {
      const current = server;
      server = null;
      if (!current) return;
      for (const response of hanging) response.destroy();
      hanging.clear();
      current.closeAllConnections();
      await new Promise<void>((resolve) => current.close(() => resolve()));
    },
    async up() {
      server = http.createServer((request, response) => {
        const chunks: Buffer[] = [];
        request.on('data', (chunk: Buffer) => chunks.push(chunk));
        request.on('end', () => {
          const body = Buffer.concat(chunks).toString('utf8');
          let json: unknown = null;
          try {
            json = JSON.parse(body);
          } catch {}
          const received: ReceivedRequest = {
            path: request.url ?? '/',
            headers: request.headers as Record<string, string>,
            body,
            json,
            answered: null,
          };
          const index = requests.length;
          requests.push(received);
          for (const waiter of [...waiters]) waiter();
          const answer = receiver.respond(received, index);
          if (answer.reset) {
            request.socket.destroy();
            return;
          }
          if (answer.hang) {
            hanging.add(response);
            response.on('close', () => hanging.delete(response));
            return;
          }
          const send = () => {
            received.answered = answer.status ?? 200;
            response.writeHead(answer.status ?? 200, { 'content-type': 'text/plain', ...answer.headers });
            response.end(answer.body ?? '');
          };
          if (answer.delayMs) setTimeout(send, answer.delayMs);
          else send();
        });
      });
      const listening = server;
      await new Promise<void>((resolve, reject) => {
        listening.once('error', reject);
        listening.listen(port, '127.0.0.1', () => resolve());
      });
      port = (listening.address() as AddressInfo).port;
      receiver.port = port;
      receiver.url = `http://127.0.0.1:${port}${path}`;
    },
    waitFor(count, timeoutMs = 60_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          if (requests.length >= count) {
            clearTimeout(timer);
            waiters.delete(check);
            resolve(requests.slice(0, count));
          }
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(
            new Error(
              `Timed out after ${timeoutMs} ms: ${requests.length} of ${count} webhook requests arrived.`,
            ),
          );
        }, timeoutMs);
        waiters.add(check);
        check();
      });
    },
    async close() {
      await receiver.down();
    },
  };
  await receiver.up();
  return receiver;
}
