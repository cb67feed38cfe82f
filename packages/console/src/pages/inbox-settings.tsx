// The inbox's labels and canned replies: everyone sees them; admins and owners create, change
// and delete them (a deleted label leaves every conversation). A canned reply's variables
// ({{visitor.first_name | there}}…) are checked by the server when it is saved.
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Link } from '@tanstack/react-router';
import { type FormEvent, useState } from 'react';
import { api, ok } from '../api/client.ts';
import type { paths } from '../api/schema.d.ts';
import { useMay } from '../session.ts';
import { ErrorNote } from '../ui.tsx';
import { useLabels } from './inbox-data.ts';

type Label = paths['/v1/labels']['get']['responses'][200]['content']['application/json']['data'][number];
type CannedReply =
  paths['/v1/canned-replies']['get']['responses'][200]['content']['application/json']['data'][number];

const DEFAULT_COLOR = '#2563eb';

export function InboxSettingsPage() {
  return (
    <section>
      <p>
        <Link to="/inbox">← Inbox</Link>
      </p>
      <h1>Labels and canned replies</h1>
      <Labels />
      <CannedReplies />
    </section>
  );
}

function Labels() {
  const client = useQueryClient();
  const may = useMay();
  const labels = useLabels();
  const refresh = () => {
    void client.invalidateQueries({ queryKey: ['labels'] });
    void client.invalidateQueries({ queryKey: ['inbox-counts'] });
  };
  const [name, setName] = useState('');
  const [color, setColor] = useState(DEFAULT_COLOR);
  const create = useMutation({
    mutationFn: () => ok(api.POST('/v1/labels', { body: { name, color } })),
    onSuccess: () => {
      setName('');
      refresh();
    },
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    create.mutate();
  };
  const write = may('POST /v1/labels');
  return (
    <section aria-labelledby="labels-heading">
      <h2 id="labels-heading">Labels</h2>
      {write && (
        <form className="inline-form" onSubmit={submit}>
          <label>
            New label
            <input required maxLength={50} value={name} onChange={(e) => setName(e.target.value)} />
          </label>
          <label>
            Colour
            <input type="color" value={color} onChange={(e) => setColor(e.target.value)} />
          </label>
          <button type="submit" disabled={create.isPending}>
            Add label
          </button>
        </form>
      )}
      <ErrorNote error={create.error ?? labels.error} />
      {labels.data?.data.length === 0 && <p>No label yet.</p>}
      <ul className="editable-list">
        {labels.data?.data.map((label) => (
          <LabelRow
            key={`${label.id}:${label.name}:${label.color}`}
            label={label}
            write={write}
            onChange={refresh}
          />
        ))}
      </ul>
    </section>
  );
}

function LabelRow({ label, write, onChange }: { label: Label; write: boolean; onChange: () => void }) {
  const [name, setName] = useState(label.name);
  const [color, setColor] = useState(label.color);
  const save = useMutation({
    mutationFn: () =>
      ok(api.PATCH('/v1/labels/{id}', { params: { path: { id: label.id } }, body: { name, color } })),
    onSuccess: onChange,
  });
  const remove = useMutation({
    mutationFn: () => ok(api.DELETE('/v1/labels/{id}', { params: { path: { id: label.id } } })),
    onSuccess: onChange,
  });
  if (!write) {
    return (
      <li data-testid="label-row">
        <span className="chip" style={{ borderColor: label.color }}>
          {label.name}
        </span>
      </li>
    );
  }
  return (
    <li data-testid="label-row">
      <form
        className="inline-form"
        onSubmit={(event) => {
          event.preventDefault();
          save.mutate();
        }}
      >
        <label>
          <span className="sr-only">Name of {label.name}</span>
          <input required maxLength={50} value={name} onChange={(e) => setName(e.target.value)} />
        </label>
        <label>
          <span className="sr-only">Colour of {label.name}</span>
          <input type="color" value={color} onChange={(e) => setColor(e.target.value)} />
        </label>
        <button type="submit" className="secondary" disabled={save.isPending}>
          Save
        </button>
        <button
          type="button"
          className="danger"
          onClick={() =>
            confirm(`Delete the label ${label.name}? It leaves every conversation.`) && remove.mutate()
          }
        >
          Delete
        </button>
      </form>
      <ErrorNote error={save.error ?? remove.error} />
    </li>
  );
}

function CannedReplies() {
  const client = useQueryClient();
  const may = useMay();
  const replies = useQuery({
    queryKey: ['canned-replies'],
    queryFn: () => ok(api.GET('/v1/canned-replies', { params: { query: { page_size: 100 } } })),
  });
  const refresh = () => void client.invalidateQueries({ queryKey: ['canned-replies'] });
  const [shortcut, setShortcut] = useState('');
  const [content, setContent] = useState('');
  const create = useMutation({
    mutationFn: () => ok(api.POST('/v1/canned-replies', { body: { shortcut, content } })),
    onSuccess: () => {
      setShortcut('');
      setContent('');
      refresh();
      // The composer's "/" list is cached by what was typed: it reads the new one.
      void client.invalidateQueries({ queryKey: ['canned'] });
    },
  });
  const write = may('POST /v1/canned-replies');
  return (
    <section aria-labelledby="canned-heading">
      <h2 id="canned-heading">Canned replies</h2>
      <p className="hint">
        Typing <kbd>/</kbd> and the shortcut in the inbox's reply box fills one in. Variables:{' '}
        <code>{'{{visitor.name}}'}</code>, <code>{'{{visitor.first_name}}'}</code>,{' '}
        <code>{'{{visitor.email}}'}</code>, <code>{'{{agent.name}}'}</code>, <code>{'{{agent.email}}'}</code>,{' '}
        <code>{'{{conversation.id}}'}</code>; <code>{'{{visitor.first_name | there}}'}</code> gives a
        fallback.
      </p>
      {write && (
        <form
          className="stack"
          onSubmit={(event) => {
            event.preventDefault();
            create.mutate();
          }}
        >
          <label>
            Shortcut
            <input required maxLength={50} value={shortcut} onChange={(e) => setShortcut(e.target.value)} />
          </label>
          <label>
            Reply
            <textarea required rows={3} value={content} onChange={(e) => setContent(e.target.value)} />
          </label>
          <button type="submit" disabled={create.isPending}>
            Add canned reply
          </button>
        </form>
      )}
      <ErrorNote error={create.error ?? replies.error} />
      {replies.data?.data.length === 0 && <p>No canned reply yet.</p>}
      <ul className="editable-list">
        {replies.data?.data.map((reply) => (
          <CannedRow
            key={`${reply.id}:${reply.shortcut}:${reply.content}`}
            reply={reply}
            write={write}
            onChange={() => {
              refresh();
              void client.invalidateQueries({ queryKey: ['canned'] });
            }}
          />
        ))}
      </ul>
    </section>
  );
}

function CannedRow(props: { reply: CannedReply; write: boolean; onChange: () => void }) {
  const { reply } = props;
  const [shortcut, setShortcut] = useState(reply.shortcut);
  const [content, setContent] = useState(reply.content);
  const save = useMutation({
    mutationFn: () =>
      ok(
        api.PATCH('/v1/canned-replies/{id}', {
          params: { path: { id: reply.id } },
          body: { shortcut, content },
        }),
      ),
    onSuccess: props.onChange,
  });
  const remove = useMutation({
    mutationFn: () => ok(api.DELETE('/v1/canned-replies/{id}', { params: { path: { id: reply.id } } })),
    onSuccess: props.onChange,
  });
  if (!props.write) {
    return (
      <li data-testid="canned-row">
        <strong>/{reply.shortcut}</strong> {reply.content}
      </li>
    );
  }
  return (
    <li data-testid="canned-row">
      <form
        className="stack"
        onSubmit={(event) => {
          event.preventDefault();
          save.mutate();
        }}
      >
        <label>
          Shortcut of /{reply.shortcut}
          <input required maxLength={50} value={shortcut} onChange={(e) => setShortcut(e.target.value)} />
        </label>
        <label>
          Reply of /{reply.shortcut}
          <textarea required rows={2} value={content} onChange={(e) => setContent(e.target.value)} />
        </label>
        <div className="row">
          <button type="submit" className="secondary" disabled={save.isPending}>
            Save
          </button>
          <button
            type="button"
            className="danger"
            onClick={() => confirm(`Delete /${reply.shortcut}?`) && remove.mutate()}
          >
            Delete
          </button>
        </div>
      </form>
      <ErrorNote error={save.error ?? remove.error} />
    </li>
  );
}
