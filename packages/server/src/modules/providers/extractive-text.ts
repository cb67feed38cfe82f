// Pure text helpers for the offline extractive answerer: split a passage into displayable units
// (sentences, list items, headings, Q&A questions, code), and turn text into stemmed content terms.
// Everything here is deterministic and allocation-light: the answerer runs on every test-mode chat.

export type UnitKind = 'sentence' | 'item' | 'row' | 'heading' | 'question' | 'code';

export interface TextUnit {
  kind: UnitKind;
  /**
   * Display text: list markers and heading hashes removed, a table row as "Header: cell, …",
   * everything else as in the source.
   */
  text: string;
  /** Paragraph, list, table or code block the unit belongs to; a block's units are contiguous. */
  block: number;
  /** Index (in the returned array) of the heading or question that opened the unit's section; -1 before any. */
  section: number;
  /** List items only: numbered ("1.", "2)") lists are steps and are quoted whole. */
  ordered?: boolean;
}

// ---------------------------------------------------------------------------------------------
// Words

/**
 * Function words plus the words people wrap a support question in ("how do I", "can you tell me").
 * Dropping them from both sides keeps a sentence from matching a question on "the" or "how".
 */
export const STOP_WORDS: ReadonlySet<string> = new Set(
  `a about above after again against all also am an and any are aren't as at be because been before being
  below between both but by can can't cannot could couldn't did didn't do does doesn't doing don't down
  during each either else etc ever every few for from further had hadn't has hasn't have haven't having he
  he'd he'll he's her here here's hers herself him himself his how how's however i i'd i'll i'm i've if in
  into is isn't it it's its itself just let's may me might mine more most much must mustn't my myself
  lot lots many neither no nor not now of off often on once one only or other ought our ours ourselves out over own per
  please quite rather really same shall shan't she she'd she'll she's should shouldn't so some such than
  that that's the their theirs them themselves then there there's these they they'd they'll they're they've
  this those though through thus to too under until up upon us very via was wasn't we we'd we'll we're
  we've were weren't what what's whatever when when's where where's whether which while who who's whom
  whose why why's will with within without won't would wouldn't yes yet you you'd you'll you're you've
  your yours yourself yourselves`.split(/\s+/),
);

/**
 * Words that carry no topic in a *question* ("how does X work", "tell me your refund policy", "hi,
 * thanks"). They are removed from the query only: a passage saying "works with Slack" does not
 * answer "how do refunds work?", and a help center that never says "policy" still has refund rules.
 */
export const QUESTION_FILLER: ReadonlySet<string> = new Set(
  `able actually afternoon alright anybody anyone anything appreciate appreciated ask asking awesome bye
  cheers cool currently cya detail details evening exactly explain find get getting give go goodbye good
  great greetings hello help hey hi hiya howdy info information kind know let like long look looking make
  mean morning need nice okay ok option options perfect policy policies possible procedure process
  question rule rules say see someone something sure tell thank thanks thing things thx try ty type types
  want way work works working`.split(/\s+/),
);

