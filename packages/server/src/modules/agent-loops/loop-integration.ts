// Which model a loop runs on: an integration of its own (any of the workspace's, in the same
// environment, whatever its status: the status only says which one a chatbot answers with), or
// else its chatbot's enabled integration.
import type { Scope } from '../../db/tenant-scope.ts';
import { AppError } from '../../lib/errors.ts';
import { encodeId } from '../../lib/ids.ts';
import type { IntegrationService } from '../integrations/integration-service.ts';
import { LLM_PROVIDERS, type ProviderConnection } from '../providers/provider-types.ts';
import type { LoopRow } from './agent-loop-schemas.ts';

export type LoopIntegrations = Pick<IntegrationService, 'connectionFor' | 'findWithConnection'>;

/** The runner gives tools to a provider's model; the offline answerer has none to give them to. */
const callsTools = (provider: string) => (LLM_PROVIDERS as readonly string[]).includes(provider);

/** Refuses an integration a loop cannot run on: unknown in the scope (404), or without tools (422). */
export async function checkLoopIntegration(
  integrations: LoopIntegrations,
  scope: Scope,
  integrationId: string,
): Promise<void> {
  const found = await integrations.findWithConnection(scope, integrationId);
  const id = encodeId('int', integrationId);
  if (!found) {
    throw new AppError('not_found_error', 'resource_not_found', `No integration found with id '${id}'.`, {
      param: 'integration_id',
    });
  }
  if (!callsTools(found.row.provider)) {
    throw new AppError(
      'invalid_request_error',
      'integration_cannot_call_tools',
      `The integration '${id}' (${found.row.provider}) has no model that calls tools; a loop needs one.`,
      { param: 'integration_id', status: 422 },
    );
  }
}

/**
 * The connection a run uses, or null when there is none that calls tools. An own integration
 * gone with its deleted chatbot (not yet purged) counts as deleted: the chatbot's is used, as
 * it will be once the purge sets the loop's integration_id to null.
 */
export async function loopConnection(
  integrations: LoopIntegrations,
  scope: Scope,
  loop: Pick<LoopRow, 'chatbotId' | 'integrationId'>,
): Promise<ProviderConnection | null> {
  if (loop.integrationId) {
    const own = await integrations.findWithConnection(scope, loop.integrationId);
    if (own && callsTools(own.row.provider)) return own.connection;
  }
  return integrations.connectionFor(scope, loop.chatbotId);
}
