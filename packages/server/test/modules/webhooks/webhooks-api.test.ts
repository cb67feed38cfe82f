// Webhook endpoints over the API: create (the secret shown once), read, change, rotate, delete;
// bad input answers a 4xx in the error envelope and changes nothing; no key, another workspace
// or the other environment never reaches an endpoint.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeId, newUuid } from '../../../src/lib/ids.ts';
import { buildWorkspace, type TestWorkspace } from '../../helpers/factories.ts';
import { startTestApp, type TestApp } from '../../helpers/test-app.ts';
import { createWebhook, getWebhook } from './webhook-helpers.ts';

let t: TestApp;
let ws: TestWorkspace;
beforeAll(async () => {
  // The server's default: endpoints on loopback and private addresses are refused.
  t = await startTestApp();
  ws = await buildWorkspace(t.context);
});
afterAll(async () => {
  await t.close();
});

async function listWebhooks(key: string) {
  const response = await t.request({ url: '/v1/webhooks?page_size=100', key });
  expect(response.statusCode, response.body).toBe(200);
  return response.json().data as Record<string, unknown>[];
}

describe('webhooks CRUD', () => {
  it('creates an endpoint and shows its secret once', async () => {
    const created = await createWebhook(t, ws.liveKey, {
      url: 'https://hooks.example.com/parley',
      events: ['lead.captured', 'conversation.started'],
      description: '  CRM sync  ',
    });
    expect(created).toEqual({
      id: expect.stringMatching(/^wh_/),
      url: 'https://hooks.example.com/parley',
      description: 'CRM sync',
      events: ['lead.captured', 'conversation.started'],
      id_format: 'typeid',
      enabled: true,
      status: 'active',
      disabled_reason: null,
      secret: expect.stringMatching(/^whsec_[A-Za-z0-9+/]+=*$/),
      created_at: expect.any(String),
      updated_at: expect.any(String),
    });
    const { secret, ...shown } = created;
    expect(await getWebhook(t, ws.liveKey, created.id)).toEqual(shown);
    expect(await listWebhooks(ws.liveKey)).toContainEqual(shown);
    expect(JSON.stringify(await listWebhooks(ws.liveKey))).not.toContain(secret);

    // Sealed at rest: the database never holds the secret in clear.
    const rows = await t.context.db.query<Record<string, unknown>>('SELECT * FROM webhooks');
    expect(JSON.stringify(rows)).not.toContain(secret);
    expect(JSON.stringify(rows)).not.toContain(secret.slice('whsec_'.length));
  });

  it('changes the given fields, turns an endpoint off and on, and deletes it', async () => {
    const created = await createWebhook(t, ws.liveKey, { url: 'https://a.example.com/h', events: ['*'] });
    const patched = await t.request({
      method: 'PATCH',
      url: `/v1/webhooks/${created.id}`,
      key: ws.liveKey,
      body: {
        url: 'https://b.example.com/h',
        events: ['source.trained'],
        description: 'Builds',
        enabled: false,
      },
    });
    expect(patched.statusCode, patched.body).toBe(200);
    expect(patched.json()).toMatchObject({
      url: 'https://b.example.com/h',
      events: ['source.trained'],
      description: 'Builds',
      enabled: false,
      status: 'disabled',
      disabled_reason: 'Turned off through the API.',
    });
    expect(patched.json()).not.toHaveProperty('secret');
    const enabled = await t.request({
      method: 'PATCH',
      url: `/v1/webhooks/${created.id}`,
      key: ws.liveKey,
      body: { enabled: true, description: null },
    });
    expect(enabled.json()).toMatchObject({
      enabled: true,
      status: 'active',
      disabled_reason: null,
      description: null,
    });

    const deleted = await t.request({ method: 'DELETE', url: `/v1/webhooks/${created.id}`, key: ws.liveKey });
    expect(deleted.statusCode).toBe(200);
    expect(deleted.json()).toEqual({ id: created.id, deleted: true });
    expect((await t.request({ url: `/v1/webhooks/${created.id}`, key: ws.liveKey })).statusCode).toBe(404);
  });

  it('rotates the secret: a new one, shown once', async () => {
    const created = await createWebhook(t, ws.liveKey, { url: 'https://c.example.com/h', events: ['*'] });
    const rotated = await t.request({
      method: 'POST',
      url: `/v1/webhooks/${created.id}/rotate-secret`,
      key: ws.liveKey,
    });
    expect(rotated.statusCode, rotated.body).toBe(200);
    expect(rotated.json()).toMatchObject({ id: created.id, secret: expect.stringMatching(/^whsec_/) });
    expect(rotated.json().secret).not.toBe(created.secret);
    expect(await getWebhook(t, ws.liveKey, created.id)).not.toHaveProperty('secret');
  });

  it('pages through endpoints, newest first', async () => {
    const own = await buildWorkspace(t.context);
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      ids.push(
        (await createWebhook(t, own.liveKey, { url: `https://p${i}.example.com/`, events: ['*'] })).id,
      );
    }
    const first = (await t.request({ url: '/v1/webhooks?page_size=2', key: own.liveKey })).json();
    expect(first.data.map((w: { id: string }) => w.id)).toEqual([ids[2], ids[1]]);
    expect(first.has_more).toBe(true);
    const second = (
      await t.request({ url: `/v1/webhooks?page_size=2&cursor=${first.next_cursor}`, key: own.liveKey })
    ).json();
    expect(second).toMatchObject({ has_more: false, next_cursor: null });
    expect(second.data.map((w: { id: string }) => w.id)).toEqual([ids[0]]);
  });
});

