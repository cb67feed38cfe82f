import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  docTitle,
  mergeServerOrigins,
  REPO_ROOT,
  readDemoDoc,
  serverBaseUrl,
  serverOrigins,
} from './demo-docs.ts';

describe('docTitle', () => {
  it('is the first level-one heading', () => {
    expect(docTitle('Intro line\n\n# Knowledge sources\n\n## Crawling\n')).toBe('Knowledge sources');
    expect(docTitle('# Chat ##\ntext')).toBe('Chat');
  });

  it('falls back to the first non-blank line, then to a placeholder', () => {
    expect(docTitle('\n\n  Plain notes  \nmore')).toBe('Plain notes');
    expect(docTitle('## Only a subheading')).toBe('## Only a subheading');
    expect(docTitle('   \n')).toBe('Untitled');
  });

  it('fits a source title', () => {
    expect(docTitle(`# ${'x'.repeat(400)}`)).toHaveLength(300);
  });
});

describe('serverOrigins', () => {
  it('names loopback by address and by name', () => {
    expect(serverOrigins('127.0.0.1', 8787)).toEqual(['http://127.0.0.1:8787', 'http://localhost:8787']);
    expect(serverOrigins('localhost', 80)).toEqual(['http://127.0.0.1:80', 'http://localhost:80']);
  });

  it('adds a configured host, but not an any-address or an IPv6 literal', () => {
    expect(serverOrigins('parley.internal', 9000)).toContain('http://parley.internal:9000');
    expect(serverOrigins('0.0.0.0', 9000)).toHaveLength(2);
    expect(serverOrigins('::', 9000)).toHaveLength(2);
    expect(serverOrigins('::1', 9000)).toHaveLength(2);
  });
});

describe('mergeServerOrigins', () => {
  it("replaces the server's origins from an earlier port and keeps other sites", () => {
    const existing = ['http://127.0.0.1:5000', 'http://localhost:5000', 'https://www.example.com'];
    expect(mergeServerOrigins(existing, serverOrigins('127.0.0.1', 6000))).toEqual([
      'http://127.0.0.1:6000',
      'http://localhost:6000',
      'https://www.example.com',
    ]);
  });

  it('changes nothing when the port is the same', () => {
    const current = serverOrigins('127.0.0.1', 6000);
    expect(mergeServerOrigins([...current, 'https://*.example.com'], current)).toEqual([
      ...current,
      'https://*.example.com',
    ]);
  });
});

describe('serverBaseUrl', () => {
  it('is the configured host, or loopback when the host is not one a browser can open', () => {
    expect(serverBaseUrl('127.0.0.1', 8787)).toBe('http://127.0.0.1:8787');
    expect(serverBaseUrl('parley.internal', 80)).toBe('http://parley.internal:80');
    expect(serverBaseUrl('0.0.0.0', 8787)).toBe('http://127.0.0.1:8787');
    expect(serverBaseUrl('::', 8787)).toBe('http://127.0.0.1:8787');
  });
});

describe('readDemoDoc', () => {
  it('reads the README and docs/*.md only', () => {
    expect(readDemoDoc(REPO_ROOT, 'README.md')).toMatch(/^# Parley/);
    expect(readDemoDoc(REPO_ROOT, 'docs/widget.md')).toMatch(/^# The website widget/);
    for (const other of [
      'package.json',
      'docs/../README.md',
      '../README.md',
      'docs/sub/x.md',
      '/etc/passwd',
    ]) {
      expect(readDemoDoc(REPO_ROOT, other), other).toBeNull();
    }
  });
});

describe('REPO_ROOT', () => {
  it('is the repository root, found from this module and not from the working directory', () => {
    expect(existsSync(path.join(REPO_ROOT, 'README.md'))).toBe(true);
    expect(existsSync(path.join(REPO_ROOT, 'docs', 'widget.md'))).toBe(true);
  });
});
