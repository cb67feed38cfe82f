// Structured JSON logs. Secrets never reach them: auth headers and secret-looking fields are redacted.
import pino, { type Logger } from 'pino';

export const REDACTED_PATHS = [
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
];

/**
 * Writes to stdout through a buffer (flushed every 4 KB, on a timer and at exit) unless another
 * destination is given: a synchronous write per request line costs more than the request itself.
 */
export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  const stream = destination ?? pino.destination({ dest: 1, sync: false, minLength: 4096 });
  if (!destination) {
    const flusher = setInterval(() => (stream as pino.DestinationStream & { flush(): void }).flush(), 1000);
    flusher.unref();
    process.once('exit', () => (stream as pino.DestinationStream & { flushSync(): void }).flushSync());
  }
  return pino(
    { level, redact: { paths: REDACTED_PATHS, censor: '[redacted]' }, base: { service: 'parley' } },
    stream,
  );
}
