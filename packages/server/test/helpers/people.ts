// People for tests: made through the user service (as `parley users create` does), signed in
// through the API, and a client that sends the session cookie and CSRF token like a browser.
import type { LightMyRequestResponse } from 'fastify';
import { expect } from 'vitest';
import { encodeId } from '../../src/lib/ids.ts';
import type { TestApp } from './test-app.ts';

export type Role = 'owner' | 'admin' | 'agent';

export interface Person {
  id: string;
  email: string;
  role: Role;
  cookie: string;
  csrf: string;
  /** A request with the session; `csrf: null` leaves the CSRF header out. */
  call(
    method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE',
    url: string,
    body?: unknown,
    options?: { csrf?: string | null },
  ): Promise<LightMyRequestResponse>;
}

/** The password of every person `signedIn` makes. */
export const PASSWORD = 'correct horse battery';
let counter = 0;
let addresses = 0;

function nextAddress(): string {
  addresses += 1;
  return `10.${(addresses >> 16) & 255}.${(addresses >> 8) & 255}.${addresses & 255}`;
}

export function personClient(t: TestApp) {
  /**
   * A POST to a sign-in route from its own client address: sign-in attempts are limited per
   * address, and these tests make many.
   */
  function post(url: string, body: unknown, remoteAddress = nextAddress()) {
    return t.app.inject({
      method: 'POST',
      url,
      remoteAddress,
      headers: { 'content-type': 'application/json' },
      payload: JSON.stringify(body),
    });
  }

  function signIn(email: string, password: string, extra: Record<string, unknown> = {}) {
    return post('/v1/sessions', { email, password, ...extra });
  }

  async function session(email: string, password: string): Promise<Person> {
    const response = await signIn(email, password);
    expect(response.statusCode, response.body).toBe(201);
    const cookie = String(response.headers['set-cookie']).split(';')[0]!;
    const body = response.json();
    return {
      id: body.user.id,
      email,
      role: body.user.role,
      cookie,
      csrf: body.csrf_token,
      call(method, url, payload, options = {}) {
        const csrf = options.csrf === undefined ? body.csrf_token : options.csrf;
        return t.request({
          method,
          url,
          body: payload,
          headers: { cookie, ...(csrf === null ? {} : { 'x-csrf-token': csrf }) },
        });
      },
    };
  }

  return {
    post,
    signIn,
    session,
    async create(workspaceId: string, input: { email: string; role: Role; password?: string }) {
      const { user } = await t.context.users.create(workspaceId, input, 'http://localhost');
      return encodeId('usr', user.id);
    },
    /** A new person of the role in the workspace, signed in. */
    async signedIn(workspaceId: string, role: Role): Promise<Person> {
      counter += 1;
      const email = `${role}${counter}-${Date.now()}@example.com`;
      await t.context.users.create(workspaceId, { email, role, password: PASSWORD }, 'http://localhost');
      return session(email, PASSWORD);
    },
  };
}
