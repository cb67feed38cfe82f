// One conversation in the inbox: every message (bot answers with their sources) and the team's
// private notes, live over the conversation's server-sent events; take over, hand back to the
// bot, assign, snooze, resolve or reopen; labels; the visitor's details; the reply and note box.
// A thread of 500 messages is rendered whole: bench/console-inbox.ts measures it (bench/README.md).
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useRef } from 'react';
import { api, ok } from '../api/client.ts';
import type { Conversation, Message } from '../api/types.ts';
import { AVAILABILITY, PresenceDot } from '../presence.tsx';
import { useMay, useMe } from '../session.ts';
import { Badge, ErrorNote, when } from '../ui.tsx';
import { Composer } from './inbox-composer.tsx';
import { useLabels, usePeople } from './inbox-data.ts';
import { AssignmentHistory } from './inbox-history.tsx';
import { type TypingEvent, TypingIndicator, useTypers } from './inbox-typing.tsx';

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

type Patch = {
  inbox_status?: 'open' | 'pending' | 'snoozed' | 'resolved';
  snoozed_until?: string | null;
};

export function ConversationView({ id, onClose }: { id: string; onClose: () => void }) {
  const client = useQueryClient();
  const me = useMe().data;
  const conversation = useQuery({
    queryKey: ['conversation', id],
    queryFn: () => ok(api.GET('/v1/conversations/{id}', { params: { path: { id } } })),
  });
  const messages = useQuery({ queryKey: ['messages', id], queryFn: () => allMessages(id) });
  const notes = useQuery({
    queryKey: ['notes', id],
    queryFn: () =>
      ok(api.GET('/v1/conversations/{id}/notes', { params: { path: { id }, query: { page_size: 100 } } })),
  });

  const { typers, onTyping, onVisitorMessage } = useTypers(me?.user.id);
  // Live: new messages, changes of mode, status or assignee, and typing arrive on the stream.
  useEffect(() => {
    const stream = new EventSource(`/v1/conversations/${id}/events`);
    stream.addEventListener('message', (event) => {
      const message = JSON.parse((event as MessageEvent).data) as Message;
      if (message.role === 'user') onVisitorMessage();
      client.setQueryData<Message[]>(['messages', id], (current = []) =>
        current.some((m) => m.id === message.id) ? current : [...current, message],
      );
    });
    stream.addEventListener('typing', (event) =>
      onTyping(JSON.parse((event as MessageEvent).data) as TypingEvent),
    );
    // The stream's conversation event says that something changed; the full conversation (its
    // assignee and inbox status included) is read again.
    stream.addEventListener('conversation', () => {
      void client.invalidateQueries({ queryKey: ['conversation', id] });
      void client.invalidateQueries({ queryKey: ['assignment-history', id] });
    });
    return () => stream.close();
  }, [id, client, onTyping, onVisitorMessage]);

  const end = useRef<HTMLLIElement>(null);
  const count = (messages.data?.length ?? 0) + (notes.data?.data.length ?? 0);
  useEffect(() => {
    if (count > 0) end.current?.scrollIntoView({ block: 'end' });
  }, [count]);

  const changed = (updated: Conversation) => {
    client.setQueryData(['conversation', id], updated);
    void client.invalidateQueries({ queryKey: ['conversations'] });
    void client.invalidateQueries({ queryKey: ['inbox-counts'] });
  };
  const patch = useMutation({
    mutationFn: (body: Patch) => ok(api.PATCH('/v1/conversations/{id}', { params: { path: { id } }, body })),
    onSuccess: changed,
  });
  const assign = useMutation({
    mutationFn: (userId: string | null) =>
      ok(api.POST('/v1/conversations/{id}/assign', { params: { path: { id } }, body: { user_id: userId } })),
    onSuccess: changed,
  });
  // Taking over: the conversation becomes the person's, and people (not the bot) answer it.
  const takeOver = useMutation({
    mutationFn: async () => {
      const c = conversation.data!;
      if (c.inbox_status !== 'open')
        await ok(
          api.PATCH('/v1/conversations/{id}', { params: { path: { id } }, body: { inbox_status: 'open' } }),
        );
      return ok(
        api.POST('/v1/conversations/{id}/assign', {
          params: { path: { id } },
          body: { user_id: me!.user.id },
        }),
      );
    },
    onSuccess: changed,
  });

  const c = conversation.data;
  const thread = [
    ...(messages.data ?? []).map((message) => ({
      kind: 'message' as const,
      at: message.created_at,
      message,
    })),
    ...(notes.data?.data ?? []).map((note) => ({ kind: 'note' as const, at: note.created_at, note })),
  ].sort((a, b) => a.at.localeCompare(b.at));

  return (
    <article className="conversation" aria-label="Conversation" data-testid="conversation-view">
      <header className="row">
        <button type="button" className="link back" onClick={onClose}>
          ← Back
        </button>
        <strong>{c?.customer_name ?? c?.customer_email ?? 'Visitor'}</strong>
        {c && <Badge value={c.inbox_status} />}
      </header>
      {c && (
        <Actions
          c={c}
          me={me?.user.id}
          patch={patch.mutate}
          assign={assign.mutate}
          takeOver={takeOver.mutate}
        />
      )}
      {c && <Details c={c} />}
      {c && <AssignmentHistory c={c} />}
      <ErrorNote
        error={conversation.error ?? messages.error ?? patch.error ?? assign.error ?? takeOver.error}
      />
      <ol className="thread" data-testid="thread">
        {thread.map((entry) =>
          entry.kind === 'message' ? (
            <li
              key={entry.message.id}
              className={`msg ${entry.message.role}`}
              data-testid="thread-message"
              data-role={entry.message.role}
            >
              <span className="who small">
                {entry.message.role === 'user'
                  ? 'Visitor'
                  : entry.message.role === 'assistant'
                    ? `Bot${entry.message.grounded === false ? ' (fallback)' : ''}`
                    : (entry.message.author_name ?? entry.message.role)}{' '}
                · {new Date(entry.message.created_at).toLocaleTimeString()}
              </span>
              <p>{entry.message.content}</p>
              {entry.message.sources_used.length > 0 && (
                <ul className="cites small">
                  {entry.message.sources_used.map((source) => (
                    <li key={source.id}>
                      {source.url ? <a href={source.url}>{source.title}</a> : source.title}
                    </li>
                  ))}
                </ul>
              )}
            </li>
          ) : (
            <li key={entry.note.id} className="msg note" data-testid="thread-note">
              <span className="who small">
                Private note · {entry.note.author_name ?? 'Team'} ·{' '}
                {new Date(entry.note.created_at).toLocaleTimeString()}
              </span>
              <p>{entry.note.content}</p>
            </li>
          ),
        )}
        <li ref={end} aria-hidden="true" />
      </ol>
      <TypingIndicator typers={typers} />
      {c && <Composer conversation={c} />}
    </article>
  );
}

