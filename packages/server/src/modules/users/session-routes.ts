// Signing in and out: POST /v1/sessions (no key: it is how a person gets a session), the
// invitation and password-reset links, and the signed-in person's own session routes.
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Database } from '../../db/client.ts';
import { allow } from '../../http/access.ts';
import { principalOf, SESSION_COOKIE } from '../../http/auth.ts';
import type { RateLimiter } from '../../http/rate-limit.ts';
import { AppError } from '../../lib/errors.ts';
import type { SecretBox } from '../../lib/secret-box.ts';
import type { Principal } from '../workspaces/api-key-service.ts';
import { createOwnerSetup } from './owner-setup.ts';
import { SESSION_TTL_MS, type SessionService, type SignedIn } from './session-service.ts';
import {
  FirstOwnerBody,
  presentSession,
  RedeemBody,
  SessionResponse,
  SignedOutResponse,
  SignInBody,
  UpdateSessionBody,
} from './user-schemas.ts';
import type { UserService } from './user-service.ts';

/** Sign-in attempts per client address and minute: enough for people, too few to guess passwords. */
const SIGN_IN_ATTEMPTS_PER_MINUTE = 10;

export interface SessionRouteDeps {
  sessions: SessionService;
  users: UserService;
  rateLimiter: RateLimiter;
  /** The first owner's link is sealed by the secret box (owner-setup.ts). */
  db: Database;
  secretBox: SecretBox;
}

function setSessionCookie(request: FastifyRequest, reply: FastifyReply, secret: string): void {
  reply.setCookie(SESSION_COOKIE, secret, {
    path: '/',
    httpOnly: true,
    sameSite: 'lax',
    secure: request.protocol === 'https',
    maxAge: Math.floor(SESSION_TTL_MS / 1000),
  });
}

function clearSessionCookie(request: FastifyRequest, reply: FastifyReply): void {
  reply.clearCookie(SESSION_COOKIE, {
    path: '/',
    httpOnly: true,
    sameSite: 'lax',
    secure: request.protocol === 'https',
  });
}

/** The person behind a session; API keys have none. */
export function personOf(request: FastifyRequest): NonNullable<Principal['person']> {
  const person = principalOf(request).person;
  if (!person) {
    throw new AppError(
      'permission_error',
      'session_required',
      'This operation is about a signed-in person: call it with a session, not an API key.',
    );
  }
  return person;
}

/** Routes that need no key or session: they are how a person gets a session. */
export function sessionPublicRoutes(deps: SessionRouteDeps) {
  return async function register(instance: FastifyInstance): Promise<void> {
    const app = instance.withTypeProvider<TypeBoxTypeProvider>();
    const tags = ['People'];

    // Counted per client address, before any password is checked.
    app.addHook('onRequest', async (request) => {
      const decision = await deps.rateLimiter.consume(`sign-in:${request.ip}`, SIGN_IN_ATTEMPTS_PER_MINUTE);
      if (!decision.allowed) {
        throw new AppError(
          'rate_limit_error',
          'rate_limit_exceeded',
          `Too many sign-in attempts from this address. Retry after ${decision.retryAfterSeconds} s.`,
          { headers: { 'Retry-After': String(decision.retryAfterSeconds) } },
        );
      }
    });

    async function answer(request: FastifyRequest, reply: FastifyReply, signedIn: SignedIn) {
      setSessionCookie(request, reply, signedIn.secret);
      const workspace = { id: signedIn.user.workspaceId, name: signedIn.workspaceName };
      return reply.code(201).send(presentSession(signedIn.session, signedIn.user, workspace));
    }

    app.post(
      '/v1/sessions',
      {
        schema: {
          operationId: 'signIn',
          tags,
          security: [],
          description:
            'Signs a person in with email and password. Sets the HTTP-only session cookie and answers the CSRF token to send with every unsafe request of the session.',
          body: SignInBody,
          response: { 201: SessionResponse },
        },
      },
      async (request, reply) => answer(request, reply, await deps.sessions.signIn(request.body)),
    );

    const ownerSetup = createOwnerSetup(deps);
    app.post(
      '/v1/first-owner',
      {
        schema: {
          operationId: 'createFirstOwner',
          tags,
          security: [],
          description:
            'Makes the opener of the first owner’s link (printed by `parley serve` while the workspace has nobody) the workspace’s owner with this email, name and password, and signs them in. The link works only while the workspace has no people.',
          body: FirstOwnerBody,
          response: { 201: SessionResponse },
        },
      },
      async (request, reply) => {
        const { token, ...input } = request.body;
        const user = await ownerSetup.redeem(token, input);
        return answer(request, reply, await deps.sessions.start(user));
      },
    );

    for (const [path, purpose, operationId, description] of [
      [
        '/v1/invitations/accept',
        'invite',
        'acceptInvitation',
        'Sets the password of an invited person from the invitation link’s token, and signs them in.',
      ],
      [
        '/v1/password-resets/confirm',
        'password_reset',
        'confirmPasswordReset',
        'Sets a new password from a reset link’s token, ends every other session of the person, and signs them in.',
      ],
    ] as const) {
      app.post(
        path,
        {
          schema: {
            operationId,
            tags,
            security: [],
            description: `${description} A link works once and expires.`,
            body: RedeemBody,
            response: { 201: SessionResponse },
          },
        },
        async (request, reply) => {
          const { token, ...input } = request.body;
          const user = await deps.users.redeem(purpose, token, input);
          return answer(request, reply, await deps.sessions.start(user));
        },
      );
    }
  };
}

/** The signed-in person's session: look at it, switch environment, sign out here or everywhere. */
export function sessionRoutes(deps: SessionRouteDeps) {
  return async function register(instance: FastifyInstance): Promise<void> {
    const app = instance.withTypeProvider<TypeBoxTypeProvider>();
    const tags = ['People'];

    app.patch(
      '/v1/sessions/current',
      {
        schema: {
          operationId: 'updateSession',
          tags,
          description: 'Switches the session between the live and the test environment.',
          body: UpdateSessionBody,
          response: { 200: SessionResponse },
          ...allow('agent'),
        },
      },
      async (request) => {
        const person = personOf(request);
        await deps.sessions.switchEnvironment(person.sessionId, request.body.environment);
        return deps.sessions.describe(person.sessionId);
      },
    );

    app.delete(
      '/v1/sessions/current',
      {
        schema: {
          operationId: 'signOut',
          tags,
          description: 'Ends this session and clears its cookie.',
          response: { 200: SignedOutResponse },
          ...allow('agent'),
        },
      },
      async (request, reply) => {
        await deps.sessions.signOut(personOf(request).sessionId);
        clearSessionCookie(request, reply);
        return { signed_out: 1 };
      },
    );

    app.delete(
      '/v1/sessions',
      {
        schema: {
          operationId: 'signOutEverywhere',
          tags,
          description: 'Ends every session of the signed-in person, on every device, this one included.',
          response: { 200: SignedOutResponse },
          ...allow('agent'),
        },
      },
      async (request, reply) => {
        const count = await deps.sessions.signOutEverywhere(personOf(request).userId);
        clearSessionCookie(request, reply);
        return { signed_out: count };
      },
    );
  };
}
