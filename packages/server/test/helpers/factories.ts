// Factories: each test makes its own workspace and keys, so tests never share rows.
import type { Context } from '../../src/runtime/context.ts';

export interface TestWorkspace {
  id: string;
  liveKey: string;
  testKey: string;
  liveKeyId: string;
  testKeyId: string;
}

let counter = 0;

export async function buildWorkspace(
  context: Context,
  options: { plan?: string; name?: string } = {},
): Promise<TestWorkspace> {
  counter += 1;
  const workspace = await context.workspaces.create({
    name: options.name ?? `Workspace ${counter}`,
    plan: options.plan ?? 'enterprise',
  });
  const live = await context.apiKeys.create(workspace.id, 'live', 'live key');
  const test = await context.apiKeys.create(workspace.id, 'test', 'test key');
  return {
    id: workspace.id,
    liveKey: live.secret,
    testKey: test.secret,
    liveKeyId: live.row.id,
    testKeyId: test.row.id,
  };
}