describe('webhook input errors', () => {
  it.each([
    [{ events: ['*'] }, 'url', 'missing_required_field'],
    [{ url: 'https://x.example.com/' }, 'events', 'missing_required_field'],
    [{ url: 'not a url', events: ['*'] }, 'url', 'invalid_url'],
    [{ url: 'ftp://x.example.com/', events: ['*'] }, 'url', 'invalid_url'],
    [{ url: 'https://user:pw@x.example.com/', events: ['*'] }, 'url', 'invalid_url'],
    // Ports fetch refuses to connect to: such an endpoint could never receive anything.
    [{ url: 'http://x.example.com:6667/', events: ['*'] }, 'url', 'invalid_url'],
    [{ url: 'http://x.example.com:0/', events: ['*'] }, 'url', 'invalid_url'],
    [{ url: 'http://127.0.0.1:8080/hook', events: ['*'] }, 'url', 'url_not_allowed'],
    [{ url: 'http://[::1]/hook', events: ['*'] }, 'url', 'url_not_allowed'],
    [{ url: 'http://10.1.2.3/hook', events: ['*'] }, 'url', 'url_not_allowed'],
    [{ url: 'http://169.254.169.254/latest', events: ['*'] }, 'url', 'url_not_allowed'],
    [{ url: `https://x.example.com/${'a'.repeat(2100)}`, events: ['*'] }, 'url', 'invalid_parameter'],
    [{ url: 'https://x.example.com/', events: [] }, 'events', 'invalid_parameter'],
    [{ url: 'https://x.example.com/', events: ['lead.created'] }, 'events.0', 'invalid_parameter'],
    [{ url: 'https://x.example.com/', events: ['*', 'lead.captured'] }, 'events', 'invalid_parameter'],
    [
      { url: 'https://x.example.com/', events: ['lead.captured', 'lead.captured'] },
      'events',
      'invalid_parameter',
    ],
    [{ url: 'https://x.example.com/', events: 'lead.captured' }, 'events', 'invalid_parameter'],
    [{ url: 'https://x.example.com/', events: ['*'], secret: 'whsec_mine' }, 'secret', 'unknown_parameter'],
    [{ url: 'https://x.example.com/', events: ['*'], enabled: 'yes' }, 'enabled', 'invalid_parameter'],
  ])('refuses %j naming %s, and creates nothing', async (body, param, code) => {
    const own = await buildWorkspace(t.context);
    const response = await t.request({ method: 'POST', url: '/v1/webhooks', key: own.liveKey, body });
    expect(response.statusCode, response.body).toBe(400);
    expect(response.json().error).toEqual({
      type: 'invalid_request_error',
      code,
      message: expect.any(String),
      param,
      status: 400,
      request_id: response.headers['x-request-id'],
    });
    expect(await listWebhooks(own.liveKey)).toEqual([]);
  });

  it('refuses a bad change and keeps the endpoint as it was', async () => {
    const created = await createWebhook(t, ws.liveKey, { url: 'https://keep.example.com/', events: ['*'] });
    const { secret, ...before } = created;
    for (const [body, param] of [
      [{}, undefined],
      [{ url: 'http://192.168.1.10/' }, 'url'],
      [{ events: ['nope'] }, 'events.0'],
      [{ status: 'active' }, 'status'],
    ] as const) {
      const response = await t.request({
        method: 'PATCH',
        url: `/v1/webhooks/${created.id}`,
        key: ws.liveKey,
        body,
      });
      expect(response.statusCode, response.body).toBe(400);
      expect(response.json().error.type).toBe('invalid_request_error');
      if (param) expect(response.json().error.param).toBe(param);
    }
    expect(await getWebhook(t, ws.liveKey, created.id)).toEqual(before);
  });

  it('answers 400 for a malformed id and 404 for an unknown one, on every route', async () => {
    const unknown = encodeId('wh', newUuid());
    const routes = [
      ['GET', ''],
      ['PATCH', ''],
      ['DELETE', ''],
      ['POST', '/rotate-secret'],
      ['GET', '/deliveries'],
      ['POST', '/test'],
    ] as const;
    for (const [method, suffix] of routes) {
      const body = method === 'PATCH' ? { enabled: true } : undefined;
      const missing = await t.request({
        method,
        url: `/v1/webhooks/${unknown}${suffix}`,
        key: ws.liveKey,
        body,
      });
      expect(missing.statusCode, `${method} ${suffix}`).toBe(404);
      expect(missing.json().error).toMatchObject({
        type: 'not_found_error',
        message: `No webhook found with id '${unknown}'.`,
      });
      const malformed = await t.request({
        method,
        url: `/v1/webhooks/${encodeId('bot', newUuid())}${suffix}`,
        key: ws.liveKey,
        body,
      });
      expect(malformed.statusCode).toBe(400);
      expect(malformed.json().error).toMatchObject({ code: 'invalid_id', param: 'id' });
    }
    const retryUnknown = await t.request({
      method: 'POST',
      url: `/v1/webhook-deliveries/${encodeId('whd', newUuid())}/retry`,
      key: ws.liveKey,
    });
    expect(retryUnknown.statusCode).toBe(404);
    const retryMalformed = await t.request({
      method: 'POST',
      url: `/v1/webhook-deliveries/${unknown}/retry`,
      key: ws.liveKey,
    });
    expect(retryMalformed.json().error).toMatchObject({ code: 'invalid_id', param: 'id' });
  });

  it.each([
    ['status=sent', 'status'],
    ['event_type=lead.created', 'event_type'],
    ['page_size=101', 'page_size'],
    ['cursor=garbage', 'cursor'],
  ])('refuses deliveries ?%s naming %s', async (query, param) => {
    const created = await createWebhook(t, ws.liveKey, { url: 'https://q.example.com/', events: ['*'] });
    const response = await t.request({
      url: `/v1/webhooks/${created.id}/deliveries?${query}`,
      key: ws.liveKey,
    });
    expect(response.statusCode, response.body).toBe(400);
    expect(response.json().error).toMatchObject({ type: 'invalid_request_error', param });
  });
});

