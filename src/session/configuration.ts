import { resolve } from 'node:path';
import { DEFAULTS, defaultDir, type ResolvedOptions } from './defaults.js';
import { mergeCassetteOptions } from './merge-options.js';
import type { CassetteOptions } from './options.js';

let configured: CassetteOptions = {};

/**
 * Sets project-wide defaults for every later `withCassette` (merged over earlier calls, `match` key by key;
 * per-call options and env `REELTAPE_MODE` still win).
 *
 * @example
 * configure({ dir: 'test/cassettes', ignoreHosts: ['localhost:5432'], maxAge: '90d' });
 */
export function configure(defaults: Partial<CassetteOptions>): void {
  configured = mergeCassetteOptions(configured, defaults);
}

/**
 * The defaults set through {@link configure} (a copy).
 *
 * @example
 * getConfiguration().dir // 'test/cassettes'
 */
export function getConfiguration(): CassetteOptions {
  return { ...configured };
}

/**
 * Forgets everything set through {@link configure}.
 *
 * @example
 * afterEach(() => resetConfiguration());
 */
export function resetConfiguration(): void {
  configured = {};
}

/** Merges built-in defaults, {@link configure}d defaults and per-call options (later wins). */
export function resolveOptions(options: CassetteOptions = {}): ResolvedOptions {
  const merged = mergeCassetteOptions(configured, options);
  return {
    ...merged,
    dir: merged.dir ? resolve(merged.dir) : defaultDir(),
    allowRepeats: merged.allowRepeats ?? DEFAULTS.allowRepeats,
    saveOnError: merged.saveOnError ?? DEFAULTS.saveOnError,
    strict: merged.strict ?? DEFAULTS.strict,
    onExpired: merged.onExpired ?? DEFAULTS.onExpired,
    captureTimeout: merged.captureTimeout ?? DEFAULTS.captureTimeout,
    sideFileThreshold: merged.sideFileThreshold ?? DEFAULTS.sideFileThreshold,
  };
}
