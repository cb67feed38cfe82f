import { describe, expect, it } from 'vitest';
import { nextFreeSlug, slugify } from './slug.ts';

describe('slugify', () => {
  it('makes URL-friendly slugs from names', () => {
    expect(slugify('Support Bot')).toBe('support-bot');
    expect(slugify('  Café Über—Bot!! ')).toBe('cafe-uber-bot');
    expect(slugify('Sales & Billing 2')).toBe('sales-billing-2');
    expect(slugify('日本語', 'chatbot')).toBe('chatbot');
    expect(slugify('a'.repeat(80))).toHaveLength(64);
  });

  it('picks the next free slug', () => {
    expect(nextFreeSlug('bot', [])).toBe('bot');
    expect(nextFreeSlug('bot', ['bot', 'bot-2'])).toBe('bot-3');
    expect(nextFreeSlug('x'.repeat(64), ['x'.repeat(64)])).toBe(`${'x'.repeat(62)}-2`);
  });
});
