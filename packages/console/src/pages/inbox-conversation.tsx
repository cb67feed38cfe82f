// One conversation in the inbox: every message (bot answers with their sources), live over the
// conversation's server-sent events; take over, hand back to the bot, assign to me, close or
// reopen; the reply box (Enter sends, Shift+Enter a new line). Long conversations stay smooth:
// messages off screen are not laid out (content-visibility).
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, type KeyboardEvent, useEffect, useRef, useState } from 'react';
import { api, ok } from '../api/client.ts';
import type { Conversation, Message } from '../api/types.ts';
import { useMe } from '../session.ts';
import { Badge, ErrorNote, when } from '../ui.tsx';

/** Every message of a conversation, page by page (a conversation can hold thousands). */
async function allMessages(id: string): Promise<Message[]> {
  const messages: Message[] = [];
  let cursor: string | undefined;
  do {
    const page = await ok(
      api.GET('/v1/conversations/{id}/messages', {
        params: { path: { id }, query: { page_size: 100, ...(cursor ? { cursor } : {}) } },
      }),
    );
    messages.push(...page.data);
    cursor = page.has_more ? (page.next_cursor ?? undefined) : undefined;
  } while (cursor);
  return messages;
}

export function ConversationView({ id, onClose }: { id: string; onClose: () => void }) {
  const client = useQueryClient();
  const me = useMe().data;
  const conversation = useQuery({
    queryKey: ['conversation', id],
    queryFn: () => ok(api.GET('/v1/conversations/{id}', { params: { path: { id } } })),
  });
  const messages = useQuery({ queryKey: ['messages', id], queryFn: () => allMessages(id) });

  // Live: new messages and changes of mode or status arrive on the conversation's stream.
  useEffect(() => {
    const stream = new EventSource(`/v1/conversations/${id}/events`);
    stream.addEventListener('message', (event) => {
      const message = JSON.parse((event as MessageEvent).data) as Message;
      client.setQueryData<Message[]>(['messages', id], (current = []) =>
        current.some((m) => m.id === message.id) ? current : [...current, message],
      );
    });
    stream.addEventListener('conversation', (event) => {
      client.setQueryData(['conversation', id], JSON.parse((event as MessageEvent).data) as Conversation);
    });
    return () => stream.close();
  }, [id, client]);

  const end = useRef<HTMLLIElement>(null);
  const count = messages.data?.length ?? 0;
  useEffect(() => {
    if (count > 0) end.current?.scrollIntoView({ block: 'end' });
  }, [count]);

  const patch = useMutation({
    mutationFn: (body: { mode?: 'ai' | 'human'; status?: 'open' | 'closed'; assignee?: string | null }) =>
      ok(api.PATCH('/v1/conversations/{id}', { params: { path: { id } }, body })),
    onSuccess: (updated) => {
      client.setQueryData(['conversation', id], updated);
      void client.invalidateQueries({ queryKey: ['conversations'] });
    },
  });
  const [draft, setDraft] = useState('');
  const reply = useMutation({
    mutationFn: (content: string) =>
      ok(
        api.POST('/v1/conversations/{id}/messages', {
          params: { path: { id } },
          body: { content, author_name: me?.user.name ?? me?.user.email ?? 'Team' },
        }),
      ),
    onSuccess: () => setDraft(''),
  });
  const submit = (event?: FormEvent) => {
    event?.preventDefault();
    if (draft.trim()) reply.mutate(draft.trim());
  };
  const onKey = (event: KeyboardEvent<HTMLTextAreaElement>) => {
    if (event.key === 'Enter' && !event.shiftKey) {
      event.preventDefault();
      submit();
    }
  };

  const c = conversation.data;
  return (
    <article className="conversation" aria-label="Conversation" data-testid="conversation-view">
      <header className="row">
        <button type="button" className="link back" onClick={onClose}>
          ← Back
        </button>
        <strong>{c?.customer_name ?? c?.customer_email ?? 'Visitor'}</strong>
        {c && <Badge value={c.mode === 'human' ? 'human' : 'bot'} />}
        {c && <Badge value={c.status} />}
      </header>
      {c && (
        <div className="actions row">
          {c.mode === 'ai' ? (
            <button
              type="button"
              onClick={() => patch.mutate({ mode: 'human', assignee: me?.user.id ?? null })}
            >
              Take over
            </button>
          ) : (
            <button
              type="button"
              className="secondary"
              onClick={() => patch.mutate({ mode: 'ai', assignee: null })}
            >
              Hand back to the bot
            </button>
          )}
          {c.mode === 'human' && c.assignee !== me?.user.id && (
            <button
              type="button"
              className="secondary"
              onClick={() => patch.mutate({ assignee: me?.user.id ?? null })}
            >
              Assign to me
            </button>
          )}
          <button
            type="button"
            className="secondary"
            onClick={() => patch.mutate({ status: c.status === 'open' ? 'closed' : 'open' })}
          >
            {c.status === 'open' ? 'Resolve' : 'Reopen'}
          </button>
          <span className="small muted">
            {c.channel} · {c.verified ? 'verified visitor' : 'anonymous visitor'} · since {when(c.created_at)}
          </span>
        </div>
      )}
      <ErrorNote error={conversation.error ?? messages.error ?? patch.error} />
      <ol className="thread" data-testid="thread">
        {messages.data?.map((message) => (
          <li
            key={message.id}
            className={`msg ${message.role}`}
            data-testid="thread-message"
            data-role={message.role}
          >
            <span className="who small">
              {message.role === 'user'
                ? 'Visitor'
                : message.role === 'assistant'
                  ? 'Bot'
                  : (message.author_name ?? message.role)}{' '}
              · {new Date(message.created_at).toLocaleTimeString()}
            </span>
            <p>{message.content}</p>
            {message.sources_used.length > 0 && (
              <ul className="cites small">
                {message.sources_used.map((source) => (
                  <li key={source.id}>
                    {source.url ? <a href={source.url}>{source.title}</a> : source.title}
                  </li>
                ))}
              </ul>
            )}
          </li>
        ))}
        <li ref={end} aria-hidden="true" />
      </ol>
      <form className="composer" onSubmit={submit}>
        <label className="sr-only" htmlFor="reply">
          Reply
        </label>
        <textarea
          id="reply"
          rows={2}
          value={draft}
          placeholder={
            c?.mode === 'ai' ? 'Replying takes the conversation over from the bot' : 'Reply to the visitor'
          }
          onChange={(e) => setDraft(e.target.value)}
          onKeyDown={onKey}
        />
        <button type="submit" disabled={reply.isPending}>
          Send
        </button>
      </form>
      <ErrorNote error={reply.error} />
    </article>
  );
}
