// A chatbot trained on a small help center, through the API, for the chat tests.
import { expect } from 'vitest';
import type { TestApp } from './test-app.ts';

export const HELP_CENTER = [
  {
    title: 'Refund policy',
    content: `# Refund policy

We refund any order within 30 days of purchase. Refunds go back to the original payment method and take 5 to 7 business days to appear.

## How to ask for a refund

Write to billing@example.com with your order number. Digital gift cards cannot be refunded.`,
  },
  {
    title: 'Reset your password',
    content: `# Reset your password

If you forgot your password, you can reset it from the sign-in page. Click "Forgot password?" below the sign-in form, enter the email address of your account and click Send reset link. The reset link expires after 60 minutes.`,
  },
  {
    title: 'Shipping',
    content: `# Shipping

Standard shipping within the European Union takes 3 to 5 business days and costs 4.90 EUR. Orders over 50 EUR ship for free. Express delivery arrives the next business day for 12 EUR.`,
  },
];

export const FAQ_PAIRS = [
  {
    question: 'Do you have a phone number?',
    answer: 'Yes: call +1 555 0100, Monday to Friday, 9:00 to 17:00 CET.',
  },
];

/** Polls until the source is trained (works in hooks too, where expect.poll may not be used). */
export async function waitReady(t: TestApp, key: string, sourceId: string): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const source = (await t.request({ url: `/v1/sources/${sourceId}`, key })).json();
    if (source.status === 'ready') return;
    if (source.status === 'failed') throw new Error(`source ${sourceId} failed: ${source.error}`);
    if (Date.now() > deadline) throw new Error(`source ${sourceId} is still ${source.status} after 30 s`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Creates a chatbot with the help center as text sources and the FAQ as Q&A; waits until trained. */
export async function createTrainedBot(
  t: TestApp,
  key: string,
  body: Record<string, unknown> = {},
): Promise<{ id: string; sourceIds: string[] }> {
  const bot = await t.request({
    method: 'POST',
    url: '/v1/chatbots',
    key,
    body: { name: 'Help center', ...body },
  });
  expect(bot.statusCode).toBe(201);
  const id = bot.json().id as string;
  const sourceIds: string[] = [];
  for (const page of HELP_CENTER) {
    const source = await t.request({
      method: 'POST',
      url: `/v1/chatbots/${id}/sources`,
      key,
      body: { type: 'text', title: page.title, content: page.content },
    });
    expect(source.statusCode).toBe(202);
    sourceIds.push(source.json().id);
  }
  const faq = await t.request({
    method: 'POST',
    url: `/v1/chatbots/${id}/sources`,
    key,
    body: { type: 'qa', title: 'FAQ', pairs: FAQ_PAIRS },
  });
  sourceIds.push(faq.json().id);
  for (const sourceId of sourceIds) await waitReady(t, key, sourceId);
  return { id, sourceIds };
}

/** Parses a text/event-stream body into its events, in order. */
export function parseEvents(body: string): { event: string; data: Record<string, unknown> }[] {
  return body
    .split('\n\n')
    .filter((block) => block.trim() !== '')
    .map((block) => {
      const event = /^event: (.*)$/m.exec(block)?.[1] ?? 'message';
      const data = /^data: (.*)$/m.exec(block)?.[1] ?? '{}';
      return { event, data: JSON.parse(data) };
    });
}
