// The only file that reads the environment. Everything else receives a Config.
import path from 'node:path';
import { DEFAULT_RETRY_DELAYS_SECONDS, parseRetryDelays } from './modules/webhooks/webhook-retry.ts';
import { type PlanTable, parsePlans } from './modules/workspaces/plans.ts';

export interface Config {
  port: number;
  host: string;
  dataDir: string;
  databaseUrl: string | null;
  redisUrl: string | null;
  secretKey: string | null;
  allowPrivateNetwork: boolean;
  logLevel: string;
  plans: PlanTable;
  maxActiveApiKeys: number;
  /** PostgreSQL schema of the job queue; separate deployments on one database need their own. */
  jobSchema: string;
  /** Largest file a source upload or a crawled page may be. */
  maxUploadBytes: number;
  /** How long a stop (SIGTERM, SIGINT) may take before the process exits anyway. */
  shutdownTimeoutSeconds: number;
  /** Simultaneous requests to one host while crawling. */
  crawlConcurrencyPerHost: number;
  /** Seconds a cached API key lookup may be served before it is read again. */
  apiKeyCacheTtlSeconds: number;
  /** Longest chat message a visitor may send, in characters. */
  maxMessageChars: number;
  /** An in-flight Idempotency-Key whose request stopped renewing it this long ago (a crash) may be taken over. */
  idempotencyStaleSeconds: number;
  /** Widget (public API) limits: requests a minute per IP, chat messages a minute per conversation. */
  publicRateLimits: { perIp: number; perVisitor: number };
  /** Behind a reverse proxy: take the client's address from X-Forwarded-For. */
  trustProxy: boolean;
  /** Seconds between a failed webhook attempt and the next, one per retry. */
  webhookRetryDelaysSeconds: number[];
  /** The first-run demo: a chatbot trained on Parley's docs, embedded on the page at `/`. */
  demo: boolean;
  /** Where messaging platforms reach this server (webhooks); unset: channels poll where they can. */
  publicUrl: string | null;
  /**
   * Presence: a person not seen for idleOfflineSeconds (no request, no open notification stream)
   * goes offline; the open conversations of a person offline for offlineRequeueSeconds return to
   * the queue.
   */
  presence: { idleOfflineSeconds: number; offlineRequeueSeconds: number };
  /** Mail to people (invitations, password resets): an smtp(s):// URL, and the From address. */
  mail: { smtpUrl: string | null; from: string };
  /** Base URL of the Telegram Bot API (a gateway or a fake in tests). */
  telegramApiUrl: string;
  /** Slack's Web API (chat.postMessage, auth.test): PARLEY_SLACK_API_URL. */
  slackApiUrl: string;
  /** Meta's Graph API for WhatsApp Cloud API calls: PARLEY_WHATSAPP_API_URL. */
  whatsappApiUrl: string;
  /** Seconds one Telegram getUpdates long poll waits for updates. */
  telegramPollTimeoutSeconds: number;
  /**
   * A static embedding model on this machine (PARLEY_EMBEDDING_MODEL_DIR): chatbots whose
   * integration names no embedding model search by meaning with it too, offline.
   */
  embeddingModelDir: string | null;
  providerDefaults: {
    openaiApiKey: string | null;
    geminiApiKey: string | null;
    anthropicApiKey: string | null;
    ollamaBaseUrl: string | null;
  };
}

export class ConfigError extends Error {}

type Env = Record<string, string | undefined>;

function intSetting(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ConfigError(`${name} must be an integer between ${min} and ${max}, got '${raw}'.`);
  }
  return value;
}

function boolSetting(env: Env, name: string, fallback: boolean): boolean {
  const raw = env[name]?.trim().toLowerCase();
  if (raw === undefined || raw === '') return fallback;
  if (['1', 'true', 'yes', 'on'].includes(raw)) return true;
  if (['0', 'false', 'no', 'off'].includes(raw)) return false;
  throw new ConfigError(`${name} must be true or false, got '${env[name]}'.`);
}

function schemaName(env: Env, name: string, fallback: string): string {
  const value = env[name]?.trim() || fallback;
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(value)) {
    throw new ConfigError(`${name} must be a lower-case SQL identifier, got '${value}'.`);
  }
  return value;
}

function urlSetting(env: Env, name: string, fallback: string | null): string | null {
  const value = optional(env, name);
  if (!value) return fallback;
  if (!/^https?:\/\/[^\s/]+/.test(value))
    throw new ConfigError(`${name} must be an http(s) URL, got '${value}'.`);
  return value.replace(/\/+$/, '');
}

function smtpUrlSetting(env: Env, name: string): string | null {
  const value = optional(env, name);
  if (value && !/^smtps?:\/\/[^\s/]+/.test(value))
    throw new ConfigError(`${name} must be an smtp:// or smtps:// URL, got '${value}'.`);
  return value;
}

function optional(env: Env, name: string): string | null {
  const value = env[name]?.trim();
  return value ? value : null;
}