function Actions(props: {
  c: Conversation;
  me: string | undefined;
  patch: (body: Patch) => void;
  assign: (userId: string | null) => void;
  takeOver: () => void;
}) {
  const { c, me } = props;
  const people = usePeople();
  const assignee = people.data?.data.find((person) => person.id === c.assignee_id);
  const snooze = (hours: number) =>
    props.patch({
      inbox_status: 'snoozed',
      snoozed_until: new Date(Date.now() + hours * 3_600_000).toISOString(),
    });
  return (
    <div className="actions">
      <div className="row">
        {(c.assignee_id !== me || c.inbox_status !== 'open') && c.inbox_status !== 'resolved' && (
          <button type="button" onClick={props.takeOver}>
            Take over
          </button>
        )}
        {c.inbox_status === 'open' && (
          <button
            type="button"
            className="secondary"
            onClick={() => props.patch({ inbox_status: 'pending' })}
          >
            Hand back to the bot
          </button>
        )}
        {c.inbox_status === 'resolved' ? (
          <button type="button" className="secondary" onClick={() => props.patch({ inbox_status: 'open' })}>
            Reopen
          </button>
        ) : (
          <button
            type="button"
            className="secondary"
            onClick={() => props.patch({ inbox_status: 'resolved' })}
          >
            Resolve
          </button>
        )}
        {c.inbox_status !== 'resolved' && (
          <select
            aria-label="Snooze"
            value=""
            onChange={(e) => e.target.value && snooze(Number(e.target.value))}
            className="secondary"
          >
            <option value="">Snooze…</option>
            <option value="1">1 hour</option>
            <option value="4">4 hours</option>
            <option value="24">1 day</option>
          </select>
        )}
      </div>
      <div className="row small">
        <label className="inline">
          Assigned to
          <select
            data-testid="assignee"
            value={c.assignee_id ?? ''}
            onChange={(e) => props.assign(e.target.value || null)}
          >
            <option value="">nobody (the queue)</option>
            {people.data?.data.map((person) => (
              <option key={person.id} value={person.id}>
                {person.name ?? person.email} — {AVAILABILITY[person.availability].toLowerCase()}
                {person.id === me ? ' (you)' : ''}
              </option>
            ))}
          </select>
        </label>
        {assignee && (
          <span className="inline-presence" data-testid="assignee-presence">
            <PresenceDot value={assignee.availability} />
            <span className="sr-only">{assignee.email}</span>
            {assignee.availability !== 'online' &&
              (assignee.id === me
                ? ` You are ${assignee.availability}${assignee.availability === 'offline' ? ': it goes back to the queue if you stay so (set yourself online at the top)' : ''}`
                : ` ${assignee.name ?? assignee.email} is ${assignee.availability}${assignee.availability === 'offline' ? ': it goes back to the queue if they stay so' : ''}`)}
          </span>
        )}
        <Labels conversationId={c.id} />
      </div>
    </div>
  );
}

