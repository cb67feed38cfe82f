/** @jsxImportSource preact */
// The open chat panel: header, message list, error line, "Talk to a person", the rating asked
// once the conversation is resolved, and either the lead form or the message composer.

import { useEffect, useLayoutEffect, useRef, useState } from 'preact/hooks';
import { CloseIcon, SendIcon } from './icons.tsx';
import { LeadForm } from './LeadForm.tsx';
import { MessageView, Typing } from './Message.tsx';
import { renderMarkdown } from './markdown.tsx';
import { Rating } from './Rating.tsx';
import type { ChatState } from './use-chat.ts';

/** The longest message the server takes, in characters (docs/chat.md). */
const MAX_MESSAGE_CHARACTERS = 4000;

type Props = { chat: ChatState; title: string; onClose: () => void };

export function Panel({ chat, title, onClose }: Props) {
  const { config, thread, session, error } = chat;
  const [draft, setDraft] = useState('');
  /** Thanked in this view only: after a reload a rated conversation asks nothing. */
  const [thanked, setThanked] = useState(false);
  const inputRef = useRef<HTMLTextAreaElement>(null);
  const leadRef = useRef<HTMLInputElement>(null);
  const listRef = useRef<HTMLDivElement>(null);

  // Focus goes where the visitor types: the composer, or the lead form's first field.
  useEffect(() => {
    (chat.needsLead ? leadRef : inputRef).current?.focus();
  }, [chat.needsLead]);

  // Keep the newest message in view as messages arrive and replies grow.
  useLayoutEffect(() => {
    const list = listRef.current;
    if (list) list.scrollTop = list.scrollHeight;
  }, [thread, error]);

  const send = async (text: string) => {
    setDraft('');
    const accepted = await chat.send(text);
    // A message the server refused (rate limit, network) comes back to the box to retry.
    if (!accepted) setDraft((d) => d || text);
    inputRef.current?.focus();
  };

  const onKeyDown = (e: KeyboardEvent) => {
    if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
      e.preventDefault();
      if (!chat.sending) void send(draft);
    }
  };

  const showStarters =
    !session && thread.length === 0 && !chat.needsLead && config?.starter_questions?.length;
  const canHandoff = config?.handoff && session && session.mode !== 'human' && !chat.sending;
  const streaming = thread.some((m) => m.streaming);
  const askRating = session?.status === 'closed' && !session.rated;
  const rateConversation = async (rating: number, comment: string) => {
    const rated = await chat.rateConversation(rating, comment);
    if (rated) setThanked(true);
    return rated;
  };

  return (
    <div class="panel" role="dialog" aria-labelledby="parley-title" data-testid="parley-panel">
      <div class="header">
        <h2 id="parley-title">{title}</h2>
        <button
          type="button"
          class="icon"
          aria-label="Close chat"
          data-testid="parley-close"
          onClick={onClose}
        >
          <CloseIcon />
        </button>
      </div>
      <div
        class="messages"
        ref={listRef}
        role="log"
        aria-live="polite"
        aria-busy={streaming}
        aria-label="Messages"
        data-testid="parley-messages"
      >
        {config?.greeting ? (
          <div class="msg assistant" data-testid="parley-greeting">
            {renderMarkdown(config.greeting)}
          </div>
        ) : null}
        {showStarters ? (
          <div class="starters">
            {config!.starter_questions.map((q) => (
              <button type="button" key={q} data-testid="parley-starter" onClick={() => void send(q)}>
                {q}
              </button>
            ))}
          </div>
        ) : null}
        {thread.map((m) => (
          <MessageView key={m.id} message={m} onRate={session ? chat.rate : undefined} />
        ))}
        {chat.agentTyping ? <Typing name={chat.agentTyping} /> : null}
      </div>
      {error ? (
        <div class="error" role="alert" data-testid="parley-error">
          <span>{error}</span>
          <button type="button" aria-label="Dismiss" onClick={chat.dismissError}>
            ×
          </button>
        </div>
      ) : null}
      {canHandoff ? (
        <div class="handoff">
          <button
            type="button"
            data-testid="parley-handoff"
            disabled={chat.escalating}
            onClick={() => void chat.escalate()}
          >
            Talk to a person
          </button>
        </div>
      ) : null}
      {askRating ? <Rating onSubmit={rateConversation} /> : null}
      {thanked && session?.rated ? (
        <p class="rated" role="status" data-testid="parley-rating-thanks">
          Thank you for your rating.
        </p>
      ) : null}
      {chat.needsLead ? (
        <LeadForm contact={config?.lead_contact ?? 'email'} onSubmit={chat.submitLead} firstRef={leadRef} />
      ) : (
        <form
          class="composer"
          onSubmit={(e) => {
            e.preventDefault();
            if (!chat.sending) void send(draft);
          }}
        >
          <label class="sr-only" for="parley-input">
            Your message
          </label>
          <textarea
            id="parley-input"
            ref={inputRef}
            rows={1}
            value={draft}
            placeholder="Type your message…"
            // The server's limit counts characters (code points); maxLength counts UTF-16 units, in
            // which an emoji is two, so it only bounds the worst case and onInput trims to the limit.
            maxLength={2 * MAX_MESSAGE_CHARACTERS}
            data-testid="parley-input"
            onInput={(e) => {
              const field = e.currentTarget as HTMLTextAreaElement;
              const characters = Array.from(field.value);
              if (characters.length > MAX_MESSAGE_CHARACTERS) {
                field.value = characters.slice(0, MAX_MESSAGE_CHARACTERS).join('');
              }
              setDraft(field.value);
              if (field.value.trim()) chat.visitorTyped();
            }}
            onKeyDown={onKeyDown}
          />
          <button
            type="submit"
            class="send"
            aria-label="Send message"
            data-testid="parley-send"
            disabled={chat.sending || !draft.trim()}
          >
            <SendIcon />
          </button>
        </form>
      )}
    </div>
  );
}
