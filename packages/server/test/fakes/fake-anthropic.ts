// A fake Anthropic Messages API: POST /v1/messages, JSON or SSE with the documented event sequence
// (message_start, content_block_start, ping, content_block_delta…, content_block_stop,
// message_delta, message_stop), key in x-api-key, anthropic-version required, Anthropic's error
// bodies ({"type":"error","error":{type,message}}); scripted tool calls answer as tool_use blocks.
// Anthropic has no embeddings API.
import {
  type FakeLlmServer,
  type FakeProtocol,
  type FakeServerOptions,
  field,
  headerValue,
  type RecordedRequest,
  type SentPrompt,
  type StreamFrame,
  sseEvent,
  startFakeLlmServer,
} from './fake-llm-server.ts';

const ERRORS: Record<number, { type: string; message: string }> = {
  400: { type: 'invalid_request_error', message: 'Invalid request.' },
  401: { type: 'authentication_error', message: 'invalid x-api-key' },
  403: {
    type: 'permission_error',
    message: 'Your API key does not have permission to use the specified resource.',
  },
  404: { type: 'not_found_error', message: 'The requested resource could not be found.' },
  429: {
    type: 'rate_limit_error',
    message: 'Number of request tokens has exceeded your per-minute rate limit.',
  },
  500: { type: 'api_error', message: 'Internal server error' },
  529: { type: 'overloaded_error', message: 'Overloaded' },
};

function errorBody(status: number, message?: string) {
  const known = ERRORS[status] ?? ERRORS[status >= 500 ? 500 : 400]!;
  return {
    type: 'error',
    error: { type: known.type, message: message ?? known.message },
    request_id: 'req_fake',
  };
}

const STOP = { stop: 'end_turn', length: 'max_tokens' } as const;

/** Text of a system prompt or message content: a string or an array of blocks. */
function blocksText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content.map((block) => String(field(block, 'text') ?? '')).join('');
}

export const anthropicProtocol: FakeProtocol = {
  name: 'anthropic',
  baseUrl: (origin) => `${origin}/v1`,
  route(request) {
    if (request.method !== 'POST' || request.path !== '/v1/messages') return null;
    return {
      operation: field(request.body, 'stream') === true ? 'stream' : 'generate',
      model: String(field(request.body, 'model') ?? ''),
    };
  },
  credential: (request) => headerValue(request, 'x-api-key'),
  authFailure: () => ({ status: 401, body: errorBody(401) }),
  errorBody: (status, message) => errorBody(status, message),
  invalid: (request) =>
    headerValue(request, 'anthropic-version')
      ? null
      : { status: 400, body: errorBody(400, 'anthropic-version: header is required') },
  completion(reply, model) {
    const toolCalls = reply.toolCalls ?? [];
    const text = reply.chunks.join('');
    return {
      id: 'msg_fake',
      type: 'message',
      role: 'assistant',
      model,
      // As Anthropic does: a text block (left out when the model only calls tools), then a
      // tool_use block per call, and stop_reason tool_use.
      content: [
        ...(text || toolCalls.length === 0 ? [{ type: 'text', text }] : []),
        ...toolCalls.map((call, index) => ({
          type: 'tool_use',
          id: call.id ?? `toolu_fake${index}`,
          name: call.name,
          input: call.arguments,
        })),
      ],
      stop_reason: toolCalls.length > 0 ? 'tool_use' : STOP[reply.finishReason],
      stop_sequence: null,
      usage: { input_tokens: reply.inputTokens, output_tokens: reply.outputTokens },
    };
  },
  streamContentType: 'text/event-stream; charset=utf-8',
  streamFrames(reply, model) {
    const frames: StreamFrame[] = [
      {
        data: sseEvent(
          {
            type: 'message_start',
            message: {
              id: 'msg_fake',
              type: 'message',
              role: 'assistant',
              model,
              content: [],
              stop_reason: null,
              stop_sequence: null,
              usage: { input_tokens: reply.inputTokens, output_tokens: 1 },
            },
          },
          'message_start',
        ),
      },
      {
        data: sseEvent(
          { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } },
          'content_block_start',
        ),
      },
      { data: sseEvent({ type: 'ping' }, 'ping') },
      ...reply.chunks.map((text) => ({
        data: sseEvent(
          { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text } },
          'content_block_delta',
        ),
        delta: true,
      })),
      { data: sseEvent({ type: 'content_block_stop', index: 0 }, 'content_block_stop') },
      {
        data: sseEvent(
          {
            type: 'message_delta',
            delta: { stop_reason: STOP[reply.finishReason], stop_sequence: null },
            usage: { output_tokens: reply.outputTokens },
          },
          'message_delta',
        ),
      },
      { data: sseEvent({ type: 'message_stop' }, 'message_stop') },
    ];
    return frames;
  },
  streamErrorFrame: () =>
    sseEvent({ type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } }, 'error'),
  embedInputs: () => [],
  embeddings: () => ({}),
  describe(request: RecordedRequest): SentPrompt {
    const messages = (field(request.body, 'messages') as unknown[] | undefined) ?? [];
    const system = field(request.body, 'system');
    return {
      model: String(field(request.body, 'model')),
      system: system === undefined ? null : blocksText(system),
      messages: messages.map((message) => ({
        role: field(message, 'role') as 'user' | 'assistant',
        content: blocksText(field(message, 'content')),
      })),
      temperature: field(request.body, 'temperature') as number | undefined,
      maxTokens: field(request.body, 'max_tokens') as number | undefined,
      stream: field(request.body, 'stream') === true,
      credential: headerValue(request, 'x-api-key'),
    };
  },
};

export function startFakeAnthropic(options?: FakeServerOptions): Promise<FakeLlmServer> {
  return startFakeLlmServer(anthropicProtocol, options);
}
