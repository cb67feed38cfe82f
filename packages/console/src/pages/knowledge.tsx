// A chatbot's knowledge: add a site, a sitemap, a page, a file (drag and drop), text or Q&A
// pairs; each source's progress while it is crawled (polled while any is still working), its
// documents with their status and errors; re-sync and delete.
import { useInfiniteQuery, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useParams } from '@tanstack/react-router';
import { type DragEvent, type FormEvent, useState } from 'react';
import { api, ok, send } from '../api/client.ts';
import type { Source } from '../api/types.ts';
import { useMay } from '../session.ts';
import { Badge, ErrorNote, when } from '../ui.tsx';
import { ChatbotTabs } from './chatbots.tsx';

const KINDS = [
  ['website', 'Website'],
  ['sitemap', 'Sitemap'],
  ['url', 'One page'],
  ['file', 'File'],
  ['text', 'Text'],
  ['qa', 'Q&A pairs'],
] as const;
type Kind = (typeof KINDS)[number][0];

export function KnowledgePage() {
  const { botId } = useParams({ from: '/chatbots/$botId/knowledge' });
  const may = useMay();
  const sources = useQuery({
    queryKey: ['sources', botId],
    queryFn: () =>
      ok(
        api.GET('/v1/chatbots/{id}/sources', { params: { path: { id: botId }, query: { page_size: 100 } } }),
      ),
    // Live progress: poll while anything is queued or being processed.
    refetchInterval: (query) =>
      query.state.data?.data.some((source) => source.status === 'queued' || source.status === 'processing')
        ? 1000
        : false,
  });
  return (
    <section>
      <ChatbotTabs botId={botId} />
      {may('POST /v1/chatbots/{id}/sources') && <AddSource botId={botId} />}
      <h2>Sources</h2>
      <ErrorNote error={sources.error} />
      {sources.data?.data.length === 0 && <p>No knowledge yet: add a site, a file or some text.</p>}
      <ul className="sources">
        {sources.data?.data.map((source) => (
          <SourceItem key={source.id} source={source} />
        ))}
      </ul>
    </section>
  );
}

