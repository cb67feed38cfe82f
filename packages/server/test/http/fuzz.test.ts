// Drives every operation of /v1/openapi.json with hostile ids, query strings, bodies and content
// types (fast-check, a fixed seed) and asserts that the server always answers, never with a 5xx,
// and that every error is in the documented envelope. FUZZ_SEED and FUZZ_RUNS override the seed
// and the number of requests per operation; a failure prints the seed and the request.
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { startFakeOpenAI } from '../fakes/fake-openai.ts';
import { startFakeTelegram } from '../fakes/fake-telegram.ts';
import { startWebhookReceiver } from '../fakes/webhook-receiver.ts';
import {
  type ApiOperation,
  kindOfParam,
  loadOperations,
  seedTenant,
  WIDGET_SITE,
} from '../helpers/api-surface.ts';
import { buildWorkspace } from '../helpers/factories.ts';
import {
  contentType,
  hostileBody,
  hostileId,
  hostileQuery,
  idempotencyKey,
} from '../helpers/fuzz-arbitraries.ts';
import { startTestApp } from '../helpers/test-app.ts';

const SEED = Number(process.env.FUZZ_SEED ?? 20_251_206);
const RUNS = Number(process.env.FUZZ_RUNS ?? 24);
/** Longer than any request here takes on a loaded machine: past it, the server hangs. */
const HANG_MS = 20_000;

const llm = await startFakeOpenAI();
const receiver = await startWebhookReceiver();
const telegram = await startFakeTelegram();
const t = await startTestApp({
  PARLEY_TELEGRAM_API_URL: telegram.url,
  PARLEY_PUBLIC_URL: 'https://parley.example.com',
  // The fixtures' provider and webhook receiver are local servers.
  PARLEY_ALLOW_PRIVATE_NETWORK: 'true',
  PARLEY_PLANS: '{"fuzz":{"requests_per_minute":null,"messages_per_month":null}}',
  PARLEY_PUBLIC_RATE_LIMIT_IP: '1000000',
  PARLEY_PUBLIC_RATE_LIMIT_VISITOR: '1000000',
  PARLEY_MAX_API_KEYS: '1000',
});
afterAll(async () => {
  await t.close();
  await Promise.all([llm.close(), receiver.close(), telegram.close()]);
});
const workspace = await buildWorkspace(t.context, { plan: 'fuzz' });
const rows = await seedTenant(t, workspace.liveKey, { webhookUrl: receiver.url, llmBaseUrl: llm.baseUrl });
const operations = await loadOperations(t);

/** Operations whose success is an endless event stream: fuzzed with ids that cannot open one. */
const LIVE_STREAMS = new Set([
  'streamConversationEvents',
  'widgetEvents',
  'streamMyNotifications',
  'streamAgentLoopExecution',
]);

interface FuzzRequest {
  method: ApiOperation['method'];
  url: string;
  headers: Record<string, string>;
  payload?: string;
}

function requestOf(operation: ApiOperation): fc.Arbitrary<FuzzRequest> {
  // A real id lets the request past the lookup, into the rules; never for a delete or a stream.
  const keepsIds = operation.method !== 'DELETE' && !LIVE_STREAMS.has(operation.operationId);
  const path = fc.tuple(
    ...operation.pathParams.map((param) => hostileId(keepsIds ? rows[kindOfParam(operation, param)] : null)),
  );
  const hasBody = operation.method !== 'GET';
  return fc
    .record({
      ids: operation.pathParams.length ? path : fc.constant([] as string[]),
      query: hostileQuery(operation),
      body: hasBody ? fc.option(hostileBody(operation), { freq: 8 }) : fc.constant(null),
      type: contentType,
      idempotency: hasBody ? fc.option(idempotencyKey, { freq: 4 }) : fc.constant(null),
    })
    .map(({ ids, query, body, type, idempotency }) => {
      let url = operation.path;
      operation.pathParams.forEach((param, i) => {
        url = url.replace(`{${param}}`, ids[i]!);
      });
      const headers: Record<string, string> = operation.security?.length
        ? { authorization: `Bearer ${workspace.liveKey}` }
        : { origin: WIDGET_SITE };
      if (body !== null && type) headers['content-type'] = type;
      if (idempotency) headers['idempotency-key'] = idempotency;
      return {
        method: operation.method,
        url: url + query,
        headers,
        ...(body === null ? {} : { payload: body }),
      };
    });
}

function describeRequest(request: FuzzRequest): string {
  const cut = (s: string) => (s.length > 300 ? `${s.slice(0, 300)}… (${s.length} chars)` : s);
  return `${request.method} ${cut(request.url)} ${JSON.stringify(request.headers)} ${cut(JSON.stringify(request.payload ?? ''))}`;
}

async function send(request: FuzzRequest) {
  let timer: NodeJS.Timeout | undefined;
  const hung = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${HANG_MS} ms`)), HANG_MS);
  });
  try {
    return await Promise.race([t.app.inject(request), hung]);
  } finally {
    clearTimeout(timer);
  }
}

describe.each(operations.map((operation) => [`${operation.method} ${operation.path}`, operation] as const))(
  '%s',
  (_name, operation) => {
    it(`answers hostile input with a 4xx in the error envelope (seed ${SEED})`, async () => {
      await fc.assert(
        fc.asyncProperty(requestOf(operation), async (request) => {
          const response = await send(request).catch((error: Error) => {
            throw new Error(`${error.message}: ${describeRequest(request)}`);
          });
          const what = `${response.statusCode} for ${describeRequest(request)}: ${response.body.slice(0, 500)}`;
          expect(response.statusCode, what).toBeLessThan(500);
          if (response.statusCode >= 400) {
            expect(response.json().error, what).toMatchObject({
              type: expect.any(String),
              status: response.statusCode,
            });
          }
        }),
        { seed: SEED, numRuns: RUNS, endOnFailure: true },
      );
    });
  },
);
