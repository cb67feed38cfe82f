import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeId } from '../../../src/lib/ids.ts';
import { buildWorkspace } from '../../helpers/factories.ts';
import { startTestApp, type TestApp } from '../../helpers/test-app.ts';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp({ PARLEY_PLANS: JSON.stringify({ pro: { messages_per_month: 7000 } }) });
});
afterAll(async () => {
  await t.close();
});

describe('GET /v1/workspace', () => {
  it("answers the key's workspace, environment and plan limits", async () => {
    const ws = await buildWorkspace(t.context, { plan: 'pro', name: 'Acme' });
    const live = await t.request({ url: '/v1/workspace', key: ws.liveKey });
    expect(live.statusCode).toBe(200);
    expect(live.json()).toEqual({
      id: encodeId('ws', ws.id),
      name: 'Acme',
      plan: 'pro',
      environment: 'live',
      rate_limit: { requests_per_minute: 300 },
      quota: { messages_per_month: 7000 },
      created_at: expect.stringMatching(/Z$/),
    });
    const test = await t.request({ url: '/v1/workspace', key: ws.testKey });
    expect(test.json()).toMatchObject({ id: encodeId('ws', ws.id), environment: 'test' });
  });

  it('shows null for unlimited plan limits', async () => {
    const ws = await buildWorkspace(t.context, { plan: 'enterprise' });
    const body = (await t.request({ url: '/v1/workspace', key: ws.liveKey })).json();
    expect(body.plan).toBe('enterprise');
    expect(body.quota.messages_per_month).toBeNull();
  });
});

describe('authentication on every /v1 route', () => {
  const routes = [
    { method: 'GET' as const, url: '/v1/workspace' },
    { method: 'GET' as const, url: '/v1/api-keys' },
    { method: 'POST' as const, url: '/v1/api-keys', body: { name: 'x' } },
    { method: 'DELETE' as const, url: '/v1/api-keys/key_01jdz6qg0ef8s9cm8y0d7sv9k2' },
  ];

  it.each(routes)('$method $url refuses a request with no key', async (route) => {
    const response = await t.request(route);
    expect(response.statusCode).toBe(401);
    expect(response.json().error).toMatchObject({
      type: 'authentication_error',
      code: 'missing_api_key',
      status: 401,
    });
    expect(response.json().error.request_id).toBe(response.headers['x-request-id']);
  });

  it.each(routes)('$method $url refuses a malformed key and a bad header', async (route) => {
    const malformed = await t.request({ ...route, key: 'sk-not-a-parley-key' });
    expect(malformed.statusCode).toBe(401);
    expect(malformed.json().error.code).toBe('invalid_api_key');
    const basic = await t.request({ ...route, headers: { authorization: 'Basic dXNlcjpwYXNz' } });
    expect(basic.statusCode).toBe(401);
    expect(basic.json().error.code).toBe('invalid_authorization_header');
  });

  it.each(routes)('$method $url refuses a well-formed unknown key and a revoked key', async (route) => {
    const unknown = await t.request({ ...route, key: `prl_live_${'A'.repeat(40)}` });
    expect(unknown.statusCode).toBe(401);
    expect(unknown.json().error.code).toBe('invalid_api_key');
    const ws = await buildWorkspace(t.context);
    await t.context.apiKeys.revoke({ workspaceId: ws.id }, ws.testKeyId);
    const revoked = await t.request({ ...route, key: ws.testKey });
    expect(revoked.statusCode).toBe(401);
    expect(revoked.json().error.code).toBe('api_key_revoked');
  });

  it('never changes anything for an unauthenticated request', async () => {
    const ws = await buildWorkspace(t.context);
    await t.request({ method: 'POST', url: '/v1/api-keys', body: { name: 'sneaky' } });
    await t.request({ method: 'DELETE', url: `/v1/api-keys/${encodeId('key', ws.liveKeyId)}` });
    const list = (await t.request({ url: '/v1/api-keys', key: ws.liveKey })).json();
    expect(list.data.map((k: { name: string; status: string }) => [k.name, k.status])).toEqual([
      ['live key', 'active'],
    ]);
  });
});
