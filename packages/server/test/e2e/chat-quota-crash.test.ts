// kill -9 of the server in the middle of a chat turn, after the quota was checked and while the
// provider is being asked: after a restart the month's count holds only the messages that
// were stored. A message never stored is never counted.
import { describe, expect, it } from 'vitest';
import { startFakeOpenAI } from '../fakes/fake-providers.ts';
import { isolatedDatabase } from '../modules/webhooks/webhook-helpers.ts';
import { api, waitUntil } from './http-helpers.ts';
import { makeDataDir, startParley, stopParley, useProcessCleanup } from './process-helpers.ts';

useProcessCleanup();

describe('the monthly quota survives kill -9 mid-turn', () => {
  it('does not count a message the crash kept from being stored', async () => {
    const fake = await startFakeOpenAI();
    const database = await isolatedDatabase();
    try {
      const dataDir = makeDataDir();
      const env = { PARLEY_ALLOW_PRIVATE_NETWORK: 'true', ...database.env };
      const first = await startParley(dataDir, { env });
      const key = first.banner.keys.find((k) => k.environment === 'live')!.secret;
      const bot = await api(first.url, '/v1/chatbots', { key, method: 'POST', body: { name: 'Support' } });
      const integration = await api(first.url, `/v1/chatbots/${bot.body.id}/integrations`, {
        key,
        method: 'POST',
        body: { provider: 'openai_compatible', model: 'acme-chat', base_url: fake.baseUrl, api_key: 'sk-x' },
      });
      expect(integration.status).toBe(201);

      // With nothing to ground on, the first turn is the fallback: stored, counted, no provider call.
      const opening = await api(first.url, `/v1/chatbots/${bot.body.id}/chat`, {
        key,
        method: 'POST',
        body: { message: 'Hello there' },
      });
      expect(opening.status).toBe(200);
      const before = await api(first.url, '/v1/usage', { key });
      expect(before.body.messages.used).toBe(1);

      // A follow-up is first rewritten by the provider, before the visitor's message is stored.
      // The provider holds that call; the server dies while it waits.
      fake.setBehavior({ type: 'stall' });
      const followUp = api(first.url, `/v1/chatbots/${bot.body.id}/chat`, {
        key,
        method: 'POST',
        body: { message: 'And what about refunds?', conversation_id: opening.body.conversation_id },
      }).catch(() => null);
      await waitUntil('the provider to be asked', async () => fake.requests.length > 0, 60_000);
      await stopParley(first, 'SIGKILL');
      await followUp;

      const second = await startParley(dataDir, { env });
      const after = await api(second.url, '/v1/usage', { key });
      expect(after.status).toBe(200);
      expect(after.body.messages.used).toBe(1);
      const messages = await api(second.url, `/v1/conversations/${opening.body.conversation_id}/messages`, {
        key,
      });
      expect(messages.body.data.map((m: { role: string }) => m.role)).toEqual(['user', 'assistant']);
    } finally {
      await fake.close();
      await database.drop();
    }
  }, 240_000);
});
