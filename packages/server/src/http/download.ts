// Exports sent as a file to save: NDJSON or CSV, named after what they hold and the day.

import type { Readable } from 'node:stream';
import type { FastifyReply } from 'fastify';

/** Sends `body` as an attachment named like `leads-2026-12-07.csv`. */
export function sendDownload(reply: FastifyReply, name: string, format: 'ndjson' | 'csv', body: Readable) {
  const stamp = new Date().toISOString().slice(0, 10);
  return reply
    .header('content-type', format === 'csv' ? 'text/csv; charset=utf-8' : 'application/x-ndjson')
    .header('content-disposition', `attachment; filename="${name}-${stamp}.${format}"`)
    .send(body);
}
