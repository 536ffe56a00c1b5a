/**
 * Secret placeholders.
 *
 * Syntax: a value under a `#`-prefixed key that is exactly `${NAME}`, where `NAME` matches
 * `[A-Za-z_][A-Za-z0-9_]*`, is a placeholder. The scaffolder names it
 * `REELTAPE_SECRET_<TEST>_<KEY>`: the test name and the key's path (without `#`, segments joined by `_`),
 * upper-cased, every character outside `A-Z0-9` turned into `_` — test `full-load`, key `#api_token` gives
 * `${REELTAPE_SECRET_FULL_LOAD_API_TOKEN}`. At run time it resolves to the environment variable `NAME`,
 * else to the local secrets file (`.reeltape-secrets.json`, `{ "<test>": { "<key path>": "<value>" } }`),
 * else — when not recording — to the dummy value `dummy-<key without #>`.
 */
import type { JsonValue } from '../cassette/types.js';

/** Name of the git-ignored local secrets file. */
export const SECRETS_FILE_NAME = '.reeltape-secrets.json';

/** Matches a whole placeholder value; group 1 is the variable name. */
export const PLACEHOLDER_PATTERN = /^\$\{([A-Za-z_][A-Za-z0-9_]*)\}$/;

/** A `#` key found in a config: where it is and its value. */
export interface SecretSlot {
  /** Path of keys / array indexes from the config root to the `#` key. */
  readonly path: ReadonlyArray<string | number>;
  /** Dotted path used as the key in the secrets file, e.g. `#api_token` or `auth.#password`. */
  readonly key: string;
  /** The value found there. */
  readonly value: JsonValue;
}

/** Whether `key` marks a secret (`#` prefix). */
export function isSecretKey(key: string): boolean {
  return key.startsWith('#');
}

/** Every `#` key in `config` (at any depth, also inside arrays), in document order. */
export function findSecretSlots(config: JsonValue): SecretSlot[] {
  const slots: SecretSlot[] = [];
  const walk = (value: JsonValue, at: Array<string | number>): void => {
    if (Array.isArray(value)) {
      value.forEach((item, i) => walk(item, [...at, i]));
    } else if (value !== null && typeof value === 'object') {
      for (const [key, child] of Object.entries(value)) {
        const here = [...at, key];
        if (isSecretKey(key)) slots.push({ path: here, key: here.join('.'), value: child });
        else walk(child, here);
      }
    }
  };
  walk(config, []);
  return slots;
}

function slug(text: string): string {
  return text
    .replace(/#/g, '')
    .toUpperCase()
    .replace(/[^A-Z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '');
}

/** The environment variable the scaffolder names for a secret, e.g. `REELTAPE_SECRET_FULL_LOAD_API_TOKEN`. */
export function secretEnvName(testName: string, keyPath: string): string {
  return `REELTAPE_SECRET_${slug(testName)}_${slug(keyPath.split('.').join('_'))}`;
}

/** The placeholder text for an environment variable name: `${NAME}`. */
export function placeholderFor(envName: string): string {
  return `\${${envName}}`;
}

/** The variable a placeholder names, or `undefined` when `value` is not a placeholder. */
export function parsePlaceholder(value: JsonValue): string | undefined {
  return typeof value === 'string' ? PLACEHOLDER_PATTERN.exec(value)?.[1] : undefined;
}

/** The replay value of a secret: `dummy-<last key without #>` (always at least 7 characters). */
export function dummySecret(keyPath: string): string {
  const last = keyPath.split('.').pop() ?? keyPath;
  return `dummy-${last.replace(/^#/, '') || 'secret'}`;
}

/** Returns a deep copy of `value` with the value at `path` replaced. */
export function setAtPath(value: JsonValue, path: ReadonlyArray<string | number>, replacement: JsonValue): JsonValue {
  if (path.length === 0) return replacement;
  const [head, ...rest] = path;
  if (Array.isArray(value) && typeof head === 'number') {
    return value.map((item, i) => (i === head ? setAtPath(item, rest, replacement) : item));
  }
  if (value !== null && typeof value === 'object' && !Array.isArray(value) && typeof head === 'string') {
    const copy: { [key: string]: JsonValue } = {};
    for (const [key, child] of Object.entries(value)) copy[key] = key === head ? setAtPath(child, rest, replacement) : child;
    return copy;
  }
  return value;
}

/** Content of the local secrets file: test name → key path → value. */
export type SecretsFileContent = { [test: string]: { [key: string]: string } };
