/** @jsxImportSource preact */
// The widget's root inside the shadow root: the stylesheet, the launcher bubble, the panel.

import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import type { Api } from './api.ts';
import type { Controller } from './controller.ts';
import { ChatIcon, CloseIcon } from './icons.tsx';
import { Panel } from './Panel.tsx';
import type { Store } from './storage.ts';
import { CSS_TEXT, themeVars } from './styles.ts';
import { useChat } from './use-chat.ts';

type Props = {
  api: Api;
  store: Store;
  controller: Controller;
  /** The stylesheet goes in a <style> element: the browser cannot adopt a constructed one. */
  inlineStyles: boolean;
};

export function App({ api, store, controller, inlineStyles }: Props) {
  const [outside, setOutside] = useState(controller.get());
  useEffect(() => controller.subscribe(setOutside), [controller]);
  const { open, identity } = outside;

  const chat = useChat(api, store, identity);
  const { config, thread } = chat;
  const launcherRef = useRef<HTMLButtonElement>(null);
  const style = useMemo(() => themeVars(config?.colors), [config]);

  // A reply that arrives while the panel is closed (a person answering later) shows a dot.
  // Only messages newer than this page count: resuming the history is not news.
  const [unread, setUnread] = useState(false);
  const loadedAt = useRef(Date.now());
  useEffect(() => {
    if (open) return setUnread(false);
    const last = thread[thread.length - 1];
    if (last && last.role !== 'user' && Date.parse(last.created_at ?? '') > loadedAt.current) setUnread(true);
  }, [open, thread]);

  // Closed from inside (Escape, a close button): focus returns to the launcher once it is
  // shown again. Closed by the page through Parley('close'): the page keeps its focus.
  const refocus = useRef(false);
  const close = () => {
    refocus.current = true;
    controller.set({ open: false });
  };
  useEffect(() => {
    if (open || !refocus.current) return;
    refocus.current = false;
    launcherRef.current?.focus();
  }, [open]);

  // Escape closes the panel from anywhere inside the widget (listened to without JSX: the
  // root is a plain container, not a control).
  const rootRef = useRef<HTMLDivElement>(null);
  const closeRef = useRef(close);
  closeRef.current = close;
  useEffect(() => {
    const root = rootRef.current;
    if (!root || !open) return;
    const onKey = (e: KeyboardEvent) => {
      if (e.key !== 'Escape') return;
      e.stopPropagation();
      closeRef.current();
    };
    root.addEventListener('keydown', onKey);
    return () => root.removeEventListener('keydown', onKey);
  }, [open]);

  const title = config?.title || 'Chat';
  const left = config?.position === 'bottom-left';
  return (
    <div class={`root${left ? ' left' : ''}${open ? ' open' : ''}`} style={style} ref={rootRef}>
      {inlineStyles ? <style>{CSS_TEXT}</style> : null}
      {open ? <Panel chat={chat} title={title} onClose={close} /> : null}
      <button
        type="button"
        class="launcher"
        ref={launcherRef}
        data-testid="parley-launcher"
        aria-label={open ? `Close ${title}` : `Open ${title}${unread ? ' (new message)' : ''}`}
        aria-expanded={open}
        onClick={() => (open ? close() : controller.set({ open: true }))}
      >
        {open ? <CloseIcon /> : <ChatIcon />}
        {unread && !open ? <span class="badge" data-testid="parley-unread" aria-hidden="true" /> : null}
      </button>
    </div>
  );
}
