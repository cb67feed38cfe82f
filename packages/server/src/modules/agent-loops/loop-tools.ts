// The tools an agent loop's model may call: each with the JSON schema the model sees, whether it
// changes anything outside the execution (side-effecting calls carry an idempotency key and are
// never repeated blindly after a crash), and what it does, through Parley's own services.

import type { Database } from '../../db/client.ts';
import type { Scope } from '../../db/tenant-scope.ts';
import { AppError } from '../../lib/errors.ts';
import { decodeId, encodeId } from '../../lib/ids.ts';
import type { SafeFetch } from '../../lib/safe-fetch.ts';
import type { ChatbotService } from '../chatbots/chatbot-service.ts';
import type { HandoffService } from '../conversations/conversation-handoff.ts';
import { presentConversation, presentMessage } from '../conversations/conversation-schemas.ts';
import type { ConversationService } from '../conversations/conversation-service.ts';
import { recordEvent } from '../events/event-outbox.ts';
import { presentNote } from '../inbox/inbox-schemas.ts';
import type { InboxService } from '../inbox/inbox-service.ts';
import { presentLead } from '../leads/lead-schemas.ts';
import type { LeadService } from '../leads/lead-service.ts';
import type { ToolSpec } from '../providers/tool-calling-model.ts';
import type { RetrievalService } from '../retrieval/retrieval-service.ts';
import type { LoopRow, ToolName } from './agent-loop-schemas.ts';

export interface ToolDeps {
  db: Database;
  chatbots: Pick<ChatbotService, 'get'>;
  retrieval: Pick<RetrievalService, 'search'>;
  conversations: Pick<ConversationService, 'get' | 'listMessages'>;
  handoff: Pick<HandoffService, 'agentReply' | 'update' | 'escalate'>;
  leads: Pick<LeadService, 'capture'>;
  inbox: Pick<InboxService, 'addNote' | 'listLabels' | 'conversationLabels' | 'setConversationLabels'>;
  /** The crawler's guarded fetch: no private addresses unless the operator allows them. */
  fetch: SafeFetch;
}

export interface ToolCallContext {
  scope: Scope;
  loop: LoopRow;
  secrets: Record<string, string>;
  idempotencyKey: string;
  signal: AbortSignal;
}

interface ToolDefinition {
  description: string;
  inputSchema: Record<string, unknown>;
  sideEffect: boolean;
  run(deps: ToolDeps, context: ToolCallContext, input: Record<string, unknown>): Promise<unknown>;
}

const object = (properties: Record<string, unknown>, required: string[] = []) => ({
  type: 'object',
  properties,
  required,
  additionalProperties: false,
});
const str = (description: string) => ({ type: 'string', description });

/** A tool's input error: recorded on the step and shown to the model, which may correct itself. */
export class ToolInputError extends Error {}

function need(input: Record<string, unknown>, name: string): string {
  const value = input[name];
  if (typeof value !== 'string' || value.trim() === '') throw new ToolInputError(`'${name}' is required.`);
  return value;
}

function conversationId(input: Record<string, unknown>): string {
  try {
    return decodeId('conv', need(input, 'conversation_id'), 'conversation_id');
  } catch (error) {
    if (error instanceof AppError) throw new ToolInputError(error.message);
    throw error;
  }
}

/** A host matches an allow-list entry exactly, or as a subdomain of a `*.` entry. */
export function hostAllowed(host: string, allowed: string[]): boolean {
  return allowed.some((entry) =>
    entry.startsWith('*.') ? host.endsWith(entry.slice(1)) && host.length > entry.length - 1 : host === entry,
  );
}

const MAX_RESPONSE_CHARS = 20_000;

/** Adds labels, by name, to those the conversation has; returns the names it then has. */
async function addLabels(
  deps: ToolDeps,
  scope: Scope,
  conversation: string,
  names: unknown[],
): Promise<string[]> {
  const all = await deps.inbox.listLabels(scope, { limit: 100, afterId: null });
  const wanted = names.map((name) => {
    const label = all.find((row) => row.name.toLowerCase() === String(name).trim().toLowerCase());
    if (!label) {
      const known = all.map((row) => row.name).join(', ') || 'none';
      throw new ToolInputError(`No label named '${String(name)}' (labels: ${known}).`);
    }
    return label;
  });
  const current = await deps.inbox.conversationLabels(scope, conversation);
  const ids = [...new Set([...current.map((label) => label.id), ...wanted.map((label) => label.id)])];
  const labels = await deps.inbox.setConversationLabels(scope, conversation, ids);
  return labels.map((label) => label.name);
}

