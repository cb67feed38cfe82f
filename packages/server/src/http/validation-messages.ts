// Plain words for what a schema refused, in place of the validator's own ("must NOT have fewer
// than 1 characters", "must match pattern "^https?://""): the message a person reads in the
// console or in their client's log.

/** What a field of each pattern the API uses must look like. */
const PATTERNS: Record<string, string> = {
  '^https?://': 'must be an http:// or https:// URL',
  '^https?://(\\*\\.)?[A-Za-z0-9.-]+(:[0-9]{1,5})?$':
    'must be an origin: http:// or https://, a host and an optional port, with no path (https://www.example.com, or https://*.example.com for its subdomains)',
  '^#[0-9a-fA-F]{6}$': 'must be a colour written #RRGGBB',
  '^[a-z0-9]+(-[a-z0-9]+)*$':
    'may hold only lower-case letters and digits, in words joined by single hyphens',
  '^[A-Za-z0-9_-]+$': 'may hold only letters, digits, hyphens and underscores, with no spaces',
  '^[a-z0-9_]+$': 'may hold only lower-case letters, digits and underscores',
  '^[A-Za-z0-9_]{1,64}$': 'may hold only letters, digits and underscores, at most 64 of them',
  '^\\S+$': 'must not contain spaces',
  '^[0-9]+$': 'must hold digits only',
  '^[^\\n]+$': 'must be a single line',
};

/** "must …" for a failed pattern; a literal prefix ("^whsec_") is told as what it must start with. */
export function patternRule(pattern: string): string {
  const known = PATTERNS[pattern];
  if (known) return known;
  const prefix = /^\^([A-Za-z0-9_-]+)$/.exec(pattern);
  if (prefix) return `must start with '${prefix[1]}'`;
  return `is not in the form this field takes (${pattern})`;
}

const plural = (count: number, one: string, many: string) => `${count} ${count === 1 ? one : many}`;

/** "must …" for a failed length, size or range keyword; null for another keyword. */
export function limitRule(keyword: string, limit: unknown): string | null {
  const n = Number(limit);
  switch (keyword) {
    case 'minLength':
      return n <= 1 ? 'must not be empty' : `must be at least ${plural(n, 'character', 'characters')} long`;
    case 'maxLength':
      return `must be at most ${plural(n, 'character', 'characters')} long`;
    case 'minItems':
      return n <= 1 ? 'must hold at least one item' : `must hold at least ${n} items`;
    case 'maxItems':
      return `must hold at most ${plural(n, 'item', 'items')}`;
    case 'minimum':
      return `must be at least ${n}`;
    case 'maximum':
      return `must be at most ${n}`;
    case 'exclusiveMinimum':
      return `must be more than ${n}`;
    case 'exclusiveMaximum':
      return `must be less than ${n}`;
    case 'minProperties':
      return n <= 1 ? 'must not be empty' : `must hold at least ${n} fields`;
    case 'maxProperties':
      return `must hold at most ${plural(n, 'field', 'fields')}`;
    default:
      return null;
  }
}
