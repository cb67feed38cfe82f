// What a chatbot knows: sources, their files, documents, chunks, and the lexical index of retrieval.
import { sql } from 'drizzle-orm';
import {
  customType,
  index,
  integer,
  jsonb,
  pgEnum,
  pgTable,
  primaryKey,
  real,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';
import { chatbots } from './chatbots.ts';
import { timestamps } from './columns.ts';
import { tenantColumns } from './workspaces.ts';

/** PostgreSQL tsvector; filled by SQL at insert (the language varies per chatbot). */
const tsvector = customType<{ data: string }>({ dataType: () => 'tsvector' });

export const sourceTypeEnum = pgEnum('source_type', ['text', 'qa', 'url', 'website', 'sitemap', 'file']);
export const sourceStatusEnum = pgEnum('source_status', ['queued', 'processing', 'ready', 'failed']);

export interface SourceConfig {
  url?: string;
  include?: string[];
  exclude?: string[];
  max_pages?: number;
  max_depth?: number;
  content?: string;
  pairs?: { question: string; answer: string }[];
}

export const sources = pgTable(
  'sources',
  {
    id: uuid('id').primaryKey(),
    ...tenantColumns(),
    chatbotId: uuid('chatbot_id')
      .notNull()
      .references(() => chatbots.id, { onDelete: 'cascade' }),
    type: sourceTypeEnum('type').notNull(),
    title: text('title').notNull(),
    config: jsonb('config').$type<SourceConfig>().notNull(),
    status: sourceStatusEnum('status').notNull().default('queued'),
    error: text('error'),
    pagesDiscovered: integer('pages_discovered').notNull().default(0),
    pagesProcessed: integer('pages_processed').notNull().default(0),
    pagesFailed: integer('pages_failed').notNull().default(0),
    chunkCount: integer('chunk_count').notNull().default(0),
    charCount: integer('char_count').notNull().default(0),
    /** Bumped by each sync; documents not seen in the current generation have disappeared. */
    generation: integer('generation').notNull().default(1),
    resyncIntervalHours: integer('resync_interval_hours'),
    nextResyncAt: timestamp('next_resync_at', { withTimezone: true, precision: 3 }),
    lastSyncedAt: timestamp('last_synced_at', { withTimezone: true, precision: 3 }),
    ...timestamps,
  },
  (table) => [
    index('sources_chatbot_idx').on(table.workspaceId, table.environment, table.chatbotId, table.id),
    index('sources_resync_idx').on(table.nextResyncAt),
  ],
);

/** Uploaded files are kept in the database so any worker node can (re)process them. */
export const sourceFiles = pgTable('source_files', {
  sourceId: uuid('source_id')
    .primaryKey()
    .references(() => sources.id, { onDelete: 'cascade' }),
  filename: text('filename').notNull(),
  contentType: text('content_type').notNull(),
  bytes: customType<{ data: Buffer }>({ dataType: () => 'bytea' })('bytes').notNull(),
});

export const documentStatusEnum = pgEnum('document_status', [
  'pending',
  'processing',
  'ready',
  'failed',
  'skipped',
]);

export const documents = pgTable(
  'documents',
  {
    id: uuid('id').primaryKey(),
    ...tenantColumns({ references: false }),
    sourceId: uuid('source_id')
      .notNull()
      .references(() => sources.id, { onDelete: 'cascade' }),
    /** The page URL, or a stable key for documents that have none (text, file, Q&A pair). */
    url: text('url').notNull(),
    title: text('title').notNull().default(''),
    canonicalUrl: text('canonical_url'),
    status: documentStatusEnum('status').notNull().default('pending'),
    depth: integer('depth').notNull().default(0),
    httpStatus: integer('http_status'),
    etag: text('etag'),
    lastModified: text('last_modified'),
    contentHash: text('content_hash'),
    /**
     * Links of the page at its last full fetch (null until fetched since links were kept): a
     * page that answers 304 Not Modified, or fails for a while, still leads the crawl to them.
     */
    links: jsonb('links').$type<string[]>(),
    charCount: integer('char_count').notNull().default(0),
    chunkCount: integer('chunk_count').notNull().default(0),
    error: text('error'),
    seenGeneration: integer('seen_generation').notNull().default(0),
    fetchedAt: timestamp('fetched_at', { withTimezone: true, precision: 3 }),
    ...timestamps,
  },
  (table) => [
    uniqueIndex('documents_source_url_idx').on(table.sourceId, table.url),
    index('documents_source_status_idx').on(table.sourceId, table.status),
  ],
);

export const chunks = pgTable(
  'chunks',
  {
    id: uuid('id').primaryKey(),
    ...tenantColumns({ references: false }),
    chatbotId: uuid('chatbot_id').notNull(),
    sourceId: uuid('source_id').notNull(),
    documentId: uuid('document_id')
      .notNull()
      .references(() => documents.id, { onDelete: 'cascade' }),
    position: integer('position').notNull(),
    title: text('title').notNull(),
    /** Heading path joined with " > ". */
    heading: text('heading').notNull().default(''),
    url: text('url'),
    text: text('text').notNull(),
    tokens: integer('tokens').notNull(),
    page: integer('page'),
    /** Set for Q&A pairs: the question, matched first at retrieval. */
    question: text('question'),
    search: tsvector('search').notNull(),
    createdAt: timestamps.createdAt,
  },
  (table) => [
    index('chunks_document_idx').on(table.documentId),
    index('chunks_chatbot_idx').on(table.chatbotId),
    index('chunks_search_idx').using('gin', table.search),
    index('chunks_text_trgm_idx').using('gin', sql`${table.text} gin_trgm_ops`),
  ],
);

// The lexical index of retrieval: postings, document frequencies and corpus sizes per chatbot, so
// BM25 runs over each bot's own statistics. Triggers on chunks (migration 0008) keep all three
// current on every insert and delete, cascades included; nothing else writes them.

/** One row per lexeme of a chunk; the index covers every column so scoring never reads the heap. */
export const retrievalPostings = pgTable(
  'retrieval_postings',
  {
    chatbotId: uuid('chatbot_id').notNull(),
    lexeme: text('lexeme').notNull(),
    chunkId: uuid('chunk_id').notNull(),
    /** The BM25 term-frequency part (saturated, length-normalised, title and heading count extra). */
    impact: real('impact').notNull(),
  },
  (table) => [index('retrieval_postings_idx').on(table.chatbotId, table.lexeme, table.chunkId, table.impact)],
);

export const retrievalTerms = pgTable(
  'retrieval_terms',
  {
    chatbotId: uuid('chatbot_id').notNull(),
    lexeme: text('lexeme').notNull(),
    /** Chunks of the bot containing the lexeme. */
    df: integer('df').notNull(),
  },
  (table) => [
    primaryKey({ columns: [table.chatbotId, table.lexeme] }),
    // Misspelled query words are matched to the bot's own vocabulary.
    index('retrieval_terms_trgm_idx').using('gin', sql`${table.lexeme} gin_trgm_ops`),
  ],
);

export const retrievalCorpus = pgTable('retrieval_corpus', {
  chatbotId: uuid('chatbot_id').primaryKey(),
  chunks: integer('chunks').notNull(),
});

/** The event outbox: written in the same transaction as the change; delivered after commit. */
