import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..');
let output = '';
let outfile = '';

// Built into a temporary folder: other tests may be serving dist/widget.js meanwhile.
beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'parley-widget-'));
  outfile = join(dir, 'widget.js');
  const { stdout } = await promisify(execFile)(process.execPath, ['build.ts', '--outfile', outfile], {
    cwd: root,
  });
  output = stdout;
  return () => rmSync(dir, { recursive: true, force: true });
}, 120_000);

describe('dist/widget.js', () => {
  it('is one self-contained script (an IIFE, no imports) within 30 KB gzipped', () => {
    const code = readFileSync(outfile);
    const text = code.toString();
    expect(text.slice(0, 30)).toMatch(/^("use strict";)?\(\(\)=>\{/);
    expect(text.trimEnd().endsWith('})();')).toBe(true);
    expect(/\bimport\s*[({"']|\brequire\(/.test(text)).toBe(false);
    expect(gzipSync(code, { level: 9 }).length).toBeLessThanOrEqual(30 * 1024);
    expect(output).toMatch(/widget\.js: [\d.]+ KB raw, [\d.]+ KB gzipped/);
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
