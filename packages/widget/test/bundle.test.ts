import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..');
let output = '';

beforeAll(async () => {
  const { stdout } = await promisify(execFile)(process.execPath, ['build.ts'], { cwd: root });
  output = stdout;
}, 120_000);

describe('dist/widget.js', () => {
  it('is one self-contained script (an IIFE, no imports) within 30 KB gzipped', () => {
    const code = readFileSync(join(root, 'dist', 'widget.js'));
    const text = code.toString();
    expect(text.slice(0, 30)).toMatch(/^("use strict";)?\(\(\)=>\{/);
    expect(text.trimEnd().endsWith('})();')).toBe(true);
    expect(/\bimport\s*[({"']|\brequire\(/.test(text)).toBe(false);
    expect(gzipSync(code, { level: 9 }).length).toBeLessThanOrEqual(30 * 1024);
    expect(output).toMatch(/dist\/widget\.js: [\d.]+ KB raw, [\d.]+ KB gzipped/);
  });

  it('builds no markup from strings anywhere in the widget source', () => {
    const dir = join(root, 'src');
    for (const file of readdirSync(dir)) {
      const text = readFileSync(join(dir, file), 'utf8');
      expect(text, file).not.toMatch(
        /dangerouslySetInnerHTML|innerHTML|outerHTML|insertAdjacentHTML|document\.write/,
      );
    }
  });
});
