// Retrieval: the chunks of a chatbot's knowledge that answer a question, best first, each with a
// relevance from 0 to 1 that the bot's min_relevance is compared with.
//
// Candidates come from BM25 over the bot's own statistics (an OR of the question's lexemes:
// natural questions rarely contain every word of the page that answers them; misspelled words
// repaired against the bot's vocabulary with pg_trgm), ordered page by page, and, when the bot's
// integration has an embedding model and pgvector is there, from the nearest embeddings (live
// data only). The lists are fused by reciprocal rank; Q&A pairs whose question matches come first.
import type { Database } from '../../db/client.ts';
import type { Scope } from '../../db/tenant-scope.ts';
import { distinctWords, STOP_WORDS } from '../../lib/language/english-terms.ts';
import { rarity } from '../../lib/language/word-rarity.ts';
import { relativesOf } from '../../lib/language/wordnet.ts';
import type { TextSearchLanguage } from '../../lib/text-search.ts';
import type { ChatbotRow } from '../chatbots/chatbot-schemas.ts';
import type { IntegrationService } from '../integrations/integration-service.ts';
import type { ProviderRegistry } from '../providers/provider-registry.ts';
import {
  adjacentPairs,
  joinCompounds,
  namedWeight,
  RELATIVES_PER_WORD,
  type TermGroup,
  termGroups,
} from './retrieval-query.ts';
import {
  type Correction,
  chooseCorrection,
  fuseRanks,
  HEAD_BONUS,
  lexicalRelevance,
  minCoverage,
  oneEditVariants,
  orderByPage,
  repairable,
  vectorRelevance,
} from './retrieval-ranking.ts';
import * as repo from './retrieval-repository.ts';

export interface RetrievedChunk {
  /** uuid */
  chunkId: string;
  sourceId: string;
  documentId: string;
  title: string;
  url: string | null;
  heading: string;
  text: string;
  /** The page of a paged document (PDF) the chunk starts on, from 1; null for others. */
  page: number | null;
  /** Set for Q&A pairs. */
  question: string | null;
  /** Relevance 0..1, comparable with the bot's retrieval_settings.min_relevance. */
  score: number;
}

export interface RetrievalDeps {
  db: Database;
  integrations: Pick<IntegrationService, 'connectionFor'>;
  providers: Pick<ProviderRegistry, 'embeddingFor'>;
  /** pgvector is installed (the vector migrations applied). */
  vectorEnabled: boolean;
  /** How long the question's embedding may take before retrieval goes on without it. */
  embeddingTimeoutMs?: number;
}

/** Longest part of a question that is searched: a pasted log says what it is about early. */
const MAX_QUERY_CHARS = 2000;
const MAX_TERMS = 24;
/** Words whose lexemes are kept in memory (a few MB at most). */
const LEXEME_CACHE_SIZE = 50_000;
/** Unknown words looked up for a misspelling, per question. */
const MAX_REPAIRS = 3;
/**
 * Postings read in full per question. Rarer terms are read until this many; the chunks they
 * find are completed with the commoner terms' postings. Bounds the work on bots with 50k chunks.
 */
const POSTINGS_BUDGET = 6000;
const CANDIDATES = 200;
const LEXICAL_LIMIT = 150;
/** Chunks whose title and heading are matched against the question (see HEAD_BONUS). */
const HEADED = 50;
const VECTOR_LIMIT = 30;
/** What a word of a follow-up's context counts, relative to the follow-up's own words. */
const CONTEXT_WEIGHT = 0.5;
/** A Q&A pair whose question covers this share of the question's weight is answered first. */
const QUESTION_MATCH = 0.6;

interface Candidate {
  relevance: number;
  questionMatch: number;
}

/** Bots this large have their postings vacuumed on the embedded database; see maintain(). */
const VACUUM_MIN_CHUNKS = 2000;

