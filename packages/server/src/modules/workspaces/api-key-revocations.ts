// Tells long-lived work (event streams) that the API key it runs for has been revoked. The
// revoking node tells its own watchers at once; other nodes learn it from the NOTIFY that
// revocation sends; and every node re-checks its watched keys in the database now and then,
// and whenever its listener reconnected (a notice may have been lost meanwhile).

export type RevocationHandler = () => void;

export class KeyRevocations {
  private readonly watchers = new Map<string, Set<RevocationHandler>>();
  private timer: NodeJS.Timeout | null = null;
  private checking = false;

  /** Which of these keys are still active (not revoked, not deleted). */
  private readonly activeAmong: (keyIds: string[]) => Promise<Set<string>>;
  private readonly recheckMs: number;
  private readonly onError: (error: unknown) => void;

  constructor(
    activeAmong: (keyIds: string[]) => Promise<Set<string>>,
    recheckMs: number,
    onError: (error: unknown) => void,
  ) {
    this.activeAmong = activeAmong;
    this.recheckMs = recheckMs;
    this.onError = onError;
  }

  /** Calls the handler once when the key is revoked, until the returned function is called. */
  watch(keyId: string, handler: RevocationHandler): () => void {
    let handlers = this.watchers.get(keyId);
    if (!handlers) {
      handlers = new Set();
      this.watchers.set(keyId, handlers);
    }
    handlers.add(handler);
    this.schedule();
    return () => {
      handlers.delete(handler);
      if (handlers.size === 0 && this.watchers.get(keyId) === handlers) this.watchers.delete(keyId);
    };
  }

  revoked(keyId: string): void {
    const handlers = this.watchers.get(keyId);
    if (!handlers) return;
    this.watchers.delete(keyId);
    for (const handler of handlers) handler();
  }

  /** A notice on the API key channel: `{keyId}` names a revoked key; empty means "re-check". */
  onNotification(payload: string): void {
    if (!payload) {
      void this.recheck();
      return;
    }
    try {
      const { keyId } = JSON.parse(payload) as { keyId?: unknown };
      if (typeof keyId === 'string') this.revoked(keyId);
    } catch {
      void this.recheck();
    }
  }

  /** Asks the database which watched keys are still active and ends the others' work. */
  async recheck(): Promise<void> {
    if (this.checking || this.watchers.size === 0) return;
    this.checking = true;
    try {
      const watched = [...this.watchers.keys()];
      const active = await this.activeAmong(watched);
      for (const keyId of watched) if (!active.has(keyId)) this.revoked(keyId);
    } catch (error) {
      this.onError(error);
    } finally {
      this.checking = false;
    }
  }

  close(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.watchers.clear();
  }

  /** One timer per node, only while something is watched. */
  private schedule(): void {
    if (this.timer) return;
    this.timer = setInterval(() => {
      if (this.watchers.size === 0) {
        if (this.timer) clearInterval(this.timer);
        this.timer = null;
        return;
      }
      void this.recheck();
    }, this.recheckMs);
    this.timer.unref();
  }
}
