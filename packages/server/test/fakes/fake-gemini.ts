// A fake Gemini API (generativelanguage.googleapis.com/v1beta): POST models/{model}:generateContent,
// :streamGenerateContent?alt=sse (SSE events separated by CRLF CRLF, as Google sends them),
// :embedContent and :batchEmbedContents, key in x-goog-api-key (or ?key=), Google's error bodies;
// scripted tool calls answer as functionCall parts.
import {
  type FakeLlmServer,
  type FakeProtocol,
  type FakeReply,
  type FakeServerOptions,
  field,
  headerValue,
  type RecordedRequest,
  type SentPrompt,
  startFakeLlmServer,
} from './fake-llm-server.ts';

const ROUTE =
  /^\/v1beta\/models\/([^/:]+):(generateContent|streamGenerateContent|embedContent|batchEmbedContents)$/;

const STATUS_NAMES: Record<number, { status: string; message: string }> = {
  400: { status: 'INVALID_ARGUMENT', message: 'Request contains an invalid argument.' },
  401: {
    status: 'UNAUTHENTICATED',
    message:
      'Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential.',
  },
  403: { status: 'PERMISSION_DENIED', message: 'The caller does not have permission' },
  404: { status: 'NOT_FOUND', message: 'models/unknown is not found for API version v1beta.' },
  429: { status: 'RESOURCE_EXHAUSTED', message: 'Resource has been exhausted (e.g. check quota).' },
  500: {
    status: 'INTERNAL',
    message:
      'An internal error has occurred. Please retry or report in https://developers.generativeai.google/guide/troubleshooting',
  },
  503: { status: 'UNAVAILABLE', message: 'The model is overloaded. Please try again later.' },
};

function errorBody(code: number, message?: string) {
  const known = STATUS_NAMES[code] ?? STATUS_NAMES[code >= 500 ? 500 : 400]!;
  return { error: { code, message: message ?? known.message, status: known.status } };
}

function usageMetadata(reply: FakeReply) {
  return {
    promptTokenCount: reply.inputTokens,
    candidatesTokenCount: reply.outputTokens,
    totalTokenCount: reply.inputTokens + reply.outputTokens,
    promptTokensDetails: [{ modality: 'TEXT', tokenCount: reply.inputTokens }],
  };
}

const FINISH = { stop: 'STOP', length: 'MAX_TOKENS' } as const;

function partsText(content: unknown): string {
  const parts = field(content, 'parts');
  if (!Array.isArray(parts)) return '';
  return parts.map((part) => String(field(part, 'text') ?? '')).join('');
}

function sse(data: unknown): string {
  return `data: ${JSON.stringify(data)}\r\n\r\n`;
}

export const geminiProtocol: FakeProtocol = {
  name: 'gemini',
  baseUrl: (origin) => `${origin}/v1beta`,
  route(request) {
    const match = ROUTE.exec(request.path);
    if (request.method !== 'POST' || !match) return null;
    const [, model = '', method] = match;
    if (method === 'streamGenerateContent') {
      return request.query.get('alt') === 'sse' ? { operation: 'stream', model } : null;
    }
    return { operation: method === 'generateContent' ? 'generate' : 'embed', model };
  },
  credential: (request) => headerValue(request, 'x-goog-api-key') ?? request.query.get('key'),
  // Google answers a bad key with 400 INVALID_ARGUMENT and reason API_KEY_INVALID, not with 401.
  authFailure: () => ({
    status: 400,
    body: {
      error: {
        code: 400,
        message: 'API key not valid. Please pass a valid API key.',
        status: 'INVALID_ARGUMENT',
        details: [
          {
            '@type': 'type.googleapis.com/google.rpc.ErrorInfo',
            reason: 'API_KEY_INVALID',
            domain: 'googleapis.com',
            metadata: { service: 'generativelanguage.googleapis.com' },
          },
        ],
      },
    },
  }),
  errorBody: (status, message) => errorBody(status, message),
  completion(reply, model) {
    const text = reply.chunks.join('');
    const calls = reply.toolCalls ?? [];
    return {
      candidates: [
        {
          // As Gemini does: a functionCall part per tool call (Gemini gives calls no ids).
          content: {
            parts: [
              ...(text || calls.length === 0 ? [{ text }] : []),
              ...calls.map((call) => ({ functionCall: { name: call.name, args: call.arguments } })),
            ],
            role: 'model',
          },
          finishReason: FINISH[reply.finishReason],
          index: 0,
        },
      ],
      usageMetadata: usageMetadata(reply),
      modelVersion: model,
      responseId: 'fake-response-id',
    };
  },
  streamContentType: 'text/event-stream',
  streamFrames(reply, model) {
    return reply.chunks.map((text, index) => {
      const last = index === reply.chunks.length - 1;
      return {
        data: sse({
          candidates: [
            {
              content: { parts: [{ text }], role: 'model' },
              ...(last ? { finishReason: FINISH[reply.finishReason] } : {}),
              index: 0,
            },
          ],
          usageMetadata: last
            ? usageMetadata(reply)
            : { promptTokenCount: reply.inputTokens, totalTokenCount: reply.inputTokens },
          modelVersion: model,
          responseId: 'fake-response-id',
        }),
        delta: true,
      };
    });
  },
  streamErrorFrame: () => sse(errorBody(503)),
  embedInputs(request) {
    const requests = field(request.body, 'requests');
    if (Array.isArray(requests)) return requests.map((one) => partsText(field(one, 'content')));
    return [partsText(field(request.body, 'content'))];
  },
  embeddings(vectors, _model, request) {
    return request.path.endsWith(':embedContent')
      ? { embedding: { values: vectors[0] } }
      : { embeddings: vectors.map((values) => ({ values })) };
  },
  describe(request: RecordedRequest): SentPrompt {
    const contents = (field(request.body, 'contents') as unknown[] | undefined) ?? [];
    const system = field(request.body, 'systemInstruction');
    return {
      model: geminiProtocol.route(request)?.model ?? '',
      system: system === undefined ? null : partsText(system),
      messages: contents.map((content) => ({
        role: field(content, 'role') === 'model' ? 'assistant' : 'user',
        content: partsText(content),
      })),
      temperature: field(request.body, 'generationConfig', 'temperature') as number | undefined,
      maxTokens: field(request.body, 'generationConfig', 'maxOutputTokens') as number | undefined,
      stream: request.path.endsWith(':streamGenerateContent'),
      credential: geminiProtocol.credential(request),
    };
  },
};

export function startFakeGemini(options?: FakeServerOptions): Promise<FakeLlmServer> {
  return startFakeLlmServer(geminiProtocol, options);
}
