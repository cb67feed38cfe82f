// Follows one conversation live over server-sent events: every new message (visitor, bot, agent,
// system) as it is stored, on whichever node it was stored, and every change of mode or status.
// Used by the inbox API and by the widget's public stream.
import type { FastifyReply } from 'fastify';
import type { Scope } from '../../db/tenant-scope.ts';
import { openEventStream } from '../../http/sse.ts';
import type { ConversationHub, LiveNotice } from './conversation-live.ts';
import {
  type ConversationRow,
  type MessageRow,
  presentConversation,
  presentMessage,
} from './conversation-schemas.ts';
import type { ConversationService } from './conversation-service.ts';

const HEARTBEAT_MS = 15_000;
const CATCH_UP_PAGE = 100;

export interface FollowOptions {
  /** Resume after this message (uuid): the client's Last-Event-ID. */
  afterMessageId: string | null;
  /**
   * Without a resume point, send the conversation's messages so far first: a client that loads
   * the history while the stream connects then misses nothing stored in between.
   */
  replay?: boolean;
  /** How a message is shown to this audience (the widget hides internal fields). */
  presentMessage?: (row: MessageRow) => unknown;
  /** How the conversation's state is shown to this audience. */
  presentConversation?: (row: ConversationRow) => unknown;
}

export function followConversation(
  reply: FastifyReply,
  deps: { hub: ConversationHub; conversations: ConversationService },
  scope: Scope,
  conversation: ConversationRow,
  options: FollowOptions,
): void {
  const conversationId = conversation.id;
  const present = options.presentMessage ?? presentMessage;
  const presentState = options.presentConversation ?? presentConversation;
  const stream = openEventStream(reply);
  const sent = new Set<string>();
  let lastId = options.afterMessageId;
  // Notices are handled one after the other, so events leave in the order they were stored.
  let chain: Promise<void> = Promise.resolve();

  function sendMessage(row: MessageRow): void {
    if (sent.has(row.id)) return;
    sent.add(row.id);
    if (!lastId || row.id > lastId) lastId = row.id;
    stream.send('message', present(row), row.id);
  }

  let replaying = options.replay === true && !lastId;

  async function catchUp(): Promise<void> {
    if (!lastId && !replaying) return;
    replaying = false;
    for (;;) {
      const rows = await deps.conversations.listMessages(scope, conversationId, {
        limit: CATCH_UP_PAGE,
        afterId: lastId,
      });
      for (const row of rows) sendMessage(row);
      if (rows.length < CATCH_UP_PAGE) return;
    }
  }

  async function handle(notice: LiveNotice | null): Promise<void> {
    if (notice === null) return catchUp();
    if (notice.kind === 'message') {
      const row = await deps.conversations.message(scope, notice.id);
      if (row) sendMessage(row);
      return;
    }
    const current = await deps.conversations.get(scope, conversationId).catch(() => null);
    if (current) stream.send('conversation', presentState(current));
    else stream.end(); // deleted
  }

  const unsubscribe = deps.hub.subscribe(conversationId, (notice) => {
    chain = chain
      .then(() => handle(notice))
      .catch((error) => reply.log.warn({ err: error }, 'live update failed'));
  });
  const heartbeat = setInterval(() => stream.ping(), HEARTBEAT_MS);
  heartbeat.unref();
  stream.signal.addEventListener('abort', () => {
    clearInterval(heartbeat);
    unsubscribe();
  });
  // Subscribed first, then the state and the catch-up: nothing stored in between is missed
  // (a message both caught up and announced is sent once).
  stream.send('conversation', presentState(conversation));
  chain = chain.then(catchUp);
}
