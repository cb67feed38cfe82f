// Live updates of conversations across nodes. A change announces itself with NOTIFY inside the
// transaction that makes it, so PostgreSQL delivers the notice on commit, to every node, in commit
// order; each node fans it out to the streams open on it. Notices carry ids only (NOTIFY payloads
// are small): a stream reads what changed from the database.
import { sql } from 'drizzle-orm';
import type { Logger } from 'pino';
import type { Database, Executor } from '../../db/client.ts';
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

export type LiveHandler = (notice: LiveNotice | null) => void;
export type PersonHandler = (notice: PersonNotice) => void;

export function createConversationHub(deps: { db: Database; logger: Logger }) {
  const subscribers = new Map<string, Set<LiveHandler>>();
  const personSubscribers = new Map<string, Set<PersonHandler>>();
  let unlisten: (() => Promise<void>) | null = null;

  function dispatch(payload: string): void {
    // An empty payload: the listener reconnected and notices may have been missed. Every stream
    // is told (null) so it can catch up from the database.
    if (payload === '') {
      for (const handlers of subscribers.values()) for (const handler of handlers) handler(null);
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
