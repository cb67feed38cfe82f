// Follows one conversation live over server-sent events: every new message (visitor, bot, agent,
// system) as it is stored, on whichever node it was stored, every change of mode or status, and
// the ephemeral signals: typing (both ways) and, for the team, read receipts.
// Used by the inbox API and by the widget's public stream.
import type { FastifyReply } from 'fastify';
import type { Scope } from '../../db/tenant-scope.ts';
import { openEventStream } from '../../http/sse.ts';
import { encodeId } from '../../lib/ids.ts';
import type { ConversationHub, LiveNotice, ReadNotice, TypingNotice } from './conversation-live.ts';
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
  /**
   * Who is watching: the team (the default) sees the visitor and each other typing, notes
   * included, and read receipts; the visitor sees only people typing a reply.
   */
  audience?: 'team' | 'visitor';
}

/** A typing signal as the audience sees it, or null when it is not theirs to see. */
function presentTyping(notice: TypingNotice, audience: 'team' | 'visitor') {
  if (audience === 'visitor') {
    // The visitor never learns that someone is writing a private note, nor sees their own typing.
    if (notice.from !== 'agent' || notice.privateNote) return null;
    return { from: 'agent' as const, name: notice.name, typing: notice.typing };
  }
  return {
    from: notice.from,
    user_id: notice.userId ? encodeId('usr', notice.userId) : null,
    name: notice.name,
    private_note: notice.privateNote,
    typing: notice.typing,
  };
}

function presentRead(notice: ReadNotice) {
  return {
    user_id: encodeId('usr', notice.userId),
    last_read_message_id: notice.messageId ? encodeId('msg', notice.messageId) : null,
    read_at: notice.readAt,
  };
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
  const audience = options.audience ?? 'team';
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
    if (notice.kind === 'typing') {
      const typing = presentTyping(notice, audience);
      if (typing) stream.send('typing', typing);
      return;
    }
    if (notice.kind === 'read') {
      if (audience === 'team') stream.send('read', presentRead(notice));
      return;
    }
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
