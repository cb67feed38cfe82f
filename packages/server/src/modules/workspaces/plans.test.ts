import { describe, expect, it } from 'vitest';
import { DEFAULT_PLANS, parsePlans } from './plans.ts';

describe('parsePlans', () => {
  it('keeps the defaults when nothing is configured', () => {
    expect(parsePlans(null)).toEqual(DEFAULT_PLANS);
    expect(DEFAULT_PLANS.free).toEqual({ requests_per_minute: 60, messages_per_month: 100 });
  });

  it('merges PARLEY_PLANS over the defaults field by field, null meaning unlimited', () => {
    const plans = parsePlans(
      '{"free": {"messages_per_month": 50}, "enterprise": {"requests_per_minute": null}, "team": {"requests_per_minute": 120}}',
    );
    expect(plans.free).toEqual({ requests_per_minute: 60, messages_per_month: 50 });
    expect(plans.enterprise).toEqual({ requests_per_minute: null, messages_per_month: null });
    expect(plans.team).toEqual({ requests_per_minute: 120, messages_per_month: null });
    expect(plans.pro).toEqual(DEFAULT_PLANS.pro);
  });

  it('rejects malformed settings with a message naming the problem', () => {
    expect(() => parsePlans('{')).toThrow('not valid JSON');
    expect(() => parsePlans('[]')).toThrow('JSON object');
    expect(() => parsePlans('{"free": {"requests_per_minute": -1}}')).toThrow('free.requests_per_minute');
    expect(() => parsePlans('{"free": {"requests_per_hour": 1}}')).toThrow(
      'free.requests_per_hour is not a known limit',
    );
    expect(() => parsePlans('{"Free Plan": {}}')).toThrow('invalid plan name');
  });
});
