import { execFile } from 'node:child_process';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { DrizzleQueryError } from 'drizzle-orm';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { createLogger, loggablePath } from './logger.ts';

function capture() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _encoding, callback) {
      lines.push(String(chunk));
      callback();
    },
  });
  return { lines, stream };
}

/** One line as an object, without the fields that change between two loggers (time, pid). */
function parsed(line: string | undefined): Record<string, unknown> {
  const { time: _time, pid: _pid, hostname: _hostname, ...rest } = JSON.parse(line ?? '{}');
  return rest;
}

class WithToJson {
  key = 'k';
  other = 1;
  toJSON() {
    return { key: this.key, other: this.other };
  }
}

describe('createLogger', () => {
  it('censors secrets one level down, in errors and in auth headers', () => {
    const { lines, stream } = capture();
    const logger = createLogger('info', stream);
    const config = { token: 'tok-123', name: 'n' };
    logger.info({ config, method: 'GET' }, 'm');
    logger.error({ err: Object.assign(new Error('boom'), { key: 'key-123' }) }, 'failed');
    logger.info({ req: { headers: { authorization: 'Bearer prl_live_x', host: 'h' } } }, 'r');
    expect(parsed(lines[0])).toMatchObject({ config: { token: '[redacted]', name: 'n' }, method: 'GET' });
    expect(config.token).toBe('tok-123'); // the caller's object is left alone
    expect(parsed(lines[1])).toMatchObject({ err: { key: '[redacted]', message: 'boom' } });
    expect(parsed(lines[2])).toMatchObject({ req: { headers: { authorization: '[redacted]', host: 'h' } } });
    expect(lines.join('')).not.toMatch(/tok-123|key-123|prl_live_x/);
  });

  // The explicit paths and the log formatter replace wildcard paths (`*.key`), which cost every line.
  it('writes what wildcard redaction paths wrote', () => {
    const wildcard = capture();
    const reference = pino(
      {
        redact: {
          paths: [
            'req.headers.authorization',
            'req.headers.cookie',
            'headers.authorization',
            'authorization',
            '*.api_key',
            '*.apiKey',
            '*.secret',
            '*.key',
            '*.password',
            '*.token',
          ],
          censor: '[redacted]',
        },
        base: { service: 'parley' },
      },
      wildcard.stream,
    );
    const ours = capture();
    const logger = createLogger('info', ours.stream);
    const error = Object.assign(new Error('boom'), { key: 'k', token: 't', code: 'E_X' });
    const samples: object[] = [
      { method: 'GET', url: '/v1/workspace', status: 200, ms: 1 },
      {
        config: { token: 't', name: 'n' },
        other: { apiKey: 'a', api_key: 'b', password: 'p', secret: 's', key: 'k', kept: 1 },
      },
      { err: error },
      { err: 'a string' },
      { err: { key: 'k', message: 'm' } },
      { error },
      { req: { headers: { authorization: 'a', cookie: 'c', host: 'h' }, key: 'k' } },
      { headers: { authorization: 'a', key: 'k' } },
      { authorization: 'a' },
      { list: [{ key: 1 }], array: Object.assign([1], { key: 2 }) },
      { nested: { deeper: { key: 'two levels down' } } },
      { instance: new WithToJson() },
      { date: new Date(0), none: null, missing: undefined },
      Object.assign(Object.create({ inherited: { key: 1 } }), { own: { token: 2 } }),
      error,
    ];
    for (const sample of samples) {
      reference.info(sample, 'm');
      logger.info(sample, 'm');
    }
    reference.child({ reqId: 'r1' }).info({ x: { key: 1 } }, 'child');
    logger.child({ reqId: 'r1' }).info({ x: { key: 1 } }, 'child');
    const timeless = (line: string) => line.replace(/"time":\d+,/, '');
    expect(ours.lines.map(timeless)).toEqual(wildcard.lines.map(timeless));
    expect(ours.lines).toHaveLength(samples.length + 1);
  });

  it('writes every line to stdout in order, those still buffered at exit included', async () => {
    const logger = fileURLToPath(new URL('./logger.ts', import.meta.url));
    const script = `
      const { createLogger } = await import(${JSON.stringify(logger)});
      const log = createLogger('info');
      for (let i = 0; i < 3000; i++) log.info({ i }, 'line');
      await new Promise((resolve) => setTimeout(resolve, 50));
      for (let i = 3000; i < 3010; i++) log.info({ i }, 'line');
      process.exit(0);`;
    const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', script], {
      maxBuffer: 10 * 1024 * 1024,
    });
    const numbers = stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line).i);
    expect(numbers).toEqual(Array.from({ length: 3010 }, (_, i) => i));
  });
});

describe('loggablePath', () => {
  it('keeps the path and drops the query string, a token in it included', () => {
    expect(loggablePath('/public/v1/chatbots/bot_1/conversations/conv_1/events?token=eyJ.abc.def')).toBe(
      '/public/v1/chatbots/bot_1/conversations/conv_1/events',
    );
    expect(loggablePath('/v1/conversations?q=my+order&email=a%40b.c')).toBe('/v1/conversations');
    expect(loggablePath('/v1/conversations')).toBe('/v1/conversations');
  });
});

describe('logged errors', () => {
  it('keep a failed statement but not the values it was given', () => {
    const { lines, stream } = capture();
    const logger = createLogger('info', stream);
    const cause = Object.assign(new Error('invalid byte sequence for encoding "UTF8": 0x00'), {
      code: '22021',
      detail: 'Key (email)=(visitor@example.com) already exists.',
    });
    const error = new DrizzleQueryError(
      'insert into "messages" ("content", "email") values ($1, $2)',
      ['my card number is 4111', 'visitor@example.com'],
      cause,
    );
    logger.error({ err: error }, 'unhandled error');
    logger.error({ err: cause }, 'unhandled error');
    const [first, second] = lines.map((line) => parsed(line));
    expect(first).toMatchObject({ err: { type: 'DrizzleQueryError' } });
    expect((first!.err as { message: string }).message).toContain('insert into "messages"');
    expect((first!.err as { message: string }).message).toContain('invalid byte sequence');
    expect((second!.err as { code: string }).code).toBe('22021');
    expect(lines.join('')).not.toMatch(/4111|visitor@example\.com/);
  });

  it('hold the path of a request that Fastify logs, not its query string', () => {
    const { lines, stream } = capture();
    const logger = createLogger('info', stream);
    logger.info({ req: { method: 'GET', url: '/v1/conversations?q=private', headers: {} } }, 'r');
    expect(parsed(lines[0])).toMatchObject({ req: { method: 'GET', url: '/v1/conversations' } });
  });
});
