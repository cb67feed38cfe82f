import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../config.ts';
import {
  classifyStatus,
  DEFAULT_RETRY_DELAYS_SECONDS,
  nextAttemptAt,
  parseRetryAfter,
  parseRetryDelays,
} from './webhook-retry.ts';

const T0 = new Date('2026-03-01T12:00:00.000Z');
const after = (seconds: number) => new Date(T0.getTime() + seconds * 1000);

describe('classifyStatus', () => {
  it.each([200, 201, 202, 204, 299])('%i is a success', (status) => {
    expect(classifyStatus(status).kind).toBe('succeeded');
  });
  it.each([500, 502, 503, 504, 599, 408, 409, 425, 429])('%i is retried', (status) => {
    expect(classifyStatus(status)).toEqual({ kind: 'retry', reason: `HTTP ${status}` });
  });
  it.each([400, 401, 403, 404, 410, 413, 422, 301, 302, 307])('%i fails without retry', (status) => {
    expect(classifyStatus(status).kind).toBe('failed');
  });
  it('says a redirect is not followed', () => {
    expect(classifyStatus(302)).toMatchObject({
      reason: expect.stringContaining('redirects are not followed'),
    });
  });
});

describe('parseRetryAfter', () => {
  it('reads seconds and HTTP dates', () => {
    expect(parseRetryAfter('120', T0)).toBe(120);
    expect(parseRetryAfter(' 0 ', T0)).toBe(0);
    expect(parseRetryAfter(after(90).toUTCString(), T0)).toBe(90);
  });
  it('treats a past date as no wait, and caps a long wait at a day', () => {
    expect(parseRetryAfter(after(-60).toUTCString(), T0)).toBe(0);
    expect(parseRetryAfter('9999999', T0)).toBe(86_400);
  });
  it('ignores what it cannot read', () => {
    expect(parseRetryAfter(null, T0)).toBeNull();
    expect(parseRetryAfter('', T0)).toBeNull();
    expect(parseRetryAfter('soon', T0)).toBeNull();
    expect(parseRetryAfter('-5', T0)).toBeNull();
  });
});

describe('nextAttemptAt', () => {
  it('follows the default schedule: 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h, then gives up', () => {
    const expected = [5, 300, 1800, 7200, 18_000, 36_000, 36_000];
    expected.forEach((seconds, i) => {
      expect(nextAttemptAt(DEFAULT_RETRY_DELAYS_SECONDS, i + 1, T0, null)).toEqual(after(seconds));
    });
    expect(nextAttemptAt(DEFAULT_RETRY_DELAYS_SECONDS, 8, T0, null)).toBeNull();
  });
  it('waits at least as long as Retry-After asks, never less than the schedule', () => {
    expect(nextAttemptAt([5, 300], 1, T0, 60)).toEqual(after(60));
    expect(nextAttemptAt([5, 300], 2, T0, 60)).toEqual(after(300));
  });
});

describe('PARLEY_WEBHOOK_RETRY_DELAYS', () => {
  it('is read as comma-separated seconds', () => {
    expect(parseRetryDelays('1, 2,30')).toEqual([1, 2, 30]);
    expect(loadConfig({ PARLEY_WEBHOOK_RETRY_DELAYS: '1,2,3' }).webhookRetryDelaysSeconds).toEqual([1, 2, 3]);
    expect(loadConfig({}).webhookRetryDelaysSeconds).toEqual(DEFAULT_RETRY_DELAYS_SECONDS);
  });
  it('refuses anything else, naming the setting', () => {
    for (const bad of ['5s', '1,,2', '-1', '1.5', 'a,b']) {
      expect(() => loadConfig({ PARLEY_WEBHOOK_RETRY_DELAYS: bad })).toThrow(/PARLEY_WEBHOOK_RETRY_DELAYS/);
    }
  });
});
