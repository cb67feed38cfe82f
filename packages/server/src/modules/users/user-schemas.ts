// API schemas of people and sessions, and how a row is presented on the wire.
import { Type } from 'typebox';
import { NOT_BLANK, Nullable, Timestamp } from '../../http/schemas.ts';
import { encodeId } from '../../lib/ids.ts';
import type { SessionRow, UserRow } from './user-repository.ts';
import { MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH } from './user-secrets.ts';
import type { OneTimeLink } from './user-service.ts';

const RoleSchema = Type.Union([Type.Literal('owner'), Type.Literal('admin'), Type.Literal('agent')], {
  description:
    'owner: people and the workspace, and everything else; admin: bots, knowledge, integrations, channels, webhooks and keys; agent: the inbox, and reading bots and knowledge.',
});
const AvailabilitySchema = Type.Union(
  [Type.Literal('online'), Type.Literal('away'), Type.Literal('offline')],
  {
    description: 'Automatic assignment gives conversations to people who are online.',
  },
);
const Email = Type.String({ format: 'email', maxLength: 320 });
const Password = Type.String({ minLength: MIN_PASSWORD_LENGTH, maxLength: MAX_PASSWORD_LENGTH });
const Name = Type.String({ minLength: 1, maxLength: 200, pattern: NOT_BLANK });

export const UserResponse = Type.Object({
  id: Type.String({ examples: ['usr_01jdz6qg0ef8s9cm8y0d7sv9k2'] }),
  email: Type.String(),
  name: Nullable(Type.String()),
  role: RoleSchema,
  status: Type.Union([Type.Literal('active'), Type.Literal('invited')], {
    description: 'invited until the person has set a password from the invitation link.',
  }),
  availability: AvailabilitySchema,
  capacity: Type.Integer({ description: 'The most open conversations automatic assignment gives them.' }),
  last_seen_at: Nullable(Timestamp),
  created_at: Timestamp,
  updated_at: Timestamp,
});

export function presentUser(row: UserRow) {
  return {
    id: encodeId('usr', row.id),
    email: row.email,
    name: row.name,
    role: row.role,
    status: row.passwordHash ? ('active' as const) : ('invited' as const),
    availability: row.availability,
    capacity: row.capacity,
    last_seen_at: row.lastSeenAt?.toISOString() ?? null,
    created_at: row.createdAt.toISOString(),
    updated_at: row.updatedAt.toISOString(),
  };
}

const LinkResponse = Type.Object({
  url: Type.String({ description: 'The one-time link to pass on; it works once.' }),
  token: Type.String({ description: 'The token in the link, for clients that build their own page.' }),
  expires_at: Timestamp,
  emailed: Type.Optional(
    Type.Boolean({
      description:
        'Whether the link also went to the person by email (PARLEY_SMTP_URL set, the mail accepted).',
    }),
  ),
});

export function presentLink(link: OneTimeLink, emailed?: boolean) {
  return {
    url: link.url,
    token: link.token,
    expires_at: link.expiresAt.toISOString(),
    ...(emailed === undefined ? {} : { emailed }),
  };
}

export const InviteUserBody = Type.Object(
  {
    email: Email,
    role: RoleSchema,
    name: Type.Optional(Name),
  },
  { additionalProperties: false },
);

export const InvitedUserResponse = Type.Object({
  ...UserResponse.properties,
  invitation: Nullable(LinkResponse),
});

export const UpdateUserBody = Type.Object(
  {
    name: Type.Optional(Nullable(Name)),
    role: Type.Optional(RoleSchema),
    capacity: Type.Optional(Type.Integer({ minimum: 0, maximum: 1000 })),
    availability: Type.Optional(AvailabilitySchema),
  },
  { additionalProperties: false, minProperties: 1 },
);

export const UpdateMeBody = Type.Object(
  {
    name: Type.Optional(Nullable(Name)),
    availability: Type.Optional(AvailabilitySchema),
    password: Type.Optional(Password),
    current_password: Type.Optional(Type.String({ maxLength: MAX_PASSWORD_LENGTH })),
  },
  { additionalProperties: false, minProperties: 1 },
);

export const PasswordResetResponse = LinkResponse;

export const SignInBody = Type.Object(
  {
    email: Email,
    password: Type.String({ minLength: 1, maxLength: MAX_PASSWORD_LENGTH }),
    workspace_id: Type.Optional(
      Type.String({ description: 'Needed only when the email signs in to several workspaces.' }),
    ),
    environment: Type.Optional(
      Type.Union([Type.Literal('live'), Type.Literal('test')], {
        description: 'The data the session works on: live (the default) or test.',
      }),
    ),
  },
  { additionalProperties: false },
);

export const RedeemBody = Type.Object(
  { token: Type.String({ minLength: 1, maxLength: 200 }), password: Password, name: Type.Optional(Name) },
  { additionalProperties: false },
);

export const FirstOwnerBody = Type.Object(
  {
    token: Type.String({ minLength: 1, maxLength: 1000 }),
    email: Email,
    password: Password,
    name: Type.Optional(Name),
  },
  { additionalProperties: false },
);

export const SessionResponse = Type.Object({
  id: Type.String({ examples: ['sess_01jdz6qg0ef8s9cm8y0d7sv9k2'] }),
  user: UserResponse,
  workspace: Type.Object({ id: Type.String(), name: Type.String() }),
  environment: Type.Union([Type.Literal('live'), Type.Literal('test')]),
  csrf_token: Type.String({
    description: 'Send it in the X-CSRF-Token header with every POST, PUT, PATCH and DELETE of the session.',
  }),
  expires_at: Timestamp,
});

export const UpdateSessionBody = Type.Object(
  { environment: Type.Union([Type.Literal('live'), Type.Literal('test')]) },
  { additionalProperties: false },
);

export function presentSession(
  session: Pick<SessionRow, 'id' | 'environment' | 'csrfToken' | 'expiresAt'>,
  user: UserRow,
  workspace: { id: string; name: string },
) {
  return {
    id: encodeId('sess', session.id),
    user: presentUser(user),
    workspace: { id: encodeId('ws', workspace.id), name: workspace.name },
    environment: session.environment,
    csrf_token: session.csrfToken,
    expires_at: session.expiresAt.toISOString(),
  };
}

export const SignedOutResponse = Type.Object({
  signed_out: Type.Integer({ description: 'How many sessions ended.' }),
});
