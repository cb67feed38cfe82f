// Builds the real app on a real database for integration tests: an in-memory PGlite by
// default, the PostgreSQL server named by DATABASE_URL when set (and Redis when REDIS_URL is).
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { inject } from 'vitest';
import { buildApp } from '../../src/app.ts';
import { type Config, loadConfig } from '../../src/config.ts';
import { createLogger } from '../../src/lib/logger.ts';
import { buildContext, type Context, createContext } from '../../src/runtime/context.ts';
import { jobHandlers } from '../../src/runtime/job-handlers.ts';
import { ownDatabase } from './own-database.ts';

export interface TestApp {
  app: FastifyInstance;
  context: Context;
  config: Config;
  /** Sends a request with an API key; JSON bodies are encoded. */
  request(options: {
    method?: 'GET' | 'POST' | 'PATCH' | 'DELETE' | 'PUT';
    url: string;
    key?: string;
    body?: unknown;
    headers?: Record<string, string>;
  }): Promise<LightMyRequestResponse>;
  /** A second node on the same database, with its own caches and counters. */
  startPeer(): Promise<TestApp>;
  close(): Promise<void>;
}

export function testConfig(env: Record<string, string> = {}): Config {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'parley-test-'));
  return loadConfig({
    PARLEY_DATA_DIR: dataDir,
    PARLEY_SECRET_KEY: 'test-secret-key-not-for-production',
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    // Test files share one PostgreSQL database: each app gets its own job queue, so a job is
    // run by the app (and configuration) that queued it.
    ...(process.env.DATABASE_URL
      ? {
          DATABASE_URL: process.env.DATABASE_URL,
          PARLEY_JOB_SCHEMA: `pgboss_${randomBytes(6).toString('hex')}`,
        }
      : {}),
    ...(process.env.REDIS_URL ? { REDIS_URL: process.env.REDIS_URL } : {}),
    ...env,
  });
}

function wrap(
  app: FastifyInstance,
  context: Context,
  config: Config,
  closeAll: () => Promise<void>,
): TestApp {
  const testApp: TestApp = {
    app,
    context,
    config,
    request({ method = 'GET', url, key, body, headers = {} }) {
      return app.inject({
        method,
        url,
        headers: {
          ...(key ? { authorization: `Bearer ${key}` } : {}),
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
          ...headers,
        },
        ...(body === undefined ? {} : { payload: typeof body === 'string' ? body : JSON.stringify(body) }),
      });
    },
    async startPeer() {
      const peerContext = await buildContext(config, context.logger, context.db, context.migrations);
      const peerApp = await buildApp(peerContext);
      return wrap(peerApp, peerContext, config, async () => {
        await peerApp.close();
        await peerContext.close();
      });
    },
    close: closeAll,
  };
  return testApp;
}

export async function startTestApp(
  env: Record<string, string> = {},
  options: {
    workers?: boolean;
    /** On PostgreSQL, a database of its own (see own-database.ts), dropped at close. */
    ownDatabase?: boolean;
  } = {},
): Promise<TestApp> {
  const database = options.ownDatabase ? await ownDatabase() : null;
  const config = testConfig({ ...env, ...(database ? { DATABASE_URL: database.url } : {}) });
  const logger = createLogger(config.logLevel);
  // On PGlite, a copy of the database that test/global-setup.ts migrated once.
  const context = await createContext(config, logger, {
    pgliteDir: 'memory://',
    pgliteTemplate: inject('pgliteTemplate') ?? undefined,
  });
  // Background jobs (ingestion, purges) run only in tests that ask for them.
  if (options.workers) await context.queue.startWorkers(jobHandlers(context));
  const app = await buildApp(context);
  return wrap(app, context, config, async () => {
    await app.close();
    await context.close();
    rmSync(config.dataDir, { recursive: true, force: true });
    await database?.drop();
  });
}
