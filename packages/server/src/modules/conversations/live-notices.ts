// What the live updates of conversations carry between nodes (see conversation-live.ts): the
// notices' shapes alone, so that what stores or presents a notice needs nothing else of it.

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

/**
 * Something for one person of the team, on their own stream (GET /v1/me/events): a conversation
 * given to them, a note mentioning them, a visitor's message in a conversation they have.
 */
export interface PersonNotice {
  kind: 'person';
  userId: string;
  workspaceId: string;
  environment: 'live' | 'test';
  reason: 'assigned' | 'mentioned' | 'message';
  conversationId: string;
  /** The conversation, the note or the message. */
  id: string;
}
