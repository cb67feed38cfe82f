// The console's API client: openapi-fetch typed by schema.d.ts (generated from /v1/openapi.json).
// It calls the same /v1 API as any client, with the person's session cookie; every unsafe request
// carries the session's CSRF token, which the server hands out at sign-in and from GET /v1/me.
import createClient, { type Middleware } from 'openapi-fetch';
import roles from './roles.json';
import type { components, paths } from './schema.d.ts';

export type Schemas = components['schemas'];
export type Role = 'owner' | 'admin' | 'agent';

let csrfToken: string | null = null;
export function setCsrfToken(token: string | null): void {
  csrfToken = token;
}

/** An error answered by the API, in its envelope: `{error: {type, code, message, param?}}`. */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  constructor(status: number, code: string, message: string) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

const csrf: Middleware = {
  onRequest({ request }) {
    if (csrfToken && !['GET', 'HEAD'].includes(request.method))
      request.headers.set('x-csrf-token', csrfToken);
    return request;
  },
};

export const api = createClient<paths>({ baseUrl: window.location.origin, credentials: 'same-origin' });
api.use(csrf);

interface Answer<T> {
  data?: T;
  error?: unknown;
  response: Response;
}

/** The data of a successful answer; an ApiError with the envelope's message otherwise. */
export async function ok<T>(call: Promise<Answer<T>>): Promise<T> {
  const { data, error, response } = await call;
  if (response.ok) return data as T;
  const envelope = (error as { error?: { code?: string; message?: string } } | undefined)?.error;
  throw new ApiError(
    response.status,
    envelope?.code ?? 'http_error',
    envelope?.message ?? `The server answered ${response.status}.`,
  );
}

/** Unsafe requests the typed client does not cover (multipart uploads): same cookie and token. */
export async function send(method: string, path: string, body: BodyInit): Promise<unknown> {
  const headers: Record<string, string> = {};
  if (csrfToken) headers['x-csrf-token'] = csrfToken;
  const response = await fetch(path, { method, body, headers, credentials: 'same-origin' });
  const json = await response.json().catch(() => null);
  if (!response.ok) {
    const envelope = (json as { error?: { code?: string; message?: string } } | null)?.error;
    throw new ApiError(
      response.status,
      envelope?.code ?? 'http_error',
      envelope?.message ?? response.statusText,
    );
  }
  return json;
}

const operationRoles = roles as Record<string, string[]>;
/** Whether a role may call an operation, as the OpenAPI document's x-roles state it. */
export function may(role: Role | undefined, operation: string): boolean {
  if (!role) return false;
  return operationRoles[operation]?.includes(role) ?? false;
}
