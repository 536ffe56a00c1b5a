/**
 * Requests that carry the async context of a cassette that has already closed (a timer, a
 * background refresh started inside it). They are never lost in silence: each is kept here and
 * reported at the next reeltape event (a cassette opening or closing), by the test adapters at the
 * end of a file, or when the process exits.
 */
import type { EffectiveMode } from './options.js';

/** One request that arrived after its cassette closed. */
export interface LateRequest {
  /** Cassette name. */
  readonly cassette: string;
  /** Cassette file. */
  readonly file: string;
  /** The mode the cassette was in. */
  readonly mode: EffectiveMode;
  /** `METHOD URL`. */
  readonly request: string;
  /** `blocked`: it got a network error (the cassette replayed, or `CI` is set); `not recorded`: it went out. */
  readonly outcome: 'blocked' | 'not recorded';
}

const pending: LateRequest[] = [];
let exitHook = false;

/**
 * Keeps a late request for the next report.
 *
 * @example
 * noteLateRequest({ cassette: 'users', file, mode: 'replay', request: 'GET http://127.0.0.1/x', outcome: 'blocked' });
 */
export function noteLateRequest(late: LateRequest): void {
  pending.push(late);
  if (!exitHook) {
    exitHook = true;
    process.once('exit', () => void reportLateRequests());
  }
}

/** The report's text, one line per request (at most 20, then a count). */
export function formatLateRequests(list: readonly LateRequest[]): string {
  const lines = list.slice(0, 20).map((late) => {
    const fate =
      late.outcome === 'blocked'
        ? 'got a network error: it never reached the network'
        : 'went out to the network and was not recorded';
    return `  ${late.request} (cassette "${late.cassette}", mode ${late.mode}, ${late.file}) ${fate}`;
  });
  if (list.length > 20) lines.push(`  … and ${list.length - 20} more`);
  return (
    `reeltape: ${list.length} request(s) were made after their cassette had closed (a timer or background work ` +
    `started inside the cassette that outlived it):\n${lines.join('\n')}\n` +
    'Await that work inside the cassette, or stop it (clear the timer) before the cassette closes.'
  );
}

/**
 * Prints (console.warn) and clears the late requests kept so far; returns them.
 *
 * @example
 * afterAll(() => { reportLateRequests(); });
 */
export function reportLateRequests(): LateRequest[] {
  if (pending.length === 0) return [];
  const taken = pending.splice(0, pending.length);
  console.warn(formatLateRequests(taken));
  return taken;
}
