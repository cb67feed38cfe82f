// Requests the lead tests share: a bot, a conversation, a capture, and what the outbox holds.
import { expect } from 'vitest';
import type { TestApp } from '../../helpers/test-app.ts';

export async function createBot(t: TestApp, key: string, name = 'Sales bot'): Promise<string> {
  const response = await t.request({ method: 'POST', url: '/v1/chatbots', key, body: { name } });
  expect(response.statusCode, response.body).toBe(201);
  return response.json().id as string;
}

/** Starts a conversation with the bot through the chat endpoint; returns its conv_… id. */
export async function startConversation(t: TestApp, key: string, botId: string): Promise<string> {
  const response = await t.request({
    method: 'POST',
    url: `/v1/chatbots/${botId}/chat`,
    key,
    body: { message: 'hello' },
  });
  expect(response.statusCode, response.body).toBe(200);
  return response.json().conversation_id as string;
}

export function capture(t: TestApp, key: string, botId: string, body: unknown) {
  return t.request({ method: 'POST', url: `/v1/chatbots/${botId}/leads`, key, body });
}

export async function listLeads(t: TestApp, key: string, query = '') {
  const response = await t.request({ url: `/v1/leads?page_size=100${query}`, key });
  expect(response.statusCode, response.body).toBe(200);
  return response.json().data as Record<string, unknown>[];
}

/** The lead.captured events of a lead, oldest first. */
export async function capturedEvents(t: TestApp, leadId: string) {
  const rows = await t.context.db.query<{ data: Record<string, unknown> }>(
    `SELECT data FROM events WHERE type = 'lead.captured' AND data->>'id' = $1 ORDER BY id`,
    [leadId],
  );
  return rows.map((row) => row.data);
}

/** The customer fields of a conversation, as the inbox API shows them. */
export async function customerOf(t: TestApp, key: string, conversationId: string) {
  const response = await t.request({ url: `/v1/conversations/${conversationId}`, key });
  expect(response.statusCode, response.body).toBe(200);
  const { customer_email, customer_name } = response.json();
  return { customer_email, customer_name } as { customer_email: string | null; customer_name: string | null };
}
