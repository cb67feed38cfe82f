// Live updates of conversations across nodes. A change announces itself with NOTIFY inside the
// transaction that makes it, so PostgreSQL delivers the notice on commit, to every node, in commit
// order; each node fans it out to the streams open on it. Notices carry ids only (NOTIFY payloads
// are small): a stream reads what changed from the database.
import { sql } from 'drizzle-orm';
import type { Logger } from 'pino';
import type { Database, Executor } from '../../db/client.ts';

const CHANNEL = 'parley_conversations';

export interface StoredChangeNotice {
  conversationId: string;
  /** A new message (its id), or a change of the conversation's mode or status. */
  kind: 'message' | 'conversation';
  id: string;
}

/**
 * Someone is typing (or stopped). Ephemeral: it is never stored, so the notice carries all of it.
 * `privateNote` marks a person typing a note for the team: the visitor's stream never shows it.
 */
export interface TypingNotice {
  conversationId: string;
  kind: 'typing';
  from: 'visitor' | 'agent';
  userId: string | null;
  name: string | null;
  privateNote: boolean;
  typing: boolean;
}

/** A person of the team has read the conversation up to a message (shown to the team only). */
export interface ReadNotice {
  conversationId: string;
  kind: 'read';
  userId: string;
  messageId: string | null;
  readAt: string;
}

export type LiveNotice = StoredChangeNotice | TypingNotice | ReadNotice;

export async function announce(tx: Executor, notice: LiveNotice): Promise<void> {
  await tx.execute(sql`SELECT pg_notify(${CHANNEL}, ${JSON.stringify(notice)})`);
}

export type LiveHandler = (notice: LiveNotice | null) => void;

export function createConversationHub(deps: { db: Database; logger: Logger }) {
  const subscribers = new Map<string, Set<LiveHandler>>();
  let unlisten: (() => Promise<void>) | null = null;

  function dispatch(payload: string): void {
    // An empty payload: the listener reconnected and notices may have been missed. Every stream
    // is told (null) so it can catch up from the database.
    if (payload === '') {
      for (const handlers of subscribers.values()) for (const handler of handlers) handler(null);
      return;
    }
    let notice: LiveNotice;
    try {
      notice = JSON.parse(payload) as LiveNotice;
    } catch {
      deps.logger.warn({ payload }, 'ignoring a malformed conversation notice');
      return;
    }
    for (const handler of subscribers.get(notice.conversationId) ?? []) handler(notice);
  }

  return {
    async start(): Promise<void> {
      unlisten = await deps.db.listen(CHANNEL, dispatch);
    },
    async stop(): Promise<void> {
      await unlisten?.();
      unlisten = null;
    },
    /** Calls the handler for every notice of the conversation until the returned function is called. */
    subscribe(conversationId: string, handler: LiveHandler): () => void {
      let handlers = subscribers.get(conversationId);
      if (!handlers) {
        handlers = new Set();
        subscribers.set(conversationId, handlers);
      }
      handlers.add(handler);
      return () => {
        handlers.delete(handler);
        if (handlers.size === 0) subscribers.delete(conversationId);
      };
    },
  };
}

export type ConversationHub = ReturnType<typeof createConversationHub>;
