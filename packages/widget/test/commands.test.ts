import { describe, expect, it } from 'vitest';
import { installCommands, type ParleyFunction } from '../src/commands.ts';
import type { Identity } from '../src/types.ts';

// The stub docs/widget.md tells pages to include, word for word, run against a fake window.
const STUB =
  'window.Parley = window.Parley || function () { (window.Parley.q = window.Parley.q || []).push(arguments); };';

function pageWithStub() {
  const win: { Parley?: ParleyFunction } = {};
  new Function('window', STUB)(win);
  return win;
}

function recorder() {
  const calls: string[] = [];
  const identities: Identity[] = [];
  const warnings: string[] = [];
  return {
    calls,
    identities,
    warnings,
    handlers: {
      open: () => calls.push('open'),
      close: () => calls.push('close'),
      identify: (identity: Identity) => {
        calls.push('identify');
        identities.push(identity);
      },
    },
    warn: (message: string) => warnings.push(message),
  };
}

describe('window.Parley command queue', () => {
  it('replays the calls made before the script loaded, in order, then runs new calls at once', () => {
    const win = pageWithStub();
    win.Parley!('identify', { user_id: '42', user_hash: 'abc', email: 'ana@example.com' });
    win.Parley!('open');
    win.Parley!('close');
    const r = recorder();
    installCommands(win, r.handlers, r.warn);
    expect(r.calls).toEqual(['identify', 'open', 'close']);
    expect(r.identities).toEqual([{ user_id: '42', user_hash: 'abc', email: 'ana@example.com' }]);
    win.Parley!('open');
    expect(r.calls).toEqual(['identify', 'open', 'close', 'open']);
    expect(win.Parley!.loaded).toBe(true);
  });

  it('installs on a page without the stub', () => {
    const win: { Parley?: ParleyFunction } = {};
    const r = recorder();
    installCommands(win, r.handlers, r.warn);
    win.Parley!('open');
    expect(r.calls).toEqual(['open']);
  });

  it('ignores, with a warning, unknown commands and identities without user_id and user_hash', () => {
    const win = pageWithStub();
    win.Parley!('explode');
    win.Parley!('identify', { user_id: '42' });
    win.Parley!('identify', 'not an object');
    win.Parley!('open');
    const r = recorder();
    installCommands(win, r.handlers, r.warn);
    expect(r.calls).toEqual(['open']);
    expect(r.warnings).toHaveLength(3);
  });

  it('keeps only the documented identity fields, as strings', () => {
    const win: { Parley?: ParleyFunction } = {};
    const r = recorder();
    installCommands(win, r.handlers, r.warn);
    win.Parley!('identify', { user_id: 42, user_hash: 'h', name: 'Ana', email: 5, admin: true });
    expect(r.identities).toEqual([{ user_id: '42', user_hash: 'h', name: 'Ana' }]);
  });

  it('survives a handler that throws', () => {
    const win: { Parley?: ParleyFunction } = {};
    const r = recorder();
    installCommands(
      win,
      {
        ...r.handlers,
        open: () => {
          throw new Error('boom');
        },
      },
      r.warn,
    );
    expect(() => win.Parley!('open')).not.toThrow();
    win.Parley!('close');
    expect(r.calls).toEqual(['close']);
    expect(r.warnings[0]).toContain('boom');
  });
});
