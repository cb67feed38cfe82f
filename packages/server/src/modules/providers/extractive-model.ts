// The offline answerer as a TextModel (provider 'extractive'): the same request shape, usage and
// streaming as an LLM's, answered by answerExtractively with no network and no key.
import { answerExtractively, DEFAULT_MAX_CHARS, type ExtractiveOptions } from './extractive-answerer.ts';
import type { GenerateRequest, GenerateResult, TextModel } from './provider-types.ts';

export const EXTRACTIVE_MODEL = 'extractive';

/** Rough token count: ~4 characters per token for English (OpenAI's rule of thumb). */
export function estimateTokens(text: string): number {
  return Math.ceil(text.length / 4);
}

function toResult(request: GenerateRequest): GenerateResult {
  const passages = request.passages ?? [];
  const options: ExtractiveOptions = { fallbackMessage: request.fallbackMessage };
  if (request.maxOutputTokens) options.maxChars = Math.min(DEFAULT_MAX_CHARS, request.maxOutputTokens * 4);
  const answer = answerExtractively(request.messages, passages, options);
  let text = answer.text;
  let finishReason: GenerateResult['finishReason'] = 'stop';
  // Only one over-long sentence or list can still exceed a small token limit: cut it at a word.
  if (request.maxOutputTokens && estimateTokens(text) > request.maxOutputTokens) {
    text = text.slice(0, request.maxOutputTokens * 4).replace(/\s+\S*$/, '');
    finishReason = 'length';
  }
  const marker = (id: string): string => `[${passages.findIndex((p) => p.id === id) + 1}]`;
  let inputTokens = estimateTokens(request.system);
  for (const turn of request.messages) inputTokens += estimateTokens(turn.content);
  for (const p of passages) inputTokens += estimateTokens(`${p.title}\n${p.heading ?? ''}\n${p.text}`);
  return {
    text,
    usage: { inputTokens, outputTokens: estimateTokens(text) },
    model: EXTRACTIVE_MODEL,
    finishReason,
    passageIds: answer.passageIds.filter((id) => text.includes(marker(id))),
    grounded: answer.grounded,
  };
}

/** The offline TextModel: no network, no key, the same answer for the same request. */
export function createExtractiveModel(): TextModel {
  return {
    provider: 'extractive',
    model: EXTRACTIVE_MODEL,
    async generate(request) {
      request.signal?.throwIfAborted();
      return toResult(request);
    },
    async *stream(request) {
      request.signal?.throwIfAborted();
      const result = toResult(request);
      // Word-sized deltas (each keeps its trailing space or newline), like an LLM's stream.
      for (const chunk of result.text.match(/\S+\s*/g) ?? []) {
        request.signal?.throwIfAborted();
        yield { type: 'delta', text: chunk };
      }
      yield { type: 'done', result };
    },
  };
}
