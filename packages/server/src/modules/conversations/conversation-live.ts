// Live updates of conversations across nodes. A change announces itself with NOTIFY inside the
// transaction that makes it, so PostgreSQL delivers the notice on commit, to every node, in commit
// order; each node fans it out to the streams open on it. Notices carry ids only (NOTIFY payloads
// are small): a stream reads what changed from the database.
import { sql } from 'drizzle-orm';
import type { Logger } from 'pino';
import type { Database, Executor } from '../../db/client.ts';
import type { Scope } from '../../db/tenant-scope.ts';
import { keepForMail } from '../inbox/person-notice-repository.ts';
import type { LiveNotice, PersonNotice } from './live-notices.ts';

const CHANNEL = 'parley_conversations';

export type {
  LiveNotice,
  PersonNotice,
  ReadNotice,
  StoredChangeNotice,
  TypingNotice,
} from './live-notices.ts';

/**
 * Sends the notice to every node's streams when the transaction commits. A notice for a person
 * who is not online is also kept, in the same transaction, to be mailed (inbox/notice-mail.ts).
 */
export async function announce(tx: Executor, notice: LiveNotice | PersonNotice): Promise<void> {
  await tx.execute(sql`SELECT pg_notify(${CHANNEL}, ${JSON.stringify(notice)})`);
  if (notice.kind === 'person') await keepForMail(tx, notice);
}

/** A notice, or null: notices may have been missed, the stream catches up from the database. */
export type LiveHandler = (notice: LiveNotice | null) => void;
/** A notice for the person, or null: notices may have been missed (see LiveHandler). */
export type PersonHandler = (notice: PersonNotice | null) => void;

export function createConversationHub(deps: { db: Database; logger: Logger }) {
  const subscribers = new Map<string, Set<LiveHandler>>();
  const personSubscribers = new Map<string, Set<PersonHandler>>();
  let unlisten: (() => Promise<void>) | null = null;
  let listenedBefore = false;

  /** Tells every stream, of conversations and of people, that notices may have been missed. */
  function missed(): void {
    for (const handlers of subscribers.values()) for (const handler of [...handlers]) handler(null);
    for (const handlers of personSubscribers.values()) for (const handler of [...handlers]) handler(null);
  }

  function dispatch(payload: string): void {
    // An empty payload: the listener reconnected and notices may have been missed. Every stream
    // is told (null) so it can catch up from the database.
    if (payload === '') {
      missed();
      return;
    }
    let notice: LiveNotice | PersonNotice;
    try {
      notice = JSON.parse(payload) as LiveNotice | PersonNotice;
    } catch {
      deps.logger.warn({ payload }, 'ignoring a malformed conversation notice');
      return;
    }
    if (notice.kind === 'person') {
      for (const handler of personSubscribers.get(notice.userId) ?? []) handler(notice);
      return;
    }
    for (const handler of subscribers.get(notice.conversationId) ?? []) handler(notice);
  }

  return {
    /**
     * The conversation's newest message (its uuid), or null when it has none: where a stream
     * opened without a resume point catches up from.
     */
    async newestMessageId(scope: Scope, conversationId: string): Promise<string | null> {
      const rows = await deps.db.query<{ id: string }>(
        `SELECT id FROM messages
         WHERE workspace_id = $1 AND environment = $2 AND conversation_id = $3
         ORDER BY id DESC LIMIT 1`,
        [scope.workspaceId, scope.environment, conversationId],
      );
      return rows[0]?.id ?? null;
    },
    /**
     * Listens for notices. Listening again after a stop is a reconnect: what was announced in
     * between never arrived, so every open stream is told to catch up.
     */
    async start(): Promise<void> {
      if (unlisten) return;
      unlisten = await deps.db.listen(CHANNEL, dispatch);
      if (listenedBefore) missed();
      listenedBefore = true;
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
    /** Calls the handler for every notice meant for the person until the returned function is called. */
    subscribePerson(userId: string, handler: PersonHandler): () => void {
      let handlers = personSubscribers.get(userId);
      if (!handlers) {
        handlers = new Set();
        personSubscribers.set(userId, handlers);
      }
      handlers.add(handler);
      return () => {
        handlers.delete(handler);
        if (handlers.size === 0) personSubscribers.delete(userId);
      };
    },
  };
}

export type ConversationHub = ReturnType<typeof createConversationHub>;
