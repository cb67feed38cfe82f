// Integrations and channels of a chatbot: its model provider (with a test call) and the
// messaging platforms it answers on, with the steps for each, status, errors, and disconnection.
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useParams } from '@tanstack/react-router';
import { type FormEvent, useState } from 'react';
import { api, ok } from '../api/client.ts';
import { Badge, ErrorNote, Secret, when } from '../ui.tsx';
import { ChatbotTabs } from './chatbots.tsx';

const PROVIDERS = ['openai', 'anthropic', 'gemini', 'ollama', 'openai_compatible'] as const;

const CHANNELS = {
  telegram: {
    steps: 'Create a bot with @BotFather, then paste its token. Parley registers its webhook.',
    fields: ['bot_token'],
  },
  slack: {
    steps:
      'Create a Slack app with a bot token (chat:write) and Event Subscriptions; paste the bot token and signing secret, then set the Request URL shown below.',
    fields: ['bot_token', 'signing_secret'],
  },
  whatsapp: {
    steps:
      'In Meta’s WhatsApp Cloud API settings, take the phone number id, a permanent access token and the app secret; choose a verify token; then set the callback URL shown below.',
    fields: ['phone_number_id', 'access_token', 'app_secret', 'verify_token'],
  },
  custom: {
    steps:
      'Your own service posts its users’ messages to the webhook URL shown below, signed with the secret shown once; the bot’s replies are posted to your URL (Standard Webhooks).',
    fields: ['url'],
  },
} as const;
type ChannelType = keyof typeof CHANNELS;

export function ChannelsPage() {
  const { botId } = useParams({ from: '/chatbots/$botId/channels' });
  return (
    <section>
      <ChatbotTabs botId={botId} />
      <Integrations botId={botId} />
      <Channels botId={botId} />
    </section>
  );
}

