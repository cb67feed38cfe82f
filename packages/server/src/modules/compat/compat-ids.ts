// Ids in each seed product's form, mapped to Parley's UUIDv7 keys and back without storage: a
// bare UUID is the key itself, and a prefixed id (agent_…, proj_…, sess_…) is a TypeID of it, so
// `agent_X` and Parley's `bot_X` share their suffix.
import { fromString, fromUUID, toUUID } from 'typeid-js';
import { AppError } from '../../lib/errors.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** A TypeID in text: a lower-case prefix and the 26-character base32 suffix. */
const TYPEID_IN_TEXT = /\b([a-z][a-z_]*?)_([0-7][0-9a-hjkmnp-tv-z]{25})\b/g;

export function prefixedId(prefix: string, uuid: string): string {
  return fromUUID(uuid, prefix).toString();
}

/**
 * The UUID of an id with this prefix. An id that cannot be one names nothing: when it names a
 * `resource` (a path or body id), it is answered as an unknown one is, 404, as the seed products
 * answer an id they do not have ("proj_abc123"); otherwise (a cursor) it is a 400 naming the
 * parameter.
 */
export function parsePrefixedId(prefix: string, value: string, param: string, resource?: string): string {
  const refuse = (message: string) =>
    resource ? AppError.notFound(resource, value) : AppError.invalid('invalid_id', message, param);
  if (!value.startsWith(`${prefix}_`)) throw refuse(`'${param}' must be an id starting with '${prefix}_'.`);
  try {
    return toUUID(fromString(value, prefix));
  } catch {
    throw refuse(`'${param}' is not a valid id.`);
  }
}

/** A bare UUID (lower case, as Parley stores it); anything else is an unknown `resource`, 404. */
export function parseBareUuid(value: string, resource: string): string {
  if (!UUID.test(value)) throw AppError.notFound(resource, value);
  return value.toLowerCase();
}

/**
 * Rewrites the Parley ids a service wrote into an error message (`No chatbot found with id
 * 'bot_…'`) into the seed's form, so a message never shows an id the caller did not send.
 */
export function rewriteIds(text: string, forms: Record<string, (uuid: string) => string>): string {
  return text.replace(TYPEID_IN_TEXT, (whole, prefix: string, suffix: string) => {
    const form = forms[prefix];
    if (!form) return whole;
    try {
      return form(toUUID(fromString(`${prefix}_${suffix}`, prefix)));
    } catch {
      return whole;
    }
  });
}
