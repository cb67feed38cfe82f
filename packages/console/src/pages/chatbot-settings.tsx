// One chatbot's settings: prompt, fallback, retrieval, handoff, lead capture, the widget's look
// (with the real widget live beside it) and allowed origins, identity verification; pause and
// resume. Read-only for agents.
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useNavigate, useParams } from '@tanstack/react-router';
import { type FormEvent, useEffect, useState } from 'react';
import { api, ok } from '../api/client.ts';
import type { paths } from '../api/schema.d.ts';
import type { Chatbot } from '../api/types.ts';
import { useMay } from '../session.ts';
import { ErrorNote, lines, Secret } from '../ui.tsx';
import { ChatbotTabs } from './chatbots.tsx';
import { WidgetPreview } from './widget-preview.tsx';

export function ChatbotSettingsPage() {
  const { botId } = useParams({ from: '/chatbots/$botId' });
  const bot = useQuery({
    queryKey: ['chatbot', botId],
    queryFn: () => ok(api.GET('/v1/chatbots/{id}', { params: { path: { id: botId } } })),
  });
  return (
    <section>
      <ChatbotTabs botId={botId} />
      {bot.data && <SettingsForm bot={bot.data} />}
    </section>
  );
}

type LeadContact = Chatbot['lead_settings']['widget_contact'];

type Patch = NonNullable<paths['/v1/chatbots/{id}']['patch']['requestBody']>['content']['application/json'];

