import { describe, expect, it } from 'vitest';
import { createSecretBox, generateSecret } from './secret-box.ts';

describe('secret box', () => {
  it('round-trips a secret and never stores it in clear', () => {
    const box = createSecretBox(generateSecret());
    const sealed = box.encrypt('sk-live-provider-key');
    expect(sealed).toMatch(/^v1:/);
    expect(sealed).not.toContain('sk-live');
    expect(box.decrypt(sealed)).toBe('sk-live-provider-key');
    expect(box.encrypt('same')).not.toBe(box.encrypt('same'));
  });

  it('refuses a tampered value or another key', () => {
    const box = createSecretBox('0123456789abcdef-one');
    const sealed = box.encrypt('token');
    const raw = Buffer.from(sealed.slice(3), 'base64url');
    raw[raw.length - 1]! ^= 1;
    expect(() => box.decrypt(`v1:${raw.toString('base64url')}`)).toThrow();
    expect(() => createSecretBox('0123456789abcdef-two').decrypt(sealed)).toThrow();
    expect(() => createSecretBox('short')).toThrow('at least 16');
  });
});