function Labels({ conversationId }: { conversationId: string }) {
  const client = useQueryClient();
  const may = useMay();
  const all = useLabels();
  const current = useQuery({
    queryKey: ['conversation-labels', conversationId],
    queryFn: () => ok(api.GET('/v1/conversations/{id}/labels', { params: { path: { id: conversationId } } })),
  });
  const set = useMutation({
    mutationFn: (ids: string[]) =>
      ok(
        api.PUT('/v1/conversations/{id}/labels', {
          params: { path: { id: conversationId } },
          body: { label_ids: ids },
        }),
      ),
    onSuccess: (labels) => {
      client.setQueryData(['conversation-labels', conversationId], labels);
      void client.invalidateQueries({ queryKey: ['inbox-counts'] });
    },
  });
  if (!may('PUT /v1/conversations/{id}/labels') || !all.data || all.data.data.length === 0) return null;
  const on = new Set(current.data?.data.map((label) => label.id));
  return (
    <fieldset className="label-chips">
      <legend className="sr-only">Labels</legend>
      {all.data.data.map((label) => (
        <label key={label.id} className="check chip" style={{ borderColor: label.color }}>
          <input
            type="checkbox"
            checked={on.has(label.id)}
            onChange={() =>
              set.mutate(on.has(label.id) ? [...on].filter((x) => x !== label.id) : [...on, label.id])
            }
          />
          {label.name}
        </label>
      ))}
    </fieldset>
  );
}

function Details({ c }: { c: Conversation }) {
  return (
    <dl className="details small">
      <dt>Visitor</dt>
      <dd>
        {c.customer_name ?? '—'} {c.customer_email && `<${c.customer_email}>`} ·{' '}
        {c.verified ? 'verified' : 'not verified'}
      </dd>
      <dt>Channel</dt>
      <dd>
        {c.channel} · started {when(c.created_at)}
        {c.snoozed_until && ` · snoozed until ${when(c.snoozed_until)}`}
      </dd>
    </dl>
  );
}
