// ollama-ai-provider-v2 reads Ollama's NDJSON stream with its own parser, which drops any line
// that fails its schema (with a console.warn). Ollama reports a failure mid-reply as such a line,
// {"error": "…"}, and then ends the stream: the reply would look finished, cut short, with no
// error at all. This fetch wrapper watches the lines on their way to the SDK and reports an error
// line, or a stream that ends without its final "done" line, to the caller.
//
// It reports out of band and ends the stream cleanly rather than erroring it: the SDK's parser
// reads ahead greedily, and a read error would discard the lines it has queued but not yet
// delivered, losing the deltas that arrived before the failure.
import { ProviderError } from './provider-errors.ts';

/** The failure an NDJSON line reports, or null when it is an ordinary line. */
function failureOf(line: string): ProviderError | null {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return null; // Not JSON: left to the SDK's parser.
  }
  if (value === null || typeof value !== 'object' || !('error' in value)) return null;
  const error = (value as { error: unknown }).error;
  const said = typeof error === 'string' ? error : JSON.stringify(error);
  return new ProviderError('provider_unavailable', `Ollama failed while answering: ${said.slice(0, 300)}`, {
    provider: 'ollama',
  });
}

function guard(report: (failure: ProviderError) => void): TransformStream<Uint8Array, Uint8Array> {
  const decoder = new TextDecoder();
  const encoder = new TextEncoder();
  let buffer = '';
  let sawDone = false;

  // Passes complete lines on; false once a failure line ended the stream.
  const pass = (lines: string[], controller: TransformStreamDefaultController<Uint8Array>): boolean => {
    const kept: string[] = [];
    let failure: ProviderError | null = null;
    for (const line of lines) {
      if (line.trim() === '') continue;
      failure = failureOf(line);
      if (failure) break;
      if (/"done"\s*:\s*true/.test(line)) sawDone = true;
      kept.push(line);
    }
    if (kept.length > 0) controller.enqueue(encoder.encode(`${kept.join('\n')}\n`));
    if (!failure) return true;
    report(failure);
    controller.terminate();
    return false;
  };

  return new TransformStream({
    transform(chunk, controller) {
      buffer += decoder.decode(chunk, { stream: true });
      const lines = buffer.split('\n');
      buffer = lines.pop() ?? '';
      pass(lines, controller);
    },
    flush(controller) {
      if (!pass([buffer + decoder.decode()], controller)) return;
      if (!sawDone) {
        report(
          new ProviderError('provider_bad_response', 'Ollama ended the stream before finishing the reply.', {
            provider: 'ollama',
          }),
        );
      }
    },
  });
}

/** Wraps a fetch so that a failed streamed Ollama answer is reported instead of ending quietly. */
export function guardOllamaStreams(
  fetchImpl: typeof globalThis.fetch,
  report: (failure: ProviderError) => void,
): typeof globalThis.fetch {
  return async (input, init) => {
    const response = await fetchImpl(input, init);
    const streamed = response.headers.get('content-type')?.includes('ndjson') ?? false;
    if (!response.ok || !response.body || !streamed) return response;
    return new Response(response.body.pipeThrough(guard(report)), {
      status: response.status,
      statusText: response.statusText,
      headers: response.headers,
    });
  };
}
