// Usage and analytics: the month's message quota, and — from the latest conversations (up to
// 100, read through the API) — messages per day, grounded against fallback answers, thumbs up and
// down, escalations, the most cited sources and the questions the bot could not answer. Charts
// are uPlot (loaded with this page only); the numbers behind them are shown beside them.
import { useQuery } from '@tanstack/react-query';
import { useEffect, useRef } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { api, ok } from '../api/client.ts';
import type { Message } from '../api/types.ts';
import { ErrorNote } from '../ui.tsx';

const CONVERSATIONS = 100;

interface Stats {
  days: { day: string; answers: number; grounded: number; fallback: number }[];
  conversations: number;
  escalated: number;
  up: number;
  down: number;
  sources: [string, number][];
  unanswered: string[];
}

async function collect(): Promise<Stats> {
  const list = await ok(api.GET('/v1/conversations', { params: { query: { page_size: CONVERSATIONS } } }));
  const threads: Message[][] = [];
  // A few at a time: the API's rate limit is shared with the rest of the console.
  for (let i = 0; i < list.data.length; i += 5) {
    const batch = list.data.slice(i, i + 5);
    threads.push(
      ...(await Promise.all(
        batch.map((c) =>
          ok(
            api.GET('/v1/conversations/{id}/messages', {
              params: { path: { id: c.id }, query: { page_size: 100 } },
            }),
          ).then((page) => page.data),
        ),
      )),
    );
  }
  const days = new Map<string, { answers: number; grounded: number; fallback: number }>();
  const sources = new Map<string, number>();
  const unanswered: string[] = [];
  let up = 0;
  let down = 0;
  for (const thread of threads) {
    thread.forEach((message, index) => {
      if (message.role !== 'assistant') return;
      const day = message.created_at.slice(0, 10);
      const entry = days.get(day) ?? { answers: 0, grounded: 0, fallback: 0 };
      entry.answers += 1;
      if (message.grounded) entry.grounded += 1;
      else {
        entry.fallback += 1;
        const question = thread.slice(0, index).findLast((m) => m.role === 'user');
        if (question) unanswered.push(question.content);
      }
      days.set(day, entry);
      for (const source of message.sources_used)
        sources.set(source.title, (sources.get(source.title) ?? 0) + 1);
      if (message.feedback?.rating === 'up') up += 1;
      if (message.feedback?.rating === 'down') down += 1;
    });
  }
  return {
    days: [...days.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([day, v]) => ({ day, ...v })),
    conversations: list.data.length,
    escalated: list.data.filter((c) => c.mode === 'human').length,
    up,
    down,
    sources: [...sources.entries()].sort((a, b) => b[1] - a[1]).slice(0, 10),
    unanswered: [...new Set(unanswered)].slice(0, 20),
  };
}

export default function AnalyticsPage() {
  const usage = useQuery({ queryKey: ['usage'], queryFn: () => ok(api.GET('/v1/usage')) });
  const stats = useQuery({ queryKey: ['analytics'], queryFn: collect });
  const s = stats.data;
  return (
    <section>
      <h1>Usage and analytics</h1>
      <ErrorNote error={usage.error ?? stats.error} />
      {usage.data && (
        <p data-testid="usage">
          {usage.data.messages.used} messages this period
          {usage.data.messages.limit !== null && ` of ${usage.data.messages.limit}`} ({usage.data.plan} plan,{' '}
          {usage.data.environment})
        </p>
      )}
      {s && (
        <>
          <p className="small muted">From the latest {s.conversations} conversations.</p>
          <div className="card">
            <h2>Answers per day: grounded and fallback</h2>
            <AnswersChart days={s.days} />
            <table className="list small">
              <thead>
                <tr>
                  <th>Day</th>
                  <th>Answers</th>
                  <th>Grounded</th>
                  <th>Fallback</th>
                </tr>
              </thead>
              <tbody>
                {s.days.map((d) => (
                  <tr key={d.day}>
                    <td>{d.day}</td>
                    <td>{d.answers}</td>
                    <td>{d.grounded}</td>
                    <td>{d.fallback}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <div className="grid2">
            <div className="card">
              <h2>Satisfaction</h2>
              <p>
                👍 {s.up} · 👎 {s.down}
                {s.up + s.down > 0 && ` · ${Math.round((100 * s.up) / (s.up + s.down))}% positive`}
              </p>
              <p>
                Escalated to a person: {s.escalated} of {s.conversations} conversations
              </p>
            </div>
            <div className="card">
              <h2>Most cited sources</h2>
              <ol>
                {s.sources.map(([title, count]) => (
                  <li key={title}>
                    {title} ({count})
                  </li>
                ))}
              </ol>
            </div>
          </div>
          <div className="card">
            <h2>Questions it could not answer</h2>
            <ul>
              {s.unanswered.map((question) => (
                <li key={question}>{question}</li>
              ))}
            </ul>
          </div>
        </>
      )}
    </section>
  );
}

function AnswersChart({ days }: { days: Stats['days'] }) {
  const target = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (!target.current || days.length === 0) return;
    const width = Math.min(target.current.clientWidth || 600, 900);
    const plot = new uPlot(
      {
        width,
        height: 220,
        series: [
          {},
          { label: 'Grounded', stroke: '#2563eb', width: 2 },
          { label: 'Fallback', stroke: '#d97706', width: 2 },
        ],
        axes: [{}, { label: 'answers' }],
      },
      [
        days.map((d) => Date.parse(`${d.day}T00:00:00Z`) / 1000),
        days.map((d) => d.grounded),
        days.map((d) => d.fallback),
      ],
      target.current,
    );
    return () => plot.destroy();
  }, [days]);
  return <div ref={target} role="img" aria-label="Grounded and fallback answers per day" />;
}
