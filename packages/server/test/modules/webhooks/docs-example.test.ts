// The Node receiver of docs/webhooks.md, run as written against real deliveries: it accepts what
// Parley signs and refuses what another secret signed.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildWorkspace } from '../../helpers/factories.ts';
import { startTestApp, type TestApp } from '../../helpers/test-app.ts';
import { createWebhook, eventually } from './webhook-helpers.ts';

const REPO_ROOT = fileURLToPath(new URL('../../../../../', import.meta.url));
const NODE = path.join(REPO_ROOT, 'node_modules', '.bin', 'node');

/** The one ```js block of the guide. */
function example(): string {
  const guide = readFileSync(path.join(REPO_ROOT, 'docs', 'webhooks.md'), 'utf8');
  const blocks = [...guide.matchAll(/```js\n([\s\S]*?)```/g)].map((match) => match[1]!);
  expect(blocks).toHaveLength(1);
  return blocks[0]!;
}

let t: TestApp;
let dir: string;
const children: ChildProcess[] = [];
beforeAll(async () => {
  t = await startTestApp({ PARLEY_ALLOW_PRIVATE_NETWORK: 'true' });
  // Inside the repository, so that `import 'standardwebhooks'` resolves as in a user's project.
  dir = mkdtempSync(path.join(REPO_ROOT, 'packages', 'server', '.docs-example-'));
});
afterAll(async () => {
  for (const child of children) child.kill('SIGKILL');
  await t.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Starts the example with a secret; resolves with its URL and what it printed. */
async function runExample(secret: string): Promise<{ url: string; output: () => string }> {
  const file = path.join(dir, 'receiver.mjs');
  writeFileSync(file, example());
  const child = spawn(NODE, [file], {
    env: { ...process.env, PARLEY_WEBHOOK_SECRET: secret, PORT: '0' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    output += chunk.toString('utf8');
  });
  child.stderr!.on('data', (chunk: Buffer) => {
    output += chunk.toString('utf8');
  });
  const port = await eventually(
    'the example to listen',
    async () => /listening on (\d+)/.exec(output)?.[1],
    30_000,
  );
  return { url: `http://127.0.0.1:${port}/hooks`, output: () => output };
}

describe('the verification example of docs/webhooks.md', () => {
  it('accepts a delivery signed with its secret and refuses one signed with another', async () => {
    const ws = await buildWorkspace(t.context);
    const placeholder = await createWebhook(t, ws.liveKey, { url: 'https://example.com/', events: ['*'] });
    const receiver = await runExample(placeholder.secret);
    await t.request({
      method: 'PATCH',
      url: `/v1/webhooks/${placeholder.id}`,
      key: ws.liveKey,
      body: { url: receiver.url },
    });
    const accepted = await t.request({
      method: 'POST',
      url: `/v1/webhooks/${placeholder.id}/test`,
      key: ws.liveKey,
    });
    expect(accepted.json()).toMatchObject({ status: 'succeeded', attempts: [{ status_code: 204 }] });
    expect(receiver.output()).toContain(`received webhook.test ${accepted.json().event_id}`);

    const stranger = await createWebhook(t, ws.liveKey, { url: receiver.url, events: ['*'] });
    const refused = await t.request({
      method: 'POST',
      url: `/v1/webhooks/${stranger.id}/test`,
      key: ws.liveKey,
    });
    expect(refused.json()).toMatchObject({
      status: 'failed',
      attempts: [{ status_code: 400, response_body: 'invalid signature' }],
    });
  });
});
