// Read receipts: POST /v1/conversations/{id}/read (the signed-in person) and who has read what.
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { allow } from '../../http/access.ts';
import { scopeOf } from '../../http/auth.ts';
import { optionalBody } from '../../http/json-body.ts';
import { IdParams, Nullable, Timestamp } from '../../http/schemas.ts';
import { decodeId, encodeId } from '../../lib/ids.ts';
import { personOf } from '../users/session-routes.ts';
import type { InboxService } from './inbox-service.ts';
import type { ReceiptRow } from './receipt-repository.ts';

const ReceiptResponse = Type.Object({
  user_id: Type.String(),
  last_read_message_id: Nullable(Type.String()),
  read_at: Timestamp,
});

function presentReceipt(row: ReceiptRow) {
  return {
    user_id: encodeId('usr', row.userId),
    last_read_message_id: row.lastReadMessageId ? encodeId('msg', row.lastReadMessageId) : null,
    read_at: row.readAt.toISOString(),
  };
}

export function receiptRoutes(deps: { inbox: InboxService }) {
  return async function register(instance: FastifyInstance): Promise<void> {
    const app = instance.withTypeProvider<TypeBoxTypeProvider>();
    const tags = ['Conversations'];

    app.post(
      '/v1/conversations/:id/read',
      {
        schema: {
          operationId: 'markConversationRead',
          tags,
          description:
            'The signed-in person has read the conversation up to `message_id` (its newest message when left out). Positions only move forward.',
          params: IdParams,
          body: Type.Object(
            { message_id: Type.Optional(Type.String({ maxLength: 100 })) },
            { additionalProperties: false },
          ),
          response: { 200: ReceiptResponse },
          ...allow('agent'),
        },
        // The body is optional: a bare POST marks everything read.
        preValidation: optionalBody,
      },
      async (request) => {
        const person = personOf(request);
        const messageId = request.body.message_id
          ? decodeId('msg', request.body.message_id, 'message_id')
          : null;
        return presentReceipt(
          await deps.inbox.markRead(
            scopeOf(request),
            decodeId('conv', request.params.id, 'id'),
            person.userId,
            messageId,
          ),
        );
      },
    );

    app.get(
      '/v1/conversations/:id/reads',
      {
        schema: {
          operationId: 'listConversationReads',
          tags,
          description: 'Read receipts: how far each person of the team has read the conversation.',
          params: IdParams,
          response: { 200: Type.Object({ data: Type.Array(ReceiptResponse) }) },
          ...allow('agent'),
        },
      },
      async (request) => ({
        data: (await deps.inbox.receipts(scopeOf(request), decodeId('conv', request.params.id, 'id'))).map(
          presentReceipt,
        ),
      }),
    );
  };
}
