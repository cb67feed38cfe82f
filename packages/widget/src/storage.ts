// What the widget remembers across page loads, one entry per chatbot in localStorage: the
// conversation (id and token) so a visitor finds it again on the next page, a visitor id,
// and whether the lead form was already filled in. Storage may be missing or throw (Safari
// private mode, sandboxed iframes, blocked cookies): the widget then simply forgets.

export type StorageLike = Pick<Storage, 'getItem' | 'setItem' | 'removeItem'>;

export type Saved = {
  conversation_id?: string;
  token?: string;
  /** The signed-in user the conversation was started for (their `user_id`); none when anonymous. */
  owner?: string;
  visitor_id?: string;
  lead_captured?: boolean;
};

export const storageKey = (chatbotId: string) => `parley:${chatbotId}`;

export function createStore(storage: StorageLike | null, chatbotId: string) {
  const key = storageKey(chatbotId);

  const read = (): Saved => {
    try {
      const raw = storage?.getItem(key);
      const value: unknown = raw ? JSON.parse(raw) : null;
      return value && typeof value === 'object' && !Array.isArray(value) ? sanitize(value) : {};
    } catch {
      return {};
    }
  };

  const write = (saved: Saved) => {
    try {
      storage?.setItem(key, JSON.stringify(saved));
    } catch {
      // quota or permissions: the conversation lasts for this page only
    }
  };

  return {
    read,
    /** The conversation to resume, only when both its id and its token are there. */
    conversation(): { id: string; token: string; owner: string | null } | null {
      const saved = read();
      return saved.conversation_id && saved.token
        ? { id: saved.conversation_id, token: saved.token, owner: saved.owner ?? null }
        : null;
    },
    saveConversation(id: string, token: string, owner: string | null = null) {
      const { owner: _previous, ...rest } = read();
      write({ ...rest, conversation_id: id, token, ...(owner ? { owner } : {}) });
    },
    forgetConversation() {
      const { conversation_id: _id, token: _token, owner: _owner, ...rest } = read();
      write(rest);
    },
    /** A stable anonymous id for this browser, made on first use. */
    visitorId(makeId: () => string): string {
      const saved = read();
      if (saved.visitor_id) return saved.visitor_id;
      const id = makeId();
      write({ ...saved, visitor_id: id });
      return id;
    },
    leadCaptured: () => read().lead_captured === true,
    markLeadCaptured() {
      write({ ...read(), lead_captured: true });
    },
  };
}

export type Store = ReturnType<typeof createStore>;

// Whatever is in storage was written by any script of the page: keep only strings we expect.
function sanitize(value: object): Saved {
  const v = value as Record<string, unknown>;
  const out: Saved = {};
  if (typeof v.conversation_id === 'string') out.conversation_id = v.conversation_id;
  if (typeof v.token === 'string') out.token = v.token;
  if (typeof v.owner === 'string') out.owner = v.owner;
  if (typeof v.visitor_id === 'string') out.visitor_id = v.visitor_id;
  if (v.lead_captured === true) out.lead_captured = true;
  return out;
}

/** `window.localStorage`, or null where merely touching it throws. */
export function browserStorage(): StorageLike | null {
  try {
    return window.localStorage;
  } catch {
    return null;
  }
}
