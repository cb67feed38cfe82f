import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeId } from '../../../src/lib/ids.ts';
import { buildWorkspace } from '../../helpers/factories.ts';
import { startTestApp, type TestApp } from '../../helpers/test-app.ts';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(async () => {
  await t.close();
});

describe('POST /v1/api-keys', () => {
  it('creates a key in the caller environment, shows the secret once, and the key works', async () => {
    const ws = await buildWorkspace(t.context);
    const created = await t.request({
      method: 'POST',
      url: '/v1/api-keys',
      key: ws.testKey,
      body: { name: 'CI' },
    });
    expect(created.statusCode).toBe(201);
    const body = created.json();
    expect(body).toMatchObject({
      name: 'CI',
      environment: 'test',
      status: 'active',
      revoked_at: null,
      last_used_at: null,
    });
    expect(body.id).toMatch(/^key_/);
    expect(body.key).toMatch(/^prl_test_[0-9A-Za-z]{40}$/);
    expect(body.prefix).toBe(body.key.slice(0, 13));
    expect(body.last_four).toBe(body.key.slice(-4));

    const me = await t.request({ url: '/v1/workspace', key: body.key });
    expect(me.statusCode).toBe(200);
    expect(me.json().environment).toBe('test');

    const listed = await t.request({ url: '/v1/api-keys', key: ws.testKey });
    const entry = listed.json().data.find((k: { id: string }) => k.id === body.id);
    expect(entry).toBeDefined();
    expect(entry.key).toBeUndefined();
    expect(JSON.stringify(listed.json())).not.toContain(body.key);
  });

  it('stores only a hash of the key', async () => {
    const ws = await buildWorkspace(t.context);
    const created = (
      await t.request({ method: 'POST', url: '/v1/api-keys', key: ws.liveKey, body: { name: 'x' } })
    ).json();
    const rows = await t.context.db.query<Record<string, unknown>>(
      'SELECT * FROM api_keys WHERE workspace_id = $1',
      [ws.id],
    );
    expect(JSON.stringify(rows)).not.toContain(created.key);
    expect(JSON.stringify(rows)).not.toContain(created.key.slice(13, 36));
  });

  it('refuses the 6th active key of an environment and says to revoke one', async () => {
    const ws = await buildWorkspace(t.context); // 1 live + 1 test key
    const secrets: string[] = [];
    for (let i = 0; i < 4; i++) {
      const response = await t.request({
        method: 'POST',
        url: '/v1/api-keys',
        key: ws.liveKey,
        body: { name: `k${i}` },
      });
      expect(response.statusCode).toBe(201);
      secrets.push(response.json().key);
    }
    const sixth = await t.request({
      method: 'POST',
      url: '/v1/api-keys',
      key: ws.liveKey,
      body: { name: 'one too many' },
    });
    expect(sixth.statusCode).toBe(400);
    expect(sixth.json().error).toMatchObject({
      type: 'invalid_request_error',
      code: 'api_key_limit_reached',
    });
    expect(sixth.json().error.message).toMatch(/revoke/i);
    const count = await t.context.db.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM api_keys WHERE workspace_id = $1 AND environment = 'live'",
      [ws.id],
    );
    expect(count[0]!.n).toBe(5);

    // The other environment has its own allowance; revoking one frees a place.
    expect(
      (await t.request({ method: 'POST', url: '/v1/api-keys', key: ws.testKey, body: { name: 't' } }))
        .statusCode,
    ).toBe(201);
    await t.request({
      method: 'DELETE',
      url: `/v1/api-keys/${encodeId('key', ws.liveKeyId)}`,
      key: ws.liveKey,
    });
    const afterRevoke = await t.request({
      method: 'POST',
      url: '/v1/api-keys',
      key: secrets[0],
      body: { name: 'again' },
    });
    expect(afterRevoke.statusCode).toBe(201);
  });

  it('rejects a missing or invalid name and creates nothing', async () => {
    const ws = await buildWorkspace(t.context);
    for (const body of [{}, { name: '' }, { name: 42 }, { name: 'ok', extra: true }]) {
      const response = await t.request({ method: 'POST', url: '/v1/api-keys', key: ws.liveKey, body });
      expect(response.statusCode).toBe(400);
      expect(response.json().error.type).toBe('invalid_request_error');
      expect(response.json().error.param).toMatch(/name|extra/);
    }
    const list = await t.request({ url: '/v1/api-keys', key: ws.liveKey });
    expect(list.json().data).toHaveLength(1);
  });
});

