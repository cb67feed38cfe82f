// The signed-in person's notifications: their own server-sent event stream (GET /v1/me/events,
// with the session cookie) says when a conversation is assigned to them, a note mentions them or
// a visitor writes in a conversation they have. Each shows as a toast and in the list under the
// bell, linking to the conversation; the Inbox navigation item counts the unread ones. What
// concerns the conversation on screen is read already (it is in front of the person), except a
// mention: notes are not on the conversation's stream, so the toast says it and the notes reload.
// The stream ends with `event: error` (code session_expired) when the session ends: sign-in.
import { type QueryClient, useQueryClient } from '@tanstack/react-query';
import { Link, useNavigate } from '@tanstack/react-router';
import { useEffect, useRef, useState, useSyncExternalStore } from 'react';
import { api, ok } from './api/client.ts';
import type { Conversation, Message } from './api/types.ts';
import { ME, meQuery, useAdoptSession, useMe } from './session.ts';

interface NotificationEvent {
  type: 'conversation.assigned' | 'note.mentioned' | 'message.received';
  environment: 'live' | 'test';
  conversation: Conversation;
  message?: Message;
  note_id?: string;
}

export interface Notice {
  key: string;
  type: NotificationEvent['type'];
  environment: 'live' | 'test';
  conversationId: string;
  title: string;
  text: string;
  at: number;
  read: boolean;
  toast: boolean;
}

const KEEP = 50;
const TOAST_MS = 8000;

// One list for the whole console, outside React so the header, the navigation and the inbox
// read the same notices.
let notices: Notice[] = [];
const listeners = new Set<() => void>();
function set(next: Notice[]): void {
  notices = next;
  for (const listener of listeners) listener();
}
function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}
export function useNotices(): Notice[] {
  return useSyncExternalStore(subscribe, () => notices);
}
export function useUnreadCount(): number {
  return useNotices().filter((notice) => !notice.read).length;
}
/** The person has the conversation in front of them: its notices are read. */
export function markConversationRead(conversationId: string): void {
  if (notices.some((n) => n.conversationId === conversationId && (!n.read || n.toast)))
    set(notices.map((n) => (n.conversationId === conversationId ? { ...n, read: true, toast: false } : n)));
}
function dismissToast(key: string): void {
  set(notices.map((n) => (n.key === key ? { ...n, toast: false } : n)));
}

function describe(event: NotificationEvent): { title: string; text: string } {
  const c = event.conversation;
  const visitor = c.customer_name ?? c.customer_email ?? 'a visitor';
  if (event.type === 'conversation.assigned')
    return { title: 'Assigned to you', text: `The conversation with ${visitor}` };
  if (event.type === 'note.mentioned')
    return { title: 'You were mentioned', text: `In a note on the conversation with ${visitor}` };
  const content = event.message?.content ?? '';
  return {
    title: `New message from ${visitor}`,
    text: content.length > 120 ? `${content.slice(0, 117)}…` : content,
  };
}

function receive(event: NotificationEvent, openConversation: string | null, client: QueryClient): void {
  const onScreen = event.conversation.id === openConversation;
  const notice: Notice = {
    key: `${event.type}:${event.note_id ?? event.message?.id ?? event.conversation.id}:${Date.now()}`,
    type: event.type,
    environment: event.environment,
    conversationId: event.conversation.id,
    ...describe(event),
    at: Date.now(),
    read: onScreen,
    toast: !onScreen || event.type === 'note.mentioned',
  };
  set([notice, ...notices].slice(0, KEEP));
  void client.invalidateQueries({ queryKey: ['conversations'] });
  void client.invalidateQueries({ queryKey: ['inbox-counts'] });
  if (event.type === 'note.mentioned')
    void client.invalidateQueries({ queryKey: ['notes', event.conversation.id] });
}

/** Where the person goes when their session has ended: the sign-in page, then back here. */
function toSignIn(): void {
  const here = window.location.pathname.replace(/^\/app/, '') + window.location.search;
  window.location.assign(`/app/sign-in${here.length > 1 ? `?next=${encodeURIComponent(here)}` : ''}`);
}

