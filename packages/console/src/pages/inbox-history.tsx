// A conversation's assignment history: who had it and how it changed hands — taken over or
// reassigned by hand, given by round-robin, or back in the queue because its person was offline
// (assigned_by "offline"). Read from the event log (GET /v1/events, conversation.assigned since
// the conversation began), which owners and admins may read; agents see the current assignee only.
import { useQuery } from '@tanstack/react-query';
import { api, ok } from '../api/client.ts';
import type { Conversation } from '../api/types.ts';
import { useMay } from '../session.ts';
import { usePeople } from './inbox-data.ts';

/** The event log is shared by every conversation: this many pages of it are read at most. */
const MAX_PAGES = 5;

interface Assigned {
  id: string;
  at: string;
  assignee: string | null;
  previous: string | null;
  by: 'manual' | 'round_robin' | 'offline' | string;
}

async function assignments(c: Conversation): Promise<{ entries: Assigned[]; complete: boolean }> {
  const entries: Assigned[] = [];
  let cursor: string | undefined;
  for (let page = 0; page < MAX_PAGES; page += 1) {
    const answer = await ok(
      api.GET('/v1/events', {
        params: {
          query: {
            type: 'conversation.assigned',
            created_after: c.created_at,
            page_size: 100,
            ...(cursor ? { cursor } : {}),
          },
        },
      }),
    );
    for (const event of answer.data) {
      const data = event.data as Record<string, unknown>;
      if (data.id !== c.id) continue;
      entries.push({
        id: event.id,
        at: event.created_at,
        assignee: (data.assignee_id as string | null) ?? null,
        previous: (data.previous_assignee_id as string | null) ?? null,
        by: String(data.assigned_by ?? 'manual'),
      });
    }
    cursor = answer.has_more ? (answer.next_cursor ?? undefined) : undefined;
    if (!cursor) return { entries: entries.reverse(), complete: true };
  }
  return { entries: entries.reverse(), complete: false };
}

export function AssignmentHistory({ c }: { c: Conversation }) {
  const may = useMay();
  const people = usePeople();
  const allowed = may('GET /v1/events');
  const history = useQuery({
    // Read again when the assignee changes (and on the conversation's live `conversation` events).
    queryKey: ['assignment-history', c.id, c.assignee_id],
    queryFn: () => assignments(c),
    enabled: allowed,
  });
  if (!allowed || !history.data || history.data.entries.length === 0) return null;
  const name = (id: string | null) => {
    const person = people.data?.data.find((p) => p.id === id);
    return person ? (person.name ?? person.email) : 'someone since removed';
  };
  const say = (entry: Assigned) => {
    if (entry.by === 'offline') return `Back in the queue: ${name(entry.previous)} was offline for too long`;
    if (!entry.assignee) return 'Put back in the queue by hand';
    if (entry.by === 'round_robin') return `Given to ${name(entry.assignee)} by round-robin`;
    return `Assigned to ${name(entry.assignee)} by hand`;
  };
  return (
    <details className="history small" data-testid="assignment-history">
      <summary>
        Latest change: {say(history.data.entries[history.data.entries.length - 1]!)} (history of{' '}
        {history.data.entries.length})
      </summary>
      <ol>
        {history.data.entries.map((entry) => (
          <li key={entry.id} data-by={entry.by}>
            {new Date(entry.at).toLocaleString()} · {say(entry)}
          </li>
        ))}
      </ol>
      {!history.data.complete && <p className="muted">Older changes are not shown.</p>}
    </details>
  );
}
