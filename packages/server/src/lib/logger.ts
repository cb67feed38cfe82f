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

export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino(
    { level, redact: { paths: REDACTED_PATHS, censor: '[redacted]' }, base: { service: 'parley' } },
    destination,
  );
}
