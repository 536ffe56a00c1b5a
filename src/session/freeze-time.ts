import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * `freezeTime`: a `Date` replacement whose `Date.now()` and `new Date()` (no arguments) read the
 * clock of the cassette the calling code runs in (AsyncLocalStorage), so concurrent cassettes each
 * see their own time and code outside any cassette sees the real time. Only `Date` is replaced:
 * timers, `performance.now()` and sockets are untouched. Installed while at least one cassette
 * with `freezeTime` is open.
 */

const RealDate = Date;

/** The real current time in ms, even inside a frozen cassette. */
export function realNow(): number {
  return RealDate.now();
}

/** A clock starting at `start` (ms since epoch) and ticking forward in real time. */
export interface FrozenClock {
  now(): number;
}

/**
 * Creates a clock that reads `start` now and ticks forward from there.
 *
 * @example
 * const clock = createClock(Date.parse('2024-01-01T00:00:00Z'));
 */
export function createClock(start: number): FrozenClock {
  const realStart = RealDate.now();
  return { now: () => start + (RealDate.now() - realStart) };
}

const clocks = new AsyncLocalStorage<FrozenClock>();
let installs = 0;

type DateArgs = [] | [value: number | string | Date] | [year: number, monthIndex: number, ...rest: number[]];

class ReeltapeDate extends RealDate {
  constructor(...args: DateArgs) {
    if (args.length === 0) {
      const clock = clocks.getStore();
      if (clock) super(clock.now());
      else super();
    } else {
      super(...(args as [number]));
    }
  }

  static override now(): number {
    const clock = clocks.getStore();
    return clock ? clock.now() : RealDate.now();
  }

  static override [Symbol.hasInstance](value: unknown): boolean {
    return value instanceof RealDate;
  }
}

/** `Date()` called as a function returns the current time as a string: keep that working too. */
const FrozenDate = new Proxy(ReeltapeDate, {
  apply: () => new ReeltapeDate().toString(),
}) as unknown as DateConstructor;

/**
 * Installs the frozen `Date` (refcounted) and returns an idempotent uninstall function.
 *
 * @example
 * const uninstall = installFrozenDate();
 * try { runWithClock(clock, fn) } finally { uninstall() }
 */
export function installFrozenDate(): () => void {
  if (installs === 0) globalThis.Date = FrozenDate;
  installs += 1;
  let done = false;
  return () => {
    if (done) return;
    done = true;
    installs -= 1;
    if (installs === 0 && globalThis.Date === FrozenDate) globalThis.Date = RealDate;
  };
}

/** Runs `fn` with `clock` as the time source of the frozen `Date`. */
export function runWithClock<T>(clock: FrozenClock | undefined, fn: () => T): T {
  return clock ? clocks.run(clock, fn) : fn();
}
