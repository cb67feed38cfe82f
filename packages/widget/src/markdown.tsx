/** @jsxImportSource preact */
// Markdown to Preact VNodes, for bot and agent replies. Every piece of the reply ends up as a
// text node or as an element this file chose (p, strong, em, code, pre, ul, ol, li, a, br,
// hr): there is no HTML string anywhere, so `<img onerror=…>` in a reply is shown as text.
// Links are kept only for http(s) and mailto URLs. It covers what chat answers use, not all
// of CommonMark: paragraphs, emphasis, code, fenced code, lists, headings, links, citations.

import type { ComponentChildren, VNode } from 'preact';
import type { Source } from './types.ts';

const SAFE_PROTOCOLS = new Set(['http:', 'https:', 'mailto:']);

/** The URL, normalised, when it is absolute and http(s) or mailto; null for anything else. */
export function safeUrl(raw: string | null | undefined): string | null {
  if (!raw) return null;
  try {
    // URL parsing drops tabs and newlines and lower-cases the scheme, so `java\nscript:` and
    // `JavaScript:` are seen for what they are.
    const url = new URL(raw.trim());
    return SAFE_PROTOCOLS.has(url.protocol) ? url.href : null;
  } catch {
    return null;
  }
}

type LinkProps = {
  href: string;
  children: ComponentChildren;
  class?: string;
  title?: string;
  testid?: string;
};

/** Every link the widget shows opens in a new tab, without giving that tab a handle on the page. */
export function ExternalLink({ href, children, class: className, title, testid }: LinkProps) {
  return (
    <a
      href={href}
      class={className}
      title={title}
      data-testid={testid}
      target="_blank"
      rel="noopener noreferrer"
    >
      {children}
    </a>
  );
}

/** The source a citation marker `[n]` points at: by its `citation` number, else the n-th one. */
export function citedSource(sources: Source[], n: number): Source | undefined {
  const numbered = sources.find((s) => s.citation === n);
  if (numbered) return numbered;
  return sources.some((s) => typeof s.citation === 'number') ? undefined : sources[n - 1];
}

type Ctx = { sources: Source[] };

const FENCE = /^ {0,3}(`{3,}|~{3,})\s*([^`\s]*)/;
const HEADING = /^ {0,3}#{1,6}\s+(.*?)\s*#*\s*$/;
const RULE = /^ {0,3}([-*_])(?:\s*\1){2,}\s*$/;
const BULLET = /^\s*[-*+]\s+(.*)$/;
const NUMBERED = /^\s*(\d{1,9})[.)]\s+(.*)$/;

export function renderMarkdown(text: string, sources: Source[] = []): VNode[] {
  const ctx: Ctx = { sources };
  const lines = text.replace(/\r\n?/g, '\n').split('\n');
  const blocks: VNode[] = [];
  let i = 0;
  while (i < lines.length) {
    const line = lines[i]!;
    const fence = FENCE.exec(line);
    if (fence) {
      const marker = fence[1]!;
      const body: string[] = [];
      i++;
      // An unclosed fence runs to the end: that is also how a reply still streaming looks.
      while (i < lines.length && !isFenceClose(lines[i]!, marker)) body.push(lines[i++]!);
      i++;
      blocks.push(
        <pre>
          <code data-lang={fence[2] || undefined}>{body.join('\n')}</code>
        </pre>,
      );
      continue;
    }
    if (!line.trim()) {
      i++;
      continue;
    }
    if (RULE.test(line)) {
      blocks.push(<hr />);
      i++;
      continue;
    }
    const heading = HEADING.exec(line);
    if (heading) {
      blocks.push(
        <p class="md-heading">
          <strong>{inline(heading[1]!, ctx)}</strong>
        </p>,
      );
      i++;
      continue;
    }
    if (BULLET.test(line) || NUMBERED.test(line)) {
      i = list(lines, i, ctx, blocks);
      continue;
    }
    const para: string[] = [];
    while (i < lines.length && lines[i]!.trim() && !startsBlock(lines[i]!)) para.push(lines[i++]!.trim());
    blocks.push(<p>{joinLines(para, ctx)}</p>);
  }
  return blocks;
}