function Integrations({ botId }: { botId: string }) {
  const client = useQueryClient();
  const list = useQuery({
    queryKey: ['integrations', botId],
    queryFn: () => ok(api.GET('/v1/chatbots/{id}/integrations', { params: { path: { id: botId } } })),
  });
  const refresh = () => void client.invalidateQueries({ queryKey: ['integrations', botId] });
  const [provider, setProvider] = useState<(typeof PROVIDERS)[number]>('openai');
  const [model, setModel] = useState('');
  const [apiKey, setApiKey] = useState('');
  const [baseUrl, setBaseUrl] = useState('');
  const add = useMutation({
    mutationFn: () =>
      ok(
        api.POST('/v1/chatbots/{id}/integrations', {
          params: { path: { id: botId } },
          body: {
            provider,
            model,
            ...(apiKey ? { api_key: apiKey } : {}),
            ...(baseUrl ? { base_url: baseUrl } : {}),
          },
        }),
      ),
    onSuccess: () => {
      setApiKey('');
      refresh();
    },
  });
  const test = useMutation({
    mutationFn: (id: string) => ok(api.POST('/v1/integrations/{id}/test', { params: { path: { id } } })),
    onSettled: refresh,
  });
  const remove = useMutation({
    mutationFn: (id: string) => ok(api.DELETE('/v1/integrations/{id}', { params: { path: { id } } })),
    onSuccess: refresh,
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    add.mutate();
  };
  return (
    <>
      <h2>Model provider</h2>
      {list.data?.data.length === 0 && <p>None: the bot answers by quoting its knowledge (no model).</p>}
      <ul className="plain">
        {list.data?.data.map((integration) => (
          <li key={integration.id} className="card">
            <div className="row">
              <strong>
                {integration.provider} · {integration.model}
              </strong>
              <Badge value={integration.status} />
              <button type="button" className="secondary" onClick={() => test.mutate(integration.id)}>
                Test
              </button>
              <button
                type="button"
                className="danger"
                onClick={() =>
                  window.confirm(
                    `Remove the ${integration.provider} provider? The bot answers offline until another is connected.`,
                  ) && remove.mutate(integration.id)
                }
              >
                Remove
              </button>
            </div>
            <p className="small muted">
              key {integration.api_key_set ? `…${integration.api_key_last_four}` : integration.api_key_source}{' '}
              · checked {when(integration.last_checked_at)}
            </p>
            {integration.last_error && <p className="error">{integration.last_error}</p>}
          </li>
        ))}
      </ul>
      {test.data && (
        <p role="status">
          {test.data.ok ? `The provider answered in ${test.data.latency_ms} ms.` : test.data.error?.message}
        </p>
      )}
      <ErrorNote error={list.error ?? test.error ?? remove.error} />
      <form className="card" onSubmit={submit}>
        <h3>Connect a provider</h3>
        <div className="grid2">
          <label>
            Provider
            <select value={provider} onChange={(e) => setProvider(e.target.value as typeof provider)}>
              {PROVIDERS.map((p) => (
                <option key={p}>{p}</option>
              ))}
            </select>
          </label>
          <label>
            Model
            <input required value={model} onChange={(e) => setModel(e.target.value)} />
          </label>
          <label>
            API key
            <input
              type="password"
              autoComplete="off"
              value={apiKey}
              onChange={(e) => setApiKey(e.target.value)}
            />
          </label>
          <label>
            Base URL (optional)
            <input type="url" value={baseUrl} onChange={(e) => setBaseUrl(e.target.value)} />
          </label>
        </div>
        <ErrorNote error={add.error} />
        <button type="submit" disabled={add.isPending}>
          Connect
        </button>
      </form>
    </>
  );
}

function Channels({ botId }: { botId: string }) {
  const client = useQueryClient();
  const list = useQuery({
    queryKey: ['channels', botId],
    queryFn: () => ok(api.GET('/v1/chatbots/{id}/channels', { params: { path: { id: botId } } })),
  });
  const refresh = () => void client.invalidateQueries({ queryKey: ['channels', botId] });
  const [type, setType] = useState<ChannelType>('telegram');
  const [values, setValues] = useState<Record<string, string>>({});
  const add = useMutation({
    mutationFn: () =>
      ok(
        api.POST('/v1/chatbots/{id}/channels', {
          params: { path: { id: botId } },
          body: { type, ...values } as never,
        }),
      ),
    onSuccess: () => {
      setValues({});
      refresh();
    },
  });
  const test = useMutation({
    mutationFn: (id: string) => ok(api.POST('/v1/channels/{id}/test', { params: { path: { id } } })),
    onSettled: refresh,
  });
  const remove = useMutation({
    mutationFn: (id: string) => ok(api.DELETE('/v1/channels/{id}', { params: { path: { id } } })),
    onSuccess: refresh,
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    add.mutate();
  };
  return (
    <>
      <h2>Channels</h2>
      <ul className="plain">
        {list.data?.data.map((channel) => (
          <li key={channel.id} className="card" data-testid="channel">
            <div className="row">
              <strong>
                {channel.type}
                {channel.account.username ? ` · @${channel.account.username}` : ''}
              </strong>
              <Badge value={channel.status} />
              <button type="button" className="secondary" onClick={() => test.mutate(channel.id)}>
                Test
              </button>
              <button
                type="button"
                className="danger"
                onClick={() => window.confirm('Disconnect this channel?') && remove.mutate(channel.id)}
              >
                Disconnect
              </button>
            </div>
            {channel.webhook_url && (
              <p className="small">
                Webhook URL for the platform: <code className="break">{channel.webhook_url}</code>
              </p>
            )}
            {channel.last_error && <p className="error">{channel.last_error}</p>}
          </li>
        ))}
      </ul>
      {test.data && <p role="status">{test.data.ok ? 'The channel works.' : test.data.error}</p>}
      <ErrorNote error={list.error ?? test.error ?? remove.error} />
      {add.data && 'secret' in add.data && add.data.secret && <Secret value={add.data.secret} />}
      <form className="card" onSubmit={submit}>
        <h3>Connect a channel</h3>
        <label>
          Platform
          <select value={type} onChange={(e) => setType(e.target.value as ChannelType)}>
            {Object.keys(CHANNELS).map((t) => (
              <option key={t}>{t}</option>
            ))}
          </select>
        </label>
        <p className="small">{CHANNELS[type].steps}</p>
        {CHANNELS[type].fields.map((field) => (
          <label key={field}>
            {field.replaceAll('_', ' ')}
            <input
              required
              type={field === 'url' || field === 'phone_number_id' ? 'text' : 'password'}
              autoComplete="off"
              value={values[field] ?? ''}
              onChange={(e) => setValues({ ...values, [field]: e.target.value })}
            />
          </label>
        ))}
        <ErrorNote error={add.error} />
        <button type="submit" disabled={add.isPending}>
          Connect
        </button>
      </form>
    </>
  );
}
