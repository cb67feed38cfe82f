// Identity verification: a site's backend signs its user's id (and email) with the chatbot's
// identity secret, so a visitor cannot claim to be someone else.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

export interface IdentityClaim {
  user_id: string;
  user_hash: string;
  email?: string;
  name?: string;
}

export function generateIdentitySecret(): string {
  return `idsec_${randomBytes(32).toString('base64url')}`;
}

/** What the site signs: the user id, or the user id, a line feed and the email. */
export function signedText(claim: Pick<IdentityClaim, 'user_id' | 'email'>): string {
  return claim.email ? `${claim.user_id}\n${claim.email}` : claim.user_id;
}

export function identityHash(secret: string, claim: Pick<IdentityClaim, 'user_id' | 'email'>): string {
  return createHmac('sha256', secret).update(signedText(claim)).digest('hex');
}

/** Compares in constant time; any malformed hash is simply not a match. */
export function identityVerified(secret: string, claim: IdentityClaim): boolean {
  const expected = Buffer.from(identityHash(secret, claim), 'hex');
  const given = /^[0-9a-fA-F]{64}$/.test(claim.user_hash) ? Buffer.from(claim.user_hash, 'hex') : null;
  return given !== null && timingSafeEqual(expected, given);
}
