// The state the page can change from outside (through `window.Parley`) while the UI is
// rendered by Preact: whether the panel is open and who the visitor says they are. Commands
// may run before the first render, so this lives outside the component tree.

import type { Identity } from './types.ts';

export type Outside = { open: boolean; identity: Identity | null };

export function createController(initial: Outside) {
  let state = initial;
  const listeners = new Set<(state: Outside) => void>();
  return {
    get: () => state,
    set(patch: Partial<Outside>) {
      state = { ...state, ...patch };
      for (const listener of listeners) listener(state);
    },
    subscribe(listener: (state: Outside) => void): () => void {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}

export type Controller = ReturnType<typeof createController>;
