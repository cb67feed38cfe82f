// The CLI's side of the admin socket: operator actions sent to the running server that holds
// the embedded database. Kept apart from the server side so that the CLI loads no server code.
import http from 'node:http';
import type { ErrorBody } from '../lib/errors.ts';
import { ADMIN_OPERATIONS } from './admin-operations.ts';
import type { AdminOps } from './admin-ops.ts';

export class AdminRequestError extends Error {
  readonly body: ErrorBody;
  constructor(body: ErrorBody) {
    super(body.message);
    this.body = body;
  }
}

/** AdminOps that forward every call to the running server's socket. */
export function socketAdminOps(path: string): AdminOps {
  const call =
    (op: string) =>
    (input: unknown = {}) =>
      new Promise<never>((resolve, reject) => {
        const body = JSON.stringify(input);
        const request = http.request(
          {
            socketPath: path,
            method: 'POST',
            path: `/admin/${op}`,
            headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
            timeout: 30_000,
          },
          (response) => {
            let text = '';
            response.setEncoding('utf8');
            response.on('data', (chunk) => {
              text += chunk;
            });
            response.on('end', () => {
              try {
                const parsed = JSON.parse(text);
                if (response.statusCode === 200) resolve(parsed.result);
                else reject(new AdminRequestError(parsed.error));
              } catch (error) {
                reject(error);
              }
            });
          },
        );
        request.on('timeout', () => request.destroy(new Error('The server did not answer within 30 s.')));
        request.on('error', reject);
        request.end(body);
      });
  return Object.fromEntries(ADMIN_OPERATIONS.map((op) => [op, call(op)])) as unknown as AdminOps;
}
