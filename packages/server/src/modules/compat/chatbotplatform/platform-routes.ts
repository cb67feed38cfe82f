// The chatbot platform's API (seed 004) at /compat/chatbotplatform: bots, integrations,
// channels, conversations and agent loops, on Parley's services.
import type { FastifyInstance } from 'fastify';
import type { Database } from '../../../db/client.ts';
import { registerIdempotency } from '../../../http/idempotency.ts';
import { refuseUnknownQueryParameters } from '../../../http/query-params.ts';
import type { SecretBox } from '../../../lib/secret-box.ts';
import type { AgentLoopService } from '../../agent-loops/agent-loop-service.ts';
import type { ChannelService } from '../../channels/channel-service.ts';
import type { ChatbotService } from '../../chatbots/chatbot-service.ts';
import type { ConversationService } from '../../conversations/conversation-service.ts';
import type { IntegrationService } from '../../integrations/integration-service.ts';
import { type CompatDeps, registerCompatScope } from '../compat-scope.ts';
import { platformBotRoutes } from './platform-bot-routes.ts';
import { platformConnectionRoutes } from './platform-connection-routes.ts';
import { platformConversationRoutes } from './platform-conversation-routes.ts';
import { platformLoopRoutes } from './platform-loop-routes.ts';
import { platformSeed } from './platform-scope.ts';

export { PLATFORM_BASE } from './platform-scope.ts';

export interface PlatformDeps extends CompatDeps {
  db: Database;
  secretBox: SecretBox;
  chatbots: ChatbotService;
  integrations: IntegrationService;
  channels: ChannelService;
  conversations: ConversationService;
  agentLoops: AgentLoopService;
}

export function platformRoutes(deps: PlatformDeps) {
  return async function register(instance: FastifyInstance): Promise<void> {
    registerCompatScope(instance, deps, platformSeed, 'chatbotplatform');
    // Seed 004 answers what it cannot take with 422: an unsupported filter is not ignored.
    refuseUnknownQueryParameters(instance);
    registerIdempotency(instance, deps.db, deps.secretBox);
    await instance.register(platformBotRoutes(deps));
    await instance.register(platformConnectionRoutes(deps));
    await instance.register(platformConversationRoutes(deps));

    await instance.register(platformLoopRoutes(deps));
  };
}
