// /v1/me and /v1/users: the signed-in person, and the people of the workspace (owners manage
// them; everyone may list them, to assign and mention).
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { allow } from '../../http/access.ts';
import { principalOf } from '../../http/auth.ts';
import { PageQuery, pageSchema, parsePage, toPage } from '../../http/pagination.ts';
import { DeletedResponse, IdParams } from '../../http/schemas.ts';
import { decodeId } from '../../lib/ids.ts';
import { personOf } from './session-routes.ts';
import type { SessionService } from './session-service.ts';
import type { PeopleMailer } from './user-mail.ts';
import {
  InvitedUserResponse,
  InviteUserBody,
  PasswordResetResponse,
  presentLink,
  presentUser,
  SessionResponse,
  SignedOutResponse,
  UpdateMeBody,
  UpdateUserBody,
  UserResponse,
} from './user-schemas.ts';
import type { UserService } from './user-service.ts';

export interface UserRouteDeps {
  users: UserService;
  sessions: SessionService;
  /** Where one-time links point; the request's own origin when unset. */
  publicUrl: string | null;
  /** Mails the links too, when SMTP is set up. */
  mailer: PeopleMailer;
}

export function userRoutes(deps: UserRouteDeps) {
  return async function register(instance: FastifyInstance): Promise<void> {
    const app = instance.withTypeProvider<TypeBoxTypeProvider>();
    const tags = ['People'];
    const workspaceOf = (request: FastifyRequest) => principalOf(request).workspaceId;
    const baseUrlOf = (request: FastifyRequest) => deps.publicUrl ?? `${request.protocol}://${request.host}`;
    const idOf = (wire: string) => decodeId('usr', wire, 'id');

    app.get(
      '/v1/me',
      {
        schema: {
          operationId: 'getMe',
          tags,
          description: 'The signed-in person, their workspace, the session’s environment and its CSRF token.',
          response: { 200: SessionResponse },
          ...allow('agent'),
        },
      },
      async (request) => deps.sessions.describe(personOf(request).sessionId),
    );

    app.patch(
      '/v1/me',
      {
        schema: {
          operationId: 'updateMe',
          tags,
          description:
            'Changes the signed-in person’s name, availability (online people get conversations assigned) or password (with current_password).',
          body: UpdateMeBody,
          response: { 200: SessionResponse },
          ...allow('agent'),
        },
      },
      async (request) => {
        const person = personOf(request);
        await deps.users.updateSelf(await deps.users.get(workspaceOf(request), person.userId), request.body);
        return deps.sessions.describe(person.sessionId);
      },
    );

    app.get(
      '/v1/users',
      {
        schema: {
          operationId: 'listUsers',
          tags,
          description: 'The people of the workspace, oldest first.',
          querystring: PageQuery,
          response: { 200: pageSchema(UserResponse) },
          ...allow('agent'),
        },
      },
      async (request) => {
        const page = parsePage(request.query);
        const rows = await deps.users.list(workspaceOf(request), {
          limit: page.pageSize + 1,
          afterId: page.afterId,
        });
        return toPage(rows, page, presentUser);
      },
    );

    app.post(
      '/v1/users',
      {
        schema: {
          operationId: 'inviteUser',
          tags,
          description:
            'Invites a person: the answer holds their one-time invitation link (valid 7 days) to pass on; they set a password with it. With PARLEY_SMTP_URL set it is mailed to them too (`emailed`).',
          body: InviteUserBody,
          response: { 201: InvitedUserResponse },
          ...allow('owner'),
        },
      },
      async (request, reply) => {
        const { user, invitation } = await deps.users.create(
          workspaceOf(request),
          request.body,
          baseUrlOf(request),
        );
        const emailed = invitation
          ? await deps.mailer.sendInvitation(user.email, principalOf(request).workspace.name, invitation)
          : false;
        return reply
          .code(201)
          .send({ ...presentUser(user), invitation: invitation ? presentLink(invitation, emailed) : null });
      },
    );

    app.get(
      '/v1/users/:id',
      {
        schema: {
          operationId: 'getUser',
          tags,
          params: IdParams,
          response: { 200: UserResponse },
          ...allow('agent'),
        },
      },
      async (request) => presentUser(await deps.users.get(workspaceOf(request), idOf(request.params.id))),
    );

    app.patch(
      '/v1/users/:id',
      {
        schema: {
          operationId: 'updateUser',
          tags,
          description:
            'Changes a person’s name, role, capacity or availability. A workspace keeps one owner.',
          params: IdParams,
          body: UpdateUserBody,
          response: { 200: UserResponse },
          ...allow('owner'),
        },
      },
      async (request) =>
        presentUser(await deps.users.update(workspaceOf(request), idOf(request.params.id), request.body)),
    );

    app.delete(
      '/v1/users/:id',
      {
        schema: {
          operationId: 'deleteUser',
          tags,
          description:
            'Removes a person: their sessions end and their conversations return to the queue. A workspace keeps one owner.',
          params: IdParams,
          response: { 200: DeletedResponse },
          ...allow('owner'),
        },
      },
      async (request) => {
        await deps.users.remove(workspaceOf(request), idOf(request.params.id));
        return { id: request.params.id, deleted: true as const };
      },
    );

    app.post(
      '/v1/users/:id/password-reset',
      {
        schema: {
          operationId: 'createPasswordReset',
          tags,
          description:
            'A one-time password-reset link for the person (valid 1 hour) to pass on (mailed to them too with PARLEY_SMTP_URL set: `emailed`); earlier links stop working.',
          params: IdParams,
          response: { 201: PasswordResetResponse },
          ...allow('owner'),
        },
      },
      async (request, reply) => {
        const user = await deps.users.get(workspaceOf(request), idOf(request.params.id));
        const link = await deps.users.passwordResetLink(workspaceOf(request), user.id, baseUrlOf(request));
        return reply.code(201).send(presentLink(link, await deps.mailer.sendPasswordReset(user.email, link)));
      },
    );

    app.delete(
      '/v1/users/:id/sessions',
      {
        schema: {
          operationId: 'signOutUser',
          tags,
          description: 'Ends every session of the person, on every device.',
          params: IdParams,
          response: { 200: SignedOutResponse },
          ...allow('owner'),
        },
      },
      async (request) => {
        const user = await deps.users.get(workspaceOf(request), idOf(request.params.id));
        return { signed_out: await deps.sessions.signOutEverywhere(user.id) };
      },
    );
  };
}