describe('webhook security', () => {
  it('needs a key', async () => {
    for (const [method, url] of [
      ['GET', '/v1/webhooks'],
      ['POST', '/v1/webhooks'],
      ['GET', '/v1/events'],
    ] as const) {
      const response = await t.request({ method, url, body: method === 'POST' ? {} : undefined });
      expect(response.statusCode).toBe(401);
      expect(response.json().error.type).toBe('authentication_error');
    }
  });

  it('never shows or changes another workspace’s or the other environment’s endpoint', async () => {
    const created = await createWebhook(t, ws.liveKey, { url: 'https://mine.example.com/', events: ['*'] });
    const other = await buildWorkspace(t.context);
    for (const key of [other.liveKey, ws.testKey]) {
      expect(await listWebhooks(key)).not.toContainEqual(expect.objectContaining({ id: created.id }));
      for (const [method, suffix, body] of [
        ['GET', '', undefined],
        ['PATCH', '', { enabled: false }],
        ['DELETE', '', undefined],
        ['POST', '/rotate-secret', undefined],
        ['GET', '/deliveries', undefined],
        ['POST', '/test', undefined],
      ] as const) {
        const response = await t.request({ method, url: `/v1/webhooks/${created.id}${suffix}`, key, body });
        expect(response.statusCode, `${method} ${suffix}`).toBe(404);
      }
    }
    const { secret, ...shown } = created;
    expect(await getWebhook(t, ws.liveKey, created.id)).toEqual(shown);
  });
});
