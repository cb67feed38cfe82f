// A local SMTP server for the tests (smtp-server), speaking real SMTP: AUTH PLAIN/LOGIN against
// the passwords it is given (535 once a password is revoked), every message parsed (mailparser)
// and kept, and the next messages refused with a given reply (421, 451…) when told.
import type { AddressInfo } from 'node:net';
import { type ParsedMail, simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';

export interface FakeSmtp {
  port: number;
  messages: ParsedMail[];
  /** From now on, this password is refused (535). */
  revoke(password: string): void;
  /** The user's password is now this one. */
  setPassword(user: string, password: string): void;
  /** The next `times` messages are refused with this reply code. */
  refuseNext(code: number, message: string, times?: number): void;
  close(): Promise<void>;
}

export async function startFakeSmtp(users: Record<string, string>): Promise<FakeSmtp> {
  const messages: ParsedMail[] = [];
  const revoked = new Set<string>();
  const refusals: { code: number; message: string }[] = [];
  const server = new SMTPServer({
    secure: false,
    disabledCommands: ['STARTTLS'],
    authOptional: false,
    allowInsecureAuth: true,
    logger: false,
    onAuth(auth, _session, callback) {
      const expected = users[auth.username ?? ''];
      if (!expected || expected !== auth.password || revoked.has(expected)) {
        const error = Object.assign(new Error('5.7.8 Authentication credentials invalid'), {
          responseCode: 535,
        });
        return callback(error);
      }
      callback(null, { user: auth.username });
    },
    onData(stream, _session, callback) {
      const refusal = refusals.shift();
      if (refusal) {
        stream.resume();
        stream.on('end', () =>
          callback(Object.assign(new Error(refusal.message), { responseCode: refusal.code })),
        );
        return;
      }
      simpleParser(stream)
        .then((parsed) => {
          messages.push(parsed);
          callback();
        })
        .catch(callback);
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.server.address() as AddressInfo;
  return {
    port,
    messages,
    revoke: (password) => revoked.add(password),
    setPassword: (user, password) => {
      users[user] = password;
    },
    refuseNext(code, message, times = 1) {
      for (let i = 0; i < times; i++) refusals.push({ code, message });
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
