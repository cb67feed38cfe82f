// `window.Parley(command, …)`. A page may call it before widget.js has loaded, through the
// documented stub that pushes each call's `arguments` onto `window.Parley.q`; once loaded,
// the widget replays that queue in order and replaces the stub with the real function.

import type { Identity } from './types.ts';

export type CommandHandlers = {
  open(): void;
  close(): void;
  identify(identity: Identity): void;
};

export type ParleyFunction = ((command: string, ...args: unknown[]) => void) & {
  q?: ArrayLike<unknown>[];
  loaded?: boolean;
};

type Host = { Parley?: ParleyFunction };

export function installCommands(host: Host, handlers: CommandHandlers, warn = defaultWarn): ParleyFunction {
  const queued = Array.from(host.Parley?.q ?? []);

  const run = (command: unknown, args: unknown[]) => {
    if (command === 'open') handlers.open();
    else if (command === 'close') handlers.close();
    else if (command === 'identify') {
      const identity = toIdentity(args[0]);
      if (identity) handlers.identify(identity);
      else warn("Parley('identify', …) needs {user_id, user_hash} as strings; the call was ignored.");
    } else warn(`Parley: unknown command ${JSON.stringify(String(command))}.`);
  };

  const parley: ParleyFunction = (command, ...args) => {
    // One bad call from the page must not break the next ones.
    try {
      run(command, args);
    } catch (err) {
      warn(`Parley('${String(command)}') failed: ${String(err)}`);
    }
  };
  parley.loaded = true;
  host.Parley = parley;
  for (const call of queued) {
    const [command, ...args] = Array.from(call);
    parley(command as string, ...args);
  }
  return parley;
}

/** Keeps only the documented fields, as strings; null when the required ones are missing. */
export function toIdentity(value: unknown): Identity | null {
  if (!value || typeof value !== 'object') return null;
  const v = value as Record<string, unknown>;
  const userId = typeof v.user_id === 'number' ? String(v.user_id) : v.user_id;
  if (typeof userId !== 'string' || !userId || typeof v.user_hash !== 'string' || !v.user_hash) return null;
  const identity: Identity = { user_id: userId, user_hash: v.user_hash };
  if (typeof v.email === 'string' && v.email) identity.email = v.email;
  if (typeof v.name === 'string' && v.name) identity.name = v.name;
  return identity;
}

function defaultWarn(message: string) {
  console.warn(message);
}