function SettingsForm({ bot }: { bot: Chatbot }) {
  const client = useQueryClient();
  const navigate = useNavigate();
  const may = useMay();
  const editable = may('PATCH /v1/chatbots/{id}');
  const [draft, setDraft] = useState(() => toDraft(bot));
  useEffect(() => setDraft(toDraft(bot)), [bot]);
  const set = (field: keyof typeof draft) => (event: { target: { value: string } }) =>
    setDraft({ ...draft, [field]: event.target.value });

  const save = useMutation({
    mutationFn: (body: Patch) =>
      ok(api.PATCH('/v1/chatbots/{id}', { params: { path: { id: bot.id } }, body })),
    onSuccess: (updated) => {
      client.setQueryData(['chatbot', bot.id], updated);
      void client.invalidateQueries({ queryKey: ['chatbots'] });
    },
  });
  const remove = useMutation({
    mutationFn: () => ok(api.DELETE('/v1/chatbots/{id}', { params: { path: { id: bot.id } } })),
    onSuccess: () => {
      void client.invalidateQueries({ queryKey: ['chatbots'] });
      void navigate({ to: '/chatbots' });
    },
  });
  const secret = useMutation({
    mutationFn: () => ok(api.POST('/v1/chatbots/{id}/identity-secret', { params: { path: { id: bot.id } } })),
    onSuccess: () => void client.invalidateQueries({ queryKey: ['chatbot', bot.id] }),
  });
  const removeSecret = useMutation({
    mutationFn: () =>
      ok(api.DELETE('/v1/chatbots/{id}/identity-secret', { params: { path: { id: bot.id } } })),
    onSuccess: () => {
      secret.reset();
      void client.invalidateQueries({ queryKey: ['chatbot', bot.id] });
    },
  });

  const submit = (event: FormEvent) => {
    event.preventDefault();
    save.mutate({
      name: draft.name,
      system_prompt: draft.system_prompt,
      fallback_message: draft.fallback_message,
      retrieval_settings: { top_k: Number(draft.top_k), min_relevance: Number(draft.min_relevance) },
      handoff_settings: {
        enabled: draft.handoff === 'on',
        phrases: lines(draft.phrases),
        message: draft.handoff_message,
      },
      lead_settings: {
        ask_in_widget: draft.lead_form === 'on',
        widget_contact: draft.lead_contact as LeadContact,
        capture_from_chat: draft.lead_chat === 'on',
      },
      widget_settings: {
        title: draft.title,
        greeting: draft.greeting,
        starter_questions: lines(draft.starters),
        allowed_origins: lines(draft.origins),
        colors: { primary: draft.primary },
      },
    });
  };

  return (
    <form className="settings" onSubmit={submit}>
      <fieldset disabled={!editable}>
        <div className="row">
          <span>
            State: <strong data-testid="bot-state">{bot.is_active ? 'active' : 'paused'}</strong>
          </span>
          {editable && (
            <button
              type="button"
              className="secondary"
              onClick={() =>
                (!bot.is_active ||
                  window.confirm('Pause this chatbot? It answers nobody until it is resumed.')) &&
                save.mutate({ is_active: !bot.is_active })
              }
            >
              {bot.is_active ? 'Pause chatbot' : 'Resume chatbot'}
            </button>
          )}
        </div>
        <label>
          Name
          <input required value={draft.name} onChange={set('name')} />
        </label>
        <label>
          Instructions (system prompt)
          <textarea rows={4} value={draft.system_prompt} onChange={set('system_prompt')} />
        </label>
        <label>
          Fallback message, when the knowledge has no answer
          <textarea rows={2} value={draft.fallback_message} onChange={set('fallback_message')} />
        </label>
        <div className="grid2">
          <label>
            Passages per answer (top k)
            <input type="number" min={1} max={20} value={draft.top_k} onChange={set('top_k')} />
          </label>
          <label>
            Minimum relevance (0–1)
            <input
              type="number"
              min={0}
              max={1}
              step={0.01}
              value={draft.min_relevance}
              onChange={set('min_relevance')}
            />
          </label>
        </div>
        <h2>Handoff to a person</h2>
        <Toggle label="Visitors can ask for a person" value={draft.handoff} onChange={set('handoff')} />
        <label>
          Phrases that hand over (one a line)
          <textarea rows={2} value={draft.phrases} onChange={set('phrases')} />
        </label>
        <label>
          Message when handed over
          <input value={draft.handoff_message} onChange={set('handoff_message')} />
        </label>
        <h2>Leads</h2>
        <Toggle
          label="Ask for contact details in the widget"
          value={draft.lead_form}
          onChange={set('lead_form')}
        />
        <label>
          The widget asks for
          <select
            value={draft.lead_contact}
            onChange={set('lead_contact')}
            disabled={draft.lead_form !== 'on'}
          >
            <option value="email">An email</option>
            <option value="phone">A phone number</option>
            <option value="email_or_phone">An email or a phone number</option>
          </select>
        </label>
        <Toggle
          label="Capture emails and phone numbers written in the chat"
          value={draft.lead_chat}
          onChange={set('lead_chat')}
        />
        <h2>Widget</h2>
        <div className="grid2">
          <div>
            <label>
              Title
              <input value={draft.title} onChange={set('title')} />
            </label>
            <label>
              Greeting
              <input value={draft.greeting} onChange={set('greeting')} />
            </label>
            <label>
              Starter questions (one a line)
              <textarea rows={3} value={draft.starters} onChange={set('starters')} />
            </label>
            <label>
              Colour
              <input type="color" value={draft.primary} onChange={set('primary')} />
            </label>
          </div>
          <WidgetPreview
            botId={bot.id}
            look={{
              title: draft.title,
              greeting: draft.greeting,
              starter_questions: lines(draft.starters),
              primary: draft.primary,
              lead_form: draft.lead_form === 'on',
              lead_contact: draft.lead_contact as LeadContact,
              handoff: draft.handoff === 'on',
            }}
          />
        </div>
        <label>
          Allowed origins: the sites that may embed the widget (one a line, e.g. https://example.com; none:
          nowhere)
          <textarea rows={3} value={draft.origins} onChange={set('origins')} data-testid="allowed-origins" />
        </label>
        {editable && !lines(draft.origins).includes(window.location.origin) && (
          <p className="hint">
            To chat in the preview, allow this console's address too:{' '}
            <button
              type="button"
              className="link"
              onClick={() =>
                setDraft({ ...draft, origins: [...lines(draft.origins), window.location.origin].join('\n') })
              }
            >
              add {window.location.origin}
            </button>{' '}
            (then save).
          </p>
        )}
        <ErrorNote error={save.error} />
        {editable && (
          <button type="submit" disabled={save.isPending}>
            {save.isSuccess && !save.isPending ? 'Saved' : 'Save settings'}
          </button>
        )}
      </fieldset>
      {may('POST /v1/chatbots/{id}/identity-secret') && (
        <section>
          <h2>Identity verification</h2>
          <p>
            {bot.identity_verification
              ? 'On: the widget accepts a signed-in visitor only with a user_hash made with the secret.'
              : 'Off.'}
          </p>
          {secret.data && <Secret value={secret.data.identity_secret} />}
          <button
            type="button"
            className="secondary"
            onClick={() =>
              (!bot.identity_verification ||
                window.confirm(
                  'Rotate the secret? Hashes made with the current one stop verifying at once: update your site first.',
                )) &&
              secret.mutate()
            }
          >
            {bot.identity_verification ? 'Rotate the secret' : 'Turn on (creates a secret, shown once)'}
          </button>{' '}
          {bot.identity_verification && (
            <button
              type="button"
              className="secondary"
              onClick={() =>
                window.confirm(
                  'Turn identity verification off? Signed-in visitors are then chatted with as anonymous ones.',
                ) && removeSecret.mutate()
              }
            >
              Turn off
            </button>
          )}
          <ErrorNote error={secret.error ?? removeSecret.error} />
        </section>
      )}
      {may('DELETE /v1/chatbots/{id}') && (
        <section>
          <h2>Delete</h2>
          <button
            type="button"
            className="danger"
            onClick={() => window.confirm(`Delete ${bot.name} and all its knowledge?`) && remove.mutate()}
          >
            Delete chatbot
          </button>
          <ErrorNote error={remove.error} />
        </section>
      )}
    </form>
  );
}

function Toggle(props: {
  label: string;
  value: string;
  onChange: (event: { target: { value: string } }) => void;
}) {
  return (
    <label className="check">
      <input
        type="checkbox"
        checked={props.value === 'on'}
        onChange={(e) => props.onChange({ target: { value: e.target.checked ? 'on' : 'off' } })}
      />
      {props.label}
    </label>
  );
}

function toDraft(bot: Chatbot) {
  const onOff = (value: boolean) => (value ? 'on' : 'off');
  return {
    name: bot.name,
    system_prompt: bot.system_prompt,
    fallback_message: bot.fallback_message,
    top_k: String(bot.retrieval_settings.top_k),
    min_relevance: String(bot.retrieval_settings.min_relevance),
    handoff: onOff(bot.handoff_settings.enabled),
    phrases: bot.handoff_settings.phrases.join('\n'),
    handoff_message: bot.handoff_settings.message,
    lead_form: onOff(bot.lead_settings.ask_in_widget),
    lead_contact: bot.lead_settings.widget_contact as string,
    lead_chat: onOff(bot.lead_settings.capture_from_chat),
    title: bot.widget_settings.title,
    greeting: bot.widget_settings.greeting,
    starters: bot.widget_settings.starter_questions.join('\n'),
    origins: bot.widget_settings.allowed_origins.join('\n'),
    primary: bot.widget_settings.colors.primary,
  };
}
