// The CLI's side of the admin socket: operator actions sent to the running server that holds
// the embedded database. Kept apart from the server side so that the CLI loads no server code.
import http from 'node:http';
import readline from 'node:readline';
import type { ErrorBody } from '../lib/errors.ts';
import type { ExportPart } from '../lib/export-part.ts';
import { ADMIN_OPERATIONS } from './admin-operations.ts';
import type { AdminOps } from './admin-ops.ts';
import type { Export, Exporter } from './export-request.ts';

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

/** The running server's exports: the total first, then the parts as the server reads them. */
export function socketExporter(path: string): Exporter {
  return (input) =>
    new Promise<Export>((resolve, reject) => {
      const body = JSON.stringify(input);
      const request = http.request(
        {
          socketPath: path,
          method: 'POST',
          path: '/admin-export',
          headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
        },
        (response) => {
          if (response.statusCode !== 200) {
            let text = '';
            response.setEncoding('utf8');
            response.on('data', (chunk) => {
              text += chunk;
            });
            response.on('end', () => {
              try {
                reject(new AdminRequestError(JSON.parse(text).error));
              } catch (error) {
                reject(error);
              }
            });
            return;
          }
          // A socket closed mid-export ends the lines; the check below tells it from the end.
          response.on('error', () => {});
          const lines = readline
            .createInterface({ input: response, crlfDelay: Infinity })
            [Symbol.asyncIterator]();
          lines.next().then((first) => {
            if (first.done) return reject(new Error('The server ended the export before it began.'));
            const { total } = JSON.parse(first.value) as { total: number };
            resolve({
              total,
              parts: (async function* () {
                for (let line = await lines.next(); !line.done; line = await lines.next()) {
                  yield JSON.parse(line.value) as ExportPart;
                }
                // A server that stops mid-export closes the socket early: no false "done".
                if (!response.complete) throw new Error('The server stopped before the export ended.');
              })(),
            });
          }, reject);
        },
      );
      request.on('error', reject);
      request.end(body);
    });
}
