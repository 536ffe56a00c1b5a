import type { CassetteOptions } from './options.js';

/** A debug line sink, or `undefined` when debugging is off. */
export type DebugLog = ((line: string) => void) | undefined;

/**
 * The debug sink for a cassette: `options.debug` (a function, or `true` for `console.error`), or
 * `console.error` when env `REELTAPE_DEBUG` is set to anything but empty/`0`/`false`.
 * Each line is prefixed with `[reeltape <cassette>]`.
 *
 * @example
 * const log = createDebugLog('users', { debug: true });
 * log?.('GET http://api/users → replayed #0');
 */
export function createDebugLog(cassette: string, options: Pick<CassetteOptions, 'debug'>, env: NodeJS.ProcessEnv = process.env): DebugLog {
  const envValue = env.REELTAPE_DEBUG?.trim().toLowerCase();
  const envOn = envValue !== undefined && envValue !== '' && envValue !== '0' && envValue !== 'false';
  const sink = typeof options.debug === 'function' ? options.debug : options.debug === true || envOn ? (line: string) => console.error(line) : undefined;
  if (!sink) return undefined;
  return (line) => sink(`[reeltape ${cassette}] ${line}`);
}
