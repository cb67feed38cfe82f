// The provider a chatbot answers with, as every seed's chatbot object shows it: that of its
// enabled integration, or `extractive` (offline) when it has none. One query for many bots.
import type { Scope } from '../../db/tenant-scope.ts';
import type { ChatbotRow } from '../chatbots/chatbot-schemas.ts';
import type { IntegrationService } from '../integrations/integration-service.ts';
import type { ProviderName } from '../providers/provider-types.ts';

export async function presentWithProviders<T>(
  integrations: Pick<IntegrationService, 'providersOf'>,
  scope: Scope,
  rows: ChatbotRow[],
  present: (row: ChatbotRow, provider: ProviderName) => T,
): Promise<T[]> {
  const providers = await integrations.providersOf(
    scope,
    rows.map((row) => row.id),
  );
  return rows.map((row) => present(row, providers.get(row.id) ?? 'extractive'));
}
