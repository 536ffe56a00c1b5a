import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ReeltapeConfigError } from '../../src/errors/index.js';
import {
  dummySecret,
  findSecretsFile,
  loadFunctionalConfig,
  parsePlaceholder,
  prepareOutputDir,
  resolveSecrets,
  secretEnvName,
} from '../../src/scaffold/index.js';

const config = { '#api_token': '${REELTAPE_SECRET_FULL_LOAD_API_TOKEN}', auth: { '#pw': '${MY_PW}' }, plain: '${NOT_SECRET}' };

describe('placeholder syntax', () => {
  it('names variables from test and key', () => {
    expect(secretEnvName('full-load', '#api_token')).toBe('REELTAPE_SECRET_FULL_LOAD_API_TOKEN');
    expect(secretEnvName('v2.daily', 'auth.#client-secret')).toBe('REELTAPE_SECRET_V2_DAILY_AUTH_CLIENT_SECRET');
    expect(parsePlaceholder('${A_1}')).toBe('A_1');
    expect(parsePlaceholder('x${A}')).toBeUndefined();
    expect(parsePlaceholder('${1A}')).toBeUndefined();
    expect(dummySecret('#k')).toBe('dummy-k');
    expect(dummySecret('auth.#password').length).toBeGreaterThanOrEqual(6);
  });
});

describe('resolveSecrets', () => {
  it('prefers the environment, then the secrets file, then a dummy value outside recording', () => {
    const secrets = { 'full-load': { '#api_token': 'from-file-123456', 'auth.#pw': 'file-pw-123456' } };
    expect(resolveSecrets(config, 'full-load', { env: { REELTAPE_SECRET_FULL_LOAD_API_TOKEN: 'from-env-123456' }, secrets, mode: 'record' })).toEqual({
      '#api_token': 'from-env-123456',
      auth: { '#pw': 'file-pw-123456' },
      plain: '${NOT_SECRET}',
    });
    expect(resolveSecrets(config, 'full-load', { env: {}, mode: 'replay' })).toEqual({
      '#api_token': 'dummy-api_token',
      auth: { '#pw': 'dummy-pw' },
      plain: '${NOT_SECRET}',
    });
    expect(config['#api_token']).toBe('${REELTAPE_SECRET_FULL_LOAD_API_TOKEN}');
  });

  it('refuses to record without the real value, naming the variable and the file', () => {
    for (const mode of ['record', 'update', 'passthrough']) {
      expect(() => resolveSecrets(config, 'full-load', { env: {}, mode })).toThrow(ReeltapeConfigError);
    }
    expect(() => resolveSecrets(config, 'full-load', { env: { REELTAPE_MODE: 'record' } })).toThrow(
      /test "full-load": no value for secret "#api_token" \(needed to record\): set the environment variable REELTAPE_SECRET_FULL_LOAD_API_TOKEN, or add it to \.reeltape-secrets\.json/,
    );
  });
});

describe('loadFunctionalConfig on a real directory', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'reeltape-runtime-'));
    await mkdir(path.join(dir, 'test', 'functional', 'full-load'), { recursive: true });
    await writeFile(path.join(dir, 'test', 'functional', 'full-load', 'config.json'), JSON.stringify(config));
    await writeFile(path.join(dir, '.reeltape-secrets.json'), JSON.stringify({ 'full-load': { '#api_token': 'file-token-123456' } }));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('finds the secrets file above the test directory', async () => {
    const functional = path.join(dir, 'test', 'functional');
    expect(await findSecretsFile(functional)).toBe(path.join(dir, '.reeltape-secrets.json'));
    const loaded = await loadFunctionalConfig(functional, 'full-load', { env: {} });
    expect(loaded['#api_token']).toBe('file-token-123456');
    expect(loaded.auth).toEqual({ '#pw': 'dummy-pw' });
  });

  it('REELTAPE_SECRETS_FILE=none ignores the file (replay with dummy credentials)', async () => {
    const loaded = await loadFunctionalConfig(path.join(dir, 'test', 'functional'), 'full-load', { env: { REELTAPE_SECRETS_FILE: 'none' } });
    expect(loaded['#api_token']).toBe('dummy-api_token');
  });

  it('names the missing or broken config file', async () => {
    await expect(loadFunctionalConfig(path.join(dir, 'test', 'functional'), 'nope', { env: {} })).rejects.toThrow(/nope[/\\]config\.json: config not found/);
    await writeFile(path.join(dir, '.reeltape-secrets.json'), '[1]');
    await expect(loadFunctionalConfig(path.join(dir, 'test', 'functional'), 'full-load', { env: {} })).rejects.toThrow(/\.reeltape-secrets\.json: expected/);
  });

  it('prepareOutputDir empties the directory', async () => {
    const out = path.join(dir, 'out', 'x');
    await mkdir(out, { recursive: true });
    await writeFile(path.join(out, 'stale.csv'), 'a\n');
    expect(await prepareOutputDir(out)).toBe(out);
    expect(await readdir(out)).toEqual([]);
  });
});
