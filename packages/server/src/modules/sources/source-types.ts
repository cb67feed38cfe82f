// Shapes shared by the ingestion pipeline: what extraction produces from one fetched or uploaded
// document, and the chunks that are indexed for retrieval.

/** A run of text under one heading path, in reading order. */
export interface Section {
  /** Headings from the top of the document down to this section, e.g. ["Billing", "Refunds"]. */
  headingPath: string[];
  /** Paragraphs separated by blank lines; lists as "- item", tables as "a | b" rows, code kept verbatim. */
  text: string;
  /** 1-based PDF page where the section starts, when known. */
  page?: number;
}

export interface ExtractedDocument {
  title: string;
  /** <link rel="canonical"> resolved against the page URL, when present. */
  canonicalUrl: string | null;
  sections: Section[];
  /** <meta name="robots" content="noindex"> (or X-Robots-Tag): the page must not be indexed. */
  noindex: boolean;
  /** <meta name="robots" content="nofollow">: links on the page must not be followed. */
  nofollow: boolean;
  /** Absolute http(s) links found anywhere on the page (navigation included), for crawling. */
  links: string[];
}

export interface ExtractInput {
  body: Buffer;
  /** Content-Type header or the upload's type; may be empty. */
  contentType: string;
  /** The page URL (for relative links and canonical), or null for an upload. */
  url: string | null;
  /** The uploaded file's name, used to recognise the format when the type is vague. */
  filename?: string | null;
}

export interface Chunk {
  /** 0-based position in the document. */
  index: number;
  text: string;
  headingPath: string[];
  /** Token count of `text` (cl100k_base). */
  tokens: number;
  page: number | null;
}

export interface ChunkOptions {
  /** Target chunk size in tokens (default 400). */
  targetTokens?: number;
  /** Tokens repeated from the end of one chunk at the start of the next (default 60). */
  overlapTokens?: number;
}
