// How extracted documents mark code: a Markdown fence around each code block (a <pre> of a web
// page, a fenced or indented block of a Markdown file), so that chunks, answers and models read
// code as code. Extraction writes the fences; chunking keeps each chunk's fences balanced.

/** A line that opens or closes a fenced block: three or more backticks, an optional info string. */
export const FENCE_LINE = /^ {0,3}(`{3,})[^`]*$/;

/** The code between fence lines, with a fence longer than any backtick run that opens a line in it. */
export function fenceCode(code: string): string {
  let longest = 0;
  for (const match of code.matchAll(/^ {0,3}(`{3,})/gm)) longest = Math.max(longest, match[1]!.length);
  const fence = '`'.repeat(Math.max(3, longest + 1));
  return `${fence}\n${code}\n${fence}`;
}
