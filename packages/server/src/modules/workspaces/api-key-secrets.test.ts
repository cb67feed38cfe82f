import { describe, expect, it } from 'vitest';
import { generateApiKey, hashApiKey, isApiKeyFormat, parseApiKey } from './api-key-secrets.ts';

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

  it('generates the seed products’ formats with the same 40 random characters, and recognises them', () => {
    const shapes: [Parameters<typeof generateApiKey>, RegExp, string][] = [
      [['live', 'insitechat'], /^ic_[0-9A-Za-z]{40}$/, 'ic_'],
      [['live', 'sitegist'], /^sk_live_[0-9A-Za-z]{40}$/, 'sk_live_'],
      [['test', 'sitegist'], /^sk_test_[0-9A-Za-z]{40}$/, 'sk_test_'],
      [['live', 'chatsby'], /^chtb_live_[0-9A-Za-z]{40}$/, 'chtb_live_'],
      [['test', 'chatsby'], /^chtb_test_[0-9A-Za-z]{40}$/, 'chtb_test_'],
    ];
    for (const [args, pattern, prefix] of shapes) {
      const key = generateApiKey(...args);
      expect(key.secret).toMatch(pattern);
      expect(key.displayPrefix).toBe(key.secret.slice(0, prefix.length + 4));
      expect(key.hash).toBe(hashApiKey(key.secret));
      expect(isApiKeyFormat(key.secret)).toBe(true);
    }
    expect(isApiKeyFormat(generateApiKey('live').secret)).toBe(true);
    expect(isApiKeyFormat(`ic_${'a'.repeat(39)}`)).toBe(false);
    expect(isApiKeyFormat(`sk_prod_${'a'.repeat(40)}`)).toBe(false);
    expect(isApiKeyFormat(`chtb_live_${'a'.repeat(39)}-`)).toBe(false);
  });
});
