// Webhooks: endpoints with their event types, a test event, the secret rotated (shown once), and
// each endpoint's delivery log with every attempt's response; a failed delivery can be retried.
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { api, ok } from '../api/client.ts';
import type { Webhook, WebhookEvent } from '../api/types.ts';
import { Badge, ErrorNote, Secret, when } from '../ui.tsx';

const EVENTS: WebhookEvent[] = [
  'conversation.started',
  'message.received',
  'message.sent',
  'lead.captured',
  'conversation.escalated',
  'conversation.closed',
  'conversation.assigned',
  'source.trained',
  'source.failed',
  'integration.failed',
  'channel.connected',
  'channel.disconnected',
  'channel.reconnected',
  'agent_loop.execution.started',
  'agent_loop.completed',
  'agent_loop.failed',
  'agent_loop.awaiting_approval',
  'agent_loop.custom',
];

export function WebhooksPage() {
  const client = useQueryClient();
  const hooks = useQuery({
    queryKey: ['webhooks'],
    queryFn: () => ok(api.GET('/v1/webhooks', { params: { query: { page_size: 100 } } })),
  });
  const [url, setUrl] = useState('');
  const [events, setEvents] = useState<WebhookEvent[]>(['*']);
  const create = useMutation({
    mutationFn: () => ok(api.POST('/v1/webhooks', { body: { url, events } })),
    onSuccess: () => {
      setUrl('');
      void client.invalidateQueries({ queryKey: ['webhooks'] });
    },
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    create.mutate();
  };
  const toggle = (event: WebhookEvent) =>
    setEvents((current) =>
      current.includes(event)
        ? current.filter((e) => e !== event)
        : [...current.filter((e) => e !== '*'), event],
    );
  return (
    <section>
      <h1>Webhooks</h1>
      <form className="card" onSubmit={submit}>
        <h2>Add an endpoint</h2>
        <label>
          Endpoint URL
          <input
            type="url"
            required
            placeholder="https://"
            value={url}
            onChange={(e) => setUrl(e.target.value)}
          />
        </label>
        <fieldset className="checks">
          <legend>Events</legend>
          <label className="check">
            <input type="checkbox" checked={events.includes('*')} onChange={() => setEvents(['*'])} />
            All events
          </label>
          {EVENTS.map((event) => (
            <label key={event} className="check">
              <input type="checkbox" checked={events.includes(event)} onChange={() => toggle(event)} />
              {event}
            </label>
          ))}
        </fieldset>
        <ErrorNote error={create.error} />
        {create.data && (
          <div>
            <p>Signing secret, shown this once:</p>
            <Secret value={create.data.secret} testId="webhook-secret" />
          </div>
        )}
        <button type="submit" disabled={create.isPending || events.length === 0}>
          Add endpoint
        </button>
      </form>
      <ErrorNote error={hooks.error} />
      {hooks.data?.data.map((hook) => (
        <WebhookCard key={hook.id} hook={hook} />
      ))}
    </section>
  );
}

function WebhookCard({ hook }: { hook: Webhook }) {
  const client = useQueryClient();
  const deliveries = useQuery({
    queryKey: ['deliveries', hook.id],
    queryFn: () =>
      ok(
        api.GET('/v1/webhooks/{id}/deliveries', {
          params: { path: { id: hook.id }, query: { page_size: 20 } },
        }),
      ),
    refetchInterval: (query) => (query.state.data?.data.some((d) => d.status === 'pending') ? 1000 : false),
  });
  const refresh = () => void client.invalidateQueries({ queryKey: ['deliveries', hook.id] });
  const test = useMutation({
    mutationFn: () => ok(api.POST('/v1/webhooks/{id}/test', { params: { path: { id: hook.id } } })),
    onSuccess: refresh,
  });
  const rotate = useMutation({
    mutationFn: () => ok(api.POST('/v1/webhooks/{id}/rotate-secret', { params: { path: { id: hook.id } } })),
  });
  const retry = useMutation({
    mutationFn: (id: string) =>
      ok(api.POST('/v1/webhook-deliveries/{id}/retry', { params: { path: { id } } })),
    onSuccess: refresh,
  });
  const remove = useMutation({
    mutationFn: () => ok(api.DELETE('/v1/webhooks/{id}', { params: { path: { id: hook.id } } })),
    onSuccess: () => void client.invalidateQueries({ queryKey: ['webhooks'] }),
  });
  return (
    <article className="card" data-testid="webhook">
      <div className="row">
        <strong className="break">{hook.url}</strong>
        <Badge value={hook.status} />
      </div>
      {hook.disabled_reason && <p className="error">{hook.disabled_reason}</p>}
      <p className="small muted">{hook.events.join(', ')}</p>
      <div className="row">
        <button type="button" className="secondary" onClick={() => test.mutate()}>
          Send a test event
        </button>
        <button type="button" className="secondary" onClick={() => rotate.mutate()}>
          Rotate secret
        </button>
        <button
          type="button"
          className="danger"
          onClick={() => window.confirm('Delete this endpoint?') && remove.mutate()}
        >
          Delete
        </button>
      </div>
      {rotate.data && <Secret value={rotate.data.secret} />}
      <ErrorNote error={test.error ?? rotate.error ?? retry.error ?? remove.error} />
      <h3>Deliveries</h3>
      {deliveries.data?.data.length === 0 && <p className="small">None yet.</p>}
      <ul className="deliveries">
        {deliveries.data?.data.map((delivery) => {
          const last = delivery.attempts.at(-1);
          return (
            <li key={delivery.id} data-testid="delivery" data-status={delivery.status}>
              <details>
                <summary>
                  <Badge value={delivery.status} /> {delivery.event_type} · {when(delivery.created_at)}
                  {last && ` · ${last.status_code ?? last.error ?? ''}`}
                </summary>
                <p className="small">Event {delivery.event_id}</p>
                {delivery.attempts.map((attempt) => (
                  <div key={attempt.attempted_at} className="attempt small">
                    {when(attempt.attempted_at)}:{' '}
                    {attempt.status_code ? `HTTP ${attempt.status_code}` : attempt.error} in{' '}
                    {attempt.duration_ms} ms
                    {attempt.response_body && <pre>{attempt.response_body}</pre>}
                  </div>
                ))}
              </details>
              {delivery.status === 'failed' && (
                <button type="button" className="secondary" onClick={() => retry.mutate(delivery.id)}>
                  Retry
                </button>
              )}
            </li>
          );
        })}
      </ul>
    </article>
  );
}