const TOOLS: Record<ToolName, ToolDefinition> = {
  search_knowledge: {
    description:
      "Searches the chatbot's knowledge base; returns the best passages with their titles and URLs.",
    inputSchema: object({ query: str('What to look for.') }, ['query']),
    sideEffect: false,
    async run(deps, context, input) {
      const bot = await deps.chatbots.get(context.scope, context.loop.chatbotId);
      const chunks = await deps.retrieval.search(context.scope, bot, need(input, 'query'), {
        topK: 5,
        signal: context.signal,
      });
      return chunks.map((chunk) => ({ title: chunk.title, url: chunk.url, text: chunk.text }));
    },
  },
  http_request: {
    description:
      "Calls an HTTP API on the loop's allowed hosts. Header values may use {{secret.NAME}} for the loop's secrets.",
    inputSchema: object(
      {
        method: { type: 'string', enum: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] },
        url: str('An https:// or http:// URL on an allowed host.'),
        headers: { type: 'object', additionalProperties: { type: 'string' } },
        body: { description: 'Sent as JSON.' },
      },
      ['method', 'url'],
    ),
    sideEffect: true,
    async run(deps, context, input) {
      const method = need(input, 'method').toUpperCase();
      let url: URL;
      try {
        url = new URL(need(input, 'url'));
      } catch {
        throw new ToolInputError(`'${String(input.url)}' is not a URL.`);
      }
      if (!['http:', 'https:'].includes(url.protocol)) throw new ToolInputError('Only http and https URLs.');
      if (
        !hostAllowed(url.host, context.loop.allowedHosts) &&
        !hostAllowed(url.hostname, context.loop.allowedHosts)
      ) {
        throw new ToolInputError(`The host ${url.host} is not on this loop's allowed hosts.`);
      }
      const headers: Record<string, string> = { 'idempotency-key': context.idempotencyKey };
      for (const [name, value] of Object.entries((input.headers as Record<string, string>) ?? {})) {
        headers[name.toLowerCase()] = String(value).replace(/\{\{secret\.([A-Za-z0-9_]+)\}\}/g, (_, key) => {
          const secret = context.secrets[key];
          if (secret === undefined) throw new ToolInputError(`This loop has no secret named ${key}.`);
          return secret;
        });
      }
      const hasBody = input.body !== undefined && method !== 'GET';
      if (hasBody) headers['content-type'] = 'application/json';
      const response = await deps.fetch(url, {
        method,
        headers,
        body: hasBody ? JSON.stringify(input.body) : undefined,
        redirect: 'manual',
        signal: context.signal,
      });
      const text = (await response.text()).slice(0, MAX_RESPONSE_CHARS);
      let body: unknown = text;
      try {
        body = JSON.parse(text);
      } catch {}
      return { status: response.status, body };
    },
  },
  get_conversation: {
    description: 'Reads a conversation and its latest 50 messages.',
    inputSchema: object({ conversation_id: str('conv_…') }, ['conversation_id']),
    sideEffect: false,
    async run(deps, context, input) {
      const id = conversationId(input);
      const conversation = await deps.conversations.get(context.scope, id);
      const messages = await deps.conversations.listMessages(context.scope, id, { limit: 50, afterId: null });
      return { ...presentConversation(conversation), messages: messages.map(presentMessage) };
    },
  },
  add_note: {
    description: 'Adds a private note to a conversation, seen by the team only.',
    inputSchema: object({ conversation_id: str('conv_…'), text: str('The note.') }, [
      'conversation_id',
      'text',
    ]),
    sideEffect: true,
    async run(deps, context, input) {
      const { note } = await deps.inbox.addNote(
        context.scope,
        conversationId(input),
        { userId: null, name: context.loop.name },
        need(input, 'text'),
      );
      return presentNote(note);
    },
  },
  send_message: {
    description: "Sends an agent message to the conversation's visitor (the conversation goes to people).",
    inputSchema: object({ conversation_id: str('conv_…'), content: str('The message.') }, [
      'conversation_id',
      'content',
    ]),
    sideEffect: true,
    async run(deps, context, input) {
      const message = await deps.handoff.agentReply(context.scope, conversationId(input), {
        content: need(input, 'content'),
        author_name: context.loop.name,
      });
      return presentMessage(message);
    },
  },
  update_conversation: {
    description:
      'Escalates a conversation to people (mode human), hands it back to the bot (mode ai), or closes or reopens it.',
    inputSchema: object(
      {
        conversation_id: str('conv_…'),
        status: { type: 'string', enum: ['open', 'closed'] },
        mode: { type: 'string', enum: ['ai', 'human'] },
        reason: str('Why, for an escalation.'),
        add_labels: {
          type: 'array',
          items: { type: 'string' },
          description: 'Names of labels to put on it.',
        },
      },
      ['conversation_id'],
    ),
    sideEffect: true,
    async run(deps, context, input) {
      const id = conversationId(input);
      const status = input.status as 'open' | 'closed' | undefined;
      const mode = input.mode as 'ai' | 'human' | undefined;
      if (mode === 'human') {
        await deps.handoff.escalate(context.scope, id, {
          reason: typeof input.reason === 'string' ? input.reason : null,
          trigger: 'api',
        });
      }
      const labels = Array.isArray(input.add_labels)
        ? await addLabels(deps, context.scope, id, input.add_labels)
        : undefined;
      const updated = await deps.handoff.update(context.scope, id, {
        ...(status ? { status } : {}),
        ...(mode === 'ai' ? { mode } : {}),
      });
      return { ...presentConversation(updated), ...(labels ? { labels } : {}) };
    },
  },
  upsert_lead: {
    description:
      "Creates or updates the chatbot's lead for an email address or a phone number (at least one of them).",
    inputSchema: object({
      email: str('The address; one lead per address.'),
      phone: str('Their phone number, in international format (+49 151 12345678) or national with country.'),
      country: str('ISO 3166-1 alpha-2 code (DE, US): the country of a phone number without +.'),
      name: str('Their name.'),
      conversation_id: str('conv_… the lead came from.'),
      fields: { type: 'object', additionalProperties: { type: ['string', 'number', 'boolean'] } },
    }),
    sideEffect: true,
    async run(deps, context, input) {
      const text = (name: string) =>
        typeof input[name] === 'string' ? { [name]: input[name] as string } : {};
      if (input.email === undefined && input.phone === undefined) {
        throw new ToolInputError("'email' or 'phone' is required.");
      }
      const { lead, created } = await deps.leads.capture(
        context.scope,
        context.loop.chatbotId,
        {
          ...text('email'),
          ...text('phone'),
          ...text('country'),
          ...text('name'),
          ...(input.conversation_id ? { conversationId: conversationId(input) } : {}),
          ...(input.fields ? { fields: input.fields as Record<string, unknown> } : {}),
        },
        'api',
      );
      return { ...presentLead(lead), created };
    },
  },
  emit_event: {
    description: "Sends a custom event (agent_loop.custom) to the workspace's webhooks.",
    inputSchema: object({ name: str('The event’s name.'), data: { type: 'object' } }, ['name']),
    sideEffect: true,
    async run(deps, context, input) {
      const id = await recordEvent(deps.db.orm, context.scope, 'agent_loop.custom', {
        name: need(input, 'name'),
        data: (input.data as Record<string, unknown>) ?? {},
        loop_id: encodeId('loop', context.loop.id),
        idempotency_key: context.idempotencyKey,
      });
      return { event_id: encodeId('evt', id) };
    },
  },
  finish: {
    description: 'Ends the run with its output.',
    inputSchema: object({ output: { description: 'The result of the run.' } }, ['output']),
    sideEffect: false,
    async run(_deps, _context, input) {
      return input.output ?? null;
    },
  },
};

export function toolSpecs(names: ToolName[]): ToolSpec[] {
  // finish is always offered: without it a run could only end at a limit.
  const all = names.includes('finish') ? names : [...names, 'finish' as const];
  return all.map((name) => ({
    name,
    description: TOOLS[name].description,
    inputSchema: TOOLS[name].inputSchema,
  }));
}

export function toolOf(name: string): ToolDefinition | null {
  return (TOOLS as Record<string, ToolDefinition>)[name] ?? null;
}
