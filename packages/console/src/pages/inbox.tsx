// The team inbox: open conversations in views (waiting for a person, mine, unassigned, with the
// bot, closed) with their counts, filtered by chatbot, refreshed every few seconds; the chosen
// conversation opens beside the list (on a phone, instead of it).
import { useQuery } from '@tanstack/react-query';
import { useNavigate, useSearch } from '@tanstack/react-router';
import { api, ok } from '../api/client.ts';
import type { Conversation } from '../api/types.ts';
import { useMe } from '../session.ts';
import { Badge, ErrorNote, when } from '../ui.tsx';
import { useChatbots } from './chatbots.tsx';
import { ConversationView } from './inbox-conversation.tsx';

const VIEWS = {
  waiting: { label: 'Waiting for a person', test: (c: Conversation) => c.mode === 'human' && !c.assignee },
  mine: { label: 'Mine', test: (c: Conversation, me?: string) => c.mode === 'human' && c.assignee === me },
  human: { label: 'With a person', test: (c: Conversation) => c.mode === 'human' },
  bot: { label: 'With the bot', test: (c: Conversation) => c.mode === 'ai' },
  all: { label: 'All open', test: () => true },
} as const;
type View = keyof typeof VIEWS;

interface InboxSearch {
  view?: View;
  bot?: string;
  c?: string;
}

export function InboxPage() {
  const search = useSearch({ strict: false }) as InboxSearch;
  const navigate = useNavigate();
  const me = useMe().data;
  const bots = useChatbots();
  const view: View = search.view && search.view in VIEWS ? search.view : 'waiting';
  const open = useQuery({
    queryKey: ['conversations', 'open', search.bot ?? ''],
    queryFn: () =>
      ok(
        api.GET('/v1/conversations', {
          params: {
            query: { status: 'open', page_size: 100, ...(search.bot ? { chatbot_id: search.bot } : {}) },
          },
        }),
      ),
    refetchInterval: 3000,
  });
  const go = (next: InboxSearch) => void navigate({ to: '/inbox', search: { ...search, ...next } as never });
  const conversations = open.data?.data ?? [];
  const mine = me?.user.id;
  const shown = conversations.filter((c) => VIEWS[view].test(c, mine));
  const botName = (id: string) => bots.data?.data.find((bot) => bot.id === id)?.name ?? '';

  return (
    <section className={search.c ? 'inbox has-selection' : 'inbox'}>
      <div className="inbox-list">
        <h1>Inbox</h1>
        <nav className="views" aria-label="Inbox views">
          {(Object.keys(VIEWS) as View[]).map((key) => (
            <button
              key={key}
              type="button"
              className={key === view ? 'active' : ''}
              aria-pressed={key === view}
              onClick={() => go({ view: key })}
            >
              {VIEWS[key].label}{' '}
              <span className="count" data-testid={`count-${key}`}>
                {conversations.filter((c) => VIEWS[key].test(c, mine)).length}
              </span>
            </button>
          ))}
        </nav>
        <label>
          Chatbot
          <select value={search.bot ?? ''} onChange={(e) => go({ bot: e.target.value || undefined })}>
            <option value="">All chatbots</option>
            {bots.data?.data.map((bot) => (
              <option key={bot.id} value={bot.id}>
                {bot.name}
              </option>
            ))}
          </select>
        </label>
        <ErrorNote error={open.error} />
        {shown.length === 0 && open.isSuccess && <p>Nothing here.</p>}
        <ul className="conversations">
          {shown.map((conversation) => (
            <li key={conversation.id}>
              <button
                type="button"
                data-testid="conversation-item"
                className={conversation.id === search.c ? 'selected' : ''}
                onClick={() => go({ c: conversation.id })}
              >
                <span className="row">
                  <strong>{conversation.customer_name ?? conversation.customer_email ?? 'Visitor'}</strong>
                  <Badge value={conversation.mode === 'human' ? 'human' : 'bot'} />
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
      {search.c && <ConversationView id={search.c} onClose={() => go({ c: undefined })} />}
    </section>
  );
}
