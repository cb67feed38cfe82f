// What platforms call, under /hooks/channels: no API key, each channel's own secret guards it.
// Slack, WhatsApp and custom channels sign the raw body, so these routes keep it: their JSON
// parser (for these routes only) hands both the text and the parsed body. The caller is
// authenticated before the body is validated (preValidation): an unauthenticated request is a 403
// whatever it sent, and only the channel's platform learns that a body is malformed (400).
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { MAX_JSON_DEPTH, nestsDeeperThan } from '../../http/json-body.ts';
import { AppError } from '../../lib/errors.ts';
import { type Authenticated, createChannelInbound, forbidden, type HookType } from './channel-inbound.ts';
import {
  CustomMessageBody,
  EmailInboundBody,
  HookParams,
  SlackEventBody,
  TelegramUpdateBody,
  WhatsAppVerifyQuery,
  WhatsAppWebhookBody,
} from './channel-schemas.ts';
import type { ChannelService } from './channel-service.ts';
import type { SlackEnvelope } from './slack.ts';

const Ok = { 200: { type: 'object', properties: { ok: { type: 'boolean' } } } } as const;

/** Attachments and fields a multipart Mailgun post may carry (its fields are many, unlike uploads'). */
const MAILGUN_LIMITS = { fields: 1000, fieldSize: 10 * 1024 * 1024, files: 100, fileSize: 25 * 1024 * 1024 };

/**
 * Mailgun posts an email with attachments as multipart/form-data: its fields become the body,
 * the attachments are read through and dropped (a channel carries text). Mailgun signs fields of
 * the body, so a body that cannot be read cannot be authenticated: it is refused like a forgery.
 */
async function readMailgunParts(request: FastifyRequest): Promise<void> {
  if (!request.isMultipart()) return;
  const fields: Record<string, string> = {};
  try {
    for await (const part of request.parts({ limits: MAILGUN_LIMITS })) {
      if (part.type === 'file') await part.toBuffer();
      else fields[part.fieldname] = String(part.value);
    }
  } catch {
    throw forbidden();
  }
  request.body = fields;
}

