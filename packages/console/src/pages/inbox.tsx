// The team inbox: conversations by inbox status (open: waiting for people; pending: with the
// bot; snoozed; resolved), by assignee, label and chatbot, with live counts (GET
// /v1/inbox/counts, refreshed every few seconds with the list). The chosen conversation opens
// beside the list (on a phone, instead of it); `?conversation=conv_…` opens one, whatever the
// list shows. Keys: j / k move through the list.
import { useQuery } from '@tanstack/react-query';
import { Link, useNavigate, useSearch } from '@tanstack/react-router';
import { useEffect } from 'react';
import { api, ok } from '../api/client.ts';
import { useMe } from '../session.ts';
import { Badge, ErrorNote, when } from '../ui.tsx';
import { useChatbots } from './chatbots.tsx';
import { ConversationView } from './inbox-conversation.tsx';
import { useLabels } from './inbox-data.ts';

const STATUSES = [
  ['open', 'Open'],
  ['pending', 'With the bot'],
  ['snoozed', 'Snoozed'],
  ['resolved', 'Resolved'],
] as const;
type InboxStatus = (typeof STATUSES)[number][0];

interface InboxSearch {
  status?: InboxStatus;
  assignee?: string;
  label?: string;
  bot?: string;
  /** The open conversation: `/app/inbox?conversation=conv_…` is the link notice emails carry. */
  conversation?: string;
}

const POLL_MS = 3000;

export function InboxPage() {
  const search = useSearch({ strict: false }) as InboxSearch;
  const navigate = useNavigate();
  const me = useMe().data;
  const bots = useChatbots();
  const labels = useLabels();
  const status: InboxStatus = search.status ?? 'open';
  const counts = useQuery({
    queryKey: ['inbox-counts'],
    queryFn: () => ok(api.GET('/v1/inbox/counts')),
    refetchInterval: POLL_MS,
  });
  const filters = {
    inbox_status: status,
    page_size: 100,
    ...(search.assignee ? { assignee_id: search.assignee } : {}),
    ...(search.label ? { label_id: search.label } : {}),
    ...(search.bot ? { chatbot_id: search.bot } : {}),
  };
  const list = useQuery({
    queryKey: ['conversations', filters],
    queryFn: () => ok(api.GET('/v1/conversations', { params: { query: filters } })),
    refetchInterval: POLL_MS,
  });
  const go = (next: InboxSearch) => void navigate({ to: '/inbox', search: { ...search, ...next } as never });
  const conversations = list.data?.data ?? [];
  const botName = (id: string) => bots.data?.data.find((bot) => bot.id === id)?.name ?? '';
  const assigneeCount = (id: string | null) =>
    counts.data?.by_assignee.find((entry) => entry.user_id === id)?.count ?? 0;

  // j / k: the next or previous conversation of the list.
  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      const target = event.target as HTMLElement;
      if (target.closest('input, textarea, select') || event.metaKey || event.ctrlKey || event.altKey) return;
      if (event.key !== 'j' && event.key !== 'k') return;
      const index = conversations.findIndex((c) => c.id === search.conversation);
      const next =
        conversations[Math.max(0, Math.min(conversations.length - 1, index + (event.key === 'j' ? 1 : -1)))];
      if (next) go({ conversation: next.id });
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  });

  return (
    <section className={search.conversation ? 'inbox has-selection' : 'inbox'}>
      <div className="inbox-list">
        <div className="row">
          <h1>Inbox</h1>
          <Link to="/inbox/settings" className="small">
            Labels and canned replies
          </Link>
        </div>
        <nav className="views" aria-label="Inbox status">
          {STATUSES.map(([key, label]) => (
            <button
              key={key}
              type="button"
              className={key === status ? 'active' : ''}
              aria-pressed={key === status}
              onClick={() => go({ status: key, conversation: undefined })}
            >
              {label}{' '}
              <span className="count" data-testid={`count-${key}`}>
                {counts.data?.by_status[key] ?? ''}
              </span>
            </button>
          ))}
        </nav>
        <div className="filters compact">
          <label>
            Assignee
            <select
              value={search.assignee ?? ''}
              onChange={(e) => go({ assignee: e.target.value || undefined })}
            >
              <option value="">Anyone</option>
              {me && <option value={me.user.id}>Mine ({assigneeCount(me.user.id)})</option>}
              <option value="none">Nobody yet ({assigneeCount(null)})</option>
            </select>
          </label>
          <label>
            Label
            <select value={search.label ?? ''} onChange={(e) => go({ label: e.target.value || undefined })}>
              <option value="">Any label</option>
              {labels.data?.data.map((label) => (
                <option key={label.id} value={label.id}>
                  {label.name} (
                  {counts.data?.by_label.find((entry) => entry.label_id === label.id)?.count ?? 0})
                </option>
              ))}
            </select>
          </label>
          <label>
            Chatbot
            <select value={search.bot ?? ''} onChange={(e) => go({ bot: e.target.value || undefined })}>
              <option value="">All chatbots</option>
              {bots.data?.data.map((bot) => (
                <option key={bot.id} value={bot.id}>
                  {bot.name} (
                  {counts.data?.by_chatbot.find((entry) => entry.chatbot_id === bot.id)?.count ?? 0})
                </option>
              ))}
            </select>
          </label>
        </div>
        <ErrorNote error={list.error ?? counts.error} />
        {conversations.length === 0 && list.isSuccess && <p>Nothing here.</p>}
        <ul className="conversations">
          {conversations.map((conversation) => (
            <li key={conversation.id}>
              <button
                type="button"
                data-testid="conversation-item"
                className={conversation.id === search.conversation ? 'selected' : ''}
                aria-current={conversation.id === search.conversation}
                onClick={() => go({ conversation: conversation.id })}
              >
                <span className="row">
                  <strong>{conversation.customer_name ?? conversation.customer_email ?? 'Visitor'}</strong>
                  <Badge value={conversation.inbox_status} />
                  {conversation.assignee_id === me?.user.id && <span className="tag">mine</span>}
                </span>
                <span className="small muted">
                  {botName(conversation.chatbot_id)} · {conversation.channel} · {conversation.message_count}{' '}
                  messages · {when(conversation.last_message_at)}
                </span>
              </button>
            </li>
          ))}
        </ul>
      </div>
      {search.conversation && (
        <ConversationView
          key={search.conversation}
          id={search.conversation}
          onClose={() => go({ conversation: undefined })}
        />
      )}
    </section>
  );
}
