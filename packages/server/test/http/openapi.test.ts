import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/test-app.ts';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(async () => {
  await t.close();
});

interface Operation {
  operationId?: string;
  responses: Record<string, { content?: Record<string, { schema: unknown }> }>;
  security?: unknown[];
  'x-roles'?: string[];
}

/** Signing in and redeeming one-time links: how a person gets a session, so without a key. */
const SIGN_IN = [
  'POST /v1/sessions',
  'POST /v1/first-owner',
  'POST /v1/invitations/accept',
  'POST /v1/password-resets/confirm',
];
const PEOPLE_OPERATIONS = [
  ...SIGN_IN,
  'PATCH /v1/sessions/current',
  'DELETE /v1/sessions/current',
  'DELETE /v1/sessions',
  'GET /v1/me',
  'PATCH /v1/me',
  'GET /v1/users',
  'POST /v1/users',
  'GET /v1/users/{id}',
  'PATCH /v1/users/{id}',
  'DELETE /v1/users/{id}',
  'POST /v1/users/{id}/password-reset',
  'DELETE /v1/users/{id}/sessions',
  'POST /v1/conversations/{id}/assign',
  'GET /v1/labels',
  'POST /v1/labels',
  'PATCH /v1/labels/{id}',
  'DELETE /v1/labels/{id}',
  'GET /v1/conversations/{id}/labels',
  'PUT /v1/conversations/{id}/labels',
  'GET /v1/conversations/{id}/notes',
  'POST /v1/conversations/{id}/notes',
  'GET /v1/canned-replies',
  'POST /v1/canned-replies',
  'GET /v1/canned-replies/{id}',
  'PATCH /v1/canned-replies/{id}',
  'DELETE /v1/canned-replies/{id}',
  'POST /v1/canned-replies/{id}/render',
  'GET /v1/inbox/counts',
  'GET /v1/analytics/csat',
  'POST /v1/conversations/{id}/read',
  'GET /v1/conversations/{id}/reads',
  'POST /public/v1/chatbots/{id}/conversations/{conversation_id}/rating',
  'POST /v1/conversations/{id}/typing',
  'GET /v1/me/events',
  'POST /public/v1/chatbots/{id}/conversations/{conversation_id}/typing',
];

