// API schemas of the workspaces domain, and how rows are presented on the wire.
import { Type } from 'typebox';
import { NOT_BLANK, Nullable, Timestamp } from '../../http/schemas.ts';
import { encodeId } from '../../lib/ids.ts';
import { KEY_FORMATS } from './api-key-secrets.ts';
import type { Principal } from './api-key-service.ts';
import type { ApiKeyRow, WorkspaceRow } from './workspace-repository.ts';

const NullableTimestamp = Nullable(Timestamp);
const NullableLimit = Type.Union([Type.Integer(), Type.Null()], { description: 'null means unlimited' });

export const Environment = Type.Union([Type.Literal('live'), Type.Literal('test')]);

export const WorkspaceResponse = Type.Object({
  id: Type.String({ examples: ['ws_01jdz6qg0ef8s9cm8y0d7sv9k2'] }),
  name: Type.String(),
  plan: Type.String(),
  environment: Environment,
  rate_limit: Type.Object({ requests_per_minute: NullableLimit }),
  quota: Type.Object({ messages_per_month: NullableLimit }),
  created_at: Timestamp,
});

export const ApiKeyResponse = Type.Object({
  id: Type.String({ examples: ['key_01jdz6qg0ef8s9cm8y0d7sv9k2'] }),
  name: Type.String(),
  environment: Environment,
  prefix: Type.String({ description: 'The first characters of the key, to recognise it.' }),
  last_four: Type.String(),
  status: Type.Union([Type.Literal('active'), Type.Literal('revoked')]),
  created_at: Timestamp,
  last_used_at: NullableTimestamp,
  revoked_at: NullableTimestamp,
});

export const CreatedApiKeyResponse = Type.Object({
  ...ApiKeyResponse.properties,
  key: Type.String({ description: 'The secret key. Shown only in this response: store it now.' }),
});

export const CreateApiKeyBody = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 100, pattern: NOT_BLANK }),
    format: Type.Optional(
      Type.Enum(KEY_FORMATS, {
        default: 'parley',
        description:
          "The key's prefix: `parley` (prl_live_…/prl_test_…), or a seed product's for its compatibility API (docs/compat.md): `insitechat` (ic_…), `sitegist` (sk_live_…/sk_test_…), `chatsby` (chtb_live_…/chtb_test_…). Every format works on every API.",
      }),
    ),
  },
  { additionalProperties: false },
);

export function presentWorkspace(principal: Principal) {
  return {
    id: encodeId('ws', principal.workspace.id),
    name: principal.workspace.name,
    plan: principal.workspace.plan,
    environment: principal.environment,
    rate_limit: { requests_per_minute: principal.limits.requests_per_minute },
    quota: { messages_per_month: principal.limits.messages_per_month },
    created_at: principal.workspace.createdAt.toISOString(),
  };
}

export function presentWorkspaceRow(row: WorkspaceRow) {
  return {
    id: encodeId('ws', row.id),
    name: row.name,
    plan: row.plan,
    is_default: row.isDefault,
    created_at: row.createdAt.toISOString(),
  };
}

export function presentApiKey(row: ApiKeyRow) {
  return {
    id: encodeId('key', row.id),
    name: row.name,
    environment: row.environment,
    prefix: row.displayPrefix,
    last_four: row.lastFour,
    status: row.revokedAt ? ('revoked' as const) : ('active' as const),
    created_at: row.createdAt.toISOString(),
    last_used_at: row.lastUsedAt?.toISOString() ?? null,
    revoked_at: row.revokedAt?.toISOString() ?? null,
  };
}
