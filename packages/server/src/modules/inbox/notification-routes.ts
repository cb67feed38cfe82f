// GET /v1/me/events: a person's own live stream of what needs them — a conversation given to
// them, a note that mentions them, a visitor's new message in a conversation they have — on
// whichever node it happened.
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import type { Database } from '../../db/client.ts';
import { allow } from '../../http/access.ts';
import { principalOf } from '../../http/auth.ts';
import { openEventStream } from '../../http/sse.ts';
import { AppError } from '../../lib/errors.ts';
import { decodeId, encodeId } from '../../lib/ids.ts';
import type { ConversationHub, PersonNotice } from '../conversations/conversation-live.ts';
import { presentConversation, presentMessage } from '../conversations/conversation-schemas.ts';
import type { ConversationService } from '../conversations/conversation-service.ts';
import type { UserService } from '../users/user-service.ts';
import { CATCH_UP_MARGIN_MS, databaseNow, type MissedNotice, noticesSince } from './notification-catch-up.ts';
import type { Presence } from './presence.ts';

const HEARTBEAT_MS = 15_000;
/** How long a stream remembers what it sent, so that a catch-up never sends it twice. */
const REMEMBER_MS = 10 * 60_000;

const NOTIFICATION_TYPES = {
  assigned: 'conversation.assigned',
  mentioned: 'note.mentioned',
  message: 'message.received',
} as const;

/** What a notice is, so the same thing is sent once (an assignment is of the conversation at a time). */
function keyOf(notice: PersonNotice, assignedAt: Date | null): string {
  if (notice.reason === 'assigned') return `assigned:${notice.conversationId}:${assignedAt?.getTime() ?? ''}`;
  return `${notice.reason}:${notice.id}`;
}

export function notificationRoutes(deps: {
  db: Database;
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
    const key = keyOf(notice, conversation.assignedAt ? new Date(conversation.assignedAt) : null);
    const message = notice.reason === 'message' ? await deps.conversations.message(scope, notice.id) : null;
    const shown = {
      type: NOTIFICATION_TYPES[notice.reason],
      environment: notice.environment,
      conversation: presentConversation(conversation),
      ...(message ? { message: presentMessage(message) } : {}),
      ...(notice.reason === 'mentioned' ? { note_id: encodeId('note', notice.id) } : {}),
    };
    return { key, shown };
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
        // What was sent (by key, with when), so that a notice both announced and caught up is
        // sent once; what existed when the stream opened is never caught up.
        const sent = new Map<string, number>();
        const known = new Set<string>();
        // Catch-up reads what happened after this (the database's clock), less a margin.
        let watermark: Date | null = null;

        async function deliver(notice: PersonNotice): Promise<void> {
          const presented = await presentNotice(notice);
          if (!presented || sent.has(presented.key)) return;
          sent.set(presented.key, Date.now());
          stream.send('notification', presented.shown);
        }

        const keyOfMissed = (missed: MissedNotice) => keyOf(missed.notice, missed.at);

        async function open(): Promise<void> {
          const now = await databaseNow(deps.db);
          const before = await noticesSince(deps.db, userId, new Date(now.getTime() - CATCH_UP_MARGIN_MS));
          for (const missed of before) known.add(keyOfMissed(missed));
          watermark = now;
        }

        /** Sends what happened since the last catch-up (or the opening) and was not sent. */
        async function catchUp(): Promise<void> {
          if (!watermark) return open();
          const now = await databaseNow(deps.db);
          const since = new Date(watermark.getTime() - CATCH_UP_MARGIN_MS);
          const missed = await noticesSince(deps.db, userId, since);
          for (const entry of missed) {
            const key = keyOfMissed(entry);
            if (known.has(key) || sent.has(key)) continue;
            await deliver(entry.notice);
          }
          // A full page: the rest comes at the next catch-up, from the last one read.
          watermark = missed.length >= 200 ? missed[missed.length - 1]!.at : now;
          const forget = Date.now() - REMEMBER_MS;
          for (const [key, at] of sent) if (at < forget) sent.delete(key);
        }

        // Notices are presented one after the other, so events leave in the order they came.
        // null: notices may have been missed (the listener reconnected), so the stream catches up.
        let chain: Promise<void> = Promise.resolve();
        const unsubscribe = deps.conversationHub.subscribePerson(userId, (notice) => {
          chain = chain
            .then(() => (notice ? deliver(notice) : catchUp()))
            .catch((error) => reply.log.warn({ err: error }, 'notification failed'));
        });
        // The first event says the stream is listening, and from where it catches up: nothing
        // sent after it is missed.
        chain = chain
          .then(open)
          .catch((error) => reply.log.warn({ err: error }, 'notification catch-up failed'))
          .then(() => stream.send('ready', { user_id: encodeId('usr', userId) }));
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
        return reply;
      },
    );
  };
}
