// The API as its OpenAPI document describes it, for tests that must cover every operation:
// the list of operations, a minimal valid body for each, and one tenant's worth of real
// resources whose ids fill the path parameters.
import { randomUUID } from 'node:crypto';
import { expect } from 'vitest';
import type { TestApp } from './test-app.ts';

export interface JsonSchema {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  enum?: unknown[];
  const?: unknown;
  examples?: unknown[];
  default?: unknown;
  format?: string;
  pattern?: string;
  minLength?: number;
  minimum?: number;
  minItems?: number;
  minProperties?: number;
}

export interface ApiOperation {
  operationId: string;
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE' | 'PUT';
  /** The OpenAPI path, e.g. /v1/chatbots/{id}. */
  path: string;
  pathParams: string[];
  query: { name: string; schema: JsonSchema }[];
  body: JsonSchema | null;
  /** [] for a public operation; [{bearerAuth: []}] (and {sessionCookie: []} when it states roles) otherwise. */
  security: unknown[] | undefined;
  /** The documented response statuses, e.g. ['200', '4XX', '5XX']. */
  responses: string[];
  /** The roles whose sessions may call it (x-roles); API keys may call every operation. */
  roles?: ('owner' | 'admin' | 'agent')[];
}

/** Reads the operations from the app's live OpenAPI document. */
export async function loadOperations(t: TestApp): Promise<ApiOperation[]> {
  const response = await t.request({ url: '/v1/openapi.json' });
  expect(response.statusCode).toBe(200);
  const doc = response.json();
  const operations: ApiOperation[] = [];
  for (const [path, methods] of Object.entries(doc.paths as Record<string, Record<string, RawOperation>>)) {
    for (const [method, raw] of Object.entries(methods)) {
      const parameters = raw.parameters ?? [];
      operations.push({
        operationId: raw.operationId ?? `${method} ${path}`,
        method: method.toUpperCase() as ApiOperation['method'],
        path,
        pathParams: parameters.filter((p) => p.in === 'path').map((p) => p.name),
        query: parameters
          .filter((p) => p.in === 'query')
          .map((p) => ({ name: p.name, schema: p.schema ?? {} })),
        body: raw.requestBody?.content?.['application/json']?.schema ?? null,
        security: raw.security,
        responses: Object.keys(raw.responses ?? {}),
        ...(raw['x-roles'] ? { roles: raw['x-roles'] } : {}),
      });
    }
  }
  return operations;
}

interface RawOperation {
  operationId?: string;
  parameters?: { in: string; name: string; schema?: JsonSchema }[];
  requestBody?: { content?: Record<string, { schema: JsonSchema }> };
  security?: unknown[];
  responses?: Record<string, unknown>;
  'x-roles'?: ('owner' | 'admin' | 'agent')[];
}

/** A small value the schema accepts: required properties only, the first of every choice. */
export function sampleOf(schema: JsonSchema): unknown {
  if ('const' in schema) return schema.const;
  if (schema.examples?.length) return schema.examples[0];
  if (schema.default !== undefined) return schema.default;
  if (schema.enum) return schema.enum[0];
  if (schema.oneOf?.length) return sampleOf(schema.oneOf[0]!);
  if (schema.anyOf?.length) return sampleOf(schema.anyOf[0]!);
  const type = Array.isArray(schema.type)
    ? schema.type[0]
    : (schema.type ?? (schema.properties ? 'object' : ''));
  switch (type) {
    case 'object': {
      const properties = schema.properties ?? {};
      const names = schema.required?.length
        ? schema.required
        : Object.keys(properties).slice(0, schema.minProperties ?? 0);
      return Object.fromEntries(names.map((name) => [name, sampleOf(properties[name] ?? {})]));
    }
    case 'array':
      return Array.from({ length: schema.minItems ?? 0 }, () => sampleOf(schema.items ?? {}));
    case 'string':
      if (schema.format === 'email') return 'someone@example.com';
      if (schema.format === 'uri' || schema.pattern?.startsWith('^https?')) return 'https://example.com/page';
      return 'x'.repeat(Math.max(1, schema.minLength ?? 1));
    case 'integer':
    case 'number':
      return schema.minimum ?? 1;
    case 'boolean':
      return true;
    case 'null':
      return null;
    default:
      return {};
  }
}

/** The kinds of resource a path parameter can name. */
export type ResourceKind =
  | 'chatbot'
  | 'integration'
  | 'source'
  | 'conversation'
  | 'message'
  | 'lead'
  | 'webhook'
  | 'delivery'
  | 'event'
  | 'apiKey'
  | 'channel'
  | 'user'
  | 'label'
  | 'cannedReply'
  | 'agentLoop'
  | 'execution';

/** Kinds that belong to the workspace, not to one environment: both environments' keys see them. */
export const WORKSPACE_WIDE_KINDS: ReadonlySet<ResourceKind> = new Set(['user']);

/** `{id}` names the resource of the path segment before it; other parameters name their own. */
const KIND_OF_SEGMENT: Record<string, ResourceKind> = {
  chatbots: 'chatbot',
  integrations: 'integration',
  sources: 'source',
  conversations: 'conversation',
  messages: 'message',
  leads: 'lead',
  webhooks: 'webhook',
  'webhook-deliveries': 'delivery',
  events: 'event',
  'api-keys': 'apiKey',
  channels: 'channel',
  users: 'user',
  labels: 'label',
  'canned-replies': 'cannedReply',
  'agent-loops': 'agentLoop',
  'agent-loop-executions': 'execution',
};
const KIND_OF_PARAM: Record<string, ResourceKind> = { conversation_id: 'conversation' };

