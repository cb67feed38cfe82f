// Invitations and password-reset links go out by email when PARLEY_SMTP_URL is set (a local SMTP
// server here, speaking real SMTP with a login), and are still returned to whoever made them; a
// mail server that refuses never loses the link.
import { afterAll, describe, expect, it } from 'vitest';
import { startFakeSmtp } from '../../fakes/fake-smtp.ts';
import { buildWorkspace } from '../../helpers/factories.ts';
import { personClient } from '../../helpers/people.ts';
import { startTestApp } from '../../helpers/test-app.ts';

const smtp = await startFakeSmtp({ parley: 'mail-secret' });
const t = await startTestApp({
  PARLEY_SMTP_URL: `smtp://parley:mail-secret@127.0.0.1:${smtp.port}`,
  PARLEY_MAIL_FROM: 'Acme support <support@acme.example>',
});
afterAll(async () => {
  await t.close();
  await smtp.close();
});
const people = personClient(t);

function mailTo(address: string) {
  return smtp.messages.filter((mail) => mail.to && JSON.stringify(mail.to).includes(address));
}

describe('mail to people', () => {
  it('sends the invitation and the reset link, the same links the answers hold', async () => {
    const ws = await buildWorkspace(t.context);
    const owner = await people.signedIn(ws.id, 'owner');
    const email = `invitee-${Date.now()}@example.com`;
    const invited = await owner.call('POST', '/v1/users', { email, role: 'agent' });
    expect(invited.statusCode, invited.body).toBe(201);
    const invitation = invited.json().invitation;
    expect(invitation.emailed).toBe(true);
    const [invite] = mailTo(email);
    expect(invite?.subject).toContain('invited');
    expect(invite?.from?.value).toEqual([{ name: 'Acme support', address: 'support@acme.example' }]);
    expect(invite?.text).toContain(invitation.url);

    const reset = await owner.call('POST', `/v1/users/${invited.json().id}/password-reset`);
    expect(reset.statusCode, reset.body).toBe(201);
    expect(reset.json().emailed).toBe(true);
    const resetMail = mailTo(email).find((mail) => mail.subject?.includes('Reset'));
    expect(resetMail?.text).toContain(reset.json().url);
    // The mailed link works, once.
    const confirmed = await people.post('/v1/password-resets/confirm', {
      token: reset.json().token,
      password: 'a brand new password',
    });
    expect(confirmed.statusCode, confirmed.body).toBe(201);
  });

  it('still answers the link when the mail server refuses it', async () => {
    const ws = await buildWorkspace(t.context);
    const owner = await people.signedIn(ws.id, 'owner');
    smtp.refuseNext(451, '4.3.0 Try again later');
    const email = `refused-${Date.now()}@example.com`;
    const invited = await owner.call('POST', '/v1/users', { email, role: 'agent' });
    expect(invited.statusCode, invited.body).toBe(201);
    expect(invited.json().invitation).toMatchObject({
      emailed: false,
      url: expect.stringContaining('token='),
    });
    expect(mailTo(email)).toHaveLength(0);
  });
});