export function loadConfig(env: Env = process.env, cwd: string = process.cwd()): Config {
  const databaseUrl = optional(env, 'DATABASE_URL');
  if (databaseUrl && !/^postgres(ql)?:\/\//.test(databaseUrl)) {
    throw new ConfigError(`DATABASE_URL must start with postgres:// or postgresql://.`);
  }
  const redisUrl = optional(env, 'REDIS_URL');
  if (redisUrl && !/^rediss?:\/\//.test(redisUrl)) {
    throw new ConfigError(`REDIS_URL must start with redis:// or rediss://.`);
  }
  let plans: PlanTable;
  try {
    plans = parsePlans(optional(env, 'PARLEY_PLANS'));
  } catch (error) {
    throw new ConfigError(`PARLEY_PLANS is invalid: ${(error as Error).message}`);
  }
  let webhookRetryDelaysSeconds = DEFAULT_RETRY_DELAYS_SECONDS;
  const retryDelays = optional(env, 'PARLEY_WEBHOOK_RETRY_DELAYS');
  if (retryDelays) {
    try {
      webhookRetryDelaysSeconds = parseRetryDelays(retryDelays);
    } catch (error) {
      throw new ConfigError(`PARLEY_WEBHOOK_RETRY_DELAYS is invalid: ${(error as Error).message}.`);
    }
  }
  return {
    port: intSetting(env, 'PORT', 8787, 0, 65535),
    host: optional(env, 'HOST') ?? '127.0.0.1',
    dataDir: path.resolve(cwd, optional(env, 'PARLEY_DATA_DIR') ?? 'data'),
    databaseUrl,
    redisUrl,
    secretKey: optional(env, 'PARLEY_SECRET_KEY'),
    allowPrivateNetwork: boolSetting(env, 'PARLEY_ALLOW_PRIVATE_NETWORK', false),
    logLevel: optional(env, 'LOG_LEVEL') ?? 'info',
    plans,
    maxActiveApiKeys: intSetting(env, 'PARLEY_MAX_API_KEYS', 5, 1, 1000),
    apiKeyCacheTtlSeconds: intSetting(env, 'PARLEY_API_KEY_CACHE_TTL', 60, 0, 3600),
    jobSchema: schemaName(env, 'PARLEY_JOB_SCHEMA', 'pgboss'),
    maxUploadBytes: intSetting(env, 'PARLEY_MAX_UPLOAD_BYTES', 20 * 1024 * 1024, 1024, 1024 * 1024 * 1024),
    shutdownTimeoutSeconds: intSetting(env, 'PARLEY_SHUTDOWN_TIMEOUT', 10, 1, 3600),
    crawlConcurrencyPerHost: intSetting(env, 'PARLEY_CRAWL_CONCURRENCY', 2, 1, 32),
    maxMessageChars: intSetting(env, 'PARLEY_MAX_MESSAGE_CHARS', 4000, 1, 100_000),
    idempotencyStaleSeconds: intSetting(env, 'PARLEY_IDEMPOTENCY_STALE_SECONDS', 60, 1, 3600),
    webhookRetryDelaysSeconds,
    demo: boolSetting(env, 'PARLEY_DEMO', true),
    publicUrl: urlSetting(env, 'PARLEY_PUBLIC_URL', null),
    presence: {
      idleOfflineSeconds: intSetting(env, 'PARLEY_IDLE_OFFLINE_SECONDS', 900, 120, 7 * 86_400),
      offlineRequeueSeconds: intSetting(env, 'PARLEY_OFFLINE_REQUEUE_SECONDS', 600, 0, 7 * 86_400),
    },
    mail: {
      smtpUrl: smtpUrlSetting(env, 'PARLEY_SMTP_URL'),
      from: optional(env, 'PARLEY_MAIL_FROM') ?? 'Parley <parley@localhost>',
    },
    telegramApiUrl: urlSetting(env, 'PARLEY_TELEGRAM_API_URL', 'https://api.telegram.org')!,
    slackApiUrl: urlSetting(env, 'PARLEY_SLACK_API_URL', 'https://slack.com/api')!,
    whatsappApiUrl: urlSetting(env, 'PARLEY_WHATSAPP_API_URL', 'https://graph.facebook.com')!,
    telegramPollTimeoutSeconds: intSetting(env, 'PARLEY_TELEGRAM_POLL_TIMEOUT', 25, 0, 50),
    publicRateLimits: {
      perIp: intSetting(env, 'PARLEY_PUBLIC_RATE_LIMIT_IP', 120, 1, 1_000_000),
      perVisitor: intSetting(env, 'PARLEY_PUBLIC_RATE_LIMIT_VISITOR', 20, 1, 1_000_000),
    },
    trustProxy: boolSetting(env, 'PARLEY_TRUST_PROXY', false),
    embeddingModelDir: optional(env, 'PARLEY_EMBEDDING_MODEL_DIR')
      ? path.resolve(cwd, optional(env, 'PARLEY_EMBEDDING_MODEL_DIR')!)
      : null,
    providerDefaults: {
      openaiApiKey: optional(env, 'OPENAI_API_KEY'),
      geminiApiKey: optional(env, 'GEMINI_API_KEY'),
      anthropicApiKey: optional(env, 'ANTHROPIC_API_KEY'),
      ollamaBaseUrl: optional(env, 'OLLAMA_BASE_URL'),
    },
  };
}
