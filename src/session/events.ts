import type { EffectiveMode } from './options.js';

/** Emitted once after each cassette closes (successfully or not). */
export interface CassetteClosedEvent {
  readonly type: 'closed';
  /** Cassette name as given to `withCassette`. */
  readonly name: string;
  /** Absolute cassette file path. */
  readonly file: string;
  /** Effective mode it ran in. */
  readonly mode: EffectiveMode;
  /** Requests answered from the cassette. */
  readonly replayed: number;
  /** Requests recorded (new interactions). */
  readonly recorded: number;
  /** Indexes of recorded interactions never requested (replay and update modes). */
  readonly unused: number[];
  /** Recorded function tape calls never made, as `calls[i] alias(…)` (replay mode; absent when none). */
  readonly unusedCalls?: string[];
  /** Whether the cassette file was written. */
  readonly written: boolean;
  /** What `withCassette` rejected with, if it did. */
  readonly error?: Error;
}

/** Any event reeltape emits. */
export type CassetteEvent = CassetteClosedEvent;

/** Receives {@link CassetteEvent}s. */
export type CassetteEventListener = (event: CassetteEvent) => void;

const listeners = new Set<CassetteEventListener>();

/**
 * Subscribes to cassette events (test-framework adapters build their end-of-run report from
 * them). Returns an unsubscribe function. A throwing listener does not affect the cassette.
 *
 * @example
 * const off = onCassetteEvent((e) => console.log(`${e.name}: ${e.mode}, ${e.replayed} replayed`));
 * // … later
 * off();
 */
export function onCassetteEvent(listener: CassetteEventListener): () => void {
  listeners.add(listener);
  return () => {
    listeners.delete(listener);
  };
}

/** Sends an event to every listener. */
export function emitCassetteEvent(event: CassetteEvent): void {
  for (const listener of [...listeners]) {
    try {
      listener(event);
    } catch {
      // a reporter's bug must not fail the test
    }
  }
}