// A letter run with inner apostrophes ("don't"), or a number with inner separators ("3.5", "1,000").
const TOKEN_RE = /\p{N}+(?:[.,:]\p{N}+)*|[\p{L}\p{N}]+(?:'\p{L}+)*/gu;
// The same for ASCII text, several times faster than the Unicode classes: most text takes this path.
const ASCII_TOKEN_RE = /[0-9]+(?:[.,:][0-9]+)*|[a-z0-9]+(?:'[a-z]+)*/g;
// Dashes, quotes, arrows and currency signs separate words under either expression.
const BEYOND_ASCII_RE = /[^ -~\s\u2000-\u206f\u20a0-\u20cf]/;

/** Lowercased word and number tokens; curly apostrophes are folded so "don’t" is a stop word. */
export function tokenize(text: string): string[] {
  const lower = text.toLowerCase().replace(/[’‘]/g, "'");
  return lower.match(BEYOND_ASCII_RE.test(lower) ? TOKEN_RE : ASCII_TOKEN_RE) ?? [];
}

/** Stemmed content terms of a text, in order, repeats kept. Possessive "'s" is dropped. */
export function contentTerms(text: string, extraStopWords?: ReadonlySet<string>): string[] {
  const terms: string[] = [];
  for (const token of tokenize(text)) {
    if (STOP_WORDS.has(token) || extraStopWords?.has(token)) continue;
    const word = token.endsWith("'s") ? token.slice(0, -2) : token;
    // Single letters and stray digits ("a", "2") match too much to be evidence.
    if (word.length < 2 && !/\p{N}/u.test(word)) continue;
    terms.push(stem(word));
  }
  return terms;
}

// ---------------------------------------------------------------------------------------------
// Porter stemmer (M. F. Porter, 1980), step for step the algorithm of the `stemmer` npm package
// (words/stemmer), so on lowercase ASCII words that package can replace this function without
// changing a single score.

const C = '[^aeiou][^aeiouy]*';
const V = '[aeiouy][aeiou]*';
const MGR0 = new RegExp(`^(${C})?${V}${C}`); // measure > 0
const MEQ1 = new RegExp(`^(${C})?${V}${C}(${V})?$`); // measure = 1
const MGR1 = new RegExp(`^(${C})?${V}${C}${V}${C}`); // measure > 1
const HAS_VOWEL = new RegExp(`^(${C})?[aeiouy]`);
const CVC = new RegExp(`^${C}[aeiouy][^aeiouwxy]$`);
// biome-ignore format: a lookup table reads best packed
const STEP2: Record<string, string> = {
  ational: 'ate', tional: 'tion', enci: 'ence', anci: 'ance', izer: 'ize', bli: 'ble', alli: 'al',
  entli: 'ent', eli: 'e', ousli: 'ous', ization: 'ize', ation: 'ate', ator: 'ate', alism: 'al',
  iveness: 'ive', fulness: 'ful', ousness: 'ous', aliti: 'al', iviti: 'ive', biliti: 'ble', logi: 'log',
};
const STEP3: Record<string, string> = {
  icate: 'ic',
  ative: '',
  alize: 'al',
  iciti: 'ic',
  ical: 'ic',
  ful: '',
  ness: '',
};
const STEP2_RE = new RegExp(`^(.+?)(${Object.keys(STEP2).join('|')})$`);
const STEP3_RE = new RegExp(`^(.+?)(${Object.keys(STEP3).join('|')})$`);
const STEP4_RE = /^(.+?)(al|ance|ence|er|ic|able|ible|ant|ement|ment|ent|ou|ism|ate|iti|ous|ive|ize)$/;

// Stems repeat across passages and requests; a bounded cache keeps stemming off the profile.
const stemCache = new Map<string, string>();

/** Porter stem of one lowercase word; words with digits or non-ASCII letters come back unchanged. */
export function stem(word: string): string {
  const cached = stemCache.get(word);
  if (cached !== undefined) return cached;
  const result = word.length < 3 || !/^[a-z]+$/.test(word) ? word : porter(word);
  if (stemCache.size >= 20_000) stemCache.clear();
  stemCache.set(word, result);
  return result;
}

function porter(input: string): string {
  let w = input[0] === 'y' ? `Y${input.slice(1)}` : input;
  // Step 1a: plurals.
  if (/^.+?(ss|i)es$/.test(w)) w = w.slice(0, -2);
  else if (/^.+?[^s]s$/.test(w)) w = w.slice(0, -1);
  // Step 1b: -eed, -ed, -ing.
  const eed = /^(.+?)eed$/.exec(w);
  const edIng = eed ? null : /^(.+?)(ed|ing)$/.exec(w);
  if (eed) {
    if (MGR0.test(eed[1]!)) w = w.slice(0, -1);
  } else if (edIng && HAS_VOWEL.test(edIng[1]!)) {
    w = edIng[1]!;
    if (/(at|bl|iz)$/.test(w)) w += 'e';
    else if (/([^aeiouylsz])\1$/.test(w)) w = w.slice(0, -1);
    else if (CVC.test(w)) w += 'e';
  }
  // Step 1c: y → i after a stem with a vowel.
  w = w.replace(/^(.+?)y$/, (all, s: string) => (HAS_VOWEL.test(s) ? `${s}i` : all));
  // Steps 2 and 3: derivational suffixes.
  w = w.replace(STEP2_RE, (all, s: string, suffix: string) => (MGR0.test(s) ? s + STEP2[suffix] : all));
  w = w.replace(STEP3_RE, (all, s: string, suffix: string) => (MGR0.test(s) ? s + STEP3[suffix] : all));
  // Step 4: residual suffixes on long stems.
  const step4 = STEP4_RE.exec(w);
  if (step4) {
    if (MGR1.test(step4[1]!)) w = step4[1]!;
  } else {
    w = w.replace(/^(.+?)(s|t)ion$/, (all, s: string, st: string) => (MGR1.test(s + st) ? s + st : all));
  }
  // Step 5: final -e and -ll.
  w = w.replace(/^(.+?)e$/, (all, s: string) => (MGR1.test(s) || (MEQ1.test(s) && !CVC.test(s)) ? s : all));
  if (/ll$/.test(w) && MGR1.test(w)) w = w.slice(0, -1);
  return w[0] === 'Y' ? `y${w.slice(1)}` : w;
}

// Words that questions and help articles use for the same thing ("cost" / "price", "keep" /
// "retain"). Used for matching only: a reply still quotes only what a passage says.
const SYNONYM_GROUPS = [
  'cost price pricing fee',
  'keep retain store',
  'delete remove erase',
  'change switch update modify edit',
  'cancel unsubscribe terminate',
  'login log sign signin',
  'buy purchase',
  'integrate integration connect',
  'ship shipping deliver delivery',
  'secure security safe protect',
  'limit quota',
  'email mail',
  'contact reach',
  'error problem issue',
  'website site',
  'subscription plan',
];
let synonymIndex: Map<string, string[]> | null = null;

/** Stems used interchangeably with a stem, itself excluded. */
export function synonymsOf(term: string): readonly string[] {
  if (!synonymIndex) {
    synonymIndex = new Map();
    for (const group of SYNONYM_GROUPS) {
      const stems = [...new Set(group.split(' ').map(stem))];
      for (const s of stems)
        synonymIndex.set(
          s,
          stems.filter((other) => other !== s),
        );
    }
  }
  return synonymIndex.get(term) ?? [];
}

// ---------------------------------------------------------------------------------------------
// Sentences

// Abbreviations whose period never ends a sentence: "e.g. Slack", "Dr. Smith", "vs. Zendesk".
const NEVER_FINAL = new Set('e.g i.e cf vs mr mrs ms dr prof st jr sr approx'.split(' '));
// Abbreviations that only continue when a number follows: "No. 5", "p. 12", "Fig. 3".
const BEFORE_NUMBER = new Set('no nos vol pp p fig art sec ch ex ref tel'.split(' '));
const BOUNDARY_RE = /([.!?…]+)(["'”’)\]]*)\s+/g;
const DOTTED_END_RE = /(?:\p{L}\.){2,}$|\betc\.$/u; // "U.S.", "p.m.", "etc."

/** Splits a paragraph into sentences without breaking abbreviations, initials, decimals or URLs. */
export function splitSentences(paragraph: string): string[] {
  const text = paragraph.replace(/\s+/g, ' ').trim();
  const sentences: string[] = [];
  let start = 0;
  for (const match of text.matchAll(BOUNDARY_RE)) {
    const end = match.index + match[1]!.length + match[2]!.length;
    const next = text[match.index + match[0].length] ?? '';
    if (!isBoundary(text.slice(start, match.index), match[1]!, next)) continue;
    pushSentence(sentences, text.slice(start, end));
    start = match.index + match[0].length;
  }
  pushSentence(sentences, text.slice(start));
  return sentences;
}

function isBoundary(before: string, punct: string, next: string): boolean {
  // "e.g. the", "approx. five", "Yahoo! is": a lowercase continuation is never a new sentence.
  if (/\p{Ll}/u.test(next)) return false;
  if (punct !== '.') return true;
  const word = before.slice(before.lastIndexOf(' ') + 1);
  const bare = word.replace(/^[("'[]+/, '').toLowerCase();
  if (NEVER_FINAL.has(bare)) return false;
  if (/^\p{Lu}$/u.test(word)) return false; // an initial: "J. Smith"
  return !(/^\p{N}/u.test(next) && BEFORE_NUMBER.has(bare));
}

function pushSentence(sentences: string[], raw: string): void {
  const sentence = raw.trim();
  if (!sentence) return;
  const last = sentences.length - 1;
  // A fragment with no letters ("2.") belongs to the sentence before it, and so does a lone word
  // after a dotted abbreviation ("… to 6 p.m." + "CET.").
  const lone =
    !/\p{L}/u.test(sentence) || (!sentence.includes(' ') && DOTTED_END_RE.test(sentences[last] ?? ''));
  if (lone && last >= 0) sentences[last] += ` ${sentence}`;
  else sentences.push(sentence);
}

// ---------------------------------------------------------------------------------------------
// Passages → units

const FENCE_RE = /^(```|~~~)/;
const MD_HEADING_RE = /^#{1,6}\s+(.+?)\s*#*$/;
const BOLD_LINE_RE = /^(?:\*\*|__)([^*_]+)(?:\*\*|__):?$/;
const QUESTION_RE = /^(?:q|question)\s*:\s*(.+)$/i;
const ANSWER_RE = /^(?:a|answer)\s*:\s*(.*)$/i;
const INLINE_ANSWER_RE = /\s(?:a|answer)\s*:\s+/i;
const LIST_RE = /^([-*+•▪‣◦]|\d{1,3}[.)]|[a-z]\))\s+(.+)$/;
const TABLE_RE = /^\|.*\|$/;
const TABLE_RULE_RE = /^\|[\s:|-]+\|$/;
const COMMAND_RE =
  /^(\$|>|#!|curl|npm|npx|pnpm|yarn|pip|git|docker|sudo|import|export|const|let|var|function|def|class)\s/;

/** Lines of commands or source code: kept out of answers, which are prose. */
export function looksLikeCode(line: string): boolean {
  if (COMMAND_RE.test(line) || /[{;]$/.test(line) || /^[}\])]/.test(line)) return true;
  const symbols = line.match(/[{}()[\];=<>]/g)?.length ?? 0;
  return symbols >= 4 && symbols > (line.match(/\p{L}{3,}/gu)?.length ?? 0);
}

/**
 * Splits a passage into units. Markdown structure (headings, lists, tables, fences) is honoured;
 * plain text gets the same treatment from line shape: a short unpunctuated line that opens a
 * block is a heading, a line that ends with "?" and opens a block is an FAQ question.
 */
export function parseText(input: string): TextUnit[] {
  const lines = input.replace(/\r\n?/g, '\n').split('\n');
  const units: TextUnit[] = [];
  let block = 0;
  let section = -1;
  let para: string[] = [];
  let code: string[] = [];
  let fence: string | null = null;
  let listItem: TextUnit | null = null;
  let tableHeader: string[] | null = null;

  const closeBlock = (): void => {
    if (para.length > 0) {
      for (const text of splitSentences(para.join(' ')))
        units.push({ kind: 'sentence', text, block, section });
      para = [];
      block++;
    }
    if (code.length > 0) {
      units.push({ kind: 'code', text: code.join('\n'), block, section });
      code = [];
      block++;
    }
    if (listItem || tableHeader) block++;
    listItem = null;
    tableHeader = null;
  };
  const openSection = (text: string): void => {
    closeBlock();
    section = units.length;
    units.push({ kind: text.endsWith('?') ? 'question' : 'heading', text, block: block++, section });
  };

  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const trimmed = line.trim();
    if (fence !== null) {
      if (trimmed.startsWith(fence)) {
        fence = null;
        closeBlock();
      } else code.push(line);
      continue;
    }
    if (FENCE_RE.test(trimmed)) {
      closeBlock();
      fence = trimmed.slice(0, 3);
      continue;
    }
    if (!trimmed) {
      closeBlock();
      continue;
    }
    const heading = MD_HEADING_RE.exec(trimmed) ?? BOLD_LINE_RE.exec(trimmed);
    if (heading) {
      openSection(heading[1]!.trim());
      continue;
    }
    const question = QUESTION_RE.exec(trimmed);
    if (question) {
      // "Q: How long …? A: Three days." on one line: the answer starts a paragraph.
      const [asked, ...answer] = question[1]!.split(INLINE_ANSWER_RE);
      openSection(asked!.trim());
      if (answer.length > 0) para.push(answer.join(' A: '));
      continue;
    }
    const answer = ANSWER_RE.exec(trimmed);
    if (answer) {
      if (answer[1]) para.push(answer[1]);
      continue;
    }
    if (TABLE_RE.test(trimmed)) {
      if (!tableHeader) closeBlock();
      if (TABLE_RULE_RE.test(trimmed)) continue;
      const cells = trimmed
        .slice(1, -1)
        .split('|')
        .map((cell) => cell.trim());
      if (!tableHeader) tableHeader = cells;
      else units.push({ kind: 'row', text: tableRow(tableHeader, cells), block, section });
      continue;
    }
    const item = LIST_RE.exec(trimmed);
    if (item) {
      if (!listItem) closeBlock();
      listItem = { kind: 'item', text: item[2]!.trim(), block, section, ordered: /\d/.test(item[1]!) };
      units.push(listItem);
      continue;
    }
    if (listItem && /^\s/.test(line)) {
      listItem.text += ` ${trimmed}`; // an indented continuation of the item above
      continue;
    }
    if (listItem || tableHeader) closeBlock();
    if (looksLikeCode(trimmed)) {
      if (para.length > 0) closeBlock();
      code.push(trimmed);
      continue;
    }
    if (code.length > 0) closeBlock();
    // Plain text from HTML or PDF extraction keeps headings as their own short lines.
    const afterSentence = para.length === 0 || /[.!?:]$/.test(para[para.length - 1]!);
    if (afterSentence && isHeadingLine(trimmed, lines[i + 1]?.trim() ?? '')) {
      openSection(trimmed);
      continue;
    }
    para.push(trimmed);
  }
  closeBlock();
  return units;
}

/** "| Pro | $49 |" under "| Plan | Price |" reads "Plan: Pro, Price: $49": the header is the glue. */
function tableRow(header: string[], cells: string[]): string {
  return cells
    .map((cell, i) => (header[i] ? `${header[i]}: ${cell}` : cell))
    .filter((cell) => !/:\s*$/.test(cell))
    .join(', ');
}

/** A line that opens a block and is followed by a capitalised one, not a hard-wrapped sentence. */
function isHeadingLine(line: string, next: string): boolean {
  if (!/^\p{Lu}/u.test(line) || !/^[\p{Lu}\p{N}\-*•|]/u.test(next)) return false;
  if (line.endsWith('?')) return line.length <= 150;
  const last = tokenize(line).at(-1) ?? '';
  return (
    line.length <= 60 && line.split(/\s+/).length <= 8 && !/[.!:;,]$/.test(line) && !STOP_WORDS.has(last)
  );
}
