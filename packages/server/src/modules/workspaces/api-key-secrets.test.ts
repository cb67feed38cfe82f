import { describe, expect, it } from 'vitest';
import { generateApiKey, hashApiKey, parseApiKey } from './api-key-secrets.ts';

describe('API key secrets', () => {
  it('generates keys in the documented format with a display prefix', () => {
    const key = generateApiKey('live');
    expect(key.secret).toMatch(/^prl_live_[0-9A-Za-z]{40}$/);
    expect(key.displayPrefix).toBe(key.secret.slice(0, 13));
    expect(key.lastFour).toBe(key.secret.slice(-4));
    expect(key.hash).toBe(hashApiKey(key.secret));
    expect(key.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(key.hash).not.toContain(key.secret.slice(9));
  });

  it('never generates the same key twice', () => {
    const secrets = new Set(Array.from({ length: 200 }, () => generateApiKey('test').secret));
    expect(secrets.size).toBe(200);
  });

  it('recognises the environment of a well-formed key and rejects anything else', () => {
    expect(parseApiKey(generateApiKey('test').secret)).toBe('test');
    expect(parseApiKey(generateApiKey('live').secret)).toBe('live');
    expect(parseApiKey('prl_prod_0123456789012345678901234567890123456789')).toBeNull();
    expect(parseApiKey('prl_live_short')).toBeNull();
    expect(parseApiKey('sk-0123456789')).toBeNull();
  });
});
