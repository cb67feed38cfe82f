// Usage and analytics: the month's message quota, and what the bots did over a period (7, 30 or
// 90 days; all bots or one), as the server counts it over every conversation of the period
// (GET /v1/analytics/overview): messages per day, grounded against fallback answers, thumbs up
// and down, escalations, satisfaction (GET /v1/analytics/csat), the most cited sources and the
// questions the bot could not answer. Charts are uPlot (loaded with this page only); the numbers
// behind them are shown beside them.
import { useQuery } from '@tanstack/react-query';
import { useEffect, useRef, useState } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { api, ok } from '../api/client.ts';
import type { paths } from '../api/schema.d.ts';
import { ErrorNote, when } from '../ui.tsx';
import { useChatbots } from './chatbots.tsx';

type Overview = paths['/v1/analytics/overview']['get']['responses'][200]['content']['application/json'];
type Day = Overview['days'][number];

const PERIODS = [7, 30, 90] as const;
const DAY_MS = 86_400_000;

const percent = (part: number, whole: number) => (whole > 0 ? `${Math.round((100 * part) / whole)}%` : '—');

export default function AnalyticsPage() {
  const [days, setDays] = useState<(typeof PERIODS)[number]>(30);
  const [bot, setBot] = useState('');
  const bots = useChatbots();
  const usage = useQuery({ queryKey: ['usage'], queryFn: () => ok(api.GET('/v1/usage')) });
  const query = {
    from: new Date(Date.now() - days * DAY_MS).toISOString(),
    ...(bot ? { chatbot_id: bot } : {}),
  };
  const overview = useQuery({
    queryKey: ['analytics', days, bot],
    queryFn: () => ok(api.GET('/v1/analytics/overview', { params: { query } })),
  });
  const csat = useQuery({
    queryKey: ['csat', days, bot],
    queryFn: () => ok(api.GET('/v1/analytics/csat', { params: { query } })),
  });
  const s = overview.data;
  const t = s?.totals;
  return (
    <section>
      <h1>Usage and analytics</h1>
      <ErrorNote error={usage.error ?? overview.error ?? csat.error} />
      {usage.data && (
        <p data-testid="usage">
          {usage.data.messages.used} messages this period
          {usage.data.messages.limit !== null && ` of ${usage.data.messages.limit}`} ({usage.data.plan} plan,{' '}
          {usage.data.environment})
        </p>
      )}
      <div className="filters">
        <label>
          Period
          <select value={days} onChange={(e) => setDays(Number(e.target.value) as typeof days)}>
            {PERIODS.map((n) => (
              <option key={n} value={n}>
                Last {n} days
              </option>
            ))}
          </select>
        </label>
        <label>
          Chatbot
          <select value={bot} onChange={(e) => setBot(e.target.value)}>
            <option value="">All chatbots</option>
            {bots.data?.data.map((b) => (
              <option key={b.id} value={b.id}>
                {b.name}
              </option>
            ))}
          </select>
        </label>
      </div>
      {s && t && (
        <>
          <dl className="figures" data-testid="analytics-totals">
            <div>
              <dt>Conversations</dt>
              <dd>{t.conversations}</dd>
            </div>
            <div>
              <dt>Visitors' messages</dt>
              <dd>{t.visitor_messages}</dd>
            </div>
            <div>
              <dt>Answers</dt>
              <dd>{t.answers}</dd>
            </div>
            <div>
              <dt>Grounded</dt>
              <dd>
                {t.grounded} ({percent(t.grounded, t.grounded + t.fallback)})
              </dd>
            </div>
            <div>
              <dt>Fallback</dt>
              <dd>{t.fallback}</dd>
            </div>
            <div>
              <dt>Escalated to a person</dt>
              <dd>
                {t.escalations} ({percent(t.escalations, t.conversations)})
              </dd>
            </div>
          </dl>
          <div className="card">
            <h2>Answers per day: grounded and fallback</h2>
            <AnswersChart days={s.days} />
            <table className="list small">
              <thead>
                <tr>
                  <th>Day</th>
                  <th>Conversations</th>
                  <th>Answers</th>
                  <th>Grounded</th>
                  <th>Fallback</th>
                  <th>Thumbs up</th>
                  <th>Thumbs down</th>
                  <th>Escalations</th>
                </tr>
              </thead>
              <tbody>
                {s.days
                  .filter((d) => d.conversations + d.answers + d.escalations > 0)
                  .map((d) => (
                    <tr key={d.date} data-testid="analytics-day">
                      <td>{d.date}</td>
                      <td>{d.conversations}</td>
                      <td>{d.answers}</td>
                      <td>{d.grounded}</td>
                      <td>{d.fallback}</td>
                      <td>{d.thumbs_up}</td>
                      <td>{d.thumbs_down}</td>
                      <td>{d.escalations}</td>
                    </tr>
                  ))}
              </tbody>
            </table>
          </div>
          <div className="grid2">
            <div className="card">
              <h2>Feedback and satisfaction</h2>
              <p>
                Thumbs up {t.thumbs_up}, thumbs down {t.thumbs_down} (
                {percent(t.thumbs_up, t.thumbs_up + t.thumbs_down)} positive)
              </p>
              {csat.data && (
                <p>
                  Satisfaction after resolution: {csat.data.responses} ratings
                  {csat.data.average !== null && `, ${csat.data.average} of 5 on average`}
                  {csat.data.satisfaction !== null &&
                    `, ${Math.round(csat.data.satisfaction * 100)}% rated 4 or 5`}
                </p>
              )}
            </div>
            <div className="card">
              <h2>Most cited sources</h2>
              {s.top_sources.length === 0 && <p>None in this period.</p>}
              <ol>
                {s.top_sources.map((source) => (
                  <li key={`${source.title}:${source.url}`}>
                    {source.url ? <a href={source.url}>{source.title}</a> : source.title} ({source.citations})
                  </li>
                ))}
              </ol>
            </div>
          </div>
          <div className="card">
            <h2>Questions it could not answer</h2>
            {s.unanswered.length === 0 && <p>None in this period.</p>}
            <table className="list small">
              <tbody>
                {s.unanswered.map((entry) => (
                  <tr key={entry.question} data-testid="unanswered">
                    <td>{entry.question}</td>
                    <td>{entry.count}×</td>
                    <td>{when(entry.last_asked_at)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </>
      )}
    </section>
  );
}

function AnswersChart({ days }: { days: Day[] }) {
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
        days.map((d) => Date.parse(`${d.date}T00:00:00Z`) / 1000),
        days.map((d) => d.grounded),
        days.map((d) => d.fallback),
      ],
      target.current,
    );
    return () => plot.destroy();
  }, [days]);
  return <div ref={target} role="img" aria-label="Grounded and fallback answers per day" />;
}
