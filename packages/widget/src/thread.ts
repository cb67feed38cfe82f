// The list of messages the panel shows, as pure functions over an immutable array.
//
// The same message can reach the widget twice: the bot's answer streams through `POST /chat`
// and is published again on the conversation's events stream; the visitor's own message is
// shown at once with a local id and comes back from the server with its real one. Messages
// are therefore keyed by id, and a local one is swapped for the server's when they meet.

import type { Message, Source } from './types.ts';

export type ThreadMessage = Message & {
  /** Shown before the server gave it an id (a visitor message being sent, a reply streaming). */
  local?: boolean;
  streaming?: boolean;
  /** The reply stopped before it was complete. */
  interrupted?: boolean;
};

export type Thread = ThreadMessage[];

let counter = 0;
export const localId = () => `local_${++counter}`;

export function addLocal(thread: Thread, message: ThreadMessage): Thread {
  return [...thread, { ...message, local: true }];
}

const replaceAt = (thread: Thread, index: number, message: ThreadMessage): Thread =>
  thread.map((m, i) => (i === index ? message : m));

/** A message from the server (history, events stream, end of a reply): added once, by id. */
export function mergeMessage(thread: Thread, message: Message): Thread {
  const index = thread.findIndex((m) => m.id === message.id);
  if (index !== -1) return replaceAt(thread, index, { ...thread[index], ...message, local: false });
  if (message.role === 'user') {
    // Our own message, echoed by the events stream before the chat stream named its id.
    const mine = thread.findIndex((m) => m.local && m.role === 'user' && m.content === message.content);
    if (mine !== -1) return replaceAt(thread, mine, { ...message });
  }
  return [...thread, { ...message }];
}

/** The server named the id of a message shown with a local id. */
export function confirmId(thread: Thread, local: string, id: string): Thread {
  if (thread.some((m) => m.id === id)) return thread.filter((m) => m.id !== local);
  return thread.map((m) => (m.id === local ? { ...m, id, local: false } : m));
}

export function appendDelta(thread: Thread, id: string, text: string): Thread {
  return thread.map((m) => (m.id === id ? { ...m, content: m.content + text } : m));
}

export function setSources(thread: Thread, id: string, sources: Source[]): Thread {
  return thread.map((m) => (m.id === id ? { ...m, sources } : m));
}

/** The streamed reply is complete: it becomes the server's message (once, even if already here). */
export function finishReply(thread: Thread, local: string, message: Message): Thread {
  const streamed = thread.find((m) => m.id === local);
  const final: Message = {
    ...message,
    content: message.content ?? streamed?.content ?? '',
    sources: message.sources?.length ? message.sources : (streamed?.sources ?? []),
  };
  if (thread.some((m) => m.id === message.id)) return mergeMessage(removeMessage(thread, local), final);
  return thread.map((m) => (m.id === local ? final : m));
}

/** The reply failed: drop it if nothing arrived, else keep what came, marked as cut short. */
export function abandonReply(thread: Thread, local: string): Thread {
  const streamed = thread.find((m) => m.id === local);
  if (!streamed) return thread;
  if (!streamed.content.trim()) return removeMessage(thread, local);
  return thread.map((m) => (m.id === local ? { ...m, streaming: false, interrupted: true } : m));
}

export function removeMessage(thread: Thread, id: string): Thread {
  return thread.filter((m) => m.id !== id);
}

export function setFeedback(thread: Thread, id: string, feedback: 'up' | 'down' | null): Thread {
  return thread.map((m) => (m.id === id ? { ...m, feedback } : m));
}
