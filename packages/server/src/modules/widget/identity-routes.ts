// POST/DELETE /v1/chatbots/{id}/identity-secret: identity verification for the widget.
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { scopeOf } from '../../http/auth.ts';
import { IdParams } from '../../http/schemas.ts';
import { decodeId } from '../../lib/ids.ts';
import { generateIdentitySecret } from './identity.ts';
import type { WidgetService } from './widget-service.ts';

const IdentitySecretResponse = Type.Object({
  identity_secret: Type.String({ description: 'Keep it on your server; sign user ids with it.' }),
  created_at: Type.String({ format: 'date-time' }),
});

export function identityRoutes(deps: { widget: WidgetService }) {
  return async function register(instance: FastifyInstance): Promise<void> {
    const app = instance.withTypeProvider<TypeBoxTypeProvider>();
    const tags = ['Chatbots'];

    app.post(
      '/v1/chatbots/:id/identity-secret',
      {
        schema: {
          operationId: 'rotateIdentitySecret',
          tags,
          description: [
            'Creates the chatbot’s identity secret, or replaces it (signatures made with the old one',
            'stop verifying at once). Your backend signs each user’s id with it (hex HMAC-SHA256 of',
            'the user id, or of the user id, a line feed and the email); the widget passes the',
            'signature, and verified visitors’ conversations carry `verified: true`.',
          ].join(' '),
          params: IdParams,
          response: { 200: IdentitySecretResponse },
        },
      },
      async (request) => {
        const secret = generateIdentitySecret();
        await deps.widget.rotateIdentitySecret(
          scopeOf(request),
          decodeId('bot', request.params.id, 'id'),
          secret,
        );
        return { identity_secret: secret, created_at: new Date().toISOString() };
      },
    );

    app.delete(
      '/v1/chatbots/:id/identity-secret',
      {
        schema: {
          operationId: 'removeIdentitySecret',
          tags,
          description: 'Turns identity verification off: identities are no longer verified.',
          params: IdParams,
          response: { 200: Type.Object({ identity_verification: Type.Literal(false) }) },
        },
      },
      async (request) => {
        await deps.widget.removeIdentitySecret(scopeOf(request), decodeId('bot', request.params.id, 'id'));
        return { identity_verification: false as const };
      },
    );
  };
}
