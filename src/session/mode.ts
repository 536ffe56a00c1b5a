import { ReeltapeConfigError } from '../errors/index.js';
import { getConfiguration } from './configuration.js';
import { MODES, type CassetteOptions, type EffectiveMode, type ReeltapeMode } from './options.js';

function checkMode(value: string, source: string): ReeltapeMode {
  if ((MODES as readonly string[]).includes(value)) return value as ReeltapeMode;
  throw new ReeltapeConfigError(
    `Invalid reeltape mode ${JSON.stringify(value)} in ${source}. Valid modes: ${MODES.join(', ')}.`,
  );
}

/**
 * Whether `CI` is set: any value except empty, `0` and `false` (case-insensitive).
 *
 * @example
 * isCI({ CI: 'true' }) // true
 * isCI({ CI: '0' })    // false
 */
export function isCI(env: NodeJS.ProcessEnv = process.env): boolean {
  const value = env.CI;
  if (value === undefined) return false;
  const v = value.trim().toLowerCase();
  return v !== '' && v !== '0' && v !== 'false';
}

/**
 * The requested mode: env `REELTAPE_MODE`, else `options.mode`, else the {@link configure}d mode,
 * else `auto`. Test-framework adapters use it to report what a run will do.
 *
 * @throws ReeltapeConfigError for a value that is not a mode, listing the valid ones
 * @example
 * resolveMode({ mode: 'replay' }) // 'record' when REELTAPE_MODE=record
 */
export function resolveMode(options: CassetteOptions = {}, env: NodeJS.ProcessEnv = process.env): ReeltapeMode {
  const fromEnv = env.REELTAPE_MODE?.trim();
  if (fromEnv) return checkMode(fromEnv.toLowerCase(), 'env REELTAPE_MODE');
  if (options.mode !== undefined) return checkMode(options.mode, 'the `mode` option');
  const configured = getConfiguration().mode;
  if (configured !== undefined) return checkMode(configured, 'configure({ mode })');
  return 'auto';
}

/**
 * The mode a cassette runs in: `auto` becomes `replay` when the cassette exists or `CI` is set,
 * `record` otherwise.
 *
 * @example
 * effectiveMode('auto', false, {}) // 'record'
 * effectiveMode('auto', false, { CI: 'true' }) // 'replay' (then fails: cassette not found)
 */
export function effectiveMode(mode: ReeltapeMode, cassetteExists: boolean, env: NodeJS.ProcessEnv = process.env): EffectiveMode {
  if (mode !== 'auto') return mode;
  return cassetteExists || isCI(env) ? 'replay' : 'record';
}
