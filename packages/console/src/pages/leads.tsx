// Leads: the emails and phone numbers visitors left, filtered by chatbot and date, exported as CSV (built here from
// every page of the list, so the export is what the filter shows).
import { useInfiniteQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { api, ok } from '../api/client.ts';
import type { Lead } from '../api/types.ts';
import { ErrorNote, when } from '../ui.tsx';
import { useChatbots } from './chatbots.tsx';

export function LeadsPage() {
  const bots = useChatbots();
  const [chatbotId, setChatbotId] = useState('');
  const [after, setAfter] = useState('');
  const query = {
    page_size: 100,
    ...(chatbotId ? { chatbot_id: chatbotId } : {}),
    ...(after ? { created_after: new Date(after).toISOString() } : {}),
  };
  const leads = useInfiniteQuery({
    queryKey: ['leads', query],
    queryFn: ({ pageParam }) =>
      ok(
        api.GET('/v1/leads', {
          params: { query: { ...query, ...(pageParam ? { cursor: pageParam } : {}) } },
        }),
      ),
    initialPageParam: '',
    getNextPageParam: (last) => (last.has_more ? (last.next_cursor ?? undefined) : undefined),
  });
  const rows = leads.data?.pages.flatMap((page) => page.data) ?? [];
  const botName = (id: string) => bots.data?.data.find((bot) => bot.id === id)?.name ?? id;
  return (
    <section>
      <h1>Leads</h1>
      <div className="filters">
        <label>
          Chatbot
          <select value={chatbotId} onChange={(e) => setChatbotId(e.target.value)}>
            <option value="">All</option>
            {bots.data?.data.map((bot) => (
              <option key={bot.id} value={bot.id}>
                {bot.name}
              </option>
            ))}
          </select>
        </label>
        <label>
          Since
          <input type="date" value={after} onChange={(e) => setAfter(e.target.value)} />
        </label>
        <button
          type="button"
          className="secondary"
          disabled={rows.length === 0}
          onClick={() => downloadCsv(rows, botName)}
        >
          Export CSV
        </button>
      </div>
      <ErrorNote error={leads.error} />
      <table className="list">
        <thead>
          <tr>
            <th>Email</th>
            <th>Phone</th>
            <th>Name</th>
            <th>Chatbot</th>
            <th>How</th>
            <th>When</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((lead) => (
            <tr key={lead.id} data-testid="lead-row">
              <td>{lead.email ?? ''}</td>
              <td>{lead.phone ?? ''}</td>
              <td>{lead.name ?? ''}</td>
              <td>{botName(lead.chatbot_id)}</td>
              <td>{lead.captured_via}</td>
              <td>{when(lead.created_at)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {rows.length === 0 && leads.isSuccess && (
        <p>{chatbotId || after ? 'No leads match these filters.' : 'No leads yet.'}</p>
      )}
      {leads.hasNextPage && (
        <button type="button" className="secondary" onClick={() => void leads.fetchNextPage()}>
          More
        </button>
      )}
    </section>
  );
}

function downloadCsv(rows: Lead[], botName: (id: string) => string): void {
  // A cell starting with =, +, -, @, a tab or a carriage return is a formula to a spreadsheet
  // (a phone number `+49 …` among them): a leading quote keeps it text, as the server's exports do.
  const cell = (value: string | null) => {
    const text = value ?? '';
    return `"${(/^[=+\-@\t\r]/.test(text) ? `'${text}` : text).replaceAll('"', '""')}"`;
  };
  const header = [
    'email',
    'name',
    'phone',
    'phone_e164',
    'chatbot',
    'captured_via',
    'conversation_id',
    'created_at',
  ];
  const body = rows.map((lead) =>
    [
      lead.email,
      lead.name,
      lead.phone,
      lead.phone_e164,
      botName(lead.chatbot_id),
      lead.captured_via,
      lead.conversation_id,
      lead.created_at,
    ]
      .map(cell)
      .join(','),
  );
  const blob = new Blob([[header.join(','), ...body].join('\r\n')], { type: 'text/csv' });
  const link = document.createElement('a');
  link.href = URL.createObjectURL(blob);
  link.download = 'leads.csv';
  link.click();
  URL.revokeObjectURL(link.href);
}
