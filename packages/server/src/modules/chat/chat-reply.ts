// Turns a model's result into the stored reply: grounded or not, and which sources it cites.
import type { RetrievedRef, StoredSource } from '../../db/schema.ts';
import type { ChatbotRow } from '../chatbots/chatbot-schemas.ts';
import type { GenerateResult } from '../providers/provider-types.ts';
import type { RetrievedChunk } from '../retrieval/retrieval-service.ts';
import { citedNumbers, isFallbackReply } from './chat-prompt.ts';

/** When a grounded reply cites nothing, its sources are the top retrieved passages. */
const UNCITED_SOURCES = 3;
const SNIPPET_CHARS = 240;

export interface ReplyParts {
  content: string;
  grounded: boolean;
  /** The reply is the bot's fallback message: nothing answered. Small talk is neither. */
  fallback: boolean;
  sourcesUsed: StoredSource[];
  retrieved: RetrievedRef[];
  model: string;
  inputTokens: number;
  outputTokens: number;
  metadata: Record<string, unknown>;
}

export function snippetOf(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  if (flat.length <= SNIPPET_CHARS) return flat;
  const cut = flat.slice(0, SNIPPET_CHARS);
  const space = cut.lastIndexOf(' ');
  return `${cut.slice(0, space > SNIPPET_CHARS / 2 ? space : SNIPPET_CHARS)}…`;
}

function sourceOf(chunk: RetrievedChunk, citation: number): StoredSource {
  return {
    chunk_id: chunk.chunkId,
    source_id: chunk.sourceId,
    document_id: chunk.documentId,
    title: chunk.title,
    url: chunk.url,
    snippet: snippetOf(chunk.text),
    citation,
    page: chunk.page,
  };
}

export function composeReply(
  bot: Pick<ChatbotRow, 'fallbackMessage'>,
  chunks: RetrievedChunk[],
  result: GenerateResult,
  interrupted = false,
): ReplyParts {
  // A model that said nothing (an empty or blank completion) could not answer: the fallback
  // message, as when the knowledge has nothing. A reply cut short by the client stays as it was.
  const content = result.text.trim() || (interrupted ? '' : bot.fallbackMessage);
  const grounded =
    chunks.length > 0 &&
    result.grounded !== false &&
    !isFallbackReply(content, bot.fallbackMessage) &&
    content !== '';
  let sourcesUsed: StoredSource[] = [];
  if (grounded) {
    // The extractive answerer says which passages it quoted; an LLM says it with [n] markers.
    const numbers = result.passageIds
      ? result.passageIds
          .map((id) => chunks.findIndex((chunk) => chunk.chunkId === id) + 1)
          .filter((n) => n > 0)
      : citedNumbers(content, chunks.length);
    const cited =
      numbers.length > 0 ? numbers : chunks.slice(0, UNCITED_SOURCES).map((_, index) => index + 1);
    sourcesUsed = [...new Set(cited)].map((number) => sourceOf(chunks[number - 1]!, number));
  }
  return {
    content,
    grounded,
    fallback: isFallbackReply(content, bot.fallbackMessage),
    sourcesUsed,
    retrieved: chunks.map((chunk) => ({ chunk_id: chunk.chunkId, score: Number(chunk.score.toFixed(4)) })),
    model: result.model,
    inputTokens: result.usage.inputTokens,
    outputTokens: result.usage.outputTokens,
    metadata: interrupted
      ? { interrupted: true, finish_reason: 'client_closed' }
      : { finish_reason: result.finishReason },
  };
}
