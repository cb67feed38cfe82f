// Schema pieces every API module shares: timestamps, nullable values, an `{id}` path parameter
// and what a delete answers.
import { type TSchema, Type } from 'typebox';

/** ISO 8601 UTC with milliseconds, as every timestamp on the wire. */
export const Timestamp = Type.String({ format: 'date-time' });

/** The schema's value, or null. */
export const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);

/**
 * A text field that must hold more than spaces (refused as "must not be blank"): a character that
 * is neither white space nor an invisible zero-width one (U+200B–U+200D, U+2060).
 */
export const NOT_BLANK = '[^\\s\\u200B-\\u200D\\u2060]';

/** A resource's id in the path; malformed ids are refused by the id helper, naming `id`. */
export const IdParams = Type.Object({ id: Type.String() });

/** What a DELETE answers. */
export const DeletedResponse = Type.Object({ id: Type.String(), deleted: Type.Literal(true) });
