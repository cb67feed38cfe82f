import { describe, expect, it } from 'vitest';
import { supportPassages } from '../../../test/fixtures/support-passages.ts';
import { createExtractiveModel, estimateTokens } from './extractive-model.ts';
import type { ChatTurn, GenerateRequest, StreamPart } from './provider-types.ts';

const ask = (content: string): ChatTurn[] => [{ role: 'user', content }];

describe('createExtractiveModel', () => {
  const model = createExtractiveModel();
  const request: GenerateRequest = {
    system: 'You are the support assistant of Example Inc.',
    messages: ask('How long does shipping take?'),
    passages: supportPassages,
    fallbackMessage: 'Sorry, no idea.',
  };

  it('is the offline extractive provider', () => {
    expect(model.provider).toBe('extractive');
    expect(model.model).toBe('extractive');
  });

  it('generates a grounded, cited result with rough token usage', async () => {
    const result = await model.generate(request);
    expect(result).toMatchObject({ model: 'extractive', finishReason: 'stop', grounded: true });
    expect(result.passageIds).toEqual(['chunk_shipping']);
    let input = estimateTokens(request.system) + estimateTokens(request.messages[0]!.content);
    for (const p of supportPassages) input += estimateTokens(`${p.title}\n${p.heading ?? ''}\n${p.text}`);
    expect(result.usage).toEqual({ inputTokens: input, outputTokens: Math.ceil(result.text.length / 4) });
  });

  it('says the fallback message, ungrounded, without passages', async () => {
    const result = await model.generate({ ...request, passages: undefined });
    expect(result).toMatchObject({ text: 'Sorry, no idea.', grounded: false, passageIds: [] });
  });

  it('streams word deltas that add up to the text, then one done with the generate result', async () => {
    const parts: StreamPart[] = [];
    for await (const part of model.stream(request)) parts.push(part);
    const deltas = parts.filter((p) => p.type === 'delta');
    expect(deltas.length).toBeGreaterThan(5);
    expect(parts.filter((p) => p.type === 'done')).toHaveLength(1);
    const done = parts.at(-1)!;
    if (done.type !== 'done') throw new Error('the last part is not done');
    expect(deltas.map((d) => d.text).join('')).toBe(done.result.text);
    expect(done.result).toEqual(await model.generate(request));
  });

  it('stops at maxOutputTokens', async () => {
    const result = await model.generate({
      ...request,
      messages: ask('How do I reset my password?'),
      maxOutputTokens: 12,
    });
    expect(result.finishReason).toBe('length');
    expect(result.usage.outputTokens).toBeLessThanOrEqual(12);
    expect(result.text.startsWith('To reset your password:')).toBe(true);
  });

  it('gives up on an aborted request', async () => {
    const controller = new AbortController();
    controller.abort();
    // Like the AI SDK models: the caller's own abort reason, not a ProviderError.
    await expect(model.generate({ ...request, signal: controller.signal })).rejects.toBe(
      controller.signal.reason,
    );
    const stream = model.stream({ ...request, signal: controller.signal })[Symbol.asyncIterator]();
    await expect(stream.next()).rejects.toBe(controller.signal.reason);
  });
});
