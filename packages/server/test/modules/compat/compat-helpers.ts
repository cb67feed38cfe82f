// A running server for the compatibility contract tests: real HTTP on a local port, so status
// lines, headers and bodies are exactly what a seed product's client would receive.
import { expect } from 'vitest';
import { createTrainedBot } from '../../helpers/chat-fixtures.ts';
import { startTestApp, type TestApp } from '../../helpers/test-app.ts';

export interface HttpAnswer {
  status: number;
  headers: Headers;
  body: unknown;
  text: string;
}

export interface CompatServer {
  t: TestApp;
  base: string;
  call(
    method: string,
    path: string,
    options?: { key?: string; body?: unknown; headers?: Record<string, string> },
  ): Promise<HttpAnswer>;
  /** A key of the given seed format, created through POST /v1/api-keys with another key. */
  seedKey(parleyKey: string, format: string): Promise<string>;
  close(): Promise<void>;
}

export async function startCompatServer(
  env: Record<string, string> = {},
  options: { workers?: boolean } = { workers: true },
): Promise<CompatServer> {
  const t = await startTestApp(env, options);
  await t.app.listen({ port: 0, host: '127.0.0.1' });
  const address = t.app.server.address();
  if (!address || typeof address === 'string') throw new Error('the server has no port');
  const base = `http://127.0.0.1:${address.port}`;
  const server: CompatServer = {
    t,
    base,
    async call(method, path, { key, body, headers = {} } = {}) {
      const response = await fetch(`${base}${path}`, {
        method,
        headers: {
          ...(key ? { authorization: `Bearer ${key}` } : {}),
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
          ...headers,
        },
        ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
      });
      const text = await response.text();
      let parsed: unknown = null;
      try {
        parsed = text ? JSON.parse(text) : null;
      } catch {
        parsed = text;
      }
      return { status: response.status, headers: response.headers, body: parsed, text };
    },
    async seedKey(parleyKey, format) {
      const created = await server.call('POST', '/v1/api-keys', {
        key: parleyKey,
        body: { name: `${format} client`, format },
      });
      expect(created.status, created.text).toBe(201);
      return (created.body as { key: string }).key;
    },
    close: () => t.close(),
  };
  return server;
}

/** A chatbot with the help-center fixture as knowledge, trained; its Parley id and UUID. */
export async function trainedBot(server: CompatServer, key: string, name = 'Support Bot') {
  const bot = await createTrainedBot(server.t, key, { name });
  return { ...bot, uuid: uuidOf(bot.id) };
}

/** The UUID inside a Parley id (bot_…): what every compat mapping is built on. */
export function uuidOf(wireId: string): string {
  const found = /^[a-z]+_([0-9a-z]{26})$/.exec(wireId);
  if (!found) throw new Error(`not a Parley id: ${wireId}`);
  return decodeBase32Uuid(found[1]!);
}

const CROCKFORD = '0123456789abcdefghjkmnpqrstvwxyz';
function decodeBase32Uuid(suffix: string): string {
  let value = 0n;
  for (const char of suffix) value = value * 32n + BigInt(CROCKFORD.indexOf(char));
  const hex = value.toString(16).padStart(32, '0');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** The JSON type names of an object's fields, to compare with a seed example's, key for key. */
export function shapeOf(value: unknown): Record<string, string> {
  return Object.fromEntries(
    Object.entries(value as Record<string, unknown>).map(([key, field]) => [
      key,
      field === null ? 'null' : Array.isArray(field) ? 'array' : typeof field,
    ]),
  );
}
