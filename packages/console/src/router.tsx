// The console's pages, under /app. Code-based TanStack Router routes; the analytics page (with
// its charting library) is loaded on demand so the first load stays small.
import { QueryClient } from '@tanstack/react-query';
import { createRootRoute, createRoute, createRouter, redirect } from '@tanstack/react-router';
import { lazy, Suspense } from 'react';
import { ApiError } from './api/client.ts';
import { ApiKeysPage } from './pages/api-keys.tsx';
import { ChannelsPage } from './pages/channels.tsx';
import { ChatbotSettingsPage } from './pages/chatbot-settings.tsx';
import { ChatbotsPage } from './pages/chatbots.tsx';
import { InboxPage } from './pages/inbox.tsx';
import { InboxSettingsPage } from './pages/inbox-settings.tsx';
import { KnowledgePage } from './pages/knowledge.tsx';
import { LeadsPage } from './pages/leads.tsx';
import { PeoplePage } from './pages/people.tsx';
import { PlaygroundPage } from './pages/playground.tsx';
import { FirstOwnerPage, RedeemPage, SignInPage } from './pages/sign-in.tsx';
import { WebhooksPage } from './pages/webhooks.tsx';
import { meQuery } from './session.ts';
import { PUBLIC_PATHS, Shell } from './shell.tsx';

const AnalyticsPage = lazy(() => import('./pages/analytics.tsx'));

export const queryClient = new QueryClient({
  defaultOptions: {
    queries: {
      // A refusal (403, 404) does not get better by asking again.
      retry: (count, error) => !(error instanceof ApiError && error.status < 500) && count < 2,
    },
  },
});

const rootRoute = createRootRoute({
  component: Shell,
  // Pages that need a session send a signed-out visitor to the sign-in page first.
  beforeLoad: async ({ location }) => {
    const path = location.pathname.replace(/^\/app/, '') || '/';
    if (PUBLIC_PATHS.includes(path)) return;
    const me = await queryClient.ensureQueryData(meQuery);
    // A link (a notice email's /app/inbox?conversation=…) opens where it pointed once signed in.
    if (!me)
      throw redirect({ to: '/sign-in', search: path === '/' ? {} : { next: path + location.searchStr } });
  },
});

const indexRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: '/',
  beforeLoad: () => {
    throw redirect({ to: '/chatbots' });
  },
});
const signInRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: '/sign-in',
  component: SignInPage,
});
const acceptInviteRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: '/accept-invite',
  component: () => <RedeemPage purpose="invite" />,
});
const resetPasswordRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: '/reset-password',
  component: () => <RedeemPage purpose="reset" />,
});
const setupRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: '/setup',
  component: FirstOwnerPage,
});
const chatbotsRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: '/chatbots',
  component: ChatbotsPage,
});
const chatbotRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: '/chatbots/$botId',
  component: ChatbotSettingsPage,
});
const knowledgeRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: '/chatbots/$botId/knowledge',
  component: KnowledgePage,
});
const playgroundRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: '/chatbots/$botId/playground',
  component: PlaygroundPage,
});
const channelsRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: '/chatbots/$botId/channels',
  component: ChannelsPage,
});
const inboxRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: '/inbox',
  // `c` was the conversation's parameter before the notice emails linked with `conversation`.
  beforeLoad: ({ search }) => {
    const { c, ...rest } = search as { c?: unknown };
    if (typeof c === 'string')
      throw redirect({ to: '/inbox', search: { ...rest, conversation: c } as never, replace: true });
  },
  component: InboxPage,
});
const inboxSettingsRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: '/inbox/settings',
  component: InboxSettingsPage,
});
const leadsRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: '/leads',
  component: LeadsPage,
});
const webhooksRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: '/webhooks',
  component: WebhooksPage,
});
const apiKeysRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: '/api-keys',
  component: ApiKeysPage,
});
const analyticsRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: '/analytics',
  component: () => (
    <Suspense fallback={<p>Loading…</p>}>
      <AnalyticsPage />
    </Suspense>
  ),
});
const peopleRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: '/people',
  component: PeoplePage,
});

const routeTree = rootRoute.addChildren([
  indexRoute,
  signInRoute,
  acceptInviteRoute,
  resetPasswordRoute,
  setupRoute,
  chatbotsRoute,
  chatbotRoute,
  knowledgeRoute,
  playgroundRoute,
  channelsRoute,
  inboxRoute,
  inboxSettingsRoute,
  leadsRoute,
  webhooksRoute,
  apiKeysRoute,
  analyticsRoute,
  peopleRoute,
]);

export const router = createRouter({ routeTree, basepath: '/app' });

declare module '@tanstack/react-router' {
  interface Register {
    router: typeof router;
  }
}
