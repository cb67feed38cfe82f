// Typing, both ways. Others' signals arrive on the conversation's stream as `typing` events and
// show under the thread until SHOWN_MS pass without another (the API's expires_in); the person's
// own typing is sent while they write (at most every SEND_EVERY_MS) and ended on sending,
// clearing or leaving, a note's typing marked private so the visitor never sees it.
import { useCallback, useEffect, useRef, useState } from 'react';
import { api } from '../api/client.ts';

const SHOWN_MS = 6_000;
const SEND_EVERY_MS = 3_000;

export interface TypingEvent {
  from: 'agent' | 'visitor';
  user_id: string | null;
  name: string | null;
  private_note: boolean;
  typing: boolean;
}

interface Typer {
  name: string;
  note: boolean;
  until: number;
}

/** Who is typing in the conversation now (not the signed-in person), from its stream's events. */
export function useTypers(myUserId: string | undefined) {
  const [typers, setTypers] = useState<Map<string, Typer>>(new Map());
  const onTyping = useCallback(
    (event: TypingEvent) => {
      if (event.user_id && event.user_id === myUserId) return;
      const key = event.user_id ?? `${event.from}:${event.name ?? ''}`;
      setTypers((current) => {
        const next = new Map(current);
        if (event.typing) {
          const name = event.name ?? (event.from === 'visitor' ? 'The visitor' : 'Someone');
          next.set(key, { name, note: event.private_note, until: Date.now() + SHOWN_MS });
        } else next.delete(key);
        return next;
      });
    },
    [myUserId],
  );
  // Signals that stop coming expire: the earliest expiry re-renders.
  useEffect(() => {
    if (typers.size === 0) return;
    const soonest = Math.min(...[...typers.values()].map((typer) => typer.until));
    const timer = setTimeout(
      () => setTypers((current) => new Map([...current].filter(([, typer]) => typer.until > Date.now()))),
      Math.max(0, soonest - Date.now()) + 50,
    );
    return () => clearTimeout(timer);
  }, [typers]);
  // A visitor's message ends their typing at once, without waiting for it to expire.
  const onVisitorMessage = useCallback(() => {
    setTypers((current) => new Map([...current].filter(([key]) => !key.startsWith('visitor:'))));
  }, []);
  return { typers: [...typers.values()], onTyping, onVisitorMessage };
}

export function TypingIndicator({ typers }: { typers: Typer[] }) {
  const text = typers
    .map((typer) => `${typer.name} is ${typer.note ? 'writing a private note' : 'typing'}…`)
    .join(' ');
  return (
    <p className="typing-indicator small" role="status" data-testid="typing-indicator">
      {text}
    </p>
  );
}

/** Sends the person's typing signals for the conversation; call with each new draft. */
export function useTypingSignal(conversationId: string, note: boolean) {
  const lastSent = useRef(0);
  const send = useCallback(
    (typing: boolean) => {
      void api
        .POST('/v1/conversations/{id}/typing', {
          params: { path: { id: conversationId } },
          body: { typing, private_note: note },
        })
        .catch(() => {});
    },
    [conversationId, note],
  );
  const stop = useCallback(() => {
    if (lastSent.current === 0) return;
    lastSent.current = 0;
    send(false);
  }, [send]);
  // Leaving the conversation (or switching between reply and note) ends the signal.
  useEffect(() => stop, [stop]);
  const onDraft = useCallback(
    (draft: string) => {
      if (!draft.trim() || draft.startsWith('/')) return stop();
      if (Date.now() - lastSent.current < SEND_EVERY_MS) return;
      lastSent.current = Date.now();
      send(true);
    },
    [send, stop],
  );
  return { onDraft, stop };
}
