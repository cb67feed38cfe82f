// A fake WhatsApp Cloud API (Meta's Graph API) served by the test, in its real shapes:
// `GET /{version}/{phone_number_id}` and `POST /{version}/{phone_number_id}/messages` with
// `Authorization: Bearer`, answering the Graph's JSON or `{error: {message, type, code}}` (190 for
// an invalidated token, 131047 for free text outside the 24-hour window, 132001 for a template
// that is not approved). It also writes the webhook notifications Meta POSTs, signed with the
// app secret (`X-Hub-Signature-256: sha256=…`).
import { createHmac } from 'node:crypto';
import { type FakePlatformServer, startFakePlatformServer } from './fake-platform-server.ts';

export const WHATSAPP_PHONE_ID = '106540352242922';
export const WHATSAPP_DISPLAY_NUMBER = '+1 555-010-0200';
const WINDOW_MS = 24 * 3600 * 1000;

export interface FakeWhatsApp extends FakePlatformServer {
  revoke(token: string): void;
  /** Templates that are approved, by name. */
  approve(template: string): void;
  /**
   * A notification with one customer message, as Meta sends it; its time starts the customer's
   * window. With `image`, the message is a photo and `text` its caption.
   */
  message(input: {
    from: string;
    name?: string;
    text: string;
    id?: string;
    at?: Date;
    image?: boolean;
  }): Record<string, unknown>;
  /** A delivery-status notification (nothing to answer). */
  status(messageId: string, recipient: string): Record<string, unknown>;
  signed(appSecret: string, body: unknown): { headers: Record<string, string>; body: string };
}

function graphError(status: number, code: number, message: string, type = 'OAuthException') {
  return { status, body: { error: { message, type, code, fbtrace_id: 'AbCdEfGh123' } } };
}

export async function startFakeWhatsApp(): Promise<FakeWhatsApp> {
  const revoked = new Set<string>();
  const approved = new Set<string>();
  const lastWrote = new Map<string, number>();
  let counter = 0;
  const wamid = () => `wamid.HBgLMTU1NTAxMDAyMDAVAgASGBQz${(++counter).toString().padStart(8, '0')}`;

  const server = await startFakePlatformServer((call) => {
    if (!call.token)
      return graphError(400, 2500, 'An active access token must be used to query information.');
    if (revoked.has(call.token)) {
      return graphError(
        401,
        190,
        'Error validating access token: The session has been invalidated because the user changed their password.',
      );
    }
    const match = /^\/v[\d.]+\/(\d+)(\/messages)?$/.exec(call.path);
    if (!match || match[1] !== WHATSAPP_PHONE_ID) {
      return graphError(400, 100, 'Unsupported request - method type: get', 'GraphMethodException');
    }
    if (!match[2]) {
      return {
        status: 200,
        body: {
          id: WHATSAPP_PHONE_ID,
          display_phone_number: WHATSAPP_DISPLAY_NUMBER,
          verified_name: 'Parley Test',
        },
      };
    }
    const to = String(call.body?.to ?? '');
    if (call.body?.messaging_product !== 'whatsapp' || !to) {
      return graphError(400, 100, '(#100) The parameter messaging_product is required.');
    }
    if (call.body.type === 'template') {
      if (!approved.has(call.body.template?.name)) {
        return graphError(404, 132001, '(#132001) Template name does not exist in the translation');
      }
    } else if (Date.now() - (lastWrote.get(to) ?? 0) > WINDOW_MS) {
      return graphError(400, 131047, 'Re-engagement message');
    }
    return {
      status: 200,
      body: {
        messaging_product: 'whatsapp',
        contacts: [{ input: to, wa_id: to }],
        messages: [{ id: wamid() }],
      },
    };
  });

  const notification = (value: Record<string, unknown>) => ({
    object: 'whatsapp_business_account',
    entry: [
      {
        id: '102290129340398',
        changes: [
          {
            field: 'messages',
            value: {
              messaging_product: 'whatsapp',
              metadata: { display_phone_number: '15550100200', phone_number_id: WHATSAPP_PHONE_ID },
              ...value,
            },
          },
        ],
      },
    ],
  });

  return {
    ...server,
    revoke: (token) => revoked.add(token),
    approve: (template) => approved.add(template),
    message({ from, name, text, id, at = new Date(), image = false }) {
      lastWrote.set(from, Math.max(lastWrote.get(from) ?? 0, at.getTime()));
      return notification({
        contacts: [{ profile: { name: name ?? 'Customer' }, wa_id: from }],
        messages: [
          {
            from,
            id: id ?? wamid(),
            timestamp: String(Math.floor(at.getTime() / 1000)),
            ...(image
              ? {
                  type: 'image',
                  image: {
                    caption: text,
                    mime_type: 'image/jpeg',
                    sha256: 'Ts3rJbhnSzTzVeFHWuHDZZwCWwgjuiLvCvSvqXFsCqE=',
                    id: '1003383421387256',
                  },
                }
              : { type: 'text', text: { body: text } }),
          },
        ],
      });
    },
    status(messageId, recipient) {
      return notification({
        statuses: [
          {
            id: messageId,
            status: 'delivered',
            timestamp: String(Math.floor(Date.now() / 1000)),
            recipient_id: recipient,
          },
        ],
      });
    },
    signed(appSecret, body) {
      const raw = JSON.stringify(body);
      return {
        headers: {
          'content-type': 'application/json',
          'x-hub-signature-256': `sha256=${createHmac('sha256', appSecret).update(raw).digest('hex')}`,
        },
        body: raw,
      };
    },
  };
}
