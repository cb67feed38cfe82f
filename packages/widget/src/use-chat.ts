// The conversation's logic, as one hook: config, resuming a saved conversation, sending a
// message and reading its streamed reply, the live events stream, feedback, leads, handoff.
// Components only render what it returns and call its actions.

import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { type Api, ApiError, describeError } from './api.ts';
import type { Store } from './storage.ts';
import * as T from './thread.ts';
import type { ChatEvent, Conversation, Identity, LeadDetails, Message, WidgetConfig } from './types.ts';
import { useTyping } from './use-typing.ts';

export type Session = {
  id: string;
  token: string;
  mode?: string;
  /** 'closed' once the team resolved it: the visitor is asked for a rating. */
  status?: string;
  rated?: boolean;
};

/** The conversation's state as the server shows it, onto the session. */
function withState(session: Session, conversation: Conversation | null | undefined): Session {
  if (!conversation) return session;
  return {
    ...session,
    ...(conversation.mode ? { mode: conversation.mode } : {}),
    ...(conversation.status ? { status: conversation.status } : {}),
    ...(conversation.rated !== undefined ? { rated: conversation.rated } : {}),
  };
}

export type ChatState = ReturnType<typeof useChat>;

const FORGET_ON = new Set([401, 403, 404]);

export function useChat(api: Api, store: Store, identity: Identity | null) {
  const [config, setConfig] = useState<WidgetConfig | null>(null);
  const [thread, setThread] = useState<T.Thread>([]);
  const [session, setSessionState] = useState<Session | null>(null);
  const [sending, setSending] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [leadDone, setLeadDone] = useState(() => store.leadCaptured());
  const [escalating, setEscalating] = useState(false);

  // Read from callbacks that outlive a render (stream handlers, EventSource listeners).
  const sessionRef = useRef<Session | null>(null);
  const typing = useTyping(api, session);
  const typingRef = useRef(typing);
  typingRef.current = typing;
  const streamingRef = useRef(false);
  const deferredRef = useRef<Message[]>([]);
  const identityRef = useRef(identity);
  identityRef.current = identity;
  /** Set when the server refuses this site: why, shown instead of trying to send. */
  const blockedRef = useRef<string | null>(null);
  const threadRef = useRef(thread);
  threadRef.current = thread;

  const setSession = useCallback((next: Session | null) => {
    sessionRef.current = next;
    setSessionState(next);
  }, []);

  const fail = useCallback((err: unknown) => setError(describeError(err)), []);

  // A message pushed by the events stream. While a reply streams, the bot's messages wait:
  // the one being streamed would otherwise show twice until `done` names its id.
  const incoming = useCallback((message: Message) => {
    if (!message?.id || !message.role) return;
    if (message.role === 'agent') typingRef.current.agentReplied();
    if (streamingRef.current && message.role === 'assistant') deferredRef.current.push(message);
    else setThread((t) => T.mergeMessage(t, message));
  }, []);

  useEffect(() => {
    let live = true;
    api.config().then(
      (c) => live && setConfig(c),
      (err) => {
        if (!live) return;
        // This site may not use the bot: every later call would fail the same way (and a
        // refused preflight would only read as a network error), so say why once and stay put.
        if (err instanceof ApiError && err.code === 'origin_not_allowed')
          blockedRef.current = describeError(err);
        fail(err);
      },
    );
    let saved = store.conversation();
    // A signed-in user's conversation is not shown to whoever uses the browser next.
    if (saved?.owner && saved.owner !== identityRef.current?.user_id) {
      store.forgetConversation();
      saved = null;
    }
    if (saved) {
      setSession({ id: saved.id, token: saved.token });
      api.messages(saved.id, saved.token).then(
        ({ conversation, messages }) => {
          if (!live) return;
          setThread((t) => messages.reduce(T.mergeMessage, t));
          setSession(withState({ id: saved.id, token: saved.token }, conversation));
        },
        (err) => {
          if (!live) return;
          if (err instanceof ApiError && FORGET_ON.has(err.status) && err.code !== 'origin_not_allowed') {
            // The token expired, or the conversation was deleted: start afresh, quietly.
            store.forgetConversation();
            setSession(null);
          } else fail(err);
        },
      );
    }
    return () => {
      live = false;
    };
  }, [api, store, fail, setSession]);

  // Another user signs in (or the one signed in signs out) while the page stays open: their
  // conversation is not the next one's.
  const userId = identity?.user_id ?? null;
  useEffect(() => {
    const saved = store.conversation();
    if (!saved?.owner || saved.owner === userId) return;
    store.forgetConversation();
    setSession(null);
    setThread([]);
  }, [store, userId, setSession]);

  // The live events stream, once there is a conversation. EventSource reconnects by itself
  // and resumes with Last-Event-ID; it is reopened only when the conversation changes.
  const sessionId = session?.id;
  useEffect(() => {
    const current = sessionRef.current;
    if (!sessionId || !current || typeof EventSource === 'undefined') return;
    const source = new EventSource(api.eventsUrl(sessionId, current.token));
    const parse = (e: MessageEvent) => {
      try {
        return JSON.parse(e.data) as Record<string, unknown>;
      } catch {
        return null;
      }
    };
    source.addEventListener('message', (e) => {
      const data = parse(e);
      if (data) incoming((data.message ?? data) as Message);
    });
    source.addEventListener('typing', (e) => {
      const data = parse(e);
      if (data) typingRef.current.onTypingEvent(data);
    });
    source.addEventListener('conversation', (e) => {
      const data = parse(e);
      const conversation = (data?.conversation ?? data) as Conversation | null;
      const now = sessionRef.current;
      if (conversation && now) setSession(withState(now, conversation));
    });
    return () => source.close();
  }, [api, sessionId, incoming, setSession]);

  /** Sends a message; resolves false when the server did not take it (the draft is kept). */
  // Details the lead form took before there was a conversation: sent again, with it, once the
  // first message has started one, so that the team sees who they talk to.
  const pendingLeadRef = useRef<LeadDetails | null>(null);
  const attachPendingLead = useCallback(
    (conversationId: string, token: string) => {
      const details = pendingLeadRef.current;
      if (!details) return;
      pendingLeadRef.current = null;
      // The lead is stored already: failing to attach it loses no message, so the visitor is not told.
      api.lead({ ...details, conversation_id: conversationId }, token).catch(() => {});
    },
    [api],
  );

  const send = useCallback(
    async (text: string): Promise<boolean> => {
      const message = text.trim();
      if (!message || streamingRef.current) return false;
      if (blockedRef.current) {
        setError(blockedRef.current);
        return false;
      }
      setError(null);
      typingRef.current.visitorStopped();
      const userId = T.localId();
      const replyId = T.localId();
      setThread((t) =>
        T.addLocal(T.addLocal(t, { id: userId, role: 'user', content: message }), {
          id: replyId,
          role: 'assistant',
          content: '',
          streaming: true,
        }),
      );
      streamingRef.current = true;
      setSending(true);
      let accepted = false;
      let finished = false;
      const before = sessionRef.current;
      const body = {
        message,
        conversation_id: before?.id,
        visitor: { id: store.visitorId(randomId) },
        identity: identityRef.current ?? undefined,
      };
      const onEvent = (event: ChatEvent) => {
        if (event.type === 'conversation') {
          accepted = true;
          store.saveConversation(
            event.conversation_id,
            event.conversation_token,
            identityRef.current?.user_id ?? null,
          );
          setSession({ id: event.conversation_id, token: event.conversation_token, mode: event.mode });
          attachPendingLead(event.conversation_id, event.conversation_token);
          if (event.user_message_id) setThread((t) => T.confirmId(t, userId, event.user_message_id!));
          const system = event.system_message;
          if (system && typeof system === 'object') setThread((t) => T.mergeMessage(t, system));
        } else if (event.type === 'delta' && typeof event.text === 'string') {
          setThread((t) => T.appendDelta(t, replyId, event.text));
        } else if (event.type === 'sources' && Array.isArray(event.sources)) {
          setThread((t) => T.setSources(t, replyId, event.sources));
        } else if (event.type === 'done' && event.message?.id) {
          finished = true;
          setThread((t) => T.finishReply(t, replyId, event.message));
          // The answer itself may have handed the visitor to a person.
          const system = event.system_message;
          if (system && typeof system === 'object') setThread((t) => T.mergeMessage(t, system));
          const now = sessionRef.current;
          if (event.mode && now) setSession({ ...now, mode: event.mode });
        } else if (event.type === 'error') {
          throw new ApiError(event.error?.status ?? 500, event.error);
        }
      };
      try {
        await api.chat(body, before?.token ?? null, onEvent);
        // In human mode the stream ends after `conversation`: a person answers later.
        if (!finished && sessionRef.current?.mode !== 'human') setError('The reply was interrupted.');
      } catch (err) {
        fail(err);
      } finally {
        streamingRef.current = false;
        setSending(false);
        setThread((t) => {
          let next = finished ? t : T.abandonReply(t, replyId);
          if (!accepted) next = T.removeMessage(next, userId);
          for (const m of deferredRef.current) next = T.mergeMessage(next, m);
          deferredRef.current = [];
          return next;
        });
      }
      return accepted;
    },
    [api, store, fail, setSession, attachPendingLead],
  );

  const rate = useCallback(
    async (messageId: string, rating: 'up' | 'down') => {
      const current = sessionRef.current;
      if (!current) return;
      const previous = threadRef.current.find((m) => m.id === messageId)?.feedback ?? null;
      setThread((t) => T.setFeedback(t, messageId, rating));
      try {
        await api.feedback(messageId, rating, current.token);
      } catch (err) {
        setThread((t) => T.setFeedback(t, messageId, previous));
        fail(err);
      }
    },
    [api, fail],
  );

  const escalate = useCallback(async () => {
    const current = sessionRef.current;
    if (!current) return;
    setEscalating(true);
    setError(null);
    try {
      const { conversation } = await api.escalate(current.id, current.token);
      const now = sessionRef.current ?? current;
      setSession({ ...now, mode: conversation?.mode ?? 'human' });
    } catch (err) {
      fail(err);
    } finally {
      setEscalating(false);
    }
  }, [api, fail, setSession]);

  /** Rates the resolved conversation; resolves false when the server did not take it. */
  const rateConversation = useCallback(
    async (rating: number, comment: string): Promise<boolean> => {
      const current = sessionRef.current;
      if (!current) return false;
      setError(null);
      try {
        await api.rateConversation(current.id, current.token, rating, comment.trim() || undefined);
        setSession({ ...(sessionRef.current ?? current), rated: true });
        return true;
      } catch (err) {
        // Rated already (another tab): nothing more to ask.
        if (err instanceof ApiError && err.code === 'already_rated') {
          setSession({ ...(sessionRef.current ?? current), rated: true });
          return true;
        }
        fail(err);
        return false;
      }
    },
    [api, fail, setSession],
  );

  const submitLead = useCallback(
    async (details: LeadDetails): Promise<boolean> => {
      setError(null);
      try {
        const current = sessionRef.current;
        await api.lead({ ...details, ...(current ? { conversation_id: current.id } : {}) }, current?.token);
        // The form comes before the first message: the conversation it starts gets the lead.
        if (!current) pendingLeadRef.current = details;
        store.markLeadCaptured();
        setLeadDone(true);
        return true;
      } catch (err) {
        fail(err);
        return false;
      }
    },
    [api, store, fail],
  );

  // The form comes before the first message only; a visitor the site identified with an
  // email is already known.
  const needsLead = Boolean(config?.lead_form && !leadDone && !session && !identity?.email);

  return {
    config,
    thread,
    session,
    sending,
    error,
    needsLead,
    escalating,
    send,
    rate,
    escalate,
    rateConversation,
    submitLead,
    agentTyping: typing.agentTyping,
    visitorTyped: typing.visitorTyped,
    dismissError: () => setError(null),
  };
}

function randomId(): string {
  return typeof crypto !== 'undefined' && 'randomUUID' in crypto
    ? crypto.randomUUID()
    : `${Date.now().toString(36)}${Math.random().toString(36).slice(2)}`;
}
