// GET /v1/me/events: a person's own live stream of what needs them — a conversation given to
// them, a note that mentions them, a visitor's new message in a conversation they have — on
// whichever node it happened.
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { allow } from '../../http/access.ts';
import { principalOf } from '../../http/auth.ts';
import { openEventStream } from '../../http/sse.ts';
import { AppError } from '../../lib/errors.ts';
import { decodeId, encodeId } from '../../lib/ids.ts';
import type { ConversationHub, PersonNotice } from '../conversations/conversation-live.ts';
import { presentConversation, presentMessage } from '../conversations/conversation-schemas.ts';
import type { ConversationService } from '../conversations/conversation-service.ts';
import type { UserService } from '../users/user-service.ts';
import type { Presence } from './presence.ts';

const HEARTBEAT_MS = 15_000;

const NOTIFICATION_TYPES = {
  assigned: 'conversation.assigned',
  mentioned: 'note.mentioned',
  message: 'message.received',
} as const;

export function notificationRoutes(deps: {
  conversationHub: ConversationHub;
  conversations: ConversationService;
  users: UserService;
  presence: Pick<Presence, 'touch'>;
}) {
  /** What the person is shown: the conversation as it is now, and the message or note's id. */
  async function presentNotice(notice: PersonNotice) {
    const scope = { workspaceId: notice.workspaceId, environment: notice.environment };
    const conversation = await deps.conversations.get(scope, notice.conversationId).catch(() => null);
    if (!conversation) return null; // deleted since
    const message = notice.reason === 'message' ? await deps.conversations.message(scope, notice.id) : null;
    return {
      type: NOTIFICATION_TYPES[notice.reason],
      environment: notice.environment,
      conversation: presentConversation(conversation),
      ...(message ? { message: presentMessage(message) } : {}),
      ...(notice.reason === 'mentioned' ? { note_id: encodeId('note', notice.id) } : {}),
    };
  }

  return async function register(instance: FastifyInstance): Promise<void> {
    const app = instance.withTypeProvider<TypeBoxTypeProvider>();
    app.get(
      '/v1/me/events',
      {
        schema: {
          operationId: 'streamMyNotifications',
          tags: ['People'],
          description:
            'Server-sent `notification` events for the signed-in person (with an API key: the person of `user_id`): `conversation.assigned` (given to them), `note.mentioned` (a note @mentions them), `message.received` (a visitor wrote in a conversation they have). Each carries `environment` and the conversation as it is.',
          querystring: Type.Object(
            { user_id: Type.Optional(Type.String({ maxLength: 100 })) },
            { additionalProperties: false },
          ),
          ...allow('agent'),
        },
      },
      async (request, reply) => {
        const principal = principalOf(request);
        const named = request.query.user_id ? decodeId('usr', request.query.user_id, 'user_id') : null;
        let userId: string;
        if (principal.person) {
          if (named && named !== principal.person.userId) {
            throw new AppError(
              'permission_error',
              'not_your_notifications',
              'A session follows its own notifications: leave out user_id.',
            );
          }
          userId = principal.person.userId;
        } else if (named) {
          userId = named;
          await deps.users.get(principal.workspaceId, userId); // 404 for another workspace's person
        } else {
          throw AppError.invalid(
            'missing_parameter',
            "With an API key, name the person whose notifications to follow with 'user_id'.",
            'user_id',
          );
        }
        const stream = openEventStream(reply);
        // Notices are presented one after the other, so events leave in the order they came.
        let chain: Promise<void> = Promise.resolve();
        const unsubscribe = deps.conversationHub.subscribePerson(userId, (notice) => {
          chain = chain
            .then(async () => {
              const shown = await presentNotice(notice);
              if (shown) stream.send('notification', shown);
            })
            .catch((error) => reply.log.warn({ err: error }, 'notification failed'));
        });
        // An open stream is a person at their console: it keeps them from going offline as idle.
        const seen = () =>
          deps.presence
            .touch(userId)
            .catch((error) => reply.log.warn({ err: error }, 'could not record presence'));
        void seen();
        const heartbeat = setInterval(() => {
          stream.ping();
          void seen();
        }, HEARTBEAT_MS);
        heartbeat.unref();
        stream.signal.addEventListener('abort', () => {
          clearInterval(heartbeat);
          unsubscribe();
        });
        // The first event says the stream is listening: nothing sent after it is missed.
        stream.send('ready', { user_id: encodeId('usr', userId) });
        return reply;
      },
    );
  };
}
