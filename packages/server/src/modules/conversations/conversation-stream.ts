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
  // Where catch-up reads messages from is known once the stream has a resume point, or replays
  // from the start; otherwise it is the newest message when the stream opened (read first).
  let cursorKnown = lastId !== null || options.replay === true;
  // The state last sent, as sent: catch-up sends the state again only when it changed.
  let lastState = '';
  // Notices are handled one after the other, so events leave in the order they were stored.
  let chain: Promise<void> = Promise.resolve();

  function sendMessage(row: MessageRow): void {
    if (sent.has(row.id)) return;
    sent.add(row.id);
    if (!lastId || row.id > lastId) lastId = row.id;
    stream.send('message', present(row), row.id);
  }

  function sendState(row: ConversationRow, onlyIfChanged: boolean): void {
    const shown = presentState(row);
    const text = JSON.stringify(shown);
    if (onlyIfChanged && text === lastState) return;
    lastState = text;
    stream.send('conversation', shown);
  }

  /** Sends the messages stored since the last one sent (or since the stream opened). */
  async function catchUpMessages(): Promise<void> {
    if (!cursorKnown) {
      // Opened without a resume point: what comes after the newest message now is new to it.
      // Messages stored after the subscription are announced too, and sent once.
      lastId = await deps.hub.newestMessageId(scope, conversationId);
      cursorKnown = true;
      return;
    }
    for (;;) {
      const rows = await deps.conversations.listMessages(scope, conversationId, {
        limit: CATCH_UP_PAGE,
        afterId: lastId,
      });
      for (const row of rows) sendMessage(row);
      if (rows.length < CATCH_UP_PAGE) return;
    }
  }

  /** The conversation as it is now: sent when it changed since last sent; a deleted one ends. */
  async function catchUpState(): Promise<void> {
    const current = await deps.conversations.get(scope, conversationId).catch(() => null);
    if (current) sendState(current, true);
    else stream.end();
  }

  async function handle(notice: LiveNotice | null): Promise<void> {
    // Notices may have been missed (the listener reconnected): catch up from the database.
    if (notice === null) {
      await catchUpMessages();
      await catchUpState();
      return;
    }
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
    if (current) sendState(current, false);
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
  // Subscribed first, then the resume point, the state and the catch-up: nothing stored in
  // between is missed (a message both caught up and announced is sent once). The first event is
  // the state as read after subscribing. Whenever the hub may have missed notices (its listener
  // reconnected), the stream catches up again from where it is.
  chain = chain
    .then(async () => {
      if (!cursorKnown) await catchUpMessages(); // the newest message now: the resume point
      await catchUpState();
      await catchUpMessages();
    })
    .catch((error) => {
      reply.log.warn({ err: error }, 'live catch-up failed');
      if (!lastState) sendState(conversation, false);
    });
}
