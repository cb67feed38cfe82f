// The seed products' APIs, each under its own prefix with its own OpenAPI document. Every route
// is a thin adapter: it translates the seed's request, calls Parley's services, and presents
// the result in the seed's shape (docs/compat.md).
import type { FastifyInstance } from 'fastify';
import type { Database } from '../../db/client.ts';
import { documentOfPaths } from '../../http/openapi.ts';
import type { SecretBox } from '../../lib/secret-box.ts';
import type { AgentLoopService } from '../agent-loops/agent-loop-service.ts';
import type { ChannelService } from '../channels/channel-service.ts';
import type { ChatService } from '../chat/chat-service.ts';
import type { ChatbotService } from '../chatbots/chatbot-service.ts';
import type { ConversationService } from '../conversations/conversation-service.ts';
import type { IntegrationService } from '../integrations/integration-service.ts';
import type { SourceService } from '../sources/source-service.ts';
import type { WebhookService } from '../webhooks/webhook-service.ts';
import { PLATFORM_BASE, platformRoutes } from './chatbotplatform/platform-routes.ts';
import { CHATSBY_BASE, chatsbyRoutes } from './chatsby/chatsby-routes.ts';
import type { CompatDeps } from './compat-scope.ts';
import { INSITECHAT_BASE, insiteChatRoutes } from './insitechat/insitechat-routes.ts';
import { SITEGIST_BASE, siteGistRoutes } from './sitegist/sitegist-routes.ts';

export type CompatRouteDeps = CompatDeps & {
  db: Database;
  secretBox: SecretBox;
  chatbots: ChatbotService;
  channels: ChannelService;
  integrations: IntegrationService;
  chat: ChatService;
  conversations: ConversationService;
  sources: SourceService;
  webhooks: WebhookService;
  agentLoops: AgentLoopService;
};

interface SeedDocument {
  name: string;
  basePath: string;
  title: string;
  description: string;
}

const DOCUMENTS: SeedDocument[] = [
  {
    name: 'insitechat',
    basePath: INSITECHAT_BASE,
    title: 'InsiteChat-compatible API',
    description:
      'InsiteChat’s REST API served by Parley: point a client at this base URL and send any Parley key (or one created with `"format": "insitechat"`, which looks like `ic_…`). Differences: docs/compat.md.',
  },
  {
    name: 'sitegist',
    basePath: SITEGIST_BASE,
    title: 'SiteGist-compatible API',
    description:
      'SiteGist’s API v1 served by Parley: point a client at this base URL and send any Parley key (or one created with `"format": "sitegist"`, which looks like `sk_live_…`). Differences: docs/compat.md.',
  },
  {
    name: 'chatsby',
    basePath: CHATSBY_BASE,
    title: 'Chatsby-compatible API',
    description:
      'Chatsby’s API v1 served by Parley: point a client at this base URL (it ends before /v1) and send any Parley key (or one created with `"format": "chatsby"`: `chtb_live_…`, or `chtb_test_…` from a test key). Differences: docs/compat.md.',
  },
  {
    name: 'chatbotplatform',
    basePath: PLATFORM_BASE,
    title: 'Chatbot-platform-compatible API',
    description:
      'The chatbot platform’s API (bots, integrations, channels, conversations, agent loops) served by Parley with any Parley key. Differences: docs/compat.md.',
  },
];

/** GET /compat/<seed>/openapi.json: the generated document, with only that seed's paths. */
function documentRoute(app: FastifyInstance, seed: SeedDocument): void {
  app.get(`/compat/${seed.name}/openapi.json`, { schema: { hide: true } }, async () => {
    const document = documentOfPaths(app, (path) => path.startsWith(`${seed.basePath}/`));
    return {
      ...document,
      info: { ...(document as { info?: object }).info, title: seed.title, description: seed.description },
    };
  });
}

export function compatRoutes(deps: CompatRouteDeps) {
  return async function register(app: FastifyInstance): Promise<void> {
    for (const seed of DOCUMENTS) documentRoute(app, seed);
    await app.register(insiteChatRoutes(deps), { prefix: INSITECHAT_BASE });
    await app.register(siteGistRoutes(deps), { prefix: SITEGIST_BASE });
    await app.register(chatsbyRoutes(deps), { prefix: CHATSBY_BASE });
    await app.register(platformRoutes(deps), { prefix: PLATFORM_BASE });
  };
}
