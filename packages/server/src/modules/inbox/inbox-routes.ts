// /v1/labels, /v1/canned-replies, a conversation's notes and labels, and /v1/inbox/counts.
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { allow } from '../../http/access.ts';
import { principalOf, scopeOf } from '../../http/auth.ts';
import { PageQuery, pageSchema, parsePage, toPage } from '../../http/pagination.ts';
import { DeletedResponse, IdParams } from '../../http/schemas.ts';
import { decodeId } from '../../lib/ids.ts';
import {
  CannedReplyResponse,
  CreateCannedReplyBody,
  CreateLabelBody,
  InboxCountsResponse,
  LabelListResponse,
  LabelResponse,
  ListCannedRepliesQuery,
  mentionedPeople,
  NoteBody,
  NoteResponse,
  presentCannedReply,
  presentCounts,
  presentLabel,
  presentNote,
  RenderBody,
  RenderedResponse,
  SetLabelsBody,
  UpdateCannedReplyBody,
  UpdateLabelBody,
} from './inbox-schemas.ts';
import type { InboxService } from './inbox-service.ts';

export function inboxRoutes(deps: { inbox: InboxService }) {
  return async function register(instance: FastifyInstance): Promise<void> {
    const app = instance.withTypeProvider<TypeBoxTypeProvider>();
    const conversationOf = (wire: string) => decodeId('conv', wire, 'id');
    const personOf = (request: FastifyRequest) => principalOf(request).person?.userId ?? null;

    // Labels: anyone reads and applies them; admins define them.
    let tags = ['Labels'];
    app.get(
      '/v1/labels',
      {
        schema: {
          operationId: 'listLabels',
          tags,
          querystring: PageQuery,
          response: { 200: pageSchema(LabelResponse) },
          ...allow('agent'),
        },
      },
      async (request) => {
        const page = parsePage(request.query);
        const rows = await deps.inbox.listLabels(scopeOf(request), {
          limit: page.pageSize + 1,
          afterId: page.afterId,
        });
        return toPage(rows, page, presentLabel);
      },
    );
    app.post(
      '/v1/labels',
      {
        schema: {
          operationId: 'createLabel',
          tags,
          description: 'Defines a label; names are unique in the workspace and environment.',
          body: CreateLabelBody,
          response: { 201: LabelResponse },
          ...allow('admin'),
        },
      },
      async (request, reply) =>
        reply.code(201).send(presentLabel(await deps.inbox.createLabel(scopeOf(request), request.body))),
    );
    app.patch(
      '/v1/labels/:id',
      {
        schema: {
          operationId: 'updateLabel',
          tags,
          params: IdParams,
          body: UpdateLabelBody,
          response: { 200: LabelResponse },
          ...allow('admin'),
        },
      },
      async (request) =>
        presentLabel(
          await deps.inbox.updateLabel(
            scopeOf(request),
            decodeId('lbl', request.params.id, 'id'),
            request.body,
          ),
        ),
    );
    app.delete(
      '/v1/labels/:id',
      {
        schema: {
          operationId: 'deleteLabel',
          tags,
          description: 'Deletes the label and takes it off every conversation.',
          params: IdParams,
          response: { 200: DeletedResponse },
          ...allow('admin'),
        },
      },
      async (request) => {
        await deps.inbox.deleteLabel(scopeOf(request), decodeId('lbl', request.params.id, 'id'));
        return { id: request.params.id, deleted: true as const };
      },
    );
    app.get(
      '/v1/conversations/:id/labels',
      {
        schema: {
          operationId: 'listConversationLabels',
          tags,
          params: IdParams,
          response: { 200: LabelListResponse },
          ...allow('agent'),
        },
      },
      async (request) => ({
        data: (await deps.inbox.conversationLabels(scopeOf(request), conversationOf(request.params.id))).map(
          presentLabel,
        ),
      }),
    );
    app.put(
      '/v1/conversations/:id/labels',
      {
        schema: {
          operationId: 'setConversationLabels',
          tags,
          description:
            'Sets exactly the labels the conversation carries. Filter conversations with ?label_id=, count them with GET /v1/inbox/counts.',
          params: IdParams,
          body: SetLabelsBody,
          response: { 200: LabelListResponse },
          ...allow('agent'),
        },
      },
      async (request) => {
        const ids = request.body.label_ids.map((id) => decodeId('lbl', id, 'label_ids'));
        const rows = await deps.inbox.setConversationLabels(
          scopeOf(request),
          conversationOf(request.params.id),
          ids,
        );
        return { data: rows.map(presentLabel) };
      },
    );

    tags = ['Notes'];
    app.get(
      '/v1/conversations/:id/notes',
      {
        schema: {
          operationId: 'listConversationNotes',
          tags,
          description:
            'The team’s private notes on the conversation, oldest first. Never shown to the visitor.',
          params: IdParams,
          querystring: PageQuery,
          response: { 200: pageSchema(NoteResponse) },
          ...allow('agent'),
        },
      },
      async (request) => {
        const page = parsePage(request.query);
        const rows = await deps.inbox.listNotes(scopeOf(request), conversationOf(request.params.id), {
          limit: page.pageSize + 1,
          afterId: page.afterId,
        });
        return toPage(rows, page, presentNote);
      },
    );
    app.post(
      '/v1/conversations/:id/notes',
      {
        schema: {
          operationId: 'addConversationNote',
          tags,
          description:
            'Adds a private note: never sent to the visitor or a channel, never in the visitor’s stream or message webhooks. @address mentions a person of the workspace.',
          params: IdParams,
          body: NoteBody,
          response: {
            201: Type.Object({
              ...NoteResponse.properties,
              mentioned: Type.Array(
                Type.Object({
                  id: Type.String(),
                  email: Type.String(),
                  name: Type.Union([Type.String(), Type.Null()]),
                }),
              ),
            }),
          },
          ...allow('agent'),
        },
      },
      async (request, reply) => {
        const { note, mentioned } = await deps.inbox.addNote(
          scopeOf(request),
          conversationOf(request.params.id),
          { userId: personOf(request), name: request.body.author_name ?? null },
          request.body.content,
        );
        return reply.code(201).send({ ...presentNote(note), mentioned: mentionedPeople(mentioned) });
      },
    );

    tags = ['Canned replies'];
    app.get(
      '/v1/canned-replies',
      {
        schema: {
          operationId: 'listCannedReplies',
          tags,
          querystring: ListCannedRepliesQuery,
          response: { 200: pageSchema(CannedReplyResponse) },
          ...allow('agent'),
        },
      },
      async (request) => {
        const page = parsePage(request.query);
        const rows = await deps.inbox.listCannedReplies(
          scopeOf(request),
          request.query.shortcut ? { shortcutPrefix: request.query.shortcut } : {},
          { limit: page.pageSize + 1, afterId: page.afterId },
        );
        return toPage(rows, page, presentCannedReply);
      },
    );
    app.post(
      '/v1/canned-replies',
      {
        schema: {
          operationId: 'createCannedReply',
          tags,
          description: 'Saves a reply; an unknown {{variable}} is refused.',
          body: CreateCannedReplyBody,
          response: { 201: CannedReplyResponse },
          ...allow('admin'),
        },
      },
      async (request, reply) =>
        reply
          .code(201)
          .send(presentCannedReply(await deps.inbox.createCannedReply(scopeOf(request), request.body))),
    );
    app.get(
      '/v1/canned-replies/:id',
      {
        schema: {
          operationId: 'getCannedReply',
          tags,
          params: IdParams,
          response: { 200: CannedReplyResponse },
          ...allow('agent'),
        },
      },
      async (request) =>
        presentCannedReply(
          await deps.inbox.getCannedReply(scopeOf(request), decodeId('cr', request.params.id, 'id')),
        ),
    );
    app.patch(
      '/v1/canned-replies/:id',
      {
        schema: {
          operationId: 'updateCannedReply',
          tags,
          params: IdParams,
          body: UpdateCannedReplyBody,
          response: { 200: CannedReplyResponse },
          ...allow('admin'),
        },
      },
      async (request) =>
        presentCannedReply(
          await deps.inbox.updateCannedReply(
            scopeOf(request),
            decodeId('cr', request.params.id, 'id'),
            request.body,
          ),
        ),
    );
    app.delete(
      '/v1/canned-replies/:id',
      {
        schema: {
          operationId: 'deleteCannedReply',
          tags,
          params: IdParams,
          response: { 200: DeletedResponse },
          ...allow('admin'),
        },
      },
      async (request) => {
        await deps.inbox.deleteCannedReply(scopeOf(request), decodeId('cr', request.params.id, 'id'));
        return { id: request.params.id, deleted: true as const };
      },
    );
    app.post(
      '/v1/canned-replies/:id/render',
      {
        schema: {
          operationId: 'renderCannedReply',
          tags,
          description:
            'The reply with its variables filled in from the conversation (and the signed-in person, for agent.*), ready to send.',
          params: IdParams,
          body: RenderBody,
          response: { 200: RenderedResponse },
          ...allow('agent'),
        },
      },
      async (request) => ({
        content: await deps.inbox.renderCannedReply(
          scopeOf(request),
          decodeId('cr', request.params.id, 'id'),
          decodeId('conv', request.body.conversation_id, 'conversation_id'),
          personOf(request),
        ),
      }),
    );

    app.get(
      '/v1/inbox/counts',
      {
        schema: {
          operationId: 'getInboxCounts',
          tags: ['Conversations'],
          description:
            'The sidebar’s counts in one call: conversations by inbox status, and conversations not resolved by assignee (null: the queue), label and chatbot.',
          response: { 200: InboxCountsResponse },
          ...allow('agent'),
        },
      },
      async (request) => presentCounts(await deps.inbox.counts(scopeOf(request))),
    );
  };
}
