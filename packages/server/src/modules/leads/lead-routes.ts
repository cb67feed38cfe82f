// POST /v1/chatbots/{id}/leads, GET /v1/leads, GET /v1/leads/export, GET/DELETE /v1/leads/{id}
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { scopeOf } from '../../http/auth.ts';
import { sendDownload } from '../../http/download.ts';
import { pageSchema, parsePage, toPage } from '../../http/pagination.ts';
import { DeletedResponse, IdParams } from '../../http/schemas.ts';
import { decodeId } from '../../lib/ids.ts';
import {
  CaptureLeadBody,
  ExportLeadsQuery,
  LeadResponse,
  ListLeadsQuery,
  presentLead,
} from './lead-schemas.ts';
import type { LeadService } from './lead-service.ts';

export function leadRoutes(deps: { leads: LeadService }) {
  return async function register(instance: FastifyInstance): Promise<void> {
    const app = instance.withTypeProvider<TypeBoxTypeProvider>();
    const tags = ['Leads'];

    app.post(
      '/v1/chatbots/:id/leads',
      {
        schema: {
          operationId: 'captureLead',
          tags,
          description: [
            'Captures a lead: one per chatbot and email address (compared without case), or, for a',
            'lead with no address, one per chatbot and phone number (compared in E.164, so',
            '`+49 151 12345678` and `+4915112345678` are one). `email`, `phone` or both are required.',
            'The first capture creates it (201); later ones update it (200): `fields` are merged, the',
            'earlier `name` and `phone` are kept unless new ones are sent, `conversation_id` is set',
            'when sent. A number alone updates the lead with an address that has that number, when',
            'there is one. An address for a person known only by their number (the `phone` sent, or a',
            'phone-only lead of the conversation sent) gives that lead the address, unless the address',
            'already has its own lead, which is then updated and the phone-only lead left as it is.',
            'With `conversation_id`, the conversation’s customer email (and name, when it has none)',
            'are set too. A new or changed lead emits `lead.captured`.',
          ].join(' '),
          params: IdParams,
          body: CaptureLeadBody,
          response: { 200: LeadResponse, 201: LeadResponse },
        },
      },
      async (request, reply) => {
        const scope = scopeOf(request);
        const chatbotId = decodeId('bot', request.params.id, 'id');
        const { conversation_id, ...body } = request.body;
        const conversationId =
          conversation_id === undefined ? undefined : decodeId('conv', conversation_id, 'conversation_id');
        const { lead, created } = await deps.leads.capture(
          scope,
          chatbotId,
          { ...body, ...(conversationId ? { conversationId } : {}) },
          'api',
        );
        return reply.code(created ? 201 : 200).send(presentLead(lead));
      },
    );

    app.get(
      '/v1/leads',
      {
        schema: {
          operationId: 'listLeads',
          tags,
          description: 'Lists leads, newest first, optionally of one chatbot or captured after a time.',
          querystring: ListLeadsQuery,
          response: { 200: pageSchema(LeadResponse) },
        },
      },
      async (request) => {
        const scope = scopeOf(request);
        const page = parsePage(request.query);
        const { chatbot_id, created_after } = request.query;
        const rows = await deps.leads.list(
          scope,
          {
            ...(chatbot_id === undefined ? {} : { chatbotId: decodeId('bot', chatbot_id, 'chatbot_id') }),
            ...(created_after === undefined ? {} : { createdAfter: new Date(created_after) }),
          },
          { limit: page.pageSize + 1, beforeId: page.afterId },
        );
        return toPage(rows, page, presentLead);
      },
    );

    app.get(
      '/v1/leads/export',
      {
        schema: {
          operationId: 'exportLeads',
          tags,
          description:
            'Streams every matching lead, newest first: NDJSON (one lead per line, as the API shows it) or CSV (one row per lead, `fields` as JSON). Same filters as the list.',
          querystring: ExportLeadsQuery,
        },
      },
      async (request, reply) => {
        const { chatbot_id, created_after } = request.query;
        const format = request.query.format ?? 'ndjson';
        const filter = {
          ...(chatbot_id === undefined ? {} : { chatbotId: decodeId('bot', chatbot_id, 'chatbot_id') }),
          ...(created_after === undefined ? {} : { createdAfter: new Date(created_after) }),
        };
        return sendDownload(reply, 'leads', format, deps.leads.export(scopeOf(request), filter, format));
      },
    );

    app.get(
      '/v1/leads/:id',
      {
        schema: {
          operationId: 'getLead',
          tags,
          params: IdParams,
          response: { 200: LeadResponse },
        },
      },
      async (request) => {
        const scope = scopeOf(request);
        return presentLead(await deps.leads.get(scope, decodeId('lead', request.params.id, 'id')));
      },
    );

    app.delete(
      '/v1/leads/:id',
      {
        schema: {
          operationId: 'deleteLead',
          tags,
          description: 'Deletes a lead for good. The conversation it was captured in is kept.',
          params: IdParams,
          response: { 200: DeletedResponse },
        },
      },
      async (request) => {
        await deps.leads.remove(scopeOf(request), decodeId('lead', request.params.id, 'id'));
        return { id: request.params.id, deleted: true as const };
      },
    );
  };
}
