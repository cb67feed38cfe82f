// English words for matching questions to text: tokens, stop words, the words a question is
// wrapped in, Porter stems and a few synonyms. Shared by the offline answerer and retrieval.

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
  // Short forms people type for the words documentation spells out.
  'config configuration configure',
  'admin administrator administration',
  'repo repository',
  'docs documentation',
  'app application',
  'info information',
  'dir directory folder',
  'db database',
  'auth authentication',
  'password passwd',
  'env environment',
  'prefs preferences',
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

/** The distinct words of a text, lowercased, in order, possessive "'s" dropped, at most `limit`. */
export function distinctWords(text: string, limit = 40): string[] {
  const words = new Set<string>();
  for (const token of tokenize(text)) {
    const word = token.endsWith("'s") ? token.slice(0, -2) : token;
    if (!/^\p{L}/u.test(word)) continue;
    words.add(word);
    if (words.size >= limit) break;
  }
  return [...words];
}
