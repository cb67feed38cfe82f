// Shutdown does not wait for connections that are not serving a request: a spare connection a
// client opened ahead of time, or one between keep-alive requests, is closed at once; a request
// in flight still gets its answer.

import type { AddressInfo } from 'node:net';
import net from 'node:net';
import { expect, it } from 'vitest';
import { startTestApp } from '../helpers/test-app.ts';

it('closes spare and idle connections at shutdown instead of waiting for their keep-alive timeout', {
  timeout: 120_000,
}, async () => {
  const t = await startTestApp();
  await t.app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = t.app.server.address() as AddressInfo;
  const spare = net.connect(port, '127.0.0.1');
  await new Promise((resolve) => spare.once('connect', resolve));
  const spareClosed = new Promise((resolve) => spare.once('close', resolve));

  const idle = net.connect(port, '127.0.0.1');
  await new Promise((resolve) => idle.once('connect', resolve));
  const idleClosed = new Promise((resolve) => idle.once('close', resolve));
  idle.write('GET /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: keep-alive\r\n\r\n');
  await new Promise((resolve) => idle.once('data', resolve));

  await t.close();
  await spareClosed;
  await idleClosed;
  expect(spare.destroyed).toBe(true);
  expect(idle.destroyed).toBe(true);
});
