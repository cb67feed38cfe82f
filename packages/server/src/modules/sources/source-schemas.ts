// API schemas of knowledge sources and documents, and their wire presentation.
import { Type } from 'typebox';
import type { documents, sources } from '../../db/schema.ts';
import { NOT_BLANK, Nullable, Timestamp } from '../../http/schemas.ts';
import { encodeId } from '../../lib/ids.ts';

export type SourceRow = typeof sources.$inferSelect;
export type DocumentRow = typeof documents.$inferSelect;

const Url = Type.String({
  minLength: 8,
  maxLength: 2048,
  pattern: '^https?://',
  description: 'An http(s) URL.',
});
const Pattern = Type.String({ minLength: 1, maxLength: 500 });
const ResyncHours = Type.Integer({
  minimum: 1,
  maximum: 24 * 90,
  description: 'Re-sync automatically every this many hours.',
});

const TextSource = Type.Object(
  {
    type: Type.Literal('text'),
    title: Type.String({ minLength: 1, maxLength: 300, pattern: NOT_BLANK }),
    content: Type.String({ minLength: 1, maxLength: 2_000_000, pattern: NOT_BLANK }),
    url: Type.Optional(
      Type.String({
        minLength: 8,
        maxLength: 2048,
        pattern: '^https?://',
        description: 'Where this text is published: answers that use it link there. Nothing is fetched.',
      }),
    ),
  },
  { additionalProperties: false },
);
const QaSource = Type.Object(
  {
    type: Type.Literal('qa'),
    title: Type.Optional(Type.String({ minLength: 1, maxLength: 300, pattern: NOT_BLANK })),
    pairs: Type.Array(
      Type.Object(
        {
          question: Type.String({ minLength: 1, maxLength: 1000, pattern: NOT_BLANK }),
          answer: Type.String({ minLength: 1, maxLength: 20_000, pattern: NOT_BLANK }),
        },
        { additionalProperties: false },
      ),
      { minItems: 1, maxItems: 5000 },
    ),
  },
  { additionalProperties: false },
);
const UrlSource = Type.Object(
  { type: Type.Literal('url'), url: Url, resync_interval_hours: Type.Optional(ResyncHours) },
  { additionalProperties: false },
);
const WebsiteSource = Type.Object(
  {
    type: Type.Literal('website'),
    url: Url,
    include: Type.Optional(Type.Array(Pattern, { maxItems: 50 })),
    exclude: Type.Optional(Type.Array(Pattern, { maxItems: 50 })),
    max_pages: Type.Optional(Type.Integer({ minimum: 1, maximum: 10_000 })),
    max_depth: Type.Optional(Type.Integer({ minimum: 0, maximum: 50 })),
    resync_interval_hours: Type.Optional(ResyncHours),
  },
  { additionalProperties: false },
);
const SitemapSource = Type.Object(
  {
    type: Type.Literal('sitemap'),
    url: Url,
    include: Type.Optional(Type.Array(Pattern, { maxItems: 50 })),
    exclude: Type.Optional(Type.Array(Pattern, { maxItems: 50 })),
    max_pages: Type.Optional(Type.Integer({ minimum: 1, maximum: 10_000 })),
    resync_interval_hours: Type.Optional(ResyncHours),
  },
  { additionalProperties: false },
);
/** A file is sent as multipart/form-data with fields `type=file` and `file`; this is what it becomes. */
const FileSource = Type.Object(
  {
    type: Type.Literal('file'),
    title: Type.Optional(Type.String({ minLength: 1, maxLength: 300, pattern: NOT_BLANK })),
  },
  { additionalProperties: false },
);

/**
 * Discriminated by `type`, so a bad request is reported against the variant it meant
 * (`url` of a website source) rather than the first variant tried.
 */
export const CreateSourceBody = Type.Unsafe<CreateSourceInput>({
  type: 'object',
  required: ['type'],
  discriminator: { propertyName: 'type' },
  oneOf: [TextSource, QaSource, UrlSource, WebsiteSource, SitemapSource, FileSource],
  description:
    'One of: text, qa, url, website, sitemap (JSON), or file (multipart/form-data with fields `type=file` and `file`).',
});