const isFenceClose = (line: string, marker: string) =>
  new RegExp(`^ {0,3}${marker[0] === '`' ? '`' : '~'}{${marker.length},}\\s*$`).test(line);

const startsBlock = (line: string) =>
  FENCE.test(line) || HEADING.test(line) || RULE.test(line) || BULLET.test(line) || NUMBERED.test(line);

function joinLines(lines: string[], ctx: Ctx): ComponentChildren[] {
  const out: ComponentChildren[] = [];
  lines.forEach((l, n) => {
    if (n > 0) out.push(<br />);
    out.push(...inline(l, ctx));
  });
  return out;
}

const indentOf = (line: string) => /^\s*/.exec(line)![0].replace(/\t/g, '    ').length;
const isItem = (line: string) => BULLET.test(line) || NUMBERED.test(line);

/**
 * Consecutive items of one kind make one list. An item indented under another (by more than the
 * list's own indentation) starts a list nested in that item, rendered the same way.
 */
function list(lines: string[], start: number, ctx: Ctx, blocks: VNode[]): number {
  const ordered = !BULLET.test(lines[start]!);
  const pattern = ordered ? NUMBERED : BULLET;
  const base = indentOf(lines[start]!);
  const items: { text: string[]; nested: VNode[] }[] = [];
  let i = start;
  while (i < lines.length) {
    const line = lines[i]!;
    const m = pattern.exec(line);
    const indent = indentOf(line);
    if (line.trim() && indent < base) break; // back to an outer list
    if (isItem(line) && indent > base + 1 && items.length > 0) {
      i = list(lines, i, ctx, items[items.length - 1]!.nested); // a list nested in the item
    } else if (m) {
      items.push({ text: [(ordered ? m[2] : m[1])!.trim()], nested: [] });
      i++;
    } else if (line.trim() && /^\s/.test(line) && !startsBlock(line) && items.length > 0) {
      items[items.length - 1]!.text.push(line.trim()); // an indented continuation of the item
      i++;
    } else if (
      !line.trim() &&
      i + 1 < lines.length &&
      isItem(lines[i + 1]!) &&
      indentOf(lines[i + 1]!) >= base
    ) {
      i++; // a blank line between items keeps one list
    } else break;
  }
  const children = items.map((item) => (
    <li>
      {joinLines(item.text, ctx)}
      {item.nested}
    </li>
  ));
  if (ordered) {
    const first = Number(NUMBERED.exec(lines[start]!)![1]);
    blocks.push(<ol start={first !== 1 ? first : undefined}>{children}</ol>);
  } else blocks.push(<ul>{children}</ul>);
  return i;
}

