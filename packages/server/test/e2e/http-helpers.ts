// End-to-end helpers for talking to a running `parley` over real HTTP: JSON requests with a key,
// a request whose body is held back until the server has accepted it, and polling.
import http from 'node:http';

export interface ApiResponse {
  status: number;
  // biome-ignore lint/suspicious/noExplicitAny: response bodies are checked field by field in tests.
  body: any;
  headers: Headers;
}

export async function api(
  baseUrl: string,
  urlPath: string,
  options: { key?: string; method?: string; body?: unknown } = {},
): Promise<ApiResponse> {
  const headers: Record<string, string> = {};
  if (options.key) headers.authorization = `Bearer ${options.key}`;
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(`${baseUrl}${urlPath}`, {
    method: options.method ?? 'GET',
    headers,
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
    signal: AbortSignal.timeout(20_000),
  });
  const text = await response.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {}
  return { status: response.status, body, headers: response.headers };
}

/** GET /v1/workspace with the key. */
export function getWorkspace(baseUrl: string, key: string): Promise<ApiResponse> {
  return api(baseUrl, '/v1/workspace', { key });
}

/**
 * A POST whose body is held back: it sends the headers with `Expect: 100-continue`, and
 * `accepted` resolves once the server has answered "100 Continue", that is, once the server
 * has the request and is waiting for its body. `sendBody()` sends the rest.
 */
export function startHeldRequest(
  baseUrl: string,
  urlPath: string,
  options: { key: string; body: unknown },
): { accepted: Promise<void>; sendBody(): void; response: Promise<{ status: number; body: unknown }> } {
  const url = new URL(urlPath, baseUrl);
  const payload = JSON.stringify(options.body);
  let onContinue!: () => void;
  let onAcceptFailed!: (error: Error) => void;
  const accepted = new Promise<void>((resolve, reject) => {
    onContinue = resolve;
    onAcceptFailed = reject;
  });
  const request = http.request({
    host: url.hostname,
    port: url.port,
    path: url.pathname,
    method: 'POST',
    agent: false,
    timeout: 30_000,
    headers: {
      authorization: `Bearer ${options.key}`,
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(payload),
      expect: '100-continue',
    },
  });
  const response = new Promise<{ status: number; body: unknown }>((resolve, reject) => {
    request.on('continue', () => onContinue());
    request.on('response', (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        text += chunk;
      });
      res.on('end', () => {
        let body: unknown = text;
        try {
          body = JSON.parse(text);
        } catch {}
        resolve({ status: res.statusCode ?? 0, body });
      });
      res.on('error', reject);
    });
    request.on('timeout', () => request.destroy(new Error('request timed out')));
    request.on('error', (error) => {
      onAcceptFailed(error);
      reject(error);
    });
  });
  // Both are awaited by the test; do not let a failure of one be reported as unhandled.
  accepted.catch(() => {});
  response.catch(() => {});
  request.flushHeaders();
  return { accepted, sendBody: () => request.end(payload), response };
}

/** Polls an async condition until it holds (for state only visible by asking, like a closed port). */
export async function waitUntil(
  what: string,
  check: () => Promise<boolean>,
  timeoutMs = 10_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}.`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
