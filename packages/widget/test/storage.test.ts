import { describe, expect, it } from 'vitest';
import { createStore, type StorageLike, storageKey } from '../src/storage.ts';

function memoryStorage(): StorageLike & { data: Map<string, string> } {
  const data = new Map<string, string>();
  return {
    data,
    getItem: (k) => data.get(k) ?? null,
    setItem: (k, v) => void data.set(k, v),
    removeItem: (k) => void data.delete(k),
  };
}

describe('conversation storage', () => {
  it('keeps the conversation per chatbot across stores (page loads)', () => {
    const storage = memoryStorage();
    createStore(storage, 'bot_a').saveConversation('conv_1', 'tok_1');
    expect(createStore(storage, 'bot_a').conversation()).toEqual({
      id: 'conv_1',
      token: 'tok_1',
      owner: null,
    });
    expect(createStore(storage, 'bot_b').conversation()).toBeNull();
    expect(JSON.parse(storage.data.get(storageKey('bot_a'))!)).toEqual({
      conversation_id: 'conv_1',
      token: 'tok_1',
    });
  });

  it('replaces the token with the newest one and forgets the conversation but not the rest', () => {
    const storage = memoryStorage();
    const store = createStore(storage, 'bot_a');
    const visitor = store.visitorId(() => 'v_1');
    store.markLeadCaptured();
    store.saveConversation('conv_1', 'tok_1');
    store.saveConversation('conv_1', 'tok_2');
    expect(store.conversation()).toEqual({ id: 'conv_1', token: 'tok_2', owner: null });
    store.forgetConversation();
    expect(store.conversation()).toBeNull();
    expect(store.leadCaptured()).toBe(true);
    expect(store.visitorId(() => 'v_2')).toBe(visitor);
  });

  it('remembers which signed-in user a conversation was started for, and forgets it with it', () => {
    const store = createStore(memoryStorage(), 'bot_a');
    store.saveConversation('conv_1', 'tok_1', 'alice-1');
    expect(store.conversation()).toEqual({ id: 'conv_1', token: 'tok_1', owner: 'alice-1' });
    store.forgetConversation();
    store.saveConversation('conv_2', 'tok_2');
    expect(store.conversation()).toEqual({ id: 'conv_2', token: 'tok_2', owner: null });
  });

  it('treats garbage written by the page as nothing saved', () => {
    const storage = memoryStorage();
    for (const raw of ['not json', '[1,2]', '"x"', '{"conversation_id":5,"token":{}}', 'null']) {
      storage.data.set(storageKey('bot_a'), raw);
      expect(createStore(storage, 'bot_a').conversation()).toBeNull();
    }
    storage.data.set(storageKey('bot_a'), '{"conversation_id":"conv_1"}');
    expect(createStore(storage, 'bot_a').conversation()).toBeNull(); // no token, nothing to resume
  });

  it('works, forgetting, when storage is missing or throws', () => {
    const throwing: StorageLike = {
      getItem: () => {
        throw new Error('SecurityError');
      },
      setItem: () => {
        throw new Error('QuotaExceededError');
      },
      removeItem: () => {},
    };
    for (const storage of [throwing, null]) {
      const store = createStore(storage, 'bot_a');
      expect(() => store.saveConversation('conv_1', 'tok')).not.toThrow();
      expect(store.conversation()).toBeNull();
      expect(store.visitorId(() => 'v_1')).toBe('v_1');
      expect(store.leadCaptured()).toBe(false);
    }
  });
});
