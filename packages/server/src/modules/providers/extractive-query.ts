// What a question asks, for the offline answerer: its stemmed terms with their weights (a follow-up
// borrows the turn before's at a discount), the words that may stand for each (synonyms, WordNet
// relatives) with their credit, how specific each is, and the kind of text that answers it.
import {
  contentTerms,
  distinctWords,
  QUESTION_FILLER,
  synonymsOf,
  tokenize,
} from '../../lib/language/english-terms.ts';
import { correctSpelling, specificity } from '../../lib/language/word-rarity.ts';
import { relativesOf } from '../../lib/language/wordnet.ts';

export const SYNONYM_CREDIT = 0.8;
/** A WordNet relative counts this share of its relation's weight (see wordnet.ts). */
const RELATIVE_CREDIT = 0.7;
const RELATIVES_PER_WORD = 8;
const FOLLOW_UP_WEIGHT = 0.5;

const PRONOUN_RE = /\b(it|its|that|this|they|them|their|those|these|one|ones)\b/;
const ELLIPTIC_RE = /^(and|also|what about|how about)\b/;

// "How do I …", "Can I …?", "Is there a way to …": the question asks for a way to do something.
const HOW_TO =
  /\bhow (do|can|should|would|will) (i|we|you)\b|\bhow to\b|\bsteps?\b|\bwhere (do|can) i\b|^(can|could) (i|we|you)\b|\b(is|are) there (a|an|any) (way|option|setting|tool|command)s?\b|\bway to\b/;

// What kind of text answers the question: a price, a duration, a number, a step, a menu path.
const ANSWER_TYPES: { question: RegExp; answer: RegExp }[] = [
  {
    question: /\b(how much|cost|costs|price|prices|pricing|fee|fees|charge|charged|pay|expensive)\b/,
    answer: /[$€£¥]\s?\d|\d\s?(usd|eur|gbp|dollars?|euros?)\b|\bfree\b/i,
  },
  {
    question: /\b(how long|how soon|how fast|how quickly|when|time|times)\b/,
    answer:
      /\b\d+(\s*[-–]\s*\d+)?\s*(business\s+|working\s+)?(minutes?|hours?|days?|weeks?|months?|years?)\b|\b(immediately|instantly|same day|next day)\b/i,
  },
  {
    question:
      /\b(how many|maximum|max|minimum|numbers?|percent|percentage|share|proportion|fraction|how (big|large|wide|high|far|old)|what size|width|height)\b/,
    answer:
      /\d|\b(one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|twenty|thirty|forty|fifty|hundred|thousand|dozen|half|quarter|third)\b/i,
  },
  {
    question: HOW_TO,
    answer:
      /^to [^,:]{3,60}[,:]|^(go|click|tap|open|select|choose|enter|type|copy|paste|press|navigate|visit|email|contact|start|print|scan|turn|enable|disable|download|install|upload|sign|log|add|set|run|create|check|clear|restart|use)\b|:$/i,
  },
  // In technical documentation the "how" is a command or a file: "run nft list ruleset >
  // /etc/nftables.conf", "generate a key pair with ssh-keygen -t rsa".
  {
    question: HOW_TO,
    answer:
      /(^|\s)~?(\/[\w.-]+){2,}|(^|\s)[a-z][\w.-]*\s--?[a-z][\w-]*|\b(apt|apt-get|systemctl|dpkg)\s[a-z]/,
  },
  // A help page answers "how do I …" and "where is …" with a menu path: "Edit → Preferences".
  {
    question: /\bhow (do|can|should|would|will) (i|we|you)\b|\bhow to\b|\bwhere\b|\bfind\b/,
    answer: /\S\s?(→|->|>)\s?\S/,
  },
];

export interface QueryTerm {
  /** The asked stem first, then its synonyms and WordNet relatives. */
  stems: readonly string[];
  /** How much a unit that has each stem answers for the term: 1 for the asked one. */
  credits: readonly number[];
  /** How rare the asked word is in everyday language (0..1): what it weighs when no passage has it. */
  rarity: number;
  /** 1 for the question's own words, less for words borrowed from the turn before. */
  weight: number;
}

export interface Query {
  /** Replaced, not changed in place, when typos are repaired against the passages. */
  terms: QueryTerm[];
  answerTypes: RegExp[];
}

