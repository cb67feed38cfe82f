// Phone numbers of leads, parsed with libphonenumber-js and keyed in E.164 (+4915112345678), so
// two spellings of one number ("+49 151 1234 5678", "+4915112345678") are one key.
import {
  findPhoneNumbersInText,
  isSupportedCountry,
  parsePhoneNumberFromString,
} from 'libphonenumber-js/max';

export const MAX_PHONE_LENGTH = 50;

export interface Phone {
  /** The number as it was given, trimmed. */
  display: string;
  /** E.164: a plus, the country code and the national number, nothing else. */
  key: string;
}

/** Why a value is not a phone number a lead can have. */
export type PhoneProblem = 'blank' | 'too_long' | 'no_country' | 'unknown_country' | 'not_a_number';

/**
 * Parses a whole value as one phone number. A number without a leading `+` is read in the
 * `country` given (ISO 3166-1 alpha-2, e.g. `DE`, so `0151 12345678` is +49 151 12345678);
 * without one it has no country and is refused. A number is accepted when its length is possible
 * for its country: exact number ranges change faster than any metadata, and a lead form must not
 * refuse a real, newly issued number.
 */
export function parsePhone(value: string, country?: string): Phone | PhoneProblem {
  const display = value.trim();
  if (!display) return 'blank';
  if (display.length > MAX_PHONE_LENGTH) return 'too_long';
  const region = country?.trim().toUpperCase();
  if (region !== undefined && !isSupportedCountry(region)) return 'unknown_country';
  if (!display.startsWith('+') && region === undefined) return 'no_country';
  // extract: false: the whole value must be the number, not a number somewhere inside it.
  const parsed = parsePhoneNumberFromString(display, {
    ...(region ? { defaultCountry: region } : {}),
    extract: false,
  });
  if (!parsed?.isPossible()) return 'not_a_number';
  return { display, key: parsed.number };
}

/**
 * The first phone number written in international format (`+` and country code) in free text,
 * or null. Only valid numbers count (by the number ranges of their country), so that order
 * numbers, prices and dates are not taken for a phone.
 */
export function findPhone(text: string): Phone | null {
  const [found] = findPhoneNumbersInText(text);
  if (!found) return null;
  return { display: text.slice(found.startsAt, found.endsAt), key: found.number.number };
}
