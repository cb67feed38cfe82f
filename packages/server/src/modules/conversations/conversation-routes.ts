// /v1/conversations: the inbox. Lists, one conversation, its messages, agent replies, handoff,
// a live event stream, and exports.
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { principalOf, scopeOf } from '../../http/auth.ts';
import { sendDownload } from '../../http/download.ts';
import { optionalBody } from '../../http/json-body.ts';
import { PageQuery, pageSchema, parsePage, toPage } from '../../http/pagination.ts';
import { DeletedResponse } from '../../http/schemas.ts';
import { AppError } from '../../lib/errors.ts';
import { decodeId } from '../../lib/ids.ts';
import type { UserService } from '../users/user-service.ts';
import type { AssignmentService } from './conversation-assignment.ts';
import type { HandoffService } from './conversation-handoff.ts';
import type { ConversationHub } from './conversation-live.ts';
import type { ActivityCursor, ConversationFilters } from './conversation-queries.ts';
import {
  AgentMessageBody,
  AssignBody,
  ConversationParams,
  ConversationResponse,
  EscalateBody,
  EscalationResponse,
  ExportQuery,
  type InboxStatus,
  ListConversationsQuery,
  MessageResponse,
  presentConversation,
  presentMessage,
  UpdateConversationBody,
} from './conversation-schemas.ts';
import type { ConversationService } from './conversation-service.ts';
import { followConversation } from './conversation-stream.ts';

function filtersOf(query: {
  chatbot_id?: string;
  status?: 'open' | 'closed';
  mode?: 'ai' | 'human';
  channel?: string;
  email?: string;
  updated_after?: string;
  q?: string;
  assignee_id?: string;
  label_id?: string;
  inbox_status?: InboxStatus;
}): ConversationFilters {
  return {
    ...(query.assignee_id
      ? {
          assigneeId: query.assignee_id === 'none' ? null : decodeId('usr', query.assignee_id, 'assignee_id'),
        }
      : {}),
    ...(query.label_id ? { labelId: decodeId('lbl', query.label_id, 'label_id') } : {}),
    ...(query.inbox_status ? { inboxStatus: query.inbox_status } : {}),
    ...(query.chatbot_id ? { chatbotId: decodeId('bot', query.chatbot_id, 'chatbot_id') } : {}),
    ...(query.status ? { status: query.status } : {}),
    ...(query.mode ? { mode: query.mode } : {}),
    ...(query.channel ? { channel: query.channel } : {}),
    ...(query.email ? { email: query.email } : {}),
    ...(query.updated_after ? { updatedAfter: new Date(query.updated_after) } : {}),
    ...(query.q ? { q: query.q } : {}),
  };
}

/** PATCH's inbox_status and snoozed_until as the stored status, mode and snooze time. */
function updateOf(body: {
  status?: 'open' | 'closed';
  mode?: 'ai' | 'human';
  assignee?: string | null;
  metadata?: Record<string, unknown>;
  inbox_status?: InboxStatus;
  snoozed_until?: string | null;
}) {
  const { inbox_status, snoozed_until, ...rest } = body;
  if (inbox_status && (rest.status || rest.mode)) {
    throw AppError.invalid(
      'conflicting_fields',
      "Send either 'inbox_status' or 'status' and 'mode', not both.",
      'inbox_status',
    );
  }
  const until =
    snoozed_until === undefined || snoozed_until === null ? snoozed_until : new Date(snoozed_until);
  if (inbox_status === 'snoozed' && !(until instanceof Date && until.getTime() > Date.now())) {
    throw AppError.invalid(
      'snooze_needs_time',
      "A snoozed conversation needs 'snoozed_until', a time in the future.",
      'snoozed_until',
    );
  }
  const byStatus = {
    open: { status: 'open' as const, mode: 'human' as const },
    pending: { status: 'open' as const, mode: 'ai' as const },
    snoozed: { status: 'open' as const },
    resolved: { status: 'closed' as const },
  };
  return {
    ...rest,
    ...(inbox_status ? byStatus[inbox_status] : {}),
    // Any other inbox status than snoozed ends a snooze.
    ...(until !== undefined ? { snoozedUntil: until } : inbox_status ? { snoozedUntil: null } : {}),
  };
}

