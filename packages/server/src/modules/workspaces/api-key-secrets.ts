// Pure helpers for API key secrets: generation, hashing, recognising the format.
import { hash, randomInt } from 'node:crypto';

export type Environment = 'live' | 'test';

const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const SECRET_LENGTH = 40;
const KEY_PATTERN = /^prl_(live|test)_[0-9A-Za-z]{40}$/;

/**
 * The prefixes a key can be created with: Parley's own, or a seed product's, so that a client
 * of that product which checks the prefix accepts the key (docs/compat.md). Every format has the
 * same 40 random characters after its prefix and is hashed the same way; the environment of a
 * key is stored with it, never read from the prefix.
 */
export const KEY_FORMATS = ['parley', 'insitechat', 'sitegist', 'chatsby'] as const;
export type KeyFormat = (typeof KEY_FORMATS)[number];

function prefixOf(format: KeyFormat, environment: Environment): string {
  switch (format) {
    case 'parley':
      return `prl_${environment}_`;
    case 'insitechat':
      return 'ic_'; // InsiteChat keys name no environment
    case 'sitegist':
      return `sk_${environment}_`;
    case 'chatsby':
      return `chtb_${environment}_`;
  }
}

const ANY_FORMAT_PATTERN =
  /^(?:prl_(?:live|test)_|ic_|sk_(?:live|test)_|chtb_(?:live|test)_)[0-9A-Za-z]{40}$/;

export interface GeneratedKey {
  secret: string;
  hash: string;
  displayPrefix: string;
  lastFour: string;
}

export function generateApiKey(environment: Environment, format: KeyFormat = 'parley'): GeneratedKey {
  let body = '';
  for (let i = 0; i < SECRET_LENGTH; i++) body += ALPHABET[randomInt(ALPHABET.length)];
  const prefix = prefixOf(format, environment);
  const secret = `${prefix}${body}`;
  return {
    secret,
    hash: hashApiKey(secret),
    displayPrefix: secret.slice(0, prefix.length + 4),
    lastFour: secret.slice(-4),
  };
}

/** SHA-256, hex. Runs on every request: the one-shot `hash` costs under half of createHash(). */
export function hashApiKey(secret: string): string {
  return hash('sha256', secret, 'hex');
}

/** The environment a well-formed key belongs to, or null when the string is not a Parley key. */
export function parseApiKey(secret: string): Environment | null {
  const match = KEY_PATTERN.exec(secret);
  return match ? (match[1] as Environment) : null;
}

/** True when the string has the shape of a key in one of KEY_FORMATS (it may still be unknown). */
export function isApiKeyFormat(secret: string): boolean {
  return ANY_FORMAT_PATTERN.test(secret);
}
