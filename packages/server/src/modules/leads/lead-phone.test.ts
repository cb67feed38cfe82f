import { describe, expect, it } from 'vitest';
import { findPhone, parsePhone } from './lead-phone.ts';

describe('parsePhone', () => {
  it.each([
    ['+49 151 12345678', undefined],
    ['+4915112345678', undefined],
    ['+49-151-1234-5678', undefined],
    ['+49 (0)151 12345678', undefined],
    ['0151 12345678', 'DE'],
    ['0151 12345678', 'de'],
    ['0049 151 12345678', 'DE'],
    ['+49 151 12345678', 'US'],
  ])('keys %j (country %s) as +4915112345678, keeping it as written', (value, country) => {
    expect(parsePhone(value, country)).toEqual({ display: value.trim(), key: '+4915112345678' });
  });

  it('accepts a number whose length is possible for its country', () => {
    expect(parsePhone(' +1 555 123 4567 ')).toEqual({ display: '+1 555 123 4567', key: '+15551234567' });
  });

  it.each([
    ['', undefined, 'blank'],
    ['   ', undefined, 'blank'],
    ['1'.repeat(51), undefined, 'too_long'],
    ['0151 12345678', undefined, 'no_country'],
    ['+49 151 12345678', 'XX', 'unknown_country'],
    ['+1 555 0199', undefined, 'not_a_number'],
    ['+49 1', undefined, 'not_a_number'],
    ['12', 'DE', 'not_a_number'],
    ['call me', 'DE', 'not_a_number'],
    ['+49 151 12345678 or later', undefined, 'not_a_number'],
  ])('refuses %j (country %s): %s', (value, country, problem) => {
    expect(parsePhone(value, country)).toBe(problem);
  });
});

describe('findPhone', () => {
  it.each([
    ['Call me at +49 151 12345678 please', '+49 151 12345678', '+4915112345678'],
    ['my number: +1 (650) 555-0123.', '+1 (650) 555-0123', '+16505550123'],
    ['ana@example.com or +34 600 123 456', '+34 600 123 456', '+34600123456'],
  ])('finds the number in %j', (text, display, key) => {
    expect(findPhone(text)).toEqual({ display, key });
  });

  it.each([
    'hello, I need help with my order',
    'order 12345678 is late',
    'call 0151 12345678',
    'it costs +20 euros',
    'on 2026-12-06 at 10:30',
  ])('finds nothing in %j', (text) => {
    expect(findPhone(text)).toBeNull();
  });
});
