// The frame around every page: who is signed in, to which workspace, in which environment
// (live or test, switchable, the test one marked in colour), and the pages the person's role
// may open. Pages that need no session (sign-in, invitation and reset links) render bare.
import { useMutation } from '@tanstack/react-query';
import { Link, Outlet, useNavigate, useRouterState } from '@tanstack/react-router';
import { useEffect } from 'react';
import { api, ok } from './api/client.ts';
import { NotificationsMenu, Toasts, useNotificationStream, useUnreadCount } from './notifications.tsx';
import { AvailabilitySwitch } from './presence.tsx';
import { useAdoptSession, useMay, useMe } from './session.ts';
import { ErrorNote } from './ui.tsx';

export const PUBLIC_PATHS = ['/sign-in', '/accept-invite', '/reset-password', '/setup'];

const NAV: { to: string; label: string; operation: string }[] = [
  { to: '/chatbots', label: 'Chatbots', operation: 'GET /v1/chatbots' },
  { to: '/inbox', label: 'Inbox', operation: 'GET /v1/conversations' },
  { to: '/leads', label: 'Leads', operation: 'GET /v1/leads' },
  { to: '/analytics', label: 'Analytics', operation: 'GET /v1/usage' },
  { to: '/webhooks', label: 'Webhooks', operation: 'GET /v1/webhooks' },
  { to: '/api-keys', label: 'API keys', operation: 'GET /v1/api-keys' },
  { to: '/people', label: 'People', operation: 'GET /v1/users' },
];

export function Shell() {
  const pathname =
    useRouterState({ select: (state) => state.location.pathname }).replace(/^\/app/, '') || '/';
  const searchStr = useRouterState({ select: (state) => state.location.searchStr });
  const me = useMe();
  if (PUBLIC_PATHS.includes(pathname)) {
    return (
      <main className="bare">
        <Outlet />
      </main>
    );
  }
  if (me.isPending) return <p className="loading">Loading…</p>;
  if (me.error) return <ErrorNote error={me.error} />;
  // The session ended while a page was open (signed out elsewhere, expired): sign in, then back here.
  if (!me.data) return <Redirect to="/sign-in" next={pathname === '/' ? undefined : pathname + searchStr} />;
  return <SignedIn />;
}

/** Goes to another page once, after rendering (a redirect during render would loop). */
export function Redirect({ to, next }: { to: '/sign-in' | '/chatbots'; next?: string }) {
  const navigate = useNavigate();
  useEffect(() => {
    void navigate({ to, replace: true, ...(next ? { search: { next } } : {}) });
  }, [navigate, to, next]);
  return null;
}

function SignedIn() {
  const me = useMe().data!;
  const may = useMay();
  // A page opened by its address shows nothing but why when the person's role may not use it.
  const pathname =
    useRouterState({ select: (state) => state.location.pathname }).replace(/^\/app/, '') || '/';
  const forbidden = NAV.find(
    (item) => (pathname === item.to || pathname.startsWith(`${item.to}/`)) && !may(item.operation),
  );
  const adopt = useAdoptSession();
  const switchEnvironment = useMutation({
    mutationFn: (environment: 'live' | 'test') =>
      ok(api.PATCH('/v1/sessions/current', { body: { environment } })),
    onSuccess: adopt,
  });
  const signOut = useMutation({
    mutationFn: () => ok(api.DELETE('/v1/sessions/current')),
    onSuccess: () => window.location.assign('/app/sign-in'),
  });
  const test = me.environment === 'test';
  const onScreen = useRouterState({
    select: (state) =>
      state.location.pathname.replace(/^\/app/, '') === '/inbox'
        ? ((state.location.search as { conversation?: string }).conversation ?? null)
        : null,
  });
  useNotificationStream(onScreen);
  const unread = useUnreadCount();
  return (
    <div className={test ? 'frame test-env' : 'frame'}>
      <header className="topbar">
        <span className="brand">Parley</span>
        <span className="workspace" title="Workspace" data-testid="workspace-name">
          {me.workspace.name}
        </span>
        <fieldset className="env-switch" aria-label="Environment">
          {(['live', 'test'] as const).map((environment) => (
            <label key={environment} className={me.environment === environment ? 'active' : ''}>
              <input
                type="radio"
                name="environment"
                value={environment}
                checked={me.environment === environment}
                disabled={switchEnvironment.isPending}
                onChange={() => switchEnvironment.mutate(environment)}
              />
              {environment === 'live' ? 'Live' : 'Test'}
            </label>
          ))}
        </fieldset>
        <AvailabilitySwitch />
        <NotificationsMenu />
        <span className="who">
          {me.user.name ?? me.user.email} · <span data-testid="role">{me.user.role}</span>
        </span>
        <button type="button" className="link" onClick={() => signOut.mutate()}>
          Sign out
        </button>
      </header>
      {test && (
        <p className="env-banner" role="status">
          Test environment: test data and test keys, kept apart from live.
        </p>
      )}
      <nav className="sidenav" aria-label="Pages">
        {NAV.filter((item) => may(item.operation)).map((item) => (
          <Link key={item.to} to={item.to} activeProps={{ className: 'active' }}>
            {item.label}
            {item.to === '/inbox' && unread > 0 && (
              <span className="unread" data-testid="inbox-unread">
                {unread}
                <span className="sr-only"> unread</span>
              </span>
            )}
          </Link>
        ))}
      </nav>
      <main className="content">
        <ErrorNote error={switchEnvironment.error} />
        {forbidden ? (
          <p className="error" role="alert" data-testid="page-forbidden">
            {forbidden.label} needs another role than {me.user.role}: ask an owner or an admin.
          </p>
        ) : (
          <Outlet />
        )}
      </main>
      <Toasts />
    </div>
  );
}