describe('OpenAPI', () => {
  it('serves an OpenAPI 3.1 document of every /v1 route, with the error envelope on each', async () => {
    const response = await t.request({ url: '/v1/openapi.json' });
    expect(response.statusCode).toBe(200);
    const doc = response.json();
    expect(doc.openapi).toBe('3.1.0');
    expect(doc.components.schemas.ErrorEnvelope).toBeDefined();
    const operations: [string, Operation][] = [];
    for (const [path, methods] of Object.entries(doc.paths as Record<string, Record<string, Operation>>)) {
      for (const [method, operation] of Object.entries(methods))
        operations.push([`${method.toUpperCase()} ${path}`, operation]);
    }
    expect(operations.map(([name]) => name).sort()).toEqual(
      [
        ...PEOPLE_OPERATIONS,
        'GET /v1/workspace',
        'GET /v1/api-keys',
        'POST /v1/api-keys',
        'DELETE /v1/api-keys/{id}',
        'GET /v1/chatbots',
        'POST /v1/chatbots',
        'GET /v1/chatbots/{id}',
        'PATCH /v1/chatbots/{id}',
        'DELETE /v1/chatbots/{id}',
        'GET /v1/chatbots/{id}/integrations',
        'POST /v1/chatbots/{id}/integrations',
        'GET /v1/integrations/{id}',
        'PATCH /v1/integrations/{id}',
        'DELETE /v1/integrations/{id}',
        'POST /v1/integrations/{id}/test',
        'GET /v1/chatbots/{id}/sources',
        'POST /v1/chatbots/{id}/sources',
        'GET /v1/sources/{id}',
        'DELETE /v1/sources/{id}',
        'POST /v1/sources/{id}/resync',
        'GET /v1/sources/{id}/documents',
        'GET /v1/sources/{id}/content',
        'GET /v1/chatbots/{id}/knowledge/export',
        'POST /v1/chatbots/{id}/chat',
        'POST /v1/chatbots/{id}/search',
        'POST /v1/messages/{id}/feedback',
        'GET /v1/usage',
        'GET /v1/analytics/overview',
        'GET /v1/conversations',
        'GET /v1/conversations/export',
        'GET /v1/conversations/{id}',
        'PATCH /v1/conversations/{id}',
        'DELETE /v1/conversations/{id}',
        'GET /v1/conversations/{id}/messages',
        'POST /v1/conversations/{id}/messages',
        'POST /v1/conversations/{id}/escalate',
        'GET /v1/conversations/{id}/events',
        'GET /v1/leads',
        'GET /v1/leads/export',
        'POST /v1/chatbots/{id}/leads',
        'GET /v1/leads/{id}',
        'DELETE /v1/leads/{id}',
        'GET /v1/webhooks',
        'POST /v1/webhooks',
        'GET /v1/webhooks/{id}',
        'PATCH /v1/webhooks/{id}',
        'DELETE /v1/webhooks/{id}',
        'POST /v1/webhooks/{id}/rotate-secret',
        'GET /v1/webhooks/{id}/deliveries',
        'POST /v1/webhooks/{id}/test',
        'POST /v1/webhook-deliveries/{id}/retry',
        'GET /v1/events',
        'GET /v1/events/{id}',
        'POST /v1/chatbots/{id}/identity-secret',
        'DELETE /v1/chatbots/{id}/identity-secret',
        'GET /public/v1/chatbots/{id}/config',
        'POST /public/v1/chatbots/{id}/chat',
        'GET /public/v1/chatbots/{id}/conversations/{conversation_id}/messages',
        'GET /public/v1/chatbots/{id}/conversations/{conversation_id}/events',
        'POST /public/v1/chatbots/{id}/conversations/{conversation_id}/escalate',
        'POST /public/v1/chatbots/{id}/leads',
        'POST /public/v1/chatbots/{id}/feedback',
        'GET /v1/chatbots/{id}/channels',
        'GET /v1/chatbots/{id}/embeddings',
        'POST /v1/chatbots/{id}/channels',
        'GET /v1/channels/{id}',
        'PATCH /v1/channels/{id}',
        'DELETE /v1/channels/{id}',
        'POST /v1/channels/{id}/test',
        'GET /v1/channels/{id}/events',
        'POST /hooks/channels/{id}/telegram',
        'POST /hooks/channels/{id}/slack',
        'GET /hooks/channels/{id}/whatsapp',
        'POST /hooks/channels/{id}/whatsapp',
        'POST /hooks/channels/{id}/email',
        'POST /hooks/channels/{id}',
        'GET /v1/agent-loops',
        'POST /v1/agent-loops',
        'GET /v1/agent-loops/{id}',
        'PATCH /v1/agent-loops/{id}',
        'DELETE /v1/agent-loops/{id}',
        'POST /v1/agent-loops/{id}/run',
        'GET /v1/agent-loops/{id}/executions',
        'GET /v1/agent-loop-executions/{id}',
        'POST /v1/agent-loop-executions/{id}/cancel',
        'POST /v1/agent-loop-executions/{id}/approve',
        'POST /v1/agent-loop-executions/{id}/reject',
        'POST /v1/agent-loop-executions/{id}/retry',
        'GET /v1/agent-loop-executions/{id}/events',
      ].sort(),
    );
    for (const [name, operation] of operations) {
      expect(operation.operationId, name).toMatch(/^[a-z][A-Za-z]+$/);
      const error = operation.responses['4XX']?.content?.['application/json']?.schema;
      expect(JSON.stringify(error), name).toContain('ErrorEnvelope');
      // The widget's public API and the platforms' webhooks take no API key.
      const isPublic = name.includes(' /public/') || name.includes(' /hooks/') || SIGN_IN.includes(name);
      // Operations that state the roles they admit take a person's session cookie as well.
      const withSession = Array.isArray(operation['x-roles']);
      expect(operation.security, name).toEqual(
        isPublic ? [] : withSession ? [{ bearerAuth: [] }, { sessionCookie: [] }] : [{ bearerAuth: [] }],
      );
    }
    const ids = operations.map(([, operation]) => operation.operationId);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('renders the reference at /docs without any external request', async () => {
    const page = await t.request({ url: '/docs/' });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toContain('text/html');
    const scripts = [...page.body.matchAll(/<script[^>]+src="([^"]+)"/g)].map((m) => m[1]!);
    expect(scripts.length).toBeGreaterThan(0);
    for (const src of scripts) expect(src.startsWith('http'), src).toBe(false);
  });
});
