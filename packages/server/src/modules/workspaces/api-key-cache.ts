// Caches authenticated keys so a request costs no database round trip. Revocation and plan
// changes are announced with NOTIFY on one channel; every node listens and drops the entry,
// so a revoked key is refused on every node as soon as the revoking transaction commits.
export const API_KEY_CHANNEL = 'parley_api_keys';

export interface CacheInvalidation {
  keyHash?: string;
  /** Set when the key was revoked: its open streams end (see api-key-revocations.ts). */
  keyId?: string;
  workspaceId?: string;
}

interface Entry<T> {
  value: T;
  workspaceId: string;
  expiresAt: number;
}

export class ApiKeyCache<T> {
  private readonly entries = new Map<string, Entry<T>>();
  private unsubscribe: (() => Promise<void>) | null = null;
  /**
   * Bumped by every invalidation. A lookup that started before an invalidation may have read
   * the key before it was revoked, so its result is not cached (see `set`).
   */
  private generation = 0;

  private readonly ttlMs: number;
  private readonly maxEntries: number;
  private readonly now: () => number;

  constructor(ttlMs: number, maxEntries = 10_000, now: () => number = Date.now) {
    this.ttlMs = ttlMs;
    this.maxEntries = maxEntries;
    this.now = now;
  }

  /** Called once the node listens for invalidations; until then nothing is cached. */
  listening(unsubscribe: () => Promise<void>): void {
    this.unsubscribe = unsubscribe;
  }

  get enabled(): boolean {
    return this.unsubscribe !== null && this.ttlMs > 0;
  }

  get(hash: string): T | undefined {
    const entry = this.entries.get(hash);
    if (!entry) return undefined;
    if (entry.expiresAt <= this.now()) {
      this.entries.delete(hash);
      return undefined;
    }
    return entry.value;
  }

  /** The generation to pass to `set` for a lookup starting now. */
  get currentGeneration(): number {
    return this.generation;
  }

  set(hash: string, workspaceId: string, value: T, readAtGeneration: number): void {
    if (!this.enabled || readAtGeneration !== this.generation) return;
    if (this.entries.size >= this.maxEntries) {
      // Maps iterate in insertion order: drop the oldest entry.
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
    this.entries.set(hash, { value, workspaceId, expiresAt: this.now() + this.ttlMs });
  }

  /** An empty payload (the listener reconnected, a notice may be lost) clears everything. */
  onNotification(payload: string): void {
    this.generation += 1;
    if (!payload) {
      this.entries.clear();
      return;
    }
    let message: CacheInvalidation;
    try {
      message = JSON.parse(payload) as CacheInvalidation;
    } catch {
      this.entries.clear();
      return;
    }
    if (message.keyHash) this.entries.delete(message.keyHash);
    if (message.workspaceId) {
      for (const [hash, entry] of this.entries)
        if (entry.workspaceId === message.workspaceId) this.entries.delete(hash);
    }
  }

  async close(): Promise<void> {
    const unsubscribe = this.unsubscribe;
    this.unsubscribe = null;
    this.entries.clear();
    if (unsubscribe) await unsubscribe();
  }
}
