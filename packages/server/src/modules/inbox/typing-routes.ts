// POST /v1/conversations/{id}/typing: a person (or an API key's integration) says they are typing
// a reply or a private note. Visitors see replies being typed, never notes.
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import type { Database } from '../../db/client.ts';
import { allow } from '../../http/access.ts';
import { principalOf, scopeOf } from '../../http/auth.ts';
import { optionalBody } from '../../http/json-body.ts';
import type { RateLimiter } from '../../http/rate-limit.ts';
import { IdParams, NOT_BLANK } from '../../http/schemas.ts';
import { decodeId } from '../../lib/ids.ts';
import type { ConversationService } from '../conversations/conversation-service.ts';
import {
  createTypingSignals,
  TYPING_SHOWN_SECONDS,
  TYPING_SIGNALS_PER_MINUTE,
} from '../conversations/conversation-typing.ts';
import type { UserService } from '../users/user-service.ts';

export const TypingBody = Type.Object(
  {
    typing: Type.Optional(
      Type.Boolean({ description: 'false when the writer stopped or sent; true (the default) otherwise.' }),
    ),
    private_note: Type.Optional(
      Type.Boolean({ description: 'A private note for the team: never shown to the visitor.' }),
    ),
    author_name: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 200,
        pattern: NOT_BLANK,
        description: 'With an API key: the name shown as typing.',
      }),
    ),
  },
  { additionalProperties: false },
);

export const TypingResponse = Type.Object({
  typing: Type.Boolean(),
  expires_in: Type.Integer({ description: 'Seconds the indicator shows unless signalled again.' }),
});

export function typingRoutes(deps: {
  db: Database;
  rateLimiter: RateLimiter;
  conversations: ConversationService;
  users: UserService;
}) {
  const signals = createTypingSignals(deps);
  return async function register(instance: FastifyInstance): Promise<void> {
    const app = instance.withTypeProvider<TypeBoxTypeProvider>();
    app.post(
      '/v1/conversations/:id/typing',
      {
        schema: {
          operationId: 'signalAgentTyping',
          tags: ['Conversations'],
          description: `Shows the team and (unless \`private_note\`) the visitor that a reply is being typed, on the conversation's live streams as a \`typing\` event. Ephemeral: nothing is stored. Send it every few seconds while typing (at most ${TYPING_SIGNALS_PER_MINUTE} a minute per conversation), and \`typing: false\` on stopping; an indicator shows for ${TYPING_SHOWN_SECONDS} s after the last signal.`,
          params: IdParams,
          body: TypingBody,
          response: { 202: TypingResponse },
          ...allow('agent'),
        },
        preValidation: optionalBody,
      },
      async (request, reply) => {
        const scope = scopeOf(request);
        const conversation = await deps.conversations.get(scope, decodeId('conv', request.params.id, 'id'));
        const principal = principalOf(request);
        const person = principal.person
          ? await deps.users.get(scope.workspaceId, principal.person.userId)
          : null;
        const typing = request.body.typing ?? true;
        await signals.signal(person ? `usr:${person.id}` : `key:${principal.keyId}`, {
          conversationId: conversation.id,
          kind: 'typing',
          from: 'agent',
          userId: person?.id ?? null,
          name: person ? (person.name ?? person.email) : (request.body.author_name ?? null),
          privateNote: request.body.private_note ?? false,
          typing,
        });
        return reply.code(202).send({ typing, expires_in: TYPING_SHOWN_SECONDS });
      },
    );
  };
}
