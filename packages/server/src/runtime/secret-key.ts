// PARLEY_SECRET_KEY, or a key generated into the data directory on first start.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Logger } from 'pino';
import { generateSecret } from '../lib/secret-box.ts';

export function resolveSecretKey(configured: string | null, dataDir: string, logger: Logger): string {
  if (configured) return configured;
  const file = path.join(dataDir, 'secret.key');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  mkdirSync(dataDir, { recursive: true });
  const secret = generateSecret();
  writeFileSync(file, `${secret}\n`, { mode: 0o600, flag: 'wx' });
  logger.warn(
    { file },
    'Generated a new secret key. Back it up: without it, stored provider keys and channel tokens cannot be decrypted. Nodes sharing one database must share it (PARLEY_SECRET_KEY).',
  );
  return secret;
}
