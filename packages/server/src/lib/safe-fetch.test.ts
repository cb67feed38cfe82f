import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BlockedAddressError, createSafeFetch, isPublicAddress } from './safe-fetch.ts';

let server: http.Server;
let port: number;
beforeAll(async () => {
  server = http.createServer((request, response) => {
    if (request.url === '/redirect') {
      response.writeHead(302, { location: 'http://127.0.0.1:1/elsewhere' }).end();
      return;
    }
    response.end('hello');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

describe('isPublicAddress', () => {
  it('tells public from private, loopback, link-local and mapped addresses', () => {
    for (const address of [
      '8.8.8.8',
      '1.1.1.1',
      '2606:4700:4700::1111',
      '::ffff:8.8.8.8',
      '64:ff9b::808:808',
      '2002:808:808::1',
    ])
      expect(isPublicAddress(address), address).toBe(true);
    for (const address of [
      '127.0.0.1',
      '10.1.2.3',
      '172.16.0.1',
      '192.168.1.1',
      '169.254.169.254',
      '0.0.0.0',
      '::',
      '::1',
      'fc00::1',
      'fe80::1',
      '::ffff:127.0.0.1',
      '::ffff:7f00:1',
      '::127.0.0.1',
      '::7f00:1',
      '::a9fe:a9fe',
      '::ffff:0:a00:1',
      '64:ff9b::7f00:1',
      '64:ff9b::a00:1',
      '2002:7f00:1::',
      '2002:c0a8:101::1',
      '2001::1',
      '2130706433',
      '0x7f.1',
      '017700000001',
      '0',
      '100.64.0.1',
      'not-an-ip',
    ]) {
      expect(isPublicAddress(address), address).toBe(false);
    }
  });
});

describe('safe fetch', () => {
  it('refuses loopback by name and by IP literal', async () => {
    const safeFetch = createSafeFetch({ allowPrivateNetwork: false });
    await expect(safeFetch(`http://127.0.0.1:${port}/`)).rejects.toBeInstanceOf(BlockedAddressError);
    await expect(safeFetch(`http://[::1]:${port}/`)).rejects.toBeInstanceOf(BlockedAddressError);
    const byName = await safeFetch(`http://localhost:${port}/`).catch((error: unknown) => error as Error);
    expect(byName).toBeInstanceOf(Error);
    expect(String((byName as Error & { cause?: Error }).cause ?? byName)).toMatch(/private and loopback/);
  });

  it('refuses every spelling of a private IP literal', async () => {
    const safeFetch = createSafeFetch({ allowPrivateNetwork: false });
    for (const host of [
      '[::127.0.0.1]',
      '[::ffff:7f00:1]',
      '[64:ff9b::7f00:1]',
      '[2002:7f00:1::]',
      '2130706433',
      '0x7f.1',
      '0',
    ]) {
      await expect(safeFetch(`http://${host}:${port}/`), host).rejects.toBeInstanceOf(BlockedAddressError);
    }
  });

  it('allows them when the private network is allowed, or for a trusted origin only', async () => {
    const open = createSafeFetch({ allowPrivateNetwork: true });
    expect(await (await open(`http://127.0.0.1:${port}/`)).text()).toBe('hello');
    const trusted = createSafeFetch({
      allowPrivateNetwork: false,
      trustedOrigins: [`http://localhost:${port}/api`],
    });
    expect(await (await trusted(`http://localhost:${port}/`)).text()).toBe('hello');
    // The same host on another port or scheme, or by another name, is not the trusted origin.
    for (const url of [
      `http://localhost:${port + 1}/`,
      `https://localhost:${port}/`,
      `http://127.0.0.1:${port}/`,
    ]) {
      const refused = await trusted(url).catch((error: unknown) => error as Error);
      expect(String((refused as Error & { cause?: Error }).cause ?? refused), url).toMatch(
        /private and loopback/,
      );
    }
  });

  it('does not follow redirects, and refuses other schemes', async () => {
    const open = createSafeFetch({ allowPrivateNetwork: true });
    const response = await open(`http://127.0.0.1:${port}/redirect`);
    expect(response.status).toBe(302);
    await expect(open('file:///etc/passwd')).rejects.toThrow('Only http and https');
  });
});
