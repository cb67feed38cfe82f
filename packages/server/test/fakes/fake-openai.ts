// A fake OpenAI API: POST /v1/chat/completions (JSON, or SSE `data: {chunk}` lines ending with
// `data: [DONE]`, plus a usage chunk when stream_options.include_usage) and POST /v1/embeddings,
// with OpenAI's error bodies. Also serves as any OpenAI-compatible server (vLLM, LM Studio, …).
import {
  bearerToken,
  type FakeLlmServer,
  type FakeProtocol,
  type FakeReply,
  type FakeServerOptions,
  field,
  type RecordedRequest,
  type SentPrompt,
  type StreamFrame,
  startFakeLlmServer,
} from './fake-llm-server.ts';

const CREATED = 1_735_689_600;

function usage(reply: FakeReply) {
  return {
    prompt_tokens: reply.inputTokens,
    completion_tokens: reply.outputTokens,
    total_tokens: reply.inputTokens + reply.outputTokens,
  };
}

function chunk(model: string, choices: unknown[], extra: Record<string, unknown> = {}) {
  return `data: ${JSON.stringify({
    id: 'chatcmpl-fake',
    object: 'chat.completion.chunk',
    created: CREATED,
    model,
    system_fingerprint: 'fp_fake',
    choices,
    ...extra,
  })}\n\n`;
}

/** Text of an OpenAI message content: a string or an array of parts. */
function contentText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content.map((part) => (typeof field(part, 'text') === 'string' ? field(part, 'text') : '')).join('');
}

const ERROR_TYPES: Record<number, { type: string; code: string | null; message: string }> = {
  400: { type: 'invalid_request_error', code: null, message: 'Invalid request.' },
  404: { type: 'invalid_request_error', code: 'model_not_found', message: 'The model does not exist.' },
  429: {
    type: 'requests',
    code: 'rate_limit_exceeded',
    message: 'Rate limit reached for requests. Please try again in 1s.',
  },
  500: {
    type: 'server_error',
    code: null,
    message: 'The server had an error while processing your request. Sorry about that!',
  },
  503: {
    type: 'server_error',
    code: null,
    message: 'The engine is currently overloaded, please try again later.',
  },
};

function authError(credential: string | null) {
  // OpenAI echoes (a masked form of) the refused key; echoing it whole is the harsher test.
  return {
    error: {
      message: credential
        ? `Incorrect API key provided: ${credential}. You can find your API key at https://platform.openai.com/account/api-keys.`
        : "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).",
      type: 'invalid_request_error',
      param: null,
      code: credential ? 'invalid_api_key' : null,
    },
  };
}

export const openAiProtocol: FakeProtocol = {
  name: 'openai',
  baseUrl: (origin) => `${origin}/v1`,
  route(request) {
    if (request.method !== 'POST') return null;
    const model = String(field(request.body, 'model') ?? '');
    if (request.path === '/v1/chat/completions') {
      return { operation: field(request.body, 'stream') === true ? 'stream' : 'generate', model };
    }
    if (request.path === '/v1/embeddings') return { operation: 'embed', model };
    return null;
  },
  credential: bearerToken,
  authFailure: (credential) => ({ status: 401, body: authError(credential) }),
  errorBody(status, message, credential) {
    if (status === 401) return authError(credential);
    const known = ERROR_TYPES[status] ?? ERROR_TYPES[status >= 500 ? 500 : 400]!;
    return { error: { message: message ?? known.message, type: known.type, param: null, code: known.code } };
  },
  completion(reply, model) {
    const toolCalls = reply.toolCalls ?? [];
    return {
      id: 'chatcmpl-fake',
      object: 'chat.completion',
      created: CREATED,
      model,
      system_fingerprint: 'fp_fake',
      choices: [
        {
          index: 0,
          message: {
            role: 'assistant',
            // As OpenAI does: content null when the model only calls tools.
            content: toolCalls.length > 0 && reply.chunks.length === 0 ? null : reply.chunks.join(''),
            refusal: null,
            ...(toolCalls.length > 0
              ? {
                  tool_calls: toolCalls.map((call, index) => ({
                    id: call.id ?? `call_fake${index}`,
                    type: 'function',
                    function: { name: call.name, arguments: JSON.stringify(call.arguments) },
                  })),
                }
              : {}),
          },
          logprobs: null,
          finish_reason: toolCalls.length > 0 ? 'tool_calls' : reply.finishReason,
        },
      ],
      usage: usage(reply),
    };
  },
  streamContentType: 'text/event-stream; charset=utf-8',
  streamFrames(reply, model, request) {
    // As OpenAI does: `usage: null` on every chunk and a final usage chunk only when asked.
    const withUsage = field(request.body, 'stream_options', 'include_usage') === true;
    const extra = withUsage ? { usage: null } : {};
    const choice = (delta: unknown, finishReason: string | null) => [
      { index: 0, delta, logprobs: null, finish_reason: finishReason },
    ];
    const frames: StreamFrame[] = [
      { data: chunk(model, choice({ role: 'assistant', content: '' }, null), extra) },
      ...reply.chunks.map((text) => ({
        data: chunk(model, choice({ content: text }, null), extra),
        delta: true,
      })),
      { data: chunk(model, choice({}, reply.finishReason), extra) },
    ];
    if (withUsage) frames.push({ data: chunk(model, [], { usage: usage(reply) }) });
    frames.push({ data: 'data: [DONE]\n\n' });
    return frames;
  },
  streamErrorFrame: () =>
    `data: ${JSON.stringify({ error: { message: 'The server had an error while processing your request.', type: 'server_error', param: null, code: null } })}\n\n`,
  embedInputs(request) {
    const input = field(request.body, 'input');
    return Array.isArray(input) ? input.map(String) : [String(input)];
  },
  embeddings(vectors, model) {
    const tokens = vectors.length * 5;
    return {
      object: 'list',
      data: vectors.map((embedding, index) => ({ object: 'embedding', index, embedding })),
      model,
      usage: { prompt_tokens: tokens, total_tokens: tokens },
    };
  },
  describe(request: RecordedRequest): SentPrompt {
    const messages = (field(request.body, 'messages') as unknown[] | undefined) ?? [];
    const system = messages
      .filter((message) => ['system', 'developer'].includes(String(field(message, 'role'))))
      .map((message) => contentText(field(message, 'content')));
    return {
      model: String(field(request.body, 'model')),
      system: system.length > 0 ? system.join('\n') : null,
      messages: messages
        .filter((message) => ['user', 'assistant'].includes(String(field(message, 'role'))))
        .map((message) => ({
          role: field(message, 'role') as 'user' | 'assistant',
          content: contentText(field(message, 'content')),
        })),
      temperature: field(request.body, 'temperature') as number | undefined,
      maxTokens: (field(request.body, 'max_tokens') ?? field(request.body, 'max_completion_tokens')) as
        | number
        | undefined,
      stream: field(request.body, 'stream') === true,
      credential: bearerToken(request),
    };
  },
};

export function startFakeOpenAI(options?: FakeServerOptions): Promise<FakeLlmServer> {
  return startFakeLlmServer(openAiProtocol, options);
}
