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
    // The files of one worker share its loaded modules: the server's ~2,000 modules are loaded
    // once per worker instead of once per file, which was half of the suite's time. Nothing in
    // the server keeps state at module level (each test app is built by startTestApp), and a
    // file that changes the process (fake timers, environment variables) restores it.
    isolate: false,
    // Each test app runs its embedded database in a thread of its own, and many come and go in one
    // worker: V8 13 (Node 24) can abort on a race in its process-wide table of wasm code pages while
    // one thread frees code that another allocates (nodejs/node#64500, "Check failed:
    // jit_page_->allocations_.erase(addr)"). Not collecting wasm code that is tiered up removes
    // most of those frees; the memory kept is a few MB per worker.
    execArgv: ['--no-wasm-code-gc'],
  },
});
