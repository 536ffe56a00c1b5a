/**
 * Helpers the generated functional tests call (exported from `reeltape`), so a generated test stays short.
 * No test-framework imports here.
 */
import { mkdir, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import type { JsonValue } from '../cassette/types.js';
import { ReeltapeConfigError } from '../errors/index.js';
import {
  SECRETS_FILE_NAME,
  dummySecret,
  findSecretSlots,
  parsePlaceholder,
  setAtPath,
  type SecretsFileContent,
} from './placeholders.js';
import type { ComponentConfig } from './types.js';

/** Modes in which a missing secret is an error (they talk to the real service). */
const LIVE_MODES = new Set(['record', 'update', 'passthrough']);

/** Options for {@link resolveSecrets} and {@link loadFunctionalConfig}. */
export interface ResolveSecretsOptions {
  /** Environment to read placeholders from (default `process.env`). */
  readonly env?: NodeJS.ProcessEnv;
  /** Local secrets file content (already read). */
  readonly secrets?: SecretsFileContent;
  /** Effective mode; default `env.REELTAPE_MODE`, else `auto`. In `record`, `update` and `passthrough` a missing secret is an error; otherwise it becomes `dummy-<key>`. */
  readonly mode?: string;
}

/** Options for {@link loadFunctionalConfig}. */
export interface LoadFunctionalConfigOptions extends Omit<ResolveSecretsOptions, 'secrets'> {
  /**
   * Local secrets file. Default: `REELTAPE_SECRETS_FILE` from the environment (`none` disables the file),
   * else the nearest `.reeltape-secrets.json` in the test's directory or above.
   */
  readonly secretsFile?: string | null;
}

function isMissing(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === 'ENOENT';
}

/**
 * Replaces every placeholder under a `#` key of `config` (see the placeholder syntax in the README:
 * `${NAME}`) with, in order: the environment variable `NAME`, the value in the local secrets file under
 * `[testName][keyPath]`, or — unless recording — the dummy value `dummy-<key>`. Returns a copy.
 * @example
 * resolveSecrets({ '#api_token': '${REELTAPE_SECRET_FULL_LOAD_API_TOKEN}' }, 'full-load', { mode: 'replay' });
 * // → { '#api_token': 'dummy-api_token' }
 */
export function resolveSecrets(config: ComponentConfig, testName: string, options: ResolveSecretsOptions = {}): ComponentConfig {
  const env = options.env ?? process.env;
  const mode = options.mode ?? (env.REELTAPE_MODE || 'auto');
  let resolved: JsonValue = config;
  for (const slot of findSecretSlots(config)) {
    const name = parsePlaceholder(slot.value);
    if (name === undefined) continue;
    const fromEnv = env[name];
    const fromFile = options.secrets?.[testName]?.[slot.key];
    let value: string;
    if (fromEnv) value = fromEnv;
    else if (typeof fromFile === 'string' && fromFile !== '') value = fromFile;
    else if (LIVE_MODES.has(mode)) {
      throw new ReeltapeConfigError(
        `test "${testName}": no value for secret "${slot.key}" (needed to ${mode}): set the environment variable ${name}, ` +
          `or add it to ${SECRETS_FILE_NAME} as { "${testName}": { "${slot.key}": "<value>" } }.`,
      );
    } else value = dummySecret(slot.key);
    resolved = setAtPath(resolved, slot.path, value);
  }
  return resolved as ComponentConfig;
}

/** Reads a local secrets file; `undefined` when it does not exist. Throws a {@link ReeltapeConfigError} naming the file when it is malformed. */
export async function readSecretsFile(file: string): Promise<SecretsFileContent | undefined> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if (isMissing(error)) return undefined;
    throw error;
  }
  return parseSecretsFile(file, text);
}

/** Parses and checks secrets file text (`{ "<test>": { "<key>": "<value>" } }`). */
export function parseSecretsFile(file: string, text: string): SecretsFileContent {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new ReeltapeConfigError(`${file}: not valid JSON (${(error as Error).message}).`);
  }
  const shape = `${file}: expected { "<test name>": { "<#key>": "<secret value>" } }`;
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new ReeltapeConfigError(shape);
  for (const [test, keys] of Object.entries(value)) {
    if (keys === null || typeof keys !== 'object' || Array.isArray(keys)) throw new ReeltapeConfigError(`${shape}; "${test}" is not an object.`);
    for (const [key, secret] of Object.entries(keys as object)) {
      if (typeof secret !== 'string') throw new ReeltapeConfigError(`${shape}; "${test}" → "${key}" is not a string.`);
    }
  }
  return value as SecretsFileContent;
}

/** The nearest `.reeltape-secrets.json` in `dir` or one of its parents, or `undefined`. */
export async function findSecretsFile(dir: string): Promise<string | undefined> {
  let current = path.resolve(dir);
  for (;;) {
    const candidate = path.join(current, SECRETS_FILE_NAME);
    try {
      await readFile(candidate);
      return candidate;
    } catch (error) {
      if (!isMissing(error)) throw error;
    }
    const parent = path.dirname(current);
    if (parent === current) return undefined;
    current = parent;
  }
}

/**
 * Loads the generated `<dir>/<testName>/config.json` and resolves its secret placeholders
 * (see {@link resolveSecrets}).
 * @example
 * const config = await loadFunctionalConfig(path.dirname(fileURLToPath(import.meta.url)), 'full-load');
 */
export async function loadFunctionalConfig(
  dir: string,
  testName: string,
  options: LoadFunctionalConfigOptions = {},
): Promise<ComponentConfig> {
  const file = path.join(dir, testName, 'config.json');
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if (isMissing(error)) throw new ReeltapeConfigError(`${file}: config not found. Run scaffold-tests to generate it.`);
    throw error;
  }
  let config: unknown;
  try {
    config = JSON.parse(text);
  } catch (error) {
    throw new ReeltapeConfigError(`${file}: not valid JSON (${(error as Error).message}). Regenerate it with scaffold-tests.`);
  }
  if (config === null || typeof config !== 'object' || Array.isArray(config)) {
    throw new ReeltapeConfigError(`${file}: a config must be a JSON object.`);
  }
  const env = options.env ?? process.env;
  const fromEnv = env.REELTAPE_SECRETS_FILE;
  const secretsFile =
    options.secretsFile !== undefined
      ? options.secretsFile
      : fromEnv === 'none'
        ? null
        : fromEnv
          ? path.resolve(fromEnv)
          : await findSecretsFile(dir);
  const secrets = secretsFile ? await readSecretsFile(secretsFile) : undefined;
  return resolveSecrets(config as ComponentConfig, testName, { ...options, env, ...(secrets ? { secrets } : {}) });
}

/** Empties (or creates) a test's output directory and returns its absolute path. */
export async function prepareOutputDir(dir: string): Promise<string> {
  const absolute = path.resolve(dir);
  await rm(absolute, { recursive: true, force: true });
  await mkdir(absolute, { recursive: true });
  return absolute;
}
