// Just enough of the ZIP format to tell a DOCX from other ZIP-based files and to read its title
// (docProps/core.xml), without another dependency: entries are listed from the central directory
// and read with node:zlib. ZIP64 and encrypted archives are not needed for that and not read.
// checkArchiveSize() bounds what an archive may unpack to before a library (mammoth) unpacks it.
import { createInflateRaw, inflateRawSync } from 'node:zlib';
import { UnsupportedDocumentError } from './extract-errors.ts';

const END_OF_CENTRAL_DIRECTORY = 0x06054b50;
const CENTRAL_FILE_HEADER = 0x02014b50;
const LOCAL_FILE_HEADER = 0x04034b50;
/** Never inflate an entry beyond this: core.xml is a few hundred bytes; a zip bomb is not. */
const MAX_ENTRY_BYTES = 1 << 20;

interface ZipEntry {
  name: string;
  method: number;
  compressedSize: number;
  size: number;
  localOffset: number;
}

export function isZip(body: Buffer): boolean {
  return body.length >= 4 && body.readUInt32LE(0) === LOCAL_FILE_HEADER;
}

/** The archive's entries, or [] when it is not a readable ZIP. */
export function zipEntries(body: Buffer): ZipEntry[] {
  // The end record sits in the last 22 bytes plus an optional comment of up to 64 KiB.
  const stop = Math.max(0, body.length - 22 - 0xffff);
  let end = -1;
  for (let i = body.length - 22; i >= stop; i--) {
    if (body.readUInt32LE(i) === END_OF_CENTRAL_DIRECTORY) {
      end = i;
      break;
    }
  }
  if (end < 0) return [];
  const count = body.readUInt16LE(end + 10);
  let offset = body.readUInt32LE(end + 16);
  const entries: ZipEntry[] = [];
  for (let i = 0; i < count && offset + 46 <= body.length; i++) {
    if (body.readUInt32LE(offset) !== CENTRAL_FILE_HEADER) break;
    const nameLength = body.readUInt16LE(offset + 28);
    const extraLength = body.readUInt16LE(offset + 30);
    const commentLength = body.readUInt16LE(offset + 32);
    entries.push({
      method: body.readUInt16LE(offset + 10),
      compressedSize: body.readUInt32LE(offset + 20),
      size: body.readUInt32LE(offset + 24),
      localOffset: body.readUInt32LE(offset + 42),
      name: body.toString('utf8', offset + 46, offset + 46 + nameLength),
    });
    offset += 46 + nameLength + extraLength + commentLength;
  }
  return entries;
}

/** One entry's bytes, or null when it is missing, too large or stored in a way not read here. */
export function readZipEntry(body: Buffer, name: string): Buffer | null {
  const entry = zipEntries(body).find((e) => e.name === name);
  if (!entry || entry.size > MAX_ENTRY_BYTES) return null;
  const local = entry.localOffset;
  if (local + 30 > body.length || body.readUInt32LE(local) !== LOCAL_FILE_HEADER) return null;
  const start = local + 30 + body.readUInt16LE(local + 26) + body.readUInt16LE(local + 28);
  const data = body.subarray(start, start + entry.compressedSize);
  try {
    if (entry.method === 0) return Buffer.from(data);
    if (entry.method === 8) return inflateRawSync(data, { maxOutputLength: MAX_ENTRY_BYTES });
  } catch {
    return null;
  }
  return null;
}

/** What an archive-based document may unpack to: far more than any real one, far less than a bomb. */
export const ARCHIVE_LIMITS = {
  /** All its parts together, uncompressed. */
  maxBytes: 64 * 1024 * 1024,
  /** Uncompressed over compressed size, for a part over 1 MiB (text XML compresses ~10:1). */
  maxRatio: 200,
  maxEntries: 10_000,
};

/**
 * Refuses an archive whose parts would unpack to more than the limits allow (a "zip bomb": a
 * 100 KB DOCX whose document.xml inflates to 100 MB). The sizes in the headers are checked
 * first; as they can lie, every part is then inflated as a stream, counting and discarding its
 * bytes, and stopped at its declared size: the library that reads it later gets what was checked.
 */
export async function checkArchiveSize(
  body: Buffer,
  kind: string,
  limits: typeof ARCHIVE_LIMITS = ARCHIVE_LIMITS,
): Promise<void> {
  const refuse = (why: string): never => {
    throw new UnsupportedDocumentError(kind, `The ${kind} file cannot be read: ${why}.`);
  };
  const megabytes = (bytes: number) => `${Math.round(bytes / (1024 * 1024))} MB`;
  const entries = zipEntries(body);
  if (entries.length > limits.maxEntries) refuse(`it holds more than ${limits.maxEntries} parts`);
  let total = 0;
  for (const entry of entries) {
    if (entry.size === 0xffffffff || entry.compressedSize === 0xffffffff) refuse('it is a ZIP64 archive');
    total += entry.size;
    if (total > limits.maxBytes) {
      refuse(`it unpacks to more than ${megabytes(limits.maxBytes)}, the most a document may unpack to`);
    }
    if (entry.size > 1024 * 1024 && entry.size > entry.compressedSize * limits.maxRatio) {
      refuse(`its part ${entry.name} unpacks to ${megabytes(entry.size)} from ${entry.compressedSize} bytes`);
    }
  }
  for (const entry of entries) {
    if (entry.method !== 8) continue; // stored: what is there is what is read
    const inflated = await inflatedSize(body, entry, entry.size);
    if (inflated !== entry.size) {
      refuse(`its part ${entry.name} does not unpack to the size its header gives`);
    }
  }
}

/** Bytes a deflated entry inflates to, counted without keeping them; stops past `limit`. */
function inflatedSize(body: Buffer, entry: ZipEntry, limit: number): Promise<number> {
  const local = entry.localOffset;
  if (local + 30 > body.length || body.readUInt32LE(local) !== LOCAL_FILE_HEADER) return Promise.resolve(-1);
  const start = local + 30 + body.readUInt16LE(local + 26) + body.readUInt16LE(local + 28);
  const data = body.subarray(start, start + entry.compressedSize);
  return new Promise((resolve) => {
    let count = 0;
    const inflate = createInflateRaw();
    inflate.on('data', (piece: Buffer) => {
      count += piece.length;
      if (count > limit) {
        inflate.destroy();
        resolve(count);
      }
    });
    inflate.on('end', () => resolve(count));
    inflate.on('error', () => resolve(-1));
    inflate.end(data);
  });
}
