import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as idempotency from '../../src/http/idempotency-repository.ts';
import { buildWorkspace } from '../helpers/factories.ts';
import { startTestApp, type TestApp } from '../helpers/test-app.ts';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(async () => {
  await t.close();
});

async function activeKeyNames(key: string): Promise<string[]> {
  const list = (await t.request({ url: '/v1/api-keys', key })).json();
  return list.data
    .filter((k: { status: string }) => k.status === 'active')
    .map((k: { name: string }) => k.name);
}

describe('Idempotency-Key', () => {
  it('replays the first response and does the work once', async () => {
    const ws = await buildWorkspace(t.context);
    const send = () =>
      t.request({
        method: 'POST',
        url: '/v1/api-keys',
        key: ws.liveKey,
        body: { name: 'once' },
        headers: { 'idempotency-key': 'abc-1' },
      });
    const first = await send();
    const second = await send();
    expect(first.statusCode).toBe(201);
    expect(first.headers['idempotent-replayed']).toBeUndefined();
    expect(second.statusCode).toBe(201);
    expect(second.headers['idempotent-replayed']).toBe('true');
    expect(second.json()).toEqual(first.json());
    expect(second.headers['x-request-id']).not.toBe(first.headers['x-request-id']);
    expect(await activeKeyNames(ws.liveKey)).toEqual(['once', 'live key']);
    // The stored response holds the new key's secret: it is kept sealed, never in clear.
    const secret = first.json().secret as string;
    const stored = await idempotency.find(t.context.db.orm, {
      workspaceId: ws.id,
      environment: 'live',
      key: 'abc-1',
    });
    expect(stored?.responseBody).toMatch(/^v1:/);
    expect(stored?.responseBody).not.toContain(secret);
  });

  it('refuses the same key with a different body with a 422', async () => {
    const ws = await buildWorkspace(t.context);
    const headers = { 'idempotency-key': 'abc-2' };
    await t.request({ method: 'POST', url: '/v1/api-keys', key: ws.liveKey, body: { name: 'a' }, headers });
    const other = await t.request({
      method: 'POST',
      url: '/v1/api-keys',
      key: ws.liveKey,
      body: { name: 'b' },
      headers,
    });
    expect(other.statusCode).toBe(422);
    expect(other.json().error).toMatchObject({
      type: 'idempotency_error',
      code: 'idempotency_key_reused',
      status: 422,
    });
    expect(await activeKeyNames(ws.liveKey)).toEqual(['a', 'live key']);
  });

  it('replays the same body sent with its fields in another order', async () => {
    const ws = await buildWorkspace(t.context);
    const headers = { 'idempotency-key': 'abc-order' };
    const send = (body: string) =>
      t.request({ method: 'POST', url: '/v1/webhooks', key: ws.liveKey, body, headers });
    const first = await send('{"url": "https://example.com/hooks", "events": ["lead.captured"]}');
    const again = await send('{"events": ["lead.captured"], "url": "https://example.com/hooks"}');
    expect(first.statusCode, first.body).toBe(201);
    expect(again.statusCode, again.body).toBe(201);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.json().id).toBe(first.json().id);
  });

  it('answers 409 while the first request is still in flight, and lets a dead one be retried', async () => {
    const ws = await buildWorkspace(t.context);
    const body = { name: 'slow' };
    // The state a concurrent first request leaves while it runs: claimed, not completed.
    const first = await t.request({
      method: 'POST',
      url: '/v1/api-keys',
      key: ws.liveKey,
      body,
      headers: { 'idempotency-key': 'probe' },
    });
    const hash = (
      await t.context.db.query<{ request_hash: string }>(
        "SELECT request_hash FROM idempotency_keys WHERE key = 'probe' AND workspace_id = $1",
        [ws.id],
      )
    )[0]!.request_hash;
    expect(first.statusCode).toBe(201);
    const scope = { workspaceId: ws.id, environment: 'live' as const, key: 'in-flight' };
    expect(await idempotency.claim(t.context.db.orm, scope, hash)).not.toBeNull();

    const duplicate = await t.request({
      method: 'POST',
      url: '/v1/api-keys',
      key: ws.liveKey,
      body,
      headers: { 'idempotency-key': 'in-flight' },
    });
    expect(duplicate.statusCode).toBe(409);
    expect(duplicate.json().error).toMatchObject({
      type: 'idempotency_error',
      code: 'idempotency_request_in_progress',
    });

    // A request that died (the process was killed) leaves its claim behind; after a minute it may be retried.
    await t.context.db.query(
      "UPDATE idempotency_keys SET locked_at = now() - interval '2 minutes' WHERE key = 'in-flight'",
    );
    const retried = await t.request({
      method: 'POST',
      url: '/v1/api-keys',
      key: ws.liveKey,
      body,
      headers: { 'idempotency-key': 'in-flight' },
    });
    expect(retried.statusCode).toBe(201);
    expect(await activeKeyNames(ws.liveKey)).toEqual(['slow', 'slow', 'live key']);
  });

  it('stores client errors too, so a retry gets the same answer', async () => {
    const ws = await buildWorkspace(t.context);
    const send = () =>
      t.request({
        method: 'POST',
        url: '/v1/api-keys',
        key: ws.liveKey,
        body: { nome: 'typo' },
        headers: { 'idempotency-key': 'bad' },
      });
    const first = await send();
    const second = await send();
    expect(first.statusCode).toBe(400);
    expect(second.statusCode).toBe(400);
    expect(second.headers['idempotent-replayed']).toBe('true');
    expect(second.json()).toEqual(first.json());
  });

  it('keeps keys apart between workspaces and environments', async () => {
    const a = await buildWorkspace(t.context);
    const b = await buildWorkspace(t.context);
    const headers = { 'idempotency-key': 'shared-name' };
    for (const key of [a.liveKey, a.testKey, b.liveKey]) {
      const response = await t.request({
        method: 'POST',
        url: '/v1/api-keys',
        key,
        body: { name: 'n' },
        headers,
      });
      expect(response.statusCode).toBe(201);
      expect(response.headers['idempotent-replayed']).toBeUndefined();
    }
  });

  it('expires stored responses after 24 hours', async () => {
    const ws = await buildWorkspace(t.context);
    const send = () =>
      t.request({
        method: 'POST',
        url: '/v1/api-keys',
        key: ws.liveKey,
        body: { name: 'day' },
        headers: { 'idempotency-key': 'old' },
      });
    await send();
    await t.context.db.query(
      "UPDATE idempotency_keys SET expires_at = now() - interval '1 second' WHERE key = 'old'",
    );
    const later = await send();
    expect(later.statusCode).toBe(201);
    expect(later.headers['idempotent-replayed']).toBeUndefined();
    expect(await activeKeyNames(ws.liveKey)).toEqual(['day', 'day', 'live key']);
    expect(await idempotency.deleteExpired(t.context.db.orm)).toBeGreaterThanOrEqual(0);
  });

  it('rejects an over-long key', async () => {
    const ws = await buildWorkspace(t.context);
    const response = await t.request({
      method: 'POST',
      url: '/v1/api-keys',
      key: ws.liveKey,
      body: { name: 'x' },
      headers: { 'idempotency-key': 'k'.repeat(256) },
    });
    expect(response.statusCode).toBe(400);
    expect(response.json().error.param).toBe('Idempotency-Key');
    expect(await activeKeyNames(ws.liveKey)).toEqual(['live key']);
  });
});
