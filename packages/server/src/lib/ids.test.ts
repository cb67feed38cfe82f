import { describe, expect, it } from 'vitest';
import { AppError } from './errors.ts';
import { decodeId, encodeId, newUuid } from './ids.ts';

describe('ids', () => {
  it('encodes UUIDv7 as TypeIDs and back', () => {
    const uuid = newUuid();
    expect(uuid).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7/);
    const wire = encodeId('bot', uuid);
    expect(wire).toMatch(/^bot_[0-9a-z]{26}$/);
    expect(decodeId('bot', wire, 'id')).toBe(uuid);
  });

  it('keeps time order', () => {
    const ids = Array.from({ length: 50 }, () => encodeId('msg', newUuid()));
    expect([...ids].sort()).toEqual(ids);
  });

  it('answers a 400 naming the parameter for a malformed or foreign id', () => {
    const uuid = newUuid();
    for (const value of [encodeId('src', uuid), 'bot_', 'bot_123', 'nonsense', `bot_${'z'.repeat(26)}`]) {
      try {
        decodeId('bot', value, 'chatbot_id');
        expect.unreachable(value);
      } catch (error) {
        expect(error).toBeInstanceOf(AppError);
        expect((error as AppError).status).toBe(400);
        expect((error as AppError).param).toBe('chatbot_id');
      }
    }
  });
});
