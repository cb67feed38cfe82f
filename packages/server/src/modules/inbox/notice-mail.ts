// Mail to people who are not online, for what their live stream would have told them: a
// conversation given to them, a note that mentions them, a visitor's new message in their
// conversation. Kept in person_notices by the change itself (same transaction); a tick queues a
// job per notice; the job mails it through PARLEY_SMTP_URL, retried by the queue when the mail
// server refuses, and skips it when the person came online meanwhile.
import type { Logger } from 'pino';
import type { Database } from '../../db/client.ts';
import type { JobSender } from '../../jobs/queue.ts';
import { encodeId } from '../../lib/ids.ts';
import type { ConversationService } from '../conversations/conversation-service.ts';
import type { PeopleMailer } from '../users/user-mail.ts';
import * as repo from './person-notice-repository.ts';

/** Notices queued per tick at most. */
const BATCH = 100;
/** A notice whose job has given up this many times is dropped. */
const MAX_ATTEMPTS = 3;
/** How often the dispatcher drops old notices. */
const PURGE_EVERY_MS = 3600_000;
/** Longest quoted text in a mail. */
const QUOTE_CHARS = 600;

function quote(text: string): string {
  const trimmed = text.length > QUOTE_CHARS ? `${text.slice(0, QUOTE_CHARS)}…` : text;
  return trimmed
    .split('\n')
    .map((line) => `> ${line}`)
    .join('\n');
}

export function createNoticeMail(deps: {
  db: Database;
  logger: Logger;
  jobs: JobSender;
  conversations: ConversationService;
  mailer: Pick<PeopleMailer, 'configured' | 'deliver'>;
  /** Where the console is reached, for the link to the conversation. */
  baseUrl: string;
}) {
  const { db } = deps;
  let purgedAt = 0;

  async function compose(notice: repo.NoticeForMail) {
    const scope = { workspaceId: notice.workspace_id, environment: notice.environment };
    const conversation = await deps.conversations.get(scope, notice.conversation_id).catch(() => null);
    if (!conversation) return null;
    const conversationId = encodeId('conv', conversation.id);
    const visitor = conversation.customerName?.trim() || conversation.customerEmail || 'A visitor';
    const link = new URL('/app/inbox', deps.baseUrl);
    link.searchParams.set('conversation', conversationId);
    if (notice.environment === 'test') link.searchParams.set('environment', 'test');
    const footer = `\nOpen the conversation: ${link}\n\nYou get this mail because you were not online in Parley.\n`;
    if (notice.reason === 'assigned') {
      const last = await repo.lastVisitorMessage(db.orm, conversation.id);
      return {
        subject: `Conversation with ${visitor} assigned to you`,
        text: `A conversation with ${visitor} was assigned to you.\n${last ? `\n${quote(last)}\n` : ''}${footer}`,
      };
    }
    if (notice.reason === 'mentioned') {
      const note = await repo.findNote(db.orm, notice.ref_id);
      const author = note?.author_name ?? 'Someone';
      return {
        subject: `${author} mentioned you in a note`,
        text: `${author} mentioned you in a private note on the conversation with ${visitor}.\n${note ? `\n${quote(note.content)}\n` : ''}${footer}`,
      };
    }
    const messages = await repo.visitorMessagesSince(db.orm, conversation.id, notice.created_at, 5);
    return {
      subject: `New message from ${visitor}`,
      text: `${visitor} wrote in a conversation assigned to you.\n\n${messages.map((m) => quote(m.content)).join('\n\n')}\n${footer}`,
    };
  }

  return {
    /**
     * Queues a mail job for each notice due. A node without mail set up leaves them to nodes
     * with it (and drops them after an hour).
     */
    async dispatch(now = new Date()): Promise<number> {
      if (now.getTime() - purgedAt > PURGE_EVERY_MS) {
        purgedAt = now.getTime();
        await repo.purge(db.orm, now, deps.mailer.configured);
      }
      if (!deps.mailer.configured) return 0;
      const claimed = await db.orm.transaction((tx) => repo.claimDue(tx, now, BATCH));
      if (claimed.length === 0) return 0;
      const spent = claimed.filter((row) => row.attempts > MAX_ATTEMPTS);
      await repo.settle(
        db.orm,
        spent.map((row) => row.id),
        'failed',
        now,
      );
      const due = claimed.filter((row) => row.attempts <= MAX_ATTEMPTS);
      for (const row of due) await deps.jobs.send('person-notice-mail', { noticeId: row.id });
      return due.length;
    },

    /** Mails one notice; throws when the mail server refuses it, for the queue to retry. */
    async mail(noticeId: string): Promise<'mailed' | 'skipped'> {
      const notice = await repo.findForMail(db.orm, noticeId);
      if (!notice || notice.done_at) return 'skipped';
      // Back online since: the live stream has told them.
      if (notice.availability === 'online') {
        await repo.settle(db.orm, [notice.id], 'skipped', new Date());
        return 'skipped';
      }
      const mail = await compose(notice);
      if (!mail) {
        await repo.settle(db.orm, [notice.id], 'skipped', new Date());
        return 'skipped';
      }
      await deps.mailer.deliver(notice.email, mail.subject, mail.text);
      await repo.settle(db.orm, [notice.id], 'mailed', new Date());
      return 'mailed';
    },
  };
}

export type NoticeMail = ReturnType<typeof createNoticeMail>;
