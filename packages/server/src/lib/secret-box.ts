// Encrypts secrets at rest (provider keys, channel tokens) with AES-256-GCM.
// Format: "v1:" + base64url(iv[12] | tag[16] | ciphertext).
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';

export interface SecretBox {
  encrypt(plaintext: string): string;
  decrypt(sealed: string): string;
}

/** Derives the 32-byte key from the configured secret, whatever its length. */
function deriveKey(secret: string): Buffer {
  return createHash('sha256').update(`parley-secret-box:${secret}`).digest();
}

export function createSecretBox(secret: string): SecretBox {
  if (secret.length < 16) throw new Error('The secret key must be at least 16 characters.');
  const key = deriveKey(secret);
  return {
    encrypt(plaintext) {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
      return `v1:${Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64url')}`;
    },
    decrypt(sealed) {
      if (!sealed.startsWith('v1:')) throw new Error('Unknown secret format.');
      const raw = Buffer.from(sealed.slice(3), 'base64url');
      if (raw.length < 28) throw new Error('Sealed secret is truncated.');
      const decipher = createDecipheriv('aes-256-gcm', key, raw.subarray(0, 12));
      decipher.setAuthTag(raw.subarray(12, 28));
      return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8');
    },
  };
}

export function generateSecret(): string {
  return randomBytes(32).toString('base64url');
}
