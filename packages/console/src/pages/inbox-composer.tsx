// The inbox's reply box: a reply to the visitor or a private note for the team. Typing "/" at
// the start lists the canned replies by shortcut (arrow keys and Enter, or a click, pick one),
// filled in for this conversation on the server. Enter sends, Shift+Enter starts a new line.
// While the person writes, the conversation's other viewers (and, for a reply, the visitor) are
// told they are typing.
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, type KeyboardEvent, useState } from 'react';
import { api, ok } from '../api/client.ts';
import type { Conversation } from '../api/types.ts';
import { useMe } from '../session.ts';
import { ErrorNote } from '../ui.tsx';
import { useTypingSignal } from './inbox-typing.tsx';

export function Composer({ conversation }: { conversation: Conversation }) {
  const client = useQueryClient();
  const me = useMe().data;
  const [mode, setMode] = useState<'reply' | 'note'>('reply');
  const [draft, setDraft] = useState('');
  const [highlighted, setHighlighted] = useState(0);
  const id = conversation.id;
  const typing = useTypingSignal(id, mode === 'note');

  const shortcut = mode === 'reply' && /^\/(\S*)$/.exec(draft)?.[1];
  const canned = useQuery({
    queryKey: ['canned', shortcut],
    queryFn: () =>
      ok(
        api.GET('/v1/canned-replies', {
          params: { query: { page_size: 10, ...(shortcut ? { shortcut } : {}) } },
        }),
      ),
    enabled: typeof shortcut === 'string',
  });
  const suggestions = typeof shortcut === 'string' ? (canned.data?.data ?? []) : [];

  const render = useMutation({
    mutationFn: (cannedId: string) =>
      ok(
        api.POST('/v1/canned-replies/{id}/render', {
          params: { path: { id: cannedId } },
          body: { conversation_id: id },
        }),
      ),
    onSuccess: (rendered) => {
      setDraft(rendered.content);
      typing.onDraft(rendered.content);
    },
  });
  const send = useMutation({
    mutationFn: (content: string) =>
      mode === 'note'
        ? ok(api.POST('/v1/conversations/{id}/notes', { params: { path: { id } }, body: { content } })).then(
            () => client.invalidateQueries({ queryKey: ['notes', id] }),
          )
        : ok(
            api.POST('/v1/conversations/{id}/messages', {
              params: { path: { id } },
              body: { content, author_name: me?.user.name ?? me?.user.email ?? 'Team' },
            }),
          ).then(() => undefined),
    onSuccess: () => {
      setDraft('');
      typing.stop();
    },
  });
  const submit = (event?: FormEvent) => {
    event?.preventDefault();
    if (draft.trim()) send.mutate(draft.trim());
  };
  const onKey = (event: KeyboardEvent<HTMLTextAreaElement>) => {
    if (suggestions.length > 0 && (event.key === 'ArrowDown' || event.key === 'ArrowUp')) {
      event.preventDefault();
      const step = event.key === 'ArrowDown' ? 1 : -1;
      setHighlighted((highlighted + step + suggestions.length) % suggestions.length);
      return;
    }
    if (event.key === 'Enter' && !event.shiftKey) {
      event.preventDefault();
      const picked = suggestions[highlighted];
      if (picked) render.mutate(picked.id);
      else submit();
    }
  };

  return (
    <form className={`composer-box ${mode}`} onSubmit={submit}>
      <fieldset className="segmented" aria-label="Write">
        {(['reply', 'note'] as const).map((value) => (
          <label key={value} className={mode === value ? 'picked' : ''}>
            <input type="radio" name="compose" checked={mode === value} onChange={() => setMode(value)} />
            {value === 'reply' ? 'Reply' : 'Private note'}
          </label>
        ))}
      </fieldset>
      {suggestions.length > 0 && (
        <ul className="canned" aria-label="Canned replies">
          {suggestions.map((reply, index) => (
            <li key={reply.id}>
              <button
                type="button"
                className={index === highlighted ? 'link picked' : 'link'}
                onClick={() => render.mutate(reply.id)}
              >
                /{reply.shortcut}: {reply.content.slice(0, 60)}
              </button>
            </li>
          ))}
        </ul>
      )}
      <div className="composer">
        <label className="sr-only" htmlFor="reply">
          {mode === 'reply' ? 'Reply' : 'Note'}
        </label>
        <textarea
          id="reply"
          rows={2}
          value={draft}
          placeholder={
            mode === 'note'
              ? 'Only the team sees notes; @email mentions a person'
              : conversation.mode === 'ai'
                ? 'Replying takes the conversation over from the bot; / for canned replies'
                : 'Reply to the visitor; / for canned replies'
          }
          onChange={(e) => {
            setDraft(e.target.value);
            setHighlighted(0);
            typing.onDraft(e.target.value);
          }}
          onKeyDown={onKey}
        />
        <button type="submit" disabled={send.isPending}>
          Send
        </button>
      </div>
      <ErrorNote error={send.error ?? render.error} />
    </form>
  );
}
