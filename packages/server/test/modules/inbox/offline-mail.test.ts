// A person who is not online hears by email (PARLEY_SMTP_URL, a local SMTP server here) what
// their live stream would have told them: a conversation assigned to them, a note mentioning
// them, a visitor's new message in their conversation. The notice is kept with the change and
// mailed by the job queue, which tries again when the mail server refuses. Online people get
// no mail. Each test waits on the app's job workers: 120 s each on a busy machine.
import { sql } from 'drizzle-orm';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { decodeId } from '../../../src/lib/ids.ts';
import { startFakeSmtp } from '../../fakes/fake-smtp.ts';
import { buildWorkspace, type TestWorkspace } from '../../helpers/factories.ts';
import { personClient } from '../../helpers/people.ts';
import { startTestApp } from '../../helpers/test-app.ts';

const smtp = await startFakeSmtp({ parley: 'mail-secret' });
const t = await startTestApp(
  {
    PARLEY_SMTP_URL: `smtp://parley:mail-secret@127.0.0.1:${smtp.port}`,
    PARLEY_MAIL_FROM: 'Acme support <support@acme.example>',
    PARLEY_PUBLIC_URL: 'https://support.acme.example',
  },
  { workers: true },
);
afterAll(async () => {
  await t.close();
  await smtp.close();
});
const people = personClient(t);

function mailTo(address: string) {
  return smtp.messages.filter((mail) => JSON.stringify(mail.to ?? '').includes(address));
}

/** The mails to the address once there are `count` of them (the queue sends within seconds). */
async function mailsTo(address: string, count: number) {
  await vi.waitFor(() => expect(mailTo(address).length).toBeGreaterThanOrEqual(count), {
    timeout: 60_000,
    interval: 100,
  });
  return mailTo(address);
}

async function visitorSays(ws: TestWorkspace, bot: string, message: string, conversation?: string) {
  const response = await t.request({
    method: 'POST',
    url: `/v1/chatbots/${bot}/chat`,
    key: ws.liveKey,
    body: {
      message,
      visitor: { name: 'Dana Scully', email: 'dana@example.com' },
      ...(conversation ? { conversation_id: conversation } : {}),
    },
  });
  expect([200, 202], response.body).toContain(response.statusCode);
  return response.json().conversation_id as string;
}

async function setup() {
  const ws = await buildWorkspace(t.context);
  const owner = await people.signedIn(ws.id, 'owner');
  const bot = await t.request({
    method: 'POST',
    url: '/v1/chatbots',
    key: ws.liveKey,
    body: { name: 'Shop bot' },
  });
  expect(bot.statusCode, bot.body).toBe(201);
  const botId = bot.json().id as string;
  const conversationId = await visitorSays(ws, botId, 'My parcel never came');
  return { ws, owner, botId, conversationId };
}

describe('mail to people who are not online', () => {
  it('mails an offline person an assignment, a mention and a visitor’s message, with a link to the conversation', async () => {
    const { ws, owner, botId, conversationId } = await setup();
    // New people are offline until they say otherwise.
    const agent = await people.signedIn(ws.id, 'agent');
    const link = `https://support.acme.example/app/inbox?conversation=${conversationId}`;

    const assigned = await owner.call('POST', `/v1/conversations/${conversationId}/assign`, {
      user_id: agent.id,
    });
    expect(assigned.statusCode, assigned.body).toBe(200);
    const [assignment] = await mailsTo(agent.email, 1);
    expect(assignment?.subject).toBe('Conversation with Dana Scully assigned to you');
    expect(assignment?.from?.value).toEqual([{ name: 'Acme support', address: 'support@acme.example' }]);
    expect(assignment?.text).toContain('> My parcel never came');
    expect(assignment?.text).toContain(link);

    const note = await owner.call('POST', `/v1/conversations/${conversationId}/notes`, {
      content: `@${agent.email} the courier confirms it was lost, please refund`,
    });
    expect(note.statusCode, note.body).toBe(201);
    const mention = (await mailsTo(agent.email, 2))[1];
    expect(mention?.subject).toMatch(/mentioned you in a note$/);
    expect(mention?.text).toContain('the courier confirms it was lost, please refund');
    expect(mention?.text).toContain(link);

    await visitorSays(ws, botId, 'Hello? Anyone there?', conversationId);
    const message = (await mailsTo(agent.email, 3))[2];
    expect(message?.subject).toBe('New message from Dana Scully');
    expect(message?.text).toContain('> Hello? Anyone there?');
    expect(message?.text).not.toContain('My parcel never came');
  }, 120_000);

  it('sends no mail to a person who is online, and mails an away one', async () => {
    const { ws, owner, conversationId } = await setup();
    const present = await people.signedIn(ws.id, 'agent');
    const away = await people.signedIn(ws.id, 'agent');
    expect((await present.call('PATCH', '/v1/me', { availability: 'online' })).statusCode).toBe(200);
    expect((await away.call('PATCH', '/v1/me', { availability: 'away' })).statusCode).toBe(200);
    const note = await owner.call('POST', `/v1/conversations/${conversationId}/notes`, {
      content: `@${present.email} and @${away.email}: a question about this refund`,
    });
    expect(note.statusCode, note.body).toBe(201);
    expect(note.json().mentions).toHaveLength(2);
    const assigned = await owner.call('POST', `/v1/conversations/${conversationId}/assign`, {
      user_id: present.id,
    });
    expect(assigned.statusCode, assigned.body).toBe(200);
    await mailsTo(away.email, 1);
    // Nothing was kept to mail the online person, so nothing can reach them later either.
    const kept = await t.context.db.orm.execute(
      sql`SELECT count(*)::int AS n FROM person_notices WHERE user_id = ${decodeId('usr', present.id, 'user_id')}`,
    );
    expect((kept as unknown as { rows: { n: number }[] }).rows[0]?.n).toBe(0);
    expect(mailTo(present.email)).toHaveLength(0);
  }, 120_000);

  it('tries again when the mail server refuses', async () => {
    const { ws, owner, conversationId } = await setup();
    const agent = await people.signedIn(ws.id, 'agent');
    smtp.refuseNext(451, '4.3.0 Try again later');
    const assigned = await owner.call('POST', `/v1/conversations/${conversationId}/assign`, {
      user_id: agent.id,
    });
    expect(assigned.statusCode, assigned.body).toBe(200);
    const [mail] = await mailsTo(agent.email, 1);
    expect(mail?.subject).toBe('Conversation with Dana Scully assigned to you');
    expect(mailTo(agent.email)).toHaveLength(1);
  }, 120_000);
});
