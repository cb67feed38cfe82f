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

/** The UUID of an id with this prefix, or a 400 naming the parameter. */
export function parsePrefixedId(prefix: string, value: string, param: string): string {
  if (!value.startsWith(`${prefix}_`)) {
    throw AppError.invalid('invalid_id', `'${param}' must be an id starting with '${prefix}_'.`, param);
  }
  try {
    return toUUID(fromString(value, prefix));
  } catch {
    throw AppError.invalid('invalid_id', `'${param}' is not a valid id.`, param);
  }
}

/** A bare UUID (lower case, as Parley stores it), or a 400 naming the parameter. */
export function parseBareUuid(value: string, param: string): string {
  if (!UUID.test(value)) throw AppError.invalid('invalid_id', `'${param}' must be a UUID.`, param);
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
