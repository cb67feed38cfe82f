import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['packages/*/test/**/*.test.ts', 'packages/*/src/**/*.test.ts'],
    globalSetup: ['packages/server/test/global-setup.ts'],
    testTimeout: 30_000,
    // expect.poll waits for something the user would see happen (a page updating after a click, a
    // job finishing): 1 s, the default, is too short on two busy cores.
    expect: { poll: { timeout: 15_000 } },
    hookTimeout: 120_000,
    // Two cores: more workers than that only adds contention on the embedded databases.
    maxWorkers: 2,
  },
});
