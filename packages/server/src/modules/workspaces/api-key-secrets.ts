// Pure helpers for API key secrets: generation, hashing, recognising the format.
import { hash, randomInt } from 'node:crypto';

export type Environment = 'live' | 'test';

const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const SECRET_LENGTH = 40;
const KEY_PATTERN = /^prl_(live|test)_[0-9A-Za-z]{40}$/;

export interface GeneratedKey {
  secret: string;
  hash: string;
  displayPrefix: string;
  lastFour: string;
}

export function generateApiKey(environment: Environment): GeneratedKey {
  let body = '';
  for (let i = 0; i < SECRET_LENGTH; i++) body += ALPHABET[randomInt(ALPHABET.length)];
  const secret = `prl_${environment}_${body}`;
  return {
    secret,
    hash: hashApiKey(secret),
    displayPrefix: secret.slice(0, `prl_${environment}_`.length + 4),
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
