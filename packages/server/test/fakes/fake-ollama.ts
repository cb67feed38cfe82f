// A fake Ollama server (native API): POST /api/chat, streaming NDJSON unless the body says
// "stream": false (Ollama streams by default), sampling settings read from `options` as Ollama
// does, POST /api/embed with the timing fields a real reply has, errors as {"error": "…"};
// scripted tool calls answer as message.tool_calls.
// Plain Ollama has no auth; with `apiKey` set the fake plays Ollama behind a bearer-token proxy.
import {
  bearerToken,
  type FakeLlmServer,
  type FakeProtocol,
  type FakeReply,
  type FakeServerOptions,
  field,
  isoNow,
  type RecordedRequest,
  type SentPrompt,
  startFakeLlmServer,
} from './fake-llm-server.ts';

const MESSAGES: Record<number, string> = {
  400: 'invalid request',
  401: 'unauthorized',
  404: 'model not found, try pulling it first',
  429: 'too many requests',
  500: 'llama runner process has terminated: exit status 2',
  503: 'server busy, please try again.  maximum pending requests exceeded',
};

function timings(reply: FakeReply) {
  return {
    total_duration: 5_191_566_416,
    load_duration: 2_154_458,
    prompt_eval_count: reply.inputTokens,
    prompt_eval_duration: 383_809_000,
    eval_count: reply.outputTokens,
    eval_duration: 4_799_921_000,
  };
}

function line(value: unknown): string {
  return `${JSON.stringify(value)}\n`;
}

export const ollamaProtocol: FakeProtocol = {
  name: 'ollama',
  // What users configure: the server root, as OLLAMA_HOST.
  baseUrl: (origin) => origin,
  route(request) {
    if (request.method !== 'POST') return null;
    const model = String(field(request.body, 'model') ?? '');
    if (request.path === '/api/chat') {
      return { operation: field(request.body, 'stream') === false ? 'generate' : 'stream', model };
    }
    if (request.path === '/api/embed') return { operation: 'embed', model };
    return null;
  },
  credential: bearerToken,
  authFailure: () => ({ status: 401, body: { error: MESSAGES[401] } }),
  errorBody: (status, message) => ({
    error: message ?? MESSAGES[status] ?? MESSAGES[status >= 500 ? 500 : 400],
  }),
  completion(reply, model) {
    return {
      model,
      created_at: isoNow(),
      message: {
        role: 'assistant',
        content: reply.chunks.join(''),
        // As Ollama does: arguments as an object, not a JSON string.
        ...(reply.toolCalls?.length
          ? {
              tool_calls: reply.toolCalls.map((call) => ({
                function: { name: call.name, arguments: call.arguments },
              })),
            }
          : {}),
      },
      done: true,
      done_reason: reply.finishReason,
      ...timings(reply),
    };
  },
  streamContentType: 'application/x-ndjson',
  streamFrames(reply, model) {
    return [
      ...reply.chunks.map((content) => ({
        data: line({ model, created_at: isoNow(), message: { role: 'assistant', content }, done: false }),
        delta: true,
      })),
      {
        data: line({
          model,
          created_at: isoNow(),
          message: { role: 'assistant', content: '' },
          done: true,
          done_reason: reply.finishReason,
          ...timings(reply),
        }),
      },
    ];
  },
  streamErrorFrame: () => line({ error: 'an error was encountered while running the model: unexpected EOF' }),
  embedInputs(request) {
    const input = field(request.body, 'input');
    return Array.isArray(input) ? input.map(String) : [String(input)];
  },
  embeddings(vectors, model) {
    return {
      model,
      embeddings: vectors,
      total_duration: 14_143_917,
      load_duration: 1_019_500,
      prompt_eval_count: vectors.length * 5,
    };
  },
  describe(request: RecordedRequest): SentPrompt {
    const messages = (field(request.body, 'messages') as unknown[] | undefined) ?? [];
    const system = messages.filter((message) => field(message, 'role') === 'system');
    return {
      model: String(field(request.body, 'model')),
      system:
        system.length > 0 ? system.map((message) => String(field(message, 'content'))).join('\n') : null,
      messages: messages
        .filter((message) => ['user', 'assistant'].includes(String(field(message, 'role'))))
        .map((message) => ({
          role: field(message, 'role') as 'user' | 'assistant',
          content: String(field(message, 'content') ?? ''),
        })),
      // Ollama ignores top-level sampling fields: only `options` counts.
      temperature: field(request.body, 'options', 'temperature') as number | undefined,
      maxTokens: field(request.body, 'options', 'num_predict') as number | undefined,
      stream: field(request.body, 'stream') !== false,
      credential: bearerToken(request),
    };
  },
};

export function startFakeOllama(options?: FakeServerOptions): Promise<FakeLlmServer> {
  return startFakeLlmServer(ollamaProtocol, options);
}
