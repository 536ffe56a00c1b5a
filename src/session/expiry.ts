import { CassetteExpiredError } from '../errors/index.js';
import type { DebugLog } from './debug-log.js';
import { formatDuration } from './duration.js';
import { realNow } from './freeze-time.js';
import { isCI } from './mode.js';
import type { CassetteOptions, OnExpired, ReeltapeMode } from './options.js';

/** What {@link checkExpiry} needs to know. */
export interface ExpiryInput {
  name: string;
  file: string;
  /** When the cassette on disk was recorded (ISO). */
  recordedAt: string;
  /** The option as given (for the message) and in milliseconds (`parseDuration`). */
  maxAge: CassetteOptions['maxAge'];
  maxAgeMs: number | undefined;
  onExpired: OnExpired;
  requested: ReeltapeMode;
  log: DebugLog;
}

/**
 * The `maxAge` policy: whether a cassette recorded longer ago than `maxAge` is re-recorded (`true`:
 * `onExpired: 'record'` in mode `auto` without CI), reported with a warning, or refused.
 *
 * @throws CassetteExpiredError with `onExpired: 'error'`
 * @example
 * if (checkExpiry({ name, file, recordedAt, maxAge: '30d', maxAgeMs: parseDuration('30d'), onExpired: 'warn', requested: 'auto', log })) mode = 'record';
 */
export function checkExpiry(input: ExpiryInput): boolean {
  const maxAge = input.maxAgeMs;
  if (maxAge === undefined) return false;
  const age = realNow() - Date.parse(input.recordedAt);
  if (!(age > maxAge)) return false;
  const { name, file, requested } = input;
  const what = `Cassette "${name}" (${file}) was recorded ${formatDuration(age)} ago (${input.recordedAt}), more than maxAge ${String(input.maxAge)}.`;
  const fix = 'Re-record it with REELTAPE_MODE=record to refresh it.';
  if (input.onExpired === 'error') throw new CassetteExpiredError(`${what} ${fix}`, file);
  if (input.onExpired === 'record' && requested === 'auto' && !isCI()) {
    input.log?.('expired: re-recording');
    return true;
  }
  if (input.onExpired === 'record') console.warn(`reeltape: ${what} Not re-recorded automatically (${isCI() ? 'CI is set' : `mode ${requested}`}). ${fix}`);
  else console.warn(`reeltape: ${what} ${fix}`);
  return false;
}