describe('GET /v1/api-keys', () => {
  it('pages newest first with a cursor', async () => {
    const ws = await buildWorkspace(t.context);
    for (let i = 0; i < 3; i++)
      await t.request({ method: 'POST', url: '/v1/api-keys', key: ws.liveKey, body: { name: `k${i}` } });
    const first = await t.request({ url: '/v1/api-keys?page_size=2', key: ws.liveKey });
    expect(first.statusCode).toBe(200);
    expect(first.json().data.map((k: { name: string }) => k.name)).toEqual(['k2', 'k1']);
    expect(first.json().has_more).toBe(true);
    const second = await t.request({
      url: `/v1/api-keys?page_size=2&cursor=${first.json().next_cursor}`,
      key: ws.liveKey,
    });
    expect(second.json().data.map((k: { name: string }) => k.name)).toEqual(['k0', 'live key']);
    expect(second.json()).toMatchObject({ has_more: false, next_cursor: null });
  });

  it('rejects a bad page size or cursor', async () => {
    const ws = await buildWorkspace(t.context);
    for (const query of ['page_size=0', 'page_size=101', 'page_size=abc', 'cursor=nonsense']) {
      const response = await t.request({ url: `/v1/api-keys?${query}`, key: ws.liveKey });
      expect(response.statusCode).toBe(400);
      expect(response.json().error.param).toBe(query.split('=')[0]);
    }
  });

  it('shows only the caller workspace and environment', async () => {
    const a = await buildWorkspace(t.context);
    const b = await buildWorkspace(t.context);
    const live = (await t.request({ url: '/v1/api-keys', key: a.liveKey })).json().data;
    expect(live.map((k: { id: string }) => k.id)).toEqual([encodeId('key', a.liveKeyId)]);
    const test = (await t.request({ url: '/v1/api-keys', key: a.testKey })).json().data;
    expect(test.map((k: { id: string }) => k.id)).toEqual([encodeId('key', a.testKeyId)]);
    const other = (await t.request({ url: '/v1/api-keys', key: b.liveKey })).json().data;
    expect(other.map((k: { id: string }) => k.id)).toEqual([encodeId('key', b.liveKeyId)]);
  });

  it('records when a key was last used', async () => {
    const ws = await buildWorkspace(t.context);
    await t.request({ url: '/v1/workspace', key: ws.testKey });
    await expect
      .poll(async () => {
        const list = (await t.request({ url: '/v1/api-keys', key: ws.testKey })).json();
        return list.data[0].last_used_at;
      })
      .toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  });
});

describe('DELETE /v1/api-keys/{id}', () => {
  it('revokes a key: it gets 401 at once, and revoking again changes nothing', async () => {
    const ws = await buildWorkspace(t.context);
    const extra = (
      await t.request({ method: 'POST', url: '/v1/api-keys', key: ws.liveKey, body: { name: 'tmp' } })
    ).json();
    expect((await t.request({ url: '/v1/workspace', key: extra.key })).statusCode).toBe(200); // now cached
    const revoked = await t.request({ method: 'DELETE', url: `/v1/api-keys/${extra.id}`, key: ws.liveKey });
    expect(revoked.statusCode).toBe(200);
    expect(revoked.json()).toMatchObject({ id: extra.id, status: 'revoked' });
    const refused = await t.request({ url: '/v1/workspace', key: extra.key });
    expect(refused.statusCode).toBe(401);
    expect(refused.json().error).toMatchObject({ type: 'authentication_error', code: 'api_key_revoked' });
    const again = await t.request({ method: 'DELETE', url: `/v1/api-keys/${extra.id}`, key: ws.liveKey });
    expect(again.statusCode).toBe(200);
    expect(again.json().revoked_at).toBe(revoked.json().revoked_at);
  });

  it('reaches every node at once', async () => {
    const peer = await t.startPeer();
    try {
      const ws = await buildWorkspace(t.context);
      const extra = (
        await t.request({ method: 'POST', url: '/v1/api-keys', key: ws.liveKey, body: { name: 'shared' } })
      ).json();
      expect((await peer.request({ url: '/v1/workspace', key: extra.key })).statusCode).toBe(200); // cached on the peer
      await t.request({ method: 'DELETE', url: `/v1/api-keys/${extra.id}`, key: ws.liveKey });
      // NOTIFY is delivered after commit; the peer drops its cache entry as it arrives.
      await expect
        .poll(async () => (await peer.request({ url: '/v1/workspace', key: extra.key })).statusCode, {
          timeout: 2000,
          interval: 5,
        })
        .toBe(401);
    } finally {
      await peer.close();
    }
  });

  it('answers 404 for another workspace or environment, 400 for a malformed id', async () => {
    const a = await buildWorkspace(t.context);
    const b = await buildWorkspace(t.context);
    const foreign = await t.request({
      method: 'DELETE',
      url: `/v1/api-keys/${encodeId('key', b.liveKeyId)}`,
      key: a.liveKey,
    });
    expect(foreign.statusCode).toBe(404);
    expect(foreign.json().error.type).toBe('not_found_error');
    const otherEnv = await t.request({
      method: 'DELETE',
      url: `/v1/api-keys/${encodeId('key', a.testKeyId)}`,
      key: a.liveKey,
    });
    expect(otherEnv.statusCode).toBe(404);
    // Nothing changed: both keys still work.
    expect((await t.request({ url: '/v1/workspace', key: b.liveKey })).statusCode).toBe(200);
    expect((await t.request({ url: '/v1/workspace', key: a.testKey })).statusCode).toBe(200);

    const malformed = await t.request({ method: 'DELETE', url: '/v1/api-keys/key_nope', key: a.liveKey });
    expect(malformed.statusCode).toBe(400);
    expect(malformed.json().error).toMatchObject({ code: 'invalid_id', param: 'id' });
    const wrongType = await t.request({
      method: 'DELETE',
      url: `/v1/api-keys/${encodeId('ws', a.id)}`,
      key: a.liveKey,
    });
    expect(wrongType.statusCode).toBe(400);
    expect(wrongType.json().error.message).toContain("'key_'");
  });
});