export function createRetrievalService(deps: RetrievalDeps) {
  const { db } = deps;
  /** Chunk count of each bot when its postings were last vacuumed by this process. */
  const vacuumed = new Map<string, number>();
  let vacuuming = false;

  /**
   * Scoring reads postings through index-only scans, which need the visibility map that VACUUM
   * sets. PostgreSQL's autovacuum keeps it; the embedded database has no autovacuum, so after a
   * bot's knowledge has grown or shrunk by a tenth, the next search vacuums the postings in the
   * background (it skips pages already all-visible, so a vacuum after a change is short).
   */
  function maintain(chatbotId: string, chunks: number): void {
    if (db.kind !== 'pglite' || vacuuming || chunks < VACUUM_MIN_CHUNKS) return;
    const last = vacuumed.get(chatbotId);
    if (last !== undefined && Math.abs(chunks - last) < last * 0.1) return;
    vacuuming = true;
    vacuumed.set(chatbotId, chunks);
    db.exec('VACUUM (ANALYZE) retrieval_postings, retrieval_terms')
      .catch(() => vacuumed.delete(chatbotId))
      .finally(() => {
        vacuuming = false;
      });
  }

  /**
   * The lexemes of words, per text search configuration: they never change, so each word is sent to
   * the database once (a to_tsvector per word costs more than the rest of the lookup).
   */
  const lexemeCache = new Map<string, string[]>();
  async function wordLexemes(language: TextSearchLanguage, words: string[]): Promise<Map<string, string[]>> {
    const found = new Map<string, string[]>();
    const missing: string[] = [];
    for (const word of words) {
      const cached = lexemeCache.get(`${language}:${word}`);
      if (cached) found.set(word, cached);
      else missing.push(word);
    }
    if (missing.length > 0) {
      if (lexemeCache.size > LEXEME_CACHE_SIZE) lexemeCache.clear();
      for (const [word, lexemes] of await repo.wordLexemes(db, language, missing)) {
        lexemeCache.set(`${language}:${word}`, lexemes);
        found.set(word, lexemes);
      }
    }
    return found;
  }

  async function lexical(bot: ChatbotRow, query: string, minRelevance: number, context: string | null) {
    const language = bot.retrievalSettings.language;
    const text = query.slice(0, MAX_QUERY_CHARS);
    // Word relations and everyday-language rarity are English resources; other languages rank on
    // the bot's own statistics alone.
    const english = language === 'english';
    const questionWords = english ? distinctWords(text) : [];
    // A follow-up's context (the question before it): its words are looked up too, whatever the
    // language, and fill in at a discount what the follow-up leaves out.
    const contextWords = context ? distinctWords(context.slice(0, MAX_QUERY_CHARS)) : [];
    const relatives = new Map(
      questionWords
        .filter((word) => !STOP_WORDS.has(word))
        .map((word) => [word, relativesOf(word).slice(0, RELATIVES_PER_WORD)] as const),
    );
    const compounds = adjacentPairs(text);
    const lookup = [
      ...new Set([
        ...questionWords,
        ...contextWords,
        ...[...relatives.values()].flat().map((r) => r.word),
        ...compounds.map((pair) => pair.joined),
      ]),
    ];
    const lexemesOf = await wordLexemes(language, lookup);
    const {
      chunks,
      terms: asked,
      df,
    } = await repo.queryTerms(db, bot.id, language, text, [...new Set([...lexemesOf.values()].flat())]);
    const words = new Map(
      [...lexemesOf].map(([word, lexemes]) => [
        word,
        lexemes.map((lexeme) => ({ lexeme, df: df.get(lexeme) ?? 0 })),
      ]),
    );
    const askedLexemes = new Set(asked.map((term) => term.lexeme));
    const borrowed = contextWords
      .filter((word) => !STOP_WORDS.has(word))
      .flatMap((word) => words.get(word) ?? [])
      .filter((term) => !askedLexemes.has(term.lexeme));
    const terms = [...asked, ...borrowed.map((term) => ({ ...term, factor: CONTEXT_WEIGHT }))];
    maintain(bot.id, chunks);
    if (chunks === 0 || terms.length === 0) return null;
    const unknown = terms.filter((term) => term.df === 0 && repairable(term.lexeme));
    const neighbours = await repo.vocabularyNeighbours(
      db,
      bot.id,
      unknown
        .slice(0, MAX_REPAIRS)
        .map((term) => ({ word: term.lexeme, variants: oneEditVariants(term.lexeme) })),
    );
    const corrections = new Map<string, Correction>();
    for (const term of unknown) {
      const correction = chooseCorrection(term.lexeme, neighbours.get(term.lexeme) ?? []);
      if (correction) corrections.set(term.lexeme, correction);
    }
    const wordsOf = new Map<string, string[]>();
    for (const word of english ? [...questionWords, ...contextWords] : []) {
      for (const { lexeme } of words.get(word) ?? []) {
        if (!wordsOf.get(lexeme)?.includes(word)) wordsOf.set(lexeme, [...(wordsOf.get(lexeme) ?? []), word]);
      }
    }
    const groups = termGroups({
      chunks,
      language,
      terms,
      wordsOf,
      rarity,
      corrections,
      relativesOf: (word) =>
        (relatives.get(word) ?? []).flatMap((relative) => {
          // A relative made of several lexemes ("blue-pencil") is not one word of the bot's.
          const lexemes = words.get(relative.word);
          return lexemes?.length === 1 ? [{ ...relative, ...lexemes[0]! }] : [];
        }),
    });
    joinCompounds(groups, compounds, words);
    const chosen = groups.sort((a, b) => b.total - a.total).slice(0, MAX_TERMS);
    // The whole question's weight: what a chunk's matched weight is a share of.
    const total = chosen.reduce((sum, group) => sum + group.total, 0);
    const matchable = chosen.filter((group) => group.members.length > 0);
    if (matchable.length === 0) return { hits: [], total, groups: chosen };
    let read = 0;
    const driving = new Set<TermGroup>();
    const postings = (group: TermGroup) => group.members.reduce((sum, member) => sum + member.df, 0);
    for (const group of [...matchable].sort((a, b) => postings(a) - postings(b))) {
      if (driving.size > 0 && read + postings(group) > POSTINGS_BUDGET) break;
      driving.add(group);
      read += postings(group);
    }
    // Chunks matching too little to reach min_relevance, even with every non-driving group, are
    // dropped in SQL, before the costly sort.
    const needed = minCoverage(minRelevance) * total;
    const otherWeight = matchable.reduce(
      (sum, group) => sum + (driving.has(group) ? 0 : group.members[0]!.weight),
      0,
    );
    const hits = await repo.scoreChunks(
      db,
      bot.id,
      language,
      // A group that does not drive is looked up for each candidate chunk: its best member only,
      // or the lookups would grow with every relative (200 candidates × each lexeme).
      matchable.flatMap((group, index) =>
        (driving.has(group) ? group.members : group.members.slice(0, 1)).map((member) => ({
          lexeme: member.lexeme,
          weight: member.weight,
          driving: driving.has(group),
          group: index,
        })),
      ),
      {
        candidates: CANDIDATES,
        limit: LEXICAL_LIMIT,
        // Rounding slack: a chunk exactly at the threshold stays.
        minDrivingWeight: Math.max(0, needed - otherWeight - 1e-9),
        headed: HEADED,
      },
    );
    return { hits, total, groups: chosen };
  }

  async function vector(scope: Scope, bot: ChatbotRow, query: string, signal: AbortSignal | undefined) {
    // Without pgvector there is nothing to search; test mode embeds with a local model only.
    if (!deps.vectorEnabled) return [];
    const connection = await deps.integrations.connectionFor(scope, bot.id);
    const model = deps.providers.embeddingFor(connection, scope.environment);
    if (!model) return [];
    const timeout = AbortSignal.timeout(deps.embeddingTimeoutMs ?? 10_000);
    try {
      const { embeddings } = await model.embed([query.slice(0, MAX_QUERY_CHARS)], {
        signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
      });
      const embedding = embeddings[0];
      // No word the model knows (a local model's zero vector): near nothing.
      if (!embedding?.some((value) => value !== 0)) return [];
      return await repo.nearestChunks(db, bot.id, model.model, embedding, VECTOR_LIMIT);
    } catch (error) {
      if (signal?.aborted) throw error;
      // The provider failed or timed out: the text search still answers.
      return [];
    }
  }

  return {
    /**
     * Ranked best first, at most topK (default: the bot's top_k), only chunks scoring at least
     * the bot's min_relevance. Empty when nothing is relevant.
     */
    async search(
      scope: Scope,
      bot: ChatbotRow,
      query: string,
      options: {
        topK?: number;
        signal?: AbortSignal;
        /** The question a follow-up follows: its words fill in what the follow-up leaves out. */
        context?: string | null;
      } = {},
    ): Promise<RetrievedChunk[]> {
      const topK = Math.max(1, Math.min(50, Math.floor(options.topK ?? bot.retrievalSettings.top_k)));
      const minRelevance = bot.retrievalSettings.min_relevance;
      const [text, nearest] = await Promise.all([
        lexical(bot, query, minRelevance, options.context ?? null),
        vector(scope, bot, query, options.signal),
      ]);
      options.signal?.throwIfAborted();

      const candidates = new Map<string, Candidate>();
      const lexicalOrder: string[] = [];
      if (text && text.hits.length > 0 && text.total > 0) {
        for (const hit of text.hits)
          hit.score += HEAD_BONUS * namedWeight(text.groups, new Set(hit.headLexemes));
        for (const hit of orderByPage(text.hits)) {
          lexicalOrder.push(hit.chunkId);
          const questionMatch = hit.questionLexemes
            ? namedWeight(text.groups, new Set(hit.questionLexemes)) / text.total
            : 0;
          candidates.set(hit.chunkId, {
            relevance: lexicalRelevance(hit.matched / text.total),
            questionMatch,
          });
        }
      }
      for (const near of nearest) {
        const relevance = vectorRelevance(near.similarity);
        const known = candidates.get(near.chunkId);
        if (known) known.relevance = Math.max(known.relevance, relevance);
        else candidates.set(near.chunkId, { relevance, questionMatch: 0 });
      }

      const fused = fuseRanks([lexicalOrder, nearest.map((near) => near.chunkId)]);
      const ranked = [...candidates.entries()]
        .map(([chunkId, candidate]) => ({
          chunkId,
          ...candidate,
          first: candidate.questionMatch >= QUESTION_MATCH,
          score: Math.max(
            candidate.relevance,
            candidate.questionMatch >= QUESTION_MATCH ? candidate.questionMatch : 0,
          ),
          fused: fused.get(chunkId) ?? 0,
        }))
        .filter((candidate) => candidate.score >= minRelevance)
        .sort(
          (a, b) =>
            Number(b.first) - Number(a.first) ||
            (a.first ? b.questionMatch - a.questionMatch : 0) ||
            b.fused - a.fused,
        )
        .slice(0, topK);

      const rows = await repo.findChunks(
        db,
        scope,
        bot.id,
        ranked.map((candidate) => candidate.chunkId),
      );
      const results: RetrievedChunk[] = [];
      let ceiling = 1;
      for (const candidate of ranked) {
        const row = rows.get(candidate.chunkId);
        if (!row) continue; // deleted since it was scored
        // Scores never rise down the list: a result is at most as relevant as the one above it.
        ceiling = Math.min(ceiling, candidate.score);
        results.push({
          chunkId: row.id,
          sourceId: row.source_id,
          documentId: row.document_id,
          title: row.title,
          url: row.url,
          heading: row.heading,
          text: row.text,
          page: row.page,
          question: row.question,
          score: ceiling,
        });
      }
      return results;
    },
  };
}

export type RetrievalService = ReturnType<typeof createRetrievalService>;
