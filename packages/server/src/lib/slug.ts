// URL-friendly slugs: "Café Support Bot!" → "cafe-support-bot".
import { randomBytes } from 'node:crypto';

const MAX_LENGTH = 64;

export function slugify(text: string, fallback = 'item'): string {
  const slug = text
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, MAX_LENGTH)
    .replace(/-+$/g, '');
  return slug || fallback;
}

/** The first of `base`, `base-2`, `base-3`, … that is not taken. */
export function nextFreeSlug(base: string, taken: Iterable<string>): string {
  const used = new Set(taken);
  if (!used.has(base)) return base;
  for (let n = 2; ; n++) {
    const suffix = `-${n}`;
    const candidate = `${base.slice(0, MAX_LENGTH - suffix.length).replace(/-+$/g, '')}${suffix}`;
    if (!used.has(candidate)) return candidate;
  }
}

/** `base` with a random suffix (`base-x7k2q`): for a retry after a concurrent create took the free one. */
export function randomSlug(base: string): string {
  const suffix = `-${randomBytes(4).readUInt32BE(0).toString(36).slice(0, 5)}`;
  return `${base.slice(0, MAX_LENGTH - suffix.length).replace(/-+$/g, '')}${suffix}`;
}