const ESCAPABLE = /[\\`*_[\]()#+\-.!~<>|{}]/;
// The URL may hold one level of balanced parentheses, as in …/wiki/Mercury_(planet).
const LINK = /\[([^\]\n]+)\]\(\s*<?((?:[^()\s<>]|\([^()\s<>]*\))+)>?(?:\s+"[^"\n]*")?\s*\)/y;
const CITATION = /\[(\d{1,3}(?:\s*,\s*\d{1,3})*)\]/y;
const AUTOLINK = /(?:https?:\/\/|mailto:)[^\s<>"'`]+/y;
const CODE = /(`+)([^`]|[^`][\s\S]*?[^`])\1(?!`)/y;

/** Inline Markdown to text and elements. Anything that does not parse stays as literal text. */
export function inline(text: string, ctx: Ctx): ComponentChildren[] {
  const out: ComponentChildren[] = [];
  let buf = '';
  const flush = () => {
    if (buf) out.push(buf);
    buf = '';
  };
  const at = (re: RegExp, i: number) => {
    re.lastIndex = i;
    return re.exec(text);
  };
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (c === '\\' && ESCAPABLE.test(text[i + 1] ?? '')) {
      buf += text[i + 1];
      i += 2;
      continue;
    }
    if (c === '`') {
      const m = at(CODE, i);
      if (m) {
        flush();
        out.push(<code>{m[2]!.replace(/^ (.*) $/, '$1')}</code>);
        i += m[0].length;
        continue;
      }
    }
    if (c === '*' || c === '_') {
      const marker = text[i + 1] === c ? c + c : c;
      const close = emphasisClose(text, i, marker);
      if (close > 0) {
        flush();
        const inner = inline(text.slice(i + marker.length, close), ctx);
        out.push(marker.length === 2 ? <strong>{inner}</strong> : <em>{inner}</em>);
        i = close + marker.length;
        continue;
      }
    }
    if (c === '[') {
      const link = at(LINK, i);
      if (link) {
        flush();
        const href = safeUrl(link[2]);
        const label = inline(link[1]!, ctx);
        out.push(href ? <ExternalLink href={href}>{label}</ExternalLink> : <span>{label}</span>);
        i += link[0].length;
        continue;
      }
      const cite = at(CITATION, i);
      if (cite && citation(cite[1]!, ctx, out, flush)) {
        i += cite[0].length;
        continue;
      }
    }
    if ((c === 'h' || c === 'm') && !/\w/.test(text[i - 1] ?? '')) {
      const m = at(AUTOLINK, i);
      if (m) {
        const url = trimUrl(m[0]);
        const href = safeUrl(url);
        if (href) {
          flush();
          out.push(<ExternalLink href={href}>{url}</ExternalLink>);
          i += url.length;
          continue;
        }
      }
    }
    buf += c;
    i++;
  }
  flush();
  return out;
}

/** `[1]` or `[1, 2]`: a link per number to the cited source; false (literal text) if one is unknown. */
function citation(numbers: string, ctx: Ctx, out: ComponentChildren[], flush: () => void): boolean {
  const cited = numbers.split(',').map((n) => {
    const source = citedSource(ctx.sources, Number(n.trim()));
    return { n: Number(n.trim()), source, href: safeUrl(source?.url) };
  });
  if (cited.some((c) => !c.href)) return false;
  flush();
  for (const c of cited) {
    out.push(
      <ExternalLink href={c.href!} class="cite" title={c.source?.title || c.href!} testid="parley-citation">
        [{c.n}]
      </ExternalLink>,
    );
  }
  return true;
}

/**
 * Where the emphasis opened at `start` by `marker` closes, or -1. Like CommonMark's flanking
 * rules, loosely: the opener is followed and the closer preceded by a non-space, and `_` does
 * not open or close inside a word (so snake_case stays as it is).
 */
function emphasisClose(text: string, start: number, marker: string): number {
  const c = marker[0]!;
  const open = start + marker.length;
  if (!text[open] || /\s/.test(text[open]!)) return -1;
  if (c === '_' && /\w/.test(text[start - 1] ?? '')) return -1;
  for (let j = open + 1; j < text.length; j++) {
    if (text[j] === '`') {
      const code = text.indexOf('`', j + 1); // emphasis markers inside code do not count
      if (code === -1) return -1;
      j = code;
      continue;
    }
    if (!text.startsWith(marker, j)) continue;
    if (marker.length === 1 && text[j + 1] === c) {
      j++; // a double marker inside single emphasis is a nested strong, not our closer
      continue;
    }
    if (/\s/.test(text[j - 1]!)) continue;
    if (c === '_' && /\w/.test(text[j + marker.length] ?? '')) continue;
    return j;
  }
  return -1;
}

/** A bare URL ends before trailing punctuation, and before a `)` it did not open. */
function trimUrl(url: string): string {
  let end = url.length;
  for (;;) {
    const last = url[end - 1];
    if (last && '.,;:!?\'"'.includes(last)) end--;
    else if (last === ')' && !url.slice(0, end - 1).includes('(')) end--;
    else break;
  }
  return url.slice(0, end);
}