export function buildQuery(question: string, previous: string | undefined): Query {
  const weights = new Map<string, number>();
  for (const term of contentTerms(question, QUESTION_FILLER)) weights.set(term, 1);
  const words = surfaceWords(`${question}\n${previous ?? ''}`);
  // "How much does it cost?" after "Tell me about the Pro plan": borrow the earlier topic, at a
  // discount, when the question is short and points back. Thanks and greetings never borrow.
  const pointsBack = PRONOUN_RE.test(question) || ELLIPTIC_RE.test(question);
  const chitChat = weights.size === 0 && !question.includes('?') && smallTalkReply(question) !== null;
  if (previous && weights.size <= 3 && pointsBack && !chitChat) {
    for (const term of contentTerms(previous, QUESTION_FILLER)) {
      if (!weights.has(term)) weights.set(term, FOLLOW_UP_WEIGHT);
    }
  }
  return {
    terms: [...weights].map(([term, weight]) => queryTerm(term, weight, words.get(term) ?? [])),
    answerTypes: [
      ...ANSWER_TYPES.filter((type) => type.question.test(question)).map((type) => type.answer),
      ...[definitionOf(question)].filter((type) => type !== null),
    ],
  };
}

const DEFINITION_QUESTION =
  /^(?:what(?:'s| is| are)|what does) (?:an? |the )?([a-z0-9][\w -]{1,40}?)(?: mean)?\s*\??$/;

/**
 * "What is an agent loop?" is answered by the sentence that says what it is: "An agent loop is a
 * chatbot's model given instructions…", not by the one that names it most often.
 */
function definitionOf(question: string): RegExp | null {
  const subject = DEFINITION_QUESTION.exec(question.trim())?.[1];
  const words = subject?.split(/[\s-]+/).filter(Boolean) ?? [];
  if (words.length === 0 || words.length > 5) return null;
  const name = words.map((word) => `${word.replace(/\W/g, '').replace(/s$/, '')}(?:s|es)?`).join('[\\s-]+');
  return new RegExp(`^(?:(?:an?|the)\\s+)?${name}\\s+(?:is|are|means|refers to|lets|allows)\\b`, 'i');
}

/** The words of a text by their stem. */
function surfaceWords(text: string): Map<string, string[]> {
  const words = new Map<string, string[]>();
  for (const word of distinctWords(text)) {
    const [term] = contentTerms(word);
    if (term) words.set(term, [...(words.get(term) ?? []), word]);
  }
  return words;
}

/** A stem with the stems that may stand for it in a passage, each with its credit. */
function queryTerm(term: string, weight: number, words: string[]): QueryTerm {
  const credits = new Map<string, number>([[term, 1]]);
  const offer = (stem: string, credit: number) => {
    if (credit > (credits.get(stem) ?? 0)) credits.set(stem, credit);
  };
  for (const synonym of synonymsOf(term)) offer(synonym, SYNONYM_CREDIT);
  // A misspelt everyday word ("chnage") stands for the word it misspells, and for that word's
  // synonyms ("modify"); and it says as little about the topic as that word does.
  const corrections = words.flatMap((word) => correctSpelling(word) ?? []);
  for (const correction of corrections) {
    const [stem] = contentTerms(correction);
    if (!stem) continue;
    offer(stem, SYNONYM_CREDIT);
    for (const synonym of synonymsOf(stem)) offer(synonym, SYNONYM_CREDIT * SYNONYM_CREDIT);
  }
  for (const word of words) {
    for (const relative of relativesOf(word).slice(0, RELATIVES_PER_WORD)) {
      const [stem] = contentTerms(relative.word);
      if (stem) offer(stem, relative.weight * RELATIVE_CREDIT);
    }
  }
  return {
    stems: [...credits.keys()],
    credits: [...credits.values()],
    weight,
    rarity: words.length > 0 ? Math.min(...words.map(specificity), ...corrections.map(specificity)) : 1,
  };
}

// "Write me a short poem about …": a request to make something up, which no quote can fulfil.
const CREATIVE_REQUEST =
  /^(?:(?:please|can you|could you|would you)\s+)?(?:write|compose|make up|create|generate|sing|tell)\b[^?.!]*\b(?:poem|haiku|song|joke|limerick|sonnet|rap|lyrics|riddle)s?\b/;

/** Whether the message asks the bot to make something up (a poem, a joke) rather than to answer. */
export function isCreativeRequest(question: string): boolean {
  return CREATIVE_REQUEST.test(question.trim());
}

/** Canned replies for messages with no topic at all. They state no knowledge. */
export function smallTalkReply(question: string): string | null {
  const words = new Set(tokenize(question));
  const has = (...list: string[]): boolean => list.some((word) => words.has(word));
  if (has('thanks', 'thank', 'thx', 'ty', 'cheers', 'appreciate', 'appreciated')) return "You're welcome!";
  if (has('bye', 'goodbye', 'cya') || question.includes('see you')) return 'Goodbye!';
  if (has('hi', 'hello', 'hey', 'hiya', 'howdy', 'greetings', 'morning', 'afternoon', 'evening')) {
    return 'Hello! How can I help you today?';
  }
  if (/\bhow are you\b|\bhow's it going\b/.test(question)) return 'Hello! How can I help you today?';
  if (has('ok', 'okay', 'great', 'cool', 'perfect', 'awesome', 'nice')) {
    return 'Is there anything else I can help you with?';
  }
  return null;
}
