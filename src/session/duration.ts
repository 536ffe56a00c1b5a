import { ReeltapeConfigError } from '../errors/index.js';

const UNITS: Record<string, number> = {
  ms: 1,
  s: 1_000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
};

/**
 * Parses a duration: a number of milliseconds, or a string like `'30d'`, `'12h'`, `'90m'`, `'45s'`,
 * `'500ms'`, `'2w'`.
 *
 * @throws ReeltapeConfigError naming the bad value and the accepted forms
 * @example
 * parseDuration('30d') // 2592000000
 */
export function parseDuration(value: number | string, option = 'maxAge'): number {
  if (typeof value === 'number') {
    if (Number.isFinite(value) && value >= 0) return value;
  } else {
    const match = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d|w)\s*$/i.exec(value);
    if (match) return Number(match[1]) * (UNITS[(match[2] ?? '').toLowerCase()] ?? NaN);
  }
  throw new ReeltapeConfigError(
    `Invalid ${option} ${JSON.stringify(value)}: use milliseconds (a non-negative number) or a duration such as '30d', '12h', '90m', '45s', '500ms', '2w'.`,
  );
}

/** Formats milliseconds roughly, for messages (`'3d 4h'`, `'12m'`). */
export function formatDuration(ms: number): string {
  const d = Math.floor(ms / UNITS.d!);
  const h = Math.floor((ms % UNITS.d!) / UNITS.h!);
  const m = Math.floor((ms % UNITS.h!) / UNITS.m!);
  if (d > 0) return h > 0 ? `${d}d ${h}h` : `${d}d`;
  if (h > 0) return m > 0 ? `${h}h ${m}m` : `${h}h`;
  if (m > 0) return `${m}m`;
  return `${Math.round(ms / 1000)}s`;
}