/** Listens to the person's stream while they are signed in; `openConversation` is the one on screen. */
export function useNotificationStream(openConversation: string | null): void {
  const client = useQueryClient();
  const open = useRef(openConversation);
  open.current = openConversation;
  useEffect(() => {
    if (openConversation) markConversationRead(openConversation);
  }, [openConversation]);
  useEffect(() => {
    const stream = new EventSource('/v1/me/events');
    stream.addEventListener('notification', (event) =>
      receive(JSON.parse((event as MessageEvent).data) as NotificationEvent, open.current, client),
    );
    stream.addEventListener('error', (event) => {
      // `event: error` from the server carries the reason; a plain error is the connection.
      const data = (event as MessageEvent).data;
      const code = typeof data === 'string' ? JSON.parse(data)?.error?.code : undefined;
      if (code === 'session_expired') {
        stream.close();
        client.setQueryData(ME, null);
        toSignIn();
        return;
      }
      // The browser gave up reconnecting (the server refused): is the session still there?
      if (stream.readyState === EventSource.CLOSED) {
        void client.fetchQuery({ ...meQuery, staleTime: 0 }).then((me) => {
          if (!me) toSignIn();
        });
      }
    });
    return () => stream.close();
  }, [client]);
}

/** Opens a notice's conversation, in its environment (switching to it when it is the other one). */
function useOpenNotice() {
  const navigate = useNavigate();
  const me = useMe().data;
  const adopt = useAdoptSession();
  return async (notice: Notice) => {
    markConversationRead(notice.conversationId);
    if (me && notice.environment !== me.environment)
      adopt(await ok(api.PATCH('/v1/sessions/current', { body: { environment: notice.environment } })));
    void navigate({ to: '/inbox', search: { conversation: notice.conversationId } as never });
  };
}

function NoticeLink({ notice, onOpen }: { notice: Notice; onOpen?: () => void }) {
  const openNotice = useOpenNotice();
  const me = useMe().data;
  return (
    <Link
      to="/inbox"
      search={{ conversation: notice.conversationId } as never}
      className="notice-link"
      data-testid="notice"
      onClick={(event) => {
        event.preventDefault();
        onOpen?.();
        void openNotice(notice);
      }}
    >
      <strong>{notice.title}</strong>
      {me && notice.environment !== me.environment && <span className="tag">{notice.environment}</span>}
      <span className="small">{notice.text}</span>
    </Link>
  );
}

/** Toasts for new notices, bottom right, each gone after a few seconds or once opened. */
export function Toasts() {
  const toasts = useNotices().filter((notice) => notice.toast);
  useEffect(() => {
    if (toasts.length === 0) return;
    const oldest = toasts[toasts.length - 1]!;
    const timer = setTimeout(() => dismissToast(oldest.key), Math.max(0, oldest.at + TOAST_MS - Date.now()));
    return () => clearTimeout(timer);
  }, [toasts]);
  return (
    <section className="toasts" aria-label="New notifications" aria-live="polite">
      {toasts.slice(0, 3).map((notice) => (
        <div key={notice.key} className="toast" data-testid="toast">
          <NoticeLink notice={notice} />
          <button
            type="button"
            className="link"
            aria-label={`Dismiss: ${notice.title}`}
            onClick={() => dismissToast(notice.key)}
          >
            ×
          </button>
        </div>
      ))}
    </section>
  );
}

/** The bell in the header: the unread count, and the latest notices when opened. */
export function NotificationsMenu() {
  const all = useNotices();
  const unread = all.filter((notice) => !notice.read).length;
  const [open, setOpen] = useState(false);
  return (
    <div className="notifications">
      <button
        type="button"
        className="link"
        aria-expanded={open}
        aria-controls="notification-list"
        onClick={() => setOpen(!open)}
      >
        Notifications{unread > 0 ? ` (${unread})` : ''}
      </button>
      {open && (
        <div id="notification-list" className="notification-list card">
          {all.length === 0 ? (
            <p className="small muted">
              Nothing yet: assignments, mentions and visitors' messages show here.
            </p>
          ) : (
            <ul>
              {all.map((notice) => (
                <li key={notice.key} className={notice.read ? 'read' : 'unread'}>
                  <NoticeLink notice={notice} onOpen={() => setOpen(false)} />
                  <span className="small muted">{new Date(notice.at).toLocaleTimeString()}</span>
                </li>
              ))}
            </ul>
          )}
          {unread > 0 && (
            <button
              type="button"
              className="secondary"
              onClick={() => set(notices.map((n) => ({ ...n, read: true, toast: false })))}
            >
              Mark all read
            </button>
          )}
        </div>
      )}
    </div>
  );
}