export function channelHookRoutes(deps: { channels: ChannelService }) {
  const inbound = createChannelInbound(deps);
  const rawBodies = new WeakMap<FastifyRequest, string>();
  /** Why a body could not be read: told only to a caller who proved who it is. */
  const unreadable = new WeakMap<FastifyRequest, Error>();
  const authenticated = new WeakMap<FastifyRequest, Authenticated>();
  const header = (request: FastifyRequest, name: string) => {
    const value = request.headers[name];
    return typeof value === 'string' ? value : undefined;
  };

  /**
   * The route's first step once the body is in (before its schema is checked): the caller must
   * prove it is the channel's platform. Only then does a body that could not be read, or that the
   * schema refuses, get its 400; any other request gets the same 403, whatever it sent.
   */
  const authenticate =
    (type: HookType) =>
    async (request: FastifyRequest): Promise<void> => {
      const { id } = request.params as { id: string };
      // Mailgun's signature is in the body: the fields of a multipart post are read first.
      if (type === 'email') await readMailgunParts(request);
      authenticated.set(
        request,
        await inbound.authenticate(type, id, {
          header: (name) => header(request, name),
          rawBody: rawBodies.get(request) ?? '',
          body: unreadable.has(request) ? undefined : request.body,
        }),
      );
      const error = unreadable.get(request);
      if (error) throw error;
    };
  /** The authenticated channel of a request that passed `authenticate`. */
  const caller = (request: FastifyRequest) => authenticated.get(request)!;

  return async function register(instance: FastifyInstance): Promise<void> {
    // The app's parser, with its guards (depth, __proto__ keys), keeping the text it parsed. A
    // body it refuses is not an answer yet: the caller is authenticated first.
    const parseJson = instance.getDefaultJsonParser('error', 'error');
    instance.removeContentTypeParser('application/json');
    instance.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
      rawBodies.set(request, body as string);
      if (nestsDeeperThan(body as string, MAX_JSON_DEPTH)) {
        unreadable.set(request, AppError.invalid('json_too_deep', 'The request body nests too deeply.'));
        done(null, undefined);
        return;
      }
      parseJson(request, body as string, (error, parsed) => {
        if (error) unreadable.set(request, error);
        done(null, error ? undefined : parsed);
      });
    });
    // Mailgun posts parsed emails as a form.
    instance.addContentTypeParser(
      'application/x-www-form-urlencoded',
      { parseAs: 'string', bodyLimit: 10 * 1024 * 1024 },
      (_request, body, done) => done(null, Object.fromEntries(new URLSearchParams(body as string))),
    );
    // Any other type: refused, once the caller is authenticated (their platform never sends it).
    instance.addContentTypeParser('*', { parseAs: 'string' }, (request, body, done) => {
      rawBodies.set(request, body as string);
      unreadable.set(
        request,
        new AppError(
          'invalid_request_error',
          'unsupported_media_type',
          `Unsupported Content-Type '${String(request.headers['content-type']).slice(0, 100)}'.`,
          { status: 415 },
        ),
      );
      done(null, undefined);
    });
    const app = instance.withTypeProvider<TypeBoxTypeProvider>();
    const tags = ['Channels'];

    app.post(
      '/hooks/channels/:id/telegram',
      {
        schema: {
          operationId: 'telegramWebhook',
          tags,
          description:
            'Telegram delivers updates here (set up by Parley with setWebhook). 403 unless `X-Telegram-Bot-Api-Secret-Token` is the channel’s secret.',
          params: HookParams,
          body: TelegramUpdateBody,
          response: Ok,
        },
        preValidation: authenticate('telegram'),
      },
      async (request) => {
        await inbound.telegram(caller(request), request.body);
        return { ok: true };
      },
    );

    app.post(
      '/hooks/channels/:id/slack',
      {
        schema: {
          operationId: 'slackEvents',
          tags,
          description:
            "Slack's Events API Request URL. 403 unless `X-Slack-Signature` signs `v0:{X-Slack-Request-Timestamp}:{body}` with the signing secret, within 5 minutes. Answers `url_verification` with its challenge; events are acknowledged at once and answered by a job.",
          params: HookParams,
          body: SlackEventBody,
          response: {
            200: { type: 'object', properties: { ok: { type: 'boolean' }, challenge: { type: 'string' } } },
          },
        },
        preValidation: authenticate('slack'),
      },
      async (request) => {
        const challenge = await inbound.slack(caller(request), request.body as SlackEnvelope);
        return challenge === null ? { ok: true } : { challenge };
      },
    );

    app.get(
      '/hooks/channels/:id/whatsapp',
      {
        schema: {
          operationId: 'whatsappVerify',
          tags,
          description:
            "Meta's webhook verification: answers `hub.challenge` when `hub.mode` is `subscribe` and `hub.verify_token` is the channel's verify token, 403 otherwise.",
          params: HookParams,
          querystring: WhatsAppVerifyQuery,
        },
      },
      async (request, reply) => {
        const challenge = await inbound.whatsappVerify(request.params.id, request.query);
        return reply.type('text/plain').send(challenge);
      },
    );

    app.post(
      '/hooks/channels/:id/whatsapp',
      {
        schema: {
          operationId: 'whatsappWebhook',
          tags,
          description:
            "WhatsApp Cloud API notifications. 403 unless `X-Hub-Signature-256` is the HMAC-SHA256 of the body with the app secret. Customers' messages are stored once by id and answered by a job.",
          params: HookParams,
          body: WhatsAppWebhookBody,
          response: Ok,
        },
        preValidation: authenticate('whatsapp'),
      },
      async (request) => {
        await inbound.whatsapp(caller(request), request.body);
        return { ok: true };
      },
    );

    app.post(
      '/hooks/channels/:id/email',
      {
        preValidation: authenticate('email'),
        schema: {
          operationId: 'emailInbound',
          tags,
          description:
            "Inbound email from the channel's provider. Mailgun (a route's forward(), form-encoded, or multipart when the email has attachments, which are not kept): 403 unless `signature` is the HMAC-SHA256 of `timestamp` + `token` with the webhook signing key, within 5 minutes, each token once. Postmark (inbound webhook, JSON): 403 unless HTTP basic auth is `parley` and the channel's secret. Each email is stored once by Message-ID and answered by a job.",
          params: HookParams,
          body: EmailInboundBody,
          response: Ok,
        },
      },
      async (request) => {
        await inbound.email(caller(request), request.body as Record<string, unknown>);
        return { ok: true };
      },
    );

    app.post(
      '/hooks/channels/:id',
      {
        schema: {
          operationId: 'customChannelMessage',
          tags,
          description:
            "A custom channel's inbound message, signed with Standard Webhooks (`webhook-id`, `webhook-timestamp`, `webhook-signature`) with the channel's secret; 403 otherwise. Stored once per `webhook-id`, answered by a job: the reply is POSTed to the channel's URL.",
          params: HookParams,
          body: CustomMessageBody,
          response: Ok,
        },
        preValidation: authenticate('custom'),
      },
      async (request) => {
        await inbound.custom(caller(request), header(request, 'webhook-id')!, request.body);
        return { ok: true };
      },
    );
  };
}
