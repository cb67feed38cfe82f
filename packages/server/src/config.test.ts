import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config.ts';

describe('loadConfig', () => {
  it('has working defaults', () => {
    const config = loadConfig({}, '/srv/parley');
    expect(config).toMatchObject({
      port: 8787,
      host: '127.0.0.1',
      dataDir: '/srv/parley/data',
      databaseUrl: null,
      redisUrl: null,
      allowPrivateNetwork: false,
      maxActiveApiKeys: 5,
    });
    expect(config.plans.enterprise).toEqual({ requests_per_minute: 1000, messages_per_month: null });
  });

  it('reads overrides', () => {
    const config = loadConfig(
      {
        PORT: '9000',
        HOST: '0.0.0.0',
        PARLEY_DATA_DIR: 'var/db',
        DATABASE_URL: 'postgres://x@h/db',
        PARLEY_ALLOW_PRIVATE_NETWORK: 'true',
      },
      '/srv',
    );
    expect(config).toMatchObject({
      port: 9000,
      host: '0.0.0.0',
      dataDir: '/srv/var/db',
      databaseUrl: 'postgres://x@h/db',
      allowPrivateNetwork: true,
    });
  });

  it('turns the first-run demo on by default, off with PARLEY_DEMO=false', () => {
    expect(loadConfig({}).demo).toBe(true);
    expect(loadConfig({ PARLEY_DEMO: 'false' }).demo).toBe(false);
    expect(() => loadConfig({ PARLEY_DEMO: 'maybe' })).toThrow(/PARLEY_DEMO/);
  });

  it('refuses bad values with the name of the setting', () => {
    expect(() => loadConfig({ PORT: 'eighty' })).toThrow(ConfigError);
    expect(() => loadConfig({ PORT: '70000' })).toThrow('PORT');
    expect(() => loadConfig({ DATABASE_URL: 'mysql://x' })).toThrow('DATABASE_URL');
    expect(() => loadConfig({ PARLEY_ALLOW_PRIVATE_NETWORK: 'maybe' })).toThrow(
      'PARLEY_ALLOW_PRIVATE_NETWORK',
    );
    expect(() => loadConfig({ PARLEY_PLANS: '{"free": 3}' })).toThrow('PARLEY_PLANS');
  });
});