function encodeActivityCursor(row: { lastMessageAt: Date; id: string }): string {
  return Buffer.from(`a1:${row.lastMessageAt.toISOString()}|${row.id}`).toString('base64url');
}

function decodeActivityCursor(cursor: string | undefined): ActivityCursor | null {
  if (!cursor) return null;
  const match = /^a1:(.+)\|([0-9a-f-]{36})$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  const at = match ? new Date(match[1]!) : null;
  if (!match || !at || Number.isNaN(at.getTime())) {
    throw AppError.invalid(
      'invalid_cursor',
      'The cursor is not valid: pass next_cursor from a previous page.',
      'cursor',
    );
  }
  return { lastMessageAt: at, id: match[2]! };
}

export function conversationRoutes(deps: {
  conversations: ConversationService;
  handoff: HandoffService;
  conversationHub: ConversationHub;
  assignment: AssignmentService;
  users: Pick<UserService, 'get'>;
}) {
  return async function register(instance: FastifyInstance): Promise<void> {
    const app = instance.withTypeProvider<TypeBoxTypeProvider>();
    const tags = ['Conversations'];
    const idOf = (wire: string) => decodeId('conv', wire, 'id');

    app.get(
      '/v1/conversations',
      {
        schema: {
          operationId: 'listConversations',
          tags,
          description:
            'Lists conversations, newest activity first (or, with `order=created`, newest created first), with filters.',
          querystring: ListConversationsQuery,
          response: { 200: pageSchema(ConversationResponse) },
        },
      },
      async (request) => {
        const pageSize = request.query.page_size ?? 20;
        const scope = scopeOf(request);
        const filters = filtersOf(request.query);
        if (request.query.order === 'created') {
          // Each page after the last one's id: a walk sees every conversation once.
          const page = parsePage({ page_size: pageSize, cursor: request.query.cursor });
          const rows = await deps.conversations.listByCreation(scope, filters, {
            limit: pageSize + 1,
            beforeId: page.afterId,
          });
          return toPage(rows, page, presentConversation);
        }
        const rows = await deps.conversations.list(scope, filters, {
          limit: pageSize + 1,
          after: decodeActivityCursor(request.query.cursor),
        });
        const hasMore = rows.length > pageSize;
        const page = hasMore ? rows.slice(0, pageSize) : rows;
        return {
          data: page.map(presentConversation),
          has_more: hasMore,
          next_cursor: hasMore ? encodeActivityCursor(page.at(-1)!) : null,
        };
      },
    );

    app.get(
      '/v1/conversations/export',
      {
        schema: {
          operationId: 'exportConversations',
          tags,
          description:
            'Streams every matching conversation with its messages: NDJSON (one conversation per line, `messages` inside) or CSV (one row per message). Same filters as the list.',
          querystring: ExportQuery,
        },
      },
      async (request, reply) => {
        const format = request.query.format ?? 'ndjson';
        return sendDownload(
          reply,
          'conversations',
          format,
          deps.conversations.export(scopeOf(request), filtersOf(request.query), format),
        );
      },
    );

    app.get(
      '/v1/conversations/:id',
      {
        schema: {
          operationId: 'getConversation',
          tags,
          params: ConversationParams,
          response: { 200: ConversationResponse },
        },
      },
      async (request) =>
        presentConversation(await deps.conversations.get(scopeOf(request), idOf(request.params.id))),
    );

    app.patch(
      '/v1/conversations/:id',
      {
        schema: {
          operationId: 'updateConversation',
          tags,
          description:
            'Changes status, mode (`human` hands over to people, `ai` hands back to the bot), assignee or metadata. Closing emits conversation.closed.',
          params: ConversationParams,
          body: UpdateConversationBody,
          response: { 200: ConversationResponse },
        },
      },
      async (request) =>
        presentConversation(
          await deps.handoff.update(scopeOf(request), idOf(request.params.id), updateOf(request.body)),
        ),
    );

    app.delete(
      '/v1/conversations/:id',
      {
        schema: {
          operationId: 'deleteConversation',
          tags,
          description: 'Deletes the conversation and its messages.',
          params: ConversationParams,
          response: { 200: DeletedResponse },
        },
      },
      async (request) => {
        await deps.conversations.remove(scopeOf(request), idOf(request.params.id));
        return { id: request.params.id, deleted: true as const };
      },
    );

    app.get(
      '/v1/conversations/:id/messages',
      {
        schema: {
          operationId: 'listConversationMessages',
          tags,
          description: 'The messages of a conversation, oldest first.',
          params: ConversationParams,
          querystring: PageQuery,
          response: { 200: pageSchema(MessageResponse) },
        },
      },
      async (request) => {
        const scope = scopeOf(request);
        const conversation = await deps.conversations.get(scope, idOf(request.params.id));
        const page = parsePage(request.query);
        const rows = await deps.conversations.listMessages(scope, conversation.id, {
          limit: page.pageSize + 1,
          afterId: page.afterId,
        });
        return toPage(rows, page, presentMessage);
      },
    );

    app.post(
      '/v1/conversations/:id/messages',
      {
        schema: {
          operationId: 'sendAgentMessage',
          tags,
          description:
            'Sends a human agent’s message to the visitor (live to the widget, or to the channel). The bot stops answering the conversation (mode human). Emits message.sent.',
          params: ConversationParams,
          body: AgentMessageBody,
          response: { 201: MessageResponse },
        },
      },
      async (request, reply) => {
        const scope = scopeOf(request);
        const id = idOf(request.params.id);
        const person = principalOf(request).person;
        // A signed-in person's message is signed with their own name: author_name is for API keys,
        // which have no person to name.
        const signer = person ? await deps.users.get(scope.workspaceId, person.userId) : null;
        const message = await deps.handoff.agentReply(
          scope,
          id,
          signer ? { ...request.body, author_name: signer.name ?? signer.email } : request.body,
        );
        // A person who answers a conversation nobody has takes it.
        if (person) await deps.assignment.claim(scope, id, person.userId);
        return reply.code(201).send(presentMessage(message));
      },
    );

    app.post(
      '/v1/conversations/:id/assign',
      {
        schema: {
          operationId: 'assignConversation',
          tags,
          description:
            'Assigns the conversation to a person of the workspace, or back to the queue (user_id null), where automatic assignment gives it to the next person online with room. Emits conversation.assigned.',
          params: ConversationParams,
          body: AssignBody,
          response: { 200: ConversationResponse },
        },
      },
      async (request) => {
        // null sends it back to the queue; an empty id is a malformed one, not null.
        const userId =
          request.body.user_id === null ? null : decodeId('usr', request.body.user_id, 'user_id');
        return presentConversation(
          await deps.assignment.assign(scopeOf(request), idOf(request.params.id), userId),
        );
      },
    );

    app.post(
      '/v1/conversations/:id/escalate',
      {
        schema: {
          operationId: 'escalateConversation',
          tags,
          description:
            'Hands the conversation to a human: mode human, the bot’s handoff message to the visitor, conversation.escalated.',
          params: ConversationParams,
          body: EscalateBody,
          response: { 200: EscalationResponse },
        },
        // The body is optional: a bare POST escalates without a reason.
        preValidation: optionalBody,
      },
      async (request) => {
        const result = await deps.handoff.escalate(scopeOf(request), idOf(request.params.id), {
          reason: request.body.reason ?? null,
          trigger: 'api',
        });
        return {
          conversation: presentConversation(result.conversation),
          escalated: result.escalated,
          system_message: result.systemMessage ? presentMessage(result.systemMessage) : null,
        };
      },
    );

    app.get(
      '/v1/conversations/:id/events',
      {
        schema: {
          operationId: 'streamConversationEvents',
          tags,
          description:
            'Server-sent events: `conversation` (its state, first and on every mode or status change), `message` (each new message, with `id` for Last-Event-ID), `typing` (the visitor or a person typing, notes included) and `read` (a person’s read receipt).',
          params: ConversationParams,
        },
      },
      async (request, reply) => {
        const scope = scopeOf(request);
        const conversation = await deps.conversations.get(scope, idOf(request.params.id));
        const lastEventId = request.headers['last-event-id'];
        const afterMessageId =
          typeof lastEventId === 'string' && /^[0-9a-f-]{36}$/.test(lastEventId) ? lastEventId : null;
        followConversation(
          reply,
          { hub: deps.conversationHub, conversations: deps.conversations },
          scope,
          conversation,
          {
            afterMessageId,
          },
        );
        return reply;
      },
    );
  };
}
