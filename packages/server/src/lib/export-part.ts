// Exports are written as they are read, a batch at a time. Each part says how many records
// (conversations, leads, documents) it holds, so that whoever writes it can show progress.
import { Readable } from 'node:stream';

export interface ExportPart {
  text: string;
  records: number;
}

/** The parts' text as one stream: what an HTTP download sends. */
export function exportStream(parts: AsyncIterable<ExportPart>): Readable {
  return Readable.from(
    (async function* () {
      for await (const part of parts) yield part.text;
    })(),
  );
}
