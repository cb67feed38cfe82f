import { describe, expect, it } from 'vitest';
import { ApiKeyCache } from './api-key-cache.ts';

async function enabledCache(ttlMs: number, now: () => number) {
  const cache = new ApiKeyCache<string>(ttlMs, 3, now);
  cache.listening(async () => {});
  return cache;
}

describe('ApiKeyCache', () => {
  it('serves entries until they expire', async () => {
    let time = 0;
    const cache = await enabledCache(1000, () => time);
    cache.set('h1', 'ws1', 'principal', cache.currentGeneration);
    expect(cache.get('h1')).toBe('principal');
    time = 1000;
    expect(cache.get('h1')).toBeUndefined();
  });

  it('drops a key, a workspace, or everything on notification', async () => {
    const cache = await enabledCache(60_000, () => 0);
    cache.set('h1', 'ws1', 'a', cache.currentGeneration);
    cache.set('h2', 'ws1', 'b', cache.currentGeneration);
    cache.set('h3', 'ws2', 'c', cache.currentGeneration);
    cache.onNotification(JSON.stringify({ keyHash: 'h3' }));
    expect(cache.get('h3')).toBeUndefined();
    expect(cache.get('h1')).toBe('a');
    cache.onNotification(JSON.stringify({ workspaceId: 'ws1' }));
    expect(cache.get('h1')).toBeUndefined();
    expect(cache.get('h2')).toBeUndefined();
    cache.set('h1', 'ws1', 'a', cache.currentGeneration);
    cache.onNotification('');
    expect(cache.get('h1')).toBeUndefined();
  });

  it('does not cache a lookup that raced with a revocation', async () => {
    const cache = await enabledCache(60_000, () => 0);
    const before = cache.currentGeneration;
    cache.onNotification(JSON.stringify({ keyHash: 'h1' })); // revoked while the lookup ran
    cache.set('h1', 'ws1', 'stale', before);
    expect(cache.get('h1')).toBeUndefined();
  });

  it('caches nothing before it listens for revocations, and stays bounded', async () => {
    const idle = new ApiKeyCache<string>(60_000);
    idle.set('h1', 'ws1', 'a', idle.currentGeneration);
    expect(idle.get('h1')).toBeUndefined();
    const cache = await enabledCache(60_000, () => 0);
    for (const hash of ['a', 'b', 'c', 'd']) cache.set(hash, 'ws', hash, cache.currentGeneration);
    expect(cache.get('a')).toBeUndefined();
    expect(cache.get('d')).toBe('d');
  });
});