/** The resource a path parameter names; throws for one these tests do not know how to fill. */
export function kindOfParam(operation: ApiOperation, param: string): ResourceKind {
  const named = KIND_OF_PARAM[param];
  if (named) return named;
  const segments = operation.path.split('/');
  const at = segments.indexOf(`{${param}}`);
  const kind = at > 0 ? KIND_OF_SEGMENT[segments[at - 1]!] : undefined;
  if (!kind) {
    throw new Error(
      `${operation.operationId} (${operation.method} ${operation.path}): no resource is known for the path ` +
        `parameter {${param}}. Add it to the route tests' fixtures in test/helpers/api-surface.ts.`,
    );
  }
  return kind;
}

/** The operation's URL with each path parameter replaced by the id of that kind of resource. */
export function fillPath(
  operation: ApiOperation,
  ids: (kind: ResourceKind, param: string) => string,
): string {
  return operation.pathParams.reduce(
    (url, param) => url.replace(`{${param}}`, ids(kindOfParam(operation, param), param)),
    operation.path,
  );
}

export const WIDGET_SITE = 'https://shop.example.com';

/** A bot token the fake Telegram (PARLEY_TELEGRAM_API_URL) accepts. */
export const FIXTURE_BOT_TOKEN = '1234:AAHfixtureBotTokenForRouteTests';

export interface TenantOptions {
  /** Where the tenant's webhook delivers (its test delivery is sent at once). */
  webhookUrl: string;
  /** The base URL of the tenant's LLM integration. */
  llmBaseUrl: string;
}

export type TenantResources = Record<ResourceKind, string> & { conversationToken?: string };

/** One of each resource in the key's workspace and environment, made through the API. */
export async function seedTenant(t: TestApp, key: string, options: TenantOptions): Promise<TenantResources> {
  async function call(method: ApiOperation['method'], url: string, body?: unknown) {
    const response = await t.request({ method, url, key, body });
    expect(response.statusCode, `${method} ${url}: ${response.body}`).toBeLessThan(300);
    return response.json();
  }
  const chatbot = (
    await call('POST', '/v1/chatbots', {
      name: 'Fixture bot',
      widget_settings: { allowed_origins: [WIDGET_SITE] },
      handoff_settings: { enabled: true },
    })
  ).id as string;
  // The chat comes before the integration: with none, the bot answers offline.
  const reply = await call('POST', `/v1/chatbots/${chatbot}/chat`, { message: 'How do refunds work?' });
  const conversation = reply.conversation_id as string;
  const message = reply.message_id as string;
  await call('POST', `/v1/conversations/${conversation}/messages`, { content: 'A person here.' });
  const source = (
    await call('POST', `/v1/chatbots/${chatbot}/sources`, {
      type: 'text',
      title: 'Refunds',
      content: 'Refunds in 30 days.',
    })
  ).id as string;
  const lead = (await call('POST', `/v1/chatbots/${chatbot}/leads`, { email: 'buyer@example.com' }))
    .id as string;
  const integration = (
    await call('POST', `/v1/chatbots/${chatbot}/integrations`, {
      provider: 'openai',
      model: 'gpt-4o-mini',
      api_key: 'sk-fixture-provider-key',
      base_url: options.llmBaseUrl,
    })
  ).id as string;
  const webhook = (await call('POST', '/v1/webhooks', { url: options.webhookUrl, events: ['*'] }))
    .id as string;
  await call('POST', `/v1/webhooks/${webhook}/test`);
  const delivery = (await call('GET', `/v1/webhooks/${webhook}/deliveries`)).data[0].id as string;
  const event = (await call('GET', '/v1/events')).data[0].id as string;
  const apiKey = (await call('POST', '/v1/api-keys', { name: 'Fixture key' })).id as string;
  const user = (
    await call('POST', '/v1/users', {
      email: `agent-${randomUUID()}@example.com`,
      role: 'agent',
    })
  ).id as string;
  // Needs the app's PARLEY_TELEGRAM_API_URL to be a fake Telegram.
  const channel = (
    await call('POST', `/v1/chatbots/${chatbot}/channels`, { type: 'telegram', bot_token: FIXTURE_BOT_TOKEN })
  ).id as string;
  const agentLoop = (
    await call('POST', '/v1/agent-loops', {
      name: 'Fixture loop',
      chatbot_id: chatbot,
      instructions: 'Summarise the input.',
      tools: ['search_knowledge'],
      trigger: { type: 'manual' },
    })
  ).id as string;
  // Queued: these tests run no workers, so it stays as it is.
  const execution = (await call('POST', `/v1/agent-loops/${agentLoop}/run`, { input: 'Hello' })).id as string;
  return {
    chatbot,
    integration,
    source,
    conversation,
    message,
    lead,
    webhook,
    delivery,
    event,
    apiKey,
    channel,
    user,
    label: (await call('POST', '/v1/labels', { name: 'Fixture label', color: '#336699' })).id as string,
    cannedReply: (
      await call('POST', '/v1/canned-replies', { shortcut: 'fixture', content: 'Hi {{visitor.name}}' })
    ).id as string,
    agentLoop,
    execution,
  };
}
