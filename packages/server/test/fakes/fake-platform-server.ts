// The common part of the fake messaging platforms: a local HTTP server that records every call
// (method, path, bearer token, JSON body), answers through the platform's own handler, can be
// told to answer the next calls of a path with a given failure, and lets tests wait for calls.
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface PlatformCall {
  method: string;
  path: string;
  query: URLSearchParams;
  token: string | null;
  // biome-ignore lint/suspicious/noExplicitAny: bodies are checked field by field in tests.
  body: any;
}

export interface PlatformAnswer {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

export interface FakePlatformServer {
  url: string;
  calls: PlatformCall[];
  /** Calls whose path ends with `suffix` (optionally made with one token). */
  callsTo(suffix: string, token?: string): PlatformCall[];
  /** The next `times` calls whose path ends with `suffix` get this answer. */
  failNext(suffix: string, answer: PlatformAnswer, times?: number): void;
  /** Resolves once `count` calls to `suffix` have been made. */
  waitForCalls(suffix: string, count: number, timeoutMs?: number): Promise<PlatformCall[]>;
  close(): Promise<void>;
}

export async function startFakePlatformServer(
  handle: (call: PlatformCall) => PlatformAnswer,
): Promise<FakePlatformServer> {
  const calls: PlatformCall[] = [];
  const failures: { suffix: string; answer: PlatformAnswer }[] = [];
  const waiters = new Set<() => void>();

  const server = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const url = new URL(request.url ?? '/', 'http://fake');
      let body: unknown = null;
      try {
        body = chunks.length ? JSON.parse(Buffer.concat(chunks).toString('utf8')) : null;
      } catch {}
      const auth = request.headers.authorization;
      const call: PlatformCall = {
        method: request.method ?? 'GET',
        path: url.pathname,
        query: url.searchParams,
        token: auth?.startsWith('Bearer ') ? auth.slice('Bearer '.length) : null,
        body,
      };
      const failure = failures.findIndex((entry) => call.path.endsWith(entry.suffix));
      const answer = failure >= 0 ? failures.splice(failure, 1)[0]!.answer : handle(call);
      calls.push(call);
      for (const wake of waiters) wake();
      response.writeHead(answer.status, { 'content-type': 'application/json', ...answer.headers });
      response.end(JSON.stringify(answer.body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  const fake: FakePlatformServer = {
    url: `http://127.0.0.1:${port}`,
    calls,
    callsTo: (suffix, token) =>
      calls.filter((call) => call.path.endsWith(suffix) && (!token || call.token === token)),
    failNext(suffix, answer, times = 1) {
      for (let i = 0; i < times; i++) failures.push({ suffix, answer });
    },
    waitForCalls(suffix, count, timeoutMs = 20_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const found = fake.callsTo(suffix);
          if (found.length < count) return;
          waiters.delete(check);
          clearTimeout(timer);
          resolve(found);
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`expected ${count} calls to ${suffix}, got ${fake.callsTo(suffix).length}`));
        }, timeoutMs);
        waiters.add(check);
        check();
      });
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  return fake;
}