function AddSource({ botId }: { botId: string }) {
  const client = useQueryClient();
  const [kind, setKind] = useState<Kind>('website');
  const [url, setUrl] = useState('');
  const [title, setTitle] = useState('');
  const [content, setContent] = useState('');
  const [maxPages, setMaxPages] = useState('');
  const [file, setFile] = useState<File | null>(null);
  const [dragging, setDragging] = useState(false);

  const add = useMutation({
    mutationFn: async () => {
      if (kind === 'file') {
        const form = new FormData();
        form.set('type', 'file');
        if (title) form.set('title', title);
        form.set('file', file!);
        return send('POST', `/v1/chatbots/${botId}/sources`, form);
      }
      const body =
        kind === 'text'
          ? { type: 'text' as const, title, content }
          : kind === 'qa'
            ? { type: 'qa' as const, ...(title ? { title } : {}), pairs: parsePairs(content) }
            : kind === 'url'
              ? { type: 'url' as const, url }
              : { type: kind, url, ...(maxPages ? { max_pages: Number(maxPages) } : {}) };
      return ok(api.POST('/v1/chatbots/{id}/sources', { params: { path: { id: botId } }, body }));
    },
    onSuccess: () => {
      setUrl('');
      setContent('');
      setTitle('');
      setFile(null);
      void client.invalidateQueries({ queryKey: ['sources', botId] });
    },
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    add.mutate();
  };
  const drop = (event: DragEvent) => {
    event.preventDefault();
    setDragging(false);
    const dropped = event.dataTransfer.files[0];
    if (dropped) setFile(dropped);
  };

  return (
    <form className="card" onSubmit={submit}>
      <h2>Add knowledge</h2>
      <fieldset className="segmented" aria-label="Kind of source">
        {KINDS.map(([value, label]) => (
          <label key={value} className={kind === value ? 'picked' : ''}>
            <input
              type="radio"
              name="kind"
              value={value}
              checked={kind === value}
              onChange={() => setKind(value)}
            />
            {label}
          </label>
        ))}
      </fieldset>
      {(kind === 'website' || kind === 'sitemap' || kind === 'url') && (
        <label>
          {kind === 'sitemap'
            ? 'Sitemap URL'
            : kind === 'website'
              ? 'Start URL (the crawl stays on this site)'
              : 'Page URL'}
          <input
            type="url"
            required
            placeholder="https://"
            value={url}
            onChange={(e) => setUrl(e.target.value)}
          />
        </label>
      )}
      {(kind === 'website' || kind === 'sitemap') && (
        <label>
          At most this many pages (optional)
          <input
            type="number"
            min={1}
            max={10000}
            value={maxPages}
            onChange={(e) => setMaxPages(e.target.value)}
          />
        </label>
      )}
      {(kind === 'text' || kind === 'qa' || kind === 'file') && (
        <label>
          Title{kind === 'text' ? '' : ' (optional)'}
          <input required={kind === 'text'} value={title} onChange={(e) => setTitle(e.target.value)} />
        </label>
      )}
      {kind === 'text' && (
        <label>
          Text
          <textarea rows={6} required value={content} onChange={(e) => setContent(e.target.value)} />
        </label>
      )}
      {kind === 'qa' && (
        <label>
          Pairs: a line "Q: …", then a line "A: …", for each pair
          <textarea rows={6} required value={content} onChange={(e) => setContent(e.target.value)} />
        </label>
      )}
      {kind === 'file' && (
        <label
          className={dragging ? 'dropzone dragging' : 'dropzone'}
          onDragOver={(e) => {
            e.preventDefault();
            setDragging(true);
          }}
          onDragLeave={() => setDragging(false)}
          onDrop={drop}
        >
          {file
            ? `${file.name} (${Math.ceil(file.size / 1024)} KB)`
            : 'Drop a PDF, DOCX, Markdown, HTML, text or CSV file here, or choose one'}
          <input type="file" onChange={(e) => setFile(e.target.files?.[0] ?? null)} />
        </label>
      )}
      <ErrorNote error={add.error} />
      <button type="submit" disabled={add.isPending || (kind === 'file' && !file)}>
        Add
      </button>
    </form>
  );
}

/** "Q: …" / "A: …" lines into pairs; an answer may run over several lines. */
function parsePairs(text: string): { question: string; answer: string }[] {
  const pairs: { question: string; answer: string }[] = [];
  for (const line of text.split('\n')) {
    const question = /^\s*Q:\s*(.+)$/i.exec(line);
    const answer = /^\s*A:\s*(.+)$/i.exec(line);
    if (question) pairs.push({ question: question[1]!.trim(), answer: '' });
    else if (answer && pairs.length > 0) pairs[pairs.length - 1]!.answer = answer[1]!.trim();
    else if (line.trim() && pairs.length > 0) pairs[pairs.length - 1]!.answer += ` ${line.trim()}`;
  }
  return pairs;
}

function SourceItem({ source }: { source: Source }) {
  const client = useQueryClient();
  const may = useMay();
  const [open, setOpen] = useState(false);
  const refresh = () => void client.invalidateQueries({ queryKey: ['sources', source.chatbot_id] });
  const resync = useMutation({
    mutationFn: () =>
      ok(api.POST('/v1/sources/{id}/resync', { params: { path: { id: source.id } }, body: {} })),
    onSuccess: refresh,
  });
  const remove = useMutation({
    mutationFn: () => ok(api.DELETE('/v1/sources/{id}', { params: { path: { id: source.id } } })),
    onSuccess: refresh,
  });
  const working = source.status === 'queued' || source.status === 'processing';
  return (
    <li className="source" data-testid="source" data-status={source.status}>
      <div className="row">
        <strong>{source.title}</strong>
        <Badge value={source.status} />
        <span className="muted">{source.type}</span>
      </div>
      {source.url && <div className="muted small">{source.url}</div>}
      <div className="small">
        {source.pages_processed} of {source.pages_discovered} pages processed
        {source.pages_failed > 0 && `, ${source.pages_failed} failed`} · {source.chunks} passages · synced{' '}
        {when(source.last_synced_at)}
      </div>
      {working && (
        <progress
          max={Math.max(source.pages_discovered, 1)}
          value={source.pages_processed + source.pages_failed}
          aria-label={`Progress of ${source.title}`}
        />
      )}
      {source.error && <p className="error">{source.error}</p>}
      <div className="row">
        <button type="button" className="link" aria-expanded={open} onClick={() => setOpen(!open)}>
          {open ? 'Hide documents' : 'Documents'}
        </button>
        {may('POST /v1/sources/{id}/resync') && source.type !== 'text' && source.type !== 'qa' && (
          <button type="button" className="secondary" disabled={working} onClick={() => resync.mutate()}>
            Re-sync
          </button>
        )}
        {may('DELETE /v1/sources/{id}') && (
          <button
            type="button"
            className="danger"
            onClick={() => window.confirm(`Delete ${source.title}?`) && remove.mutate()}
          >
            Delete
          </button>
        )}
      </div>
      <ErrorNote error={resync.error ?? remove.error} />
      {open && <Documents sourceId={source.id} live={working} />}
    </li>
  );
}

function Documents({ sourceId, live }: { sourceId: string; live: boolean }) {
  // Page after page on demand: a crawled site has more documents than one page holds.
  const documents = useInfiniteQuery({
    queryKey: ['documents', sourceId],
    queryFn: ({ pageParam }) =>
      ok(
        api.GET('/v1/sources/{id}/documents', {
          params: {
            path: { id: sourceId },
            query: { page_size: 100, ...(pageParam ? { cursor: pageParam } : {}) },
          },
        }),
      ),
    initialPageParam: '',
    getNextPageParam: (last) => (last.has_more ? (last.next_cursor ?? undefined) : undefined),
    refetchInterval: live ? 1500 : false,
  });
  const rows = documents.data?.pages.flatMap((page) => page.data) ?? [];
  return (
    <>
      <table className="list small">
        <thead>
          <tr>
            <th>Document</th>
            <th>Status</th>
            <th>Passages</th>
            <th>Error</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((doc) => (
            <tr key={doc.id}>
              <td>{doc.url ? <a href={doc.url}>{doc.title || doc.url}</a> : doc.title}</td>
              <td>
                <Badge value={doc.status} />
              </td>
              <td>{doc.chunks}</td>
              <td>
                {doc.error ?? (doc.http_status && doc.http_status >= 400 ? `HTTP ${doc.http_status}` : '')}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {documents.hasNextPage && (
        <button type="button" className="secondary" onClick={() => void documents.fetchNextPage()}>
          Show more documents
        </button>
      )}
    </>
  );
}
