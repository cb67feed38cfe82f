import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as repo from '../../../src/modules/workspaces/workspace-repository.ts';
import { buildWorkspace } from '../../helpers/factories.ts';
import { startTestApp, type TestApp } from '../../helpers/test-app.ts';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(async () => {
  await t.close();
});

describe('prepareApiKeyPages', () => {
  // The request path of GET /v1/api-keys skips drizzle; it must read what drizzle reads.
  it('returns the rows listApiKeys returns, page after page', async () => {
    const ws = await buildWorkspace(t.context);
    const { db, apiKeys } = t.context;
    for (let i = 0; i < 4; i++) await apiKeys.create(ws.id, 'live', `key ${i}`);
    await apiKeys.revoke(null, ws.liveKeyId);
    await repo.touchApiKey(db.orm, ws.liveKeyId);
    const listPage = repo.prepareApiKeyPages(db);
    const scope = { workspaceId: ws.id, environment: 'live' as const };

    const first = await listPage(scope, { limit: 3, beforeId: null });
    expect(first).toEqual(await repo.listApiKeys(db.orm, scope, { limit: 3, beforeId: null }));
    expect(first).toHaveLength(3);
    expect(first[0]!.createdAt).toBeInstanceOf(Date);

    const beforeId = first[2]!.id;
    const rest = await listPage(scope, { limit: 3, beforeId });
    expect(rest).toEqual(await repo.listApiKeys(db.orm, scope, { limit: 3, beforeId }));
    expect(rest).toHaveLength(2);
    const original = rest.find((row) => row.id === ws.liveKeyId);
    expect(original?.revokedAt).toBeInstanceOf(Date);
    expect(original?.lastUsedAt).toBeInstanceOf(Date);

    // Twice through the same named statement, and another environment.
    expect(await listPage(scope, { limit: 3, beforeId: null })).toEqual(first);
    const testKeys = await listPage(
      { workspaceId: ws.id, environment: 'test' },
      { limit: 3, beforeId: null },
    );
    expect(testKeys.map((row) => row.id)).toEqual([ws.testKeyId]);
  });
});
