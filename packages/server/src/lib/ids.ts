// One helper for every id: UUIDv7 in the database, TypeID strings on the wire.
import { fromString, fromUUID, toUUID } from 'typeid-js';
import { v7 as uuidv7 } from 'uuid';
import { AppError } from './errors.ts';

export const ID_PREFIXES = {
  workspace: 'ws',
  apiKey: 'key',
  chatbot: 'bot',
  integration: 'int',
  source: 'src',
  document: 'doc',
  chunk: 'chunk',
  conversation: 'conv',
  message: 'msg',
  lead: 'lead',
  webhook: 'wh',
  event: 'evt',
  webhookDelivery: 'whd',
  channel: 'ch',
  channelDelivery: 'chd',
  agentLoop: 'loop',
  execution: 'exec',
  request: 'req',
  user: 'usr',
  session: 'sess',
  label: 'lbl',
  note: 'note',
  cannedReply: 'cr',
} as const;

export type IdPrefix = (typeof ID_PREFIXES)[keyof typeof ID_PREFIXES];

/** A new time-ordered UUIDv7 for a primary key. */
export function newUuid(): string {
  return uuidv7();
}

export function encodeId(prefix: IdPrefix, uuid: string): string {
  return fromUUID(uuid, prefix).toString();
}

/**
 * Decodes a wire id into its UUID. A malformed id, or one with another type's prefix,
 * is a 400 naming the parameter, so callers never mistake it for an unknown resource.
 */
export function decodeId(prefix: IdPrefix, value: string, param: string): string {
  const separator = value.lastIndexOf('_');
  const actualPrefix = separator > 0 ? value.slice(0, separator) : '';
  if (actualPrefix !== prefix) {
    throw AppError.invalid(
      'invalid_id',
      `'${param}' must be an id starting with '${prefix}_', got '${truncate(value)}'.`,
      param,
    );
  }
  try {
    return toUUID(fromString(value, prefix));
  } catch {
    throw AppError.invalid('invalid_id', `'${param}' is not a valid id: '${truncate(value)}'.`, param);
  }
}

function truncate(value: string): string {
  return value.length > 64 ? `${value.slice(0, 64)}…` : value;
}

/** Parley's TypeID of any prefix: a prefix of lower-case letters, and the 26-character suffix. */
const TYPE_ID = /^[a-z]+(?:_[a-z]+)*_[0-7][0-9a-hjkmnp-tv-z]{25}$/;

/**
 * A JSON value with every string that is one of Parley's ids replaced by its bare UUID, for a
 * client that knows ids as UUIDs (webhooks with `id_format: uuid`).
 */
export function typeIdsAsUuids(value: unknown): unknown {
  if (typeof value === 'string') {
    if (!TYPE_ID.test(value)) return value;
    const prefix = value.slice(0, value.length - 27);
    if (!(Object.values(ID_PREFIXES) as string[]).includes(prefix)) return value;
    return toUUID(fromString(value, prefix));
  }
  if (Array.isArray(value)) return value.map(typeIdsAsUuids);
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, typeIdsAsUuids(item)]));
  }
  return value;
}
