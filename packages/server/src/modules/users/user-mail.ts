// Mail to people of a workspace: their invitation and password-reset links, by SMTP when
// PARLEY_SMTP_URL is set. The links are returned to whoever made them either way, so a mail
// server that is down or refuses never loses a link: the answer says whether it went out.

import nodemailer from 'nodemailer';
import type { Logger } from 'pino';
import type { OneTimeLink } from './user-service.ts';

export interface PeopleMailer {
  /** True when the mail went out; false when no SMTP is set or the server refused it. */
  sendInvitation(to: string, workspaceName: string, link: OneTimeLink): Promise<boolean>;
  sendPasswordReset(to: string, link: OneTimeLink): Promise<boolean>;
  /** Whether mail is set up (PARLEY_SMTP_URL). */
  configured: boolean;
  /** Sends a mail and throws when the server refuses it: for jobs, which retry. */
  deliver(to: string, subject: string, text: string): Promise<void>;
}

export function createPeopleMailer(settings: { smtpUrl: string | null; from: string }, logger: Logger) {
  const transport = settings.smtpUrl
    ? nodemailer.createTransport(settings.smtpUrl, { from: settings.from })
    : null;

  async function send(to: string, subject: string, text: string): Promise<boolean> {
    if (!transport) return false;
    try {
      await transport.sendMail({ to, subject, text });
      return true;
    } catch (error) {
      logger.warn({ err: error, to }, 'could not mail a one-time link; it was returned to its maker');
      return false;
    }
  }

  const mailer: PeopleMailer = {
    configured: transport !== null,
    async deliver(to, subject, text) {
      if (!transport) throw new Error('No mail server is set up (PARLEY_SMTP_URL).');
      await transport.sendMail({ to, subject, text });
    },
    sendInvitation: (to, workspaceName, link) =>
      send(
        to,
        `You are invited to ${workspaceName} on Parley`,
        `You have been invited to the team of ${workspaceName} on Parley.\n\nSet your password here (the link works once, until ${link.expiresAt.toISOString()}):\n${link.url}\n`,
      ),
    sendPasswordReset: (to, link) =>
      send(
        to,
        'Reset your Parley password',
        `Someone asked to reset your Parley password.\n\nSet a new one here (the link works once, until ${link.expiresAt.toISOString()}):\n${link.url}\n\nIf it was not you, ignore this mail: your password stays as it is.\n`,
      ),
  };
  return mailer;
}
