// Typing, both ways. While a person has the conversation, the visitor's typing reaches the team
// (a signal every few seconds at most, and "stopped" on sending); the person answering is shown
// typing in the thread until their message arrives or their signal runs out.

import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import type { Api } from './api.ts';

/** The server shows a signal for 6 s: one every 4 s keeps the indicator on without a gap. */
const SIGNAL_EVERY_MS = 4_000;
/** How long a person's signal shows when the server does not say (its `expires_in`). */
const SHOWN_MS = 6_000;

type Conversation = { id: string; token: string; mode?: string } | null;

export function useTyping(api: Api, conversation: Conversation) {
  const [agent, setAgent] = useState<string | null>(null);
  const lastSent = useRef(0);
  const expiry = useRef<ReturnType<typeof setTimeout> | null>(null);
  const human = conversation?.mode === 'human';

  const clear = useCallback(() => {
    if (expiry.current) clearTimeout(expiry.current);
    expiry.current = null;
    setAgent(null);
  }, []);
  useEffect(() => clear, [clear]);

  /** A `typing` event of the conversation's stream: only people's, never the visitor's own. */
  const onTypingEvent = useCallback(
    (data: Record<string, unknown>) => {
      if (data.from !== 'agent') return;
      if (data.typing === false) return clear();
      if (expiry.current) clearTimeout(expiry.current);
      expiry.current = setTimeout(clear, SHOWN_MS);
      setAgent(typeof data.name === 'string' && data.name ? data.name : 'Someone');
    },
    [clear],
  );

  /** The visitor typed: tell the team, at most once every few seconds, while a person is there. */
  const visitorTyped = useCallback(() => {
    if (!conversation || !human) return;
    const now = Date.now();
    if (now - lastSent.current < SIGNAL_EVERY_MS) return;
    lastSent.current = now;
    // A lost signal loses nothing: the message itself follows.
    api.typing(conversation.id, conversation.token, true).catch(() => {});
  }, [api, conversation, human]);

  /** The visitor sent (or cleared) their draft: the team's indicator goes off at once. */
  const visitorStopped = useCallback(() => {
    if (!conversation || !lastSent.current) return;
    lastSent.current = 0;
    api.typing(conversation.id, conversation.token, false).catch(() => {});
  }, [api, conversation]);

  return { agentTyping: agent, onTypingEvent, agentReplied: clear, visitorTyped, visitorStopped };
}
