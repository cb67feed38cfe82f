// Chatbots: the workspace's bots in this environment, their state, and a form to create one.
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Link, useNavigate } from '@tanstack/react-router';
import { type FormEvent, useState } from 'react';
import { api, ok } from '../api/client.ts';
import { useMay } from '../session.ts';
import { Badge, ErrorNote, when } from '../ui.tsx';

export function useChatbots() {
  return useQuery({
    queryKey: ['chatbots'],
    queryFn: () => ok(api.GET('/v1/chatbots', { params: { query: { page_size: 100 } } })),
  });
}

export function ChatbotsPage() {
  const bots = useChatbots();
  const may = useMay();
  return (
    <section>
      <h1>Chatbots</h1>
      {may('POST /v1/chatbots') && <CreateChatbot />}
      <ErrorNote error={bots.error} />
      {bots.data && bots.data.data.length === 0 && <p>No chatbot yet.</p>}
      <table className="list">
        <thead>
          <tr>
            <th>Name</th>
            <th>State</th>
            <th>Answers with</th>
            <th>Created</th>
          </tr>
        </thead>
        <tbody>
          {bots.data?.data.map((bot) => (
            <tr key={bot.id} data-testid="chatbot-row">
              <td>
                <Link to="/chatbots/$botId" params={{ botId: bot.id }}>
                  {bot.name}
                </Link>
              </td>
              <td>
                <Badge value={bot.is_active ? 'active' : 'paused'} />
              </td>
              <td>{bot.provider}</td>
              <td>{when(bot.created_at)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

function CreateChatbot() {
  const client = useQueryClient();
  const navigate = useNavigate();
  const [name, setName] = useState('');
  const create = useMutation({
    mutationFn: () => ok(api.POST('/v1/chatbots', { body: { name } })),
    onSuccess: (bot) => {
      void client.invalidateQueries({ queryKey: ['chatbots'] });
      void navigate({ to: '/chatbots/$botId/knowledge', params: { botId: bot.id } });
    },
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    create.mutate();
  };
  return (
    <form className="inline-form" onSubmit={submit}>
      <label>
        New chatbot's name
        <input required maxLength={100} value={name} onChange={(e) => setName(e.target.value)} />
      </label>
      <button type="submit" disabled={create.isPending}>
        Create chatbot
      </button>
      <ErrorNote error={create.error} />
    </form>
  );
}

/** The tabs of one chatbot's pages, and its name. */
export function ChatbotTabs({ botId }: { botId: string }) {
  const bot = useQuery({
    queryKey: ['chatbot', botId],
    queryFn: () => ok(api.GET('/v1/chatbots/{id}', { params: { path: { id: botId } } })),
  });
  const may = useMay();
  const tabs = [
    { to: '/chatbots/$botId', label: 'Settings', show: true },
    { to: '/chatbots/$botId/knowledge', label: 'Knowledge', show: true },
    { to: '/chatbots/$botId/playground', label: 'Playground', show: may('POST /v1/chatbots/{id}/chat') },
    {
      to: '/chatbots/$botId/channels',
      label: 'Integrations and channels',
      show: may('GET /v1/chatbots/{id}/channels'),
    },
  ] as const;
  return (
    <>
      <p className="crumbs">
        <Link to="/chatbots">Chatbots</Link> /
      </p>
      <h1>
        {bot.data?.name ?? 'Chatbot'} {bot.data && !bot.data.is_active && <Badge value="paused" />}
      </h1>
      <ErrorNote error={bot.error} />
      <nav className="tabs" aria-label="Chatbot">
        {tabs
          .filter((tab) => tab.show)
          .map((tab) => (
            <Link
              key={tab.to}
              to={tab.to}
              params={{ botId }}
              activeOptions={{ exact: true }}
              activeProps={{ className: 'active', 'aria-current': 'page' }}
            >
              {tab.label}
            </Link>
          ))}
      </nav>
    </>
  );
}
