// What platforms call, under /hooks/channels: no API key, each channel's own secret guards it.
// Slack, WhatsApp and custom channels sign the raw body, so these routes keep it: their JSON
// parser (for these routes only) hands both the text and the parsed body.
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { MAX_JSON_DEPTH, nestsDeeperThan } from '../../http/json-body.ts';
import { AppError } from '../../lib/errors.ts';
import { createChannelInbound } from './channel-inbound.ts';
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
 * the attachments are read through and dropped (a channel carries text).
 */
async function readMailgunParts(request: FastifyRequest): Promise<void> {
  if (!request.isMultipart()) return;
  const fields: Record<string, string> = {};
  try {
    for await (const part of request.parts({ limits: MAILGUN_LIMITS })) {
      if (part.type === 'file') await part.toBuffer();
      else fields[part.fieldname] = String(part.value);
    }
  } catch (error) {
    if (error instanceof AppError || (error as { statusCode?: number }).statusCode) throw error;
    throw AppError.invalid(
      'invalid_multipart',
      `The request is not valid multipart/form-data: ${(error as Error).message}.`,
    );
  }
  request.body = fields;
}

export function channelHookRoutes(deps: { channels: ChannelService }) {
  const inbound = createChannelInbound(deps);
  const rawBodies = new WeakMap<FastifyRequest, string>();
  const header = (request: FastifyRequest, name: string) => {
    const value = request.headers[name];
    return typeof value === 'string' ? value : undefined;
  };

  return async function register(instance: FastifyInstance): Promise<void> {
    // The app's parser, with its guards (depth, __proto__ keys), keeping the text it parsed.
    const parseJson = instance.getDefaultJsonParser('error', 'error');
    instance.removeContentTypeParser('application/json');
    instance.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
      if (nestsDeeperThan(body as string, MAX_JSON_DEPTH)) {
        done(AppError.invalid('json_too_deep', 'The request body nests too deeply.'), undefined);
        return;
      }
      rawBodies.set(request, body as string);
      parseJson(request, body as string, done);
    });
    // Mailgun posts parsed emails as a form.
    instance.addContentTypeParser(
      'application/x-www-form-urlencoded',
      { parseAs: 'string', bodyLimit: 10 * 1024 * 1024 },
      (_request, body, done) => done(null, Object.fromEntries(new URLSearchParams(body as string))),
    );
    const app = instance.withTypeProvider<TypeBoxTypeProvider>();
    const tags = ['Channels'];
    const raw = (request: FastifyRequest) => rawBodies.get(request) ?? '';

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
      },
      async (request) => {
        await inbound.telegram(
          request.params.id,
          header(request, 'x-telegram-bot-api-secret-token'),
          request.body,
        );
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
      },
      async (request) => {
        const challenge = await inbound.slack(
          request.params.id,
          {
            timestamp: header(request, 'x-slack-request-timestamp'),
            signature: header(request, 'x-slack-signature'),
          },
          raw(request),
          request.body as SlackEnvelope,
        );
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
      },
      async (request) => {
        await inbound.whatsapp(
          request.params.id,
          header(request, 'x-hub-signature-256'),
          raw(request),
          request.body,
        );
        return { ok: true };
      },
    );

    app.post(
      '/hooks/channels/:id/email',
      {
        preValidation: readMailgunParts,
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
        await inbound.email(
          request.params.id,
          header(request, 'authorization'),
          request.body as Record<string, unknown>,
        );
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
      },
      async (request) => {
        const headers = {
          'webhook-id': header(request, 'webhook-id') ?? '',
          'webhook-timestamp': header(request, 'webhook-timestamp') ?? '',
          'webhook-signature': header(request, 'webhook-signature') ?? '',
        };
        await inbound.custom(request.params.id, headers, raw(request), request.body);
        return { ok: true };
      },
    );
  };
}
