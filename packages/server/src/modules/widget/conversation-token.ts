// Conversation tokens: what a widget visitor holds instead of an API key. Signed by the server
// (HS256, a key derived from the secret key, so every node sharing the secret accepts them) and
// bound to one conversation of one chatbot.
import { createHash } from 'node:crypto';
import { errors, jwtVerify, SignJWT } from 'jose';
import { AppError } from '../../lib/errors.ts';

const AUDIENCE = 'parley-widget';
const LIFETIME = '90d';

export interface ConversationTokens {
  issue(chatbotId: string, conversationId: string): Promise<string>;
  /** Throws 401 unless the token is valid and names this chatbot and conversation. */
  check(token: string | undefined, chatbotId: string, conversationId: string): Promise<void>;
}

export function createConversationTokens(secretKey: string): ConversationTokens {
  const key = createHash('sha256').update(`parley-conversation-token:${secretKey}`).digest();
  return {
    issue(chatbotId, conversationId) {
      return new SignJWT({ bot: chatbotId })
        .setProtectedHeader({ alg: 'HS256' })
        .setSubject(conversationId)
        .setAudience(AUDIENCE)
        .setIssuedAt()
        .setExpirationTime(LIFETIME)
        .sign(key);
    },
    async check(token, chatbotId, conversationId) {
      if (!token) {
        throw AppError.unauthenticated(
          'missing_conversation_token',
          'This conversation needs its token: send it as Authorization: Bearer <conversation_token>.',
        );
      }
      try {
        const { payload } = await jwtVerify(token, key, { audience: AUDIENCE, algorithms: ['HS256'] });
        if (payload.sub === conversationId && payload.bot === chatbotId) return;
      } catch (error) {
        if (error instanceof errors.JWTExpired) {
          throw AppError.unauthenticated('conversation_token_expired', 'The conversation token has expired.');
        }
      }
      throw AppError.unauthenticated(
        'invalid_conversation_token',
        'The conversation token is not valid for this conversation.',
      );
    },
  };
}