export type CreateSourceInput =
  | { type: 'text'; title: string; content: string; url?: string }
  | { type: 'qa'; title?: string; pairs: { question: string; answer: string }[] }
  | { type: 'url'; url: string; resync_interval_hours?: number }
  | {
      type: 'website';
      url: string;
      include?: string[];
      exclude?: string[];
      max_pages?: number;
      max_depth?: number;
      resync_interval_hours?: number;
    }
  | {
      type: 'sitemap';
      url: string;
      include?: string[];
      exclude?: string[];
      max_pages?: number;
      resync_interval_hours?: number;
    }
  | { type: 'file'; title?: string };

export const ResyncBody = Type.Object(
  {
    allow_removals: Type.Optional(
      Type.Boolean({
        description:
          'Lets this re-sync remove the pages it no longer reaches even when they are more than half of the source (refused otherwise, to survive a broken menu or a half-down site). Applies to this re-sync only.',
        default: false,
      }),
    ),
  },
  { additionalProperties: false },
);

export interface ResyncInput {
  allow_removals?: boolean;
}

export const SourceResponse = Type.Object({
  id: Type.String({ examples: ['src_01jdz6qg0ef8s9cm8y0d7sv9k2'] }),
  chatbot_id: Type.String(),
  type: Type.Enum(['text', 'qa', 'url', 'website', 'sitemap', 'file']),
  title: Type.String(),
  url: Nullable(Type.String()),
  include: Type.Array(Type.String()),
  exclude: Type.Array(Type.String()),
  max_pages: Nullable(Type.Integer()),
  max_depth: Nullable(Type.Integer()),
  status: Type.Enum(['queued', 'processing', 'ready', 'failed']),
  error: Nullable(Type.String()),
  pages_discovered: Type.Integer(),
  pages_processed: Type.Integer(),
  pages_failed: Type.Integer(),
  chunks: Type.Integer(),
  chars: Type.Integer(),
  resync_interval_hours: Nullable(Type.Integer()),
  last_synced_at: Nullable(Timestamp),
  next_resync_at: Nullable(Timestamp),
  created_at: Timestamp,
  updated_at: Timestamp,
});

export const DocumentResponse = Type.Object({
  id: Type.String(),
  source_id: Type.String(),
  url: Nullable(Type.String()),
  title: Type.String(),
  status: Type.Enum(['pending', 'processing', 'ready', 'failed', 'skipped']),
  http_status: Nullable(Type.Integer()),
  chars: Type.Integer(),
  chunks: Type.Integer(),
  content_hash: Nullable(Type.String()),
  fetched_at: Nullable(Timestamp),
  error: Nullable(Type.String()),
});

export function presentSource(row: SourceRow) {
  const config = row.config;
  return {
    id: encodeId('src', row.id),
    chatbot_id: encodeId('bot', row.chatbotId),
    type: row.type,
    title: row.title,
    url: config.url ?? null,
    include: config.include ?? [],
    exclude: config.exclude ?? [],
    max_pages: config.max_pages ?? null,
    max_depth: config.max_depth ?? null,
    status: row.status,
    error: row.error,
    pages_discovered: row.pagesDiscovered,
    pages_processed: row.pagesProcessed,
    pages_failed: row.pagesFailed,
    chunks: row.chunkCount,
    chars: row.charCount,
    resync_interval_hours: row.resyncIntervalHours,
    last_synced_at: row.lastSyncedAt?.toISOString() ?? null,
    next_resync_at: row.nextResyncAt?.toISOString() ?? null,
    created_at: row.createdAt.toISOString(),
    updated_at: row.updatedAt.toISOString(),
  };
}

/** Documents without a web address (text, file, Q&A) have an internal key in `url`. */
export function presentDocument(row: DocumentRow) {
  return {
    id: encodeId('doc', row.id),
    source_id: encodeId('src', row.sourceId),
    url: /^https?:\/\//.test(row.url) ? row.url : null,
    title: row.title,
    status: row.status,
    http_status: row.httpStatus,
    chars: row.charCount,
    chunks: row.chunkCount,
    content_hash: row.contentHash,
    fetched_at: row.fetchedAt?.toISOString() ?? null,
    error: row.error,
  };
}
