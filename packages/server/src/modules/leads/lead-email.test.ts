import { describe, expect, it } from 'vitest';
import { findEmail, isEmail } from './lead-email.ts';

describe('findEmail', () => {
  it.each([
    ['ana@example.com', 'ana@example.com'],
    ['You can reach me at Ana.Lopez@Example.co.uk, thanks', 'Ana.Lopez@Example.co.uk'],
    ['my email is ana+support@mail.example.com.', 'ana+support@mail.example.com'],
    ['(ana_l@example.io)', 'ana_l@example.io'],
    ['<ana@example.com>', 'ana@example.com'],
    ['mailto:ana@example.com', 'ana@example.com'],
    ['"ana@example.com"?', 'ana@example.com'],
    ['first: one@example.com, then two@example.com', 'one@example.com'],
    ['email:bob-smith@sub-domain.example.org!', 'bob-smith@sub-domain.example.org'],
  ])('finds the address in %j', (text, email) => {
    expect(findEmail(text)).toBe(email);
  });

  it.each([
    '',
    'hello, I need help with my order',
    'an @ sign alone',
    'ana@',
    '@example.com',
    'ana@localhost',
    'ana@example',
    'ana@example.c0m',
    'ana@example.c',
    'ana..lopez@example.com',
    '.ana@example.com',
    'ana@-example.com',
    'ana@example-.com',
    'price: 20@3.50',
    `${'a'.repeat(65)}@example.com`,
  ])('finds nothing in %j', (text) => {
    expect(findEmail(text)).toBeNull();
  });

  it('skips an implausible address and finds a later one', () => {
    expect(findEmail(`${'x'.repeat(70)}@example.com or ana@example.com`)).toBe('ana@example.com');
  });

  it('returns only addresses the API accepts', () => {
    for (const text of ['Ana.Lopez@Example.co.uk', 'write to a_b+c%d@x-y.example.museum now']) {
      const found = findEmail(text);
      expect(found).not.toBeNull();
      expect(isEmail(found!)).toBe(true);
    }
  });
});

describe('isEmail', () => {
  it('accepts whole addresses and refuses the rest', () => {
    expect(isEmail('ana@example.com')).toBe(true);
    expect(isEmail("o'brien@example.ie")).toBe(true);
    expect(isEmail('ana@example.com extra')).toBe(false);
    expect(isEmail('ana')).toBe(false);
    expect(isEmail(`${'a'.repeat(320)}@example.com`)).toBe(false);
  });
});
