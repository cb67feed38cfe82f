// What `parley export` asks for and gets back. Apart from the exporter itself, so that the CLI
// loads none of the server's code to reach a running server.
import type { ExportPart } from '../lib/export-part.ts';
import type { Environment } from '../modules/workspaces/api-key-secrets.ts';

export const EXPORT_KINDS = ['conversations', 'leads', 'knowledge'] as const;
export type ExportKind = (typeof EXPORT_KINDS)[number];

export interface ExportRequest {
  kind: ExportKind;
  workspace?: string;
  environment?: Environment;
  /** A chatbot id (bot_…): only its records; required for knowledge. */
  chatbot?: string;
  format?: 'ndjson' | 'csv';
}

export interface Export {
  /** Records the export holds: conversations, leads or documents. */
  total: number;
  parts: AsyncIterable<ExportPart>;
}

export type Exporter = (request: ExportRequest) => Promise<Export>;
