import { isAbsolute, relative, resolve } from 'node:path';
import { assertNoNameCollision } from '../cassette/name-collision.js';
import { resolvesInside } from '../util/resolves-inside.js';
import { readAllResponses, replayOf, type ReplayCassette } from '../cassette/replay-loader.js';
import type { Cassette, Interaction } from '../cassette/types.js';
import { CassetteFormatError, CassetteMismatchError, CassetteNotFoundError, ReeltapeConfigError } from '../errors/index.js';
import { ensureInterception, runInScope } from '../interception/index.js';
import { chain, defaultSanitizer, sanitizeInteraction, SecretSet } from '../sanitizers/index.js';
import type { Sanitizer } from '../sanitizers/types.js';
import { jsonStore, type CassetteStore } from '../store/index.js';
import { CassetteSession } from './cassette-session.js';
import { resolveOptions } from './configuration.js';
import { createDebugLog } from './debug-log.js';
import type { ResolvedOptions } from './defaults.js';
import { parseDuration } from './duration.js';
import { emitCassetteEvent } from './events.js';
import { checkExpiry } from './expiry.js';
import { createClock, installFrozenDate, realNow, runWithClock, type FrozenClock } from './freeze-time.js';
import { reportLateRequests } from './late-requests.js';
import { reportRecordingGaps } from './recording-notices.js';
import { mismatchMessage } from './mismatch-message.js';
import { effectiveMode, resolveMode } from './mode.js';
import type { CassetteOptions, EffectiveMode } from './options.js';
import { CallTape, runInTape } from '../tapes/index.js';
import type { OutputDifference } from '../errors/index.js';
import { saveRecording } from './save-policy.js';
import { reportUnused } from './unused-report.js';

/** Counters of an open (or closed) cassette. */
export interface CassetteStats {
  /** Requests answered from the cassette. */
  replayed: number;
  /** Requests recorded so far. */
  recorded: number;
  /** Requests that found no recorded interaction (replay). */
  unmatched: number;
  /** Recorded interactions not requested so far (replay and update). */
  unused: number;
}

/** What `fn` receives: the open cassette. */
export interface CassetteHandle {
  /** Cassette name as given. */
  readonly name: string;
  /** Absolute path of the cassette file. */
  readonly file: string;
  /** The mode the cassette runs in (`auto` resolved). */
  readonly mode: EffectiveMode;
  /** Recording time (ISO): the cassette's when replaying, now when recording; `undefined` in passthrough. */
  readonly recordedAt: string | undefined;
  /** Counters so far. */
  stats(): CassetteStats;
  /** Output calls (`interceptOutput`) that differed from the recording so far, `compare: 'collect'` ones included. */
  outputDifferences(): OutputDifference[];
}

function buildSanitizer(options: ResolvedOptions): Sanitizer {
  const first = options.defaultSanitizer !== false ? [defaultSanitizer(options.defaultSanitizer)] : [];
  return chain(...first, ...(options.sanitizers ?? []));
}

function recordHint(file: string): string {
  const rel = relative(process.cwd(), file) || file;
  return (
    `Record it by running the test once with network access and REELTAPE_MODE=record ` +
    `(e.g. \`REELTAPE_MODE=record npx vitest run <test file>\`), or locally without CI set (mode auto records a missing cassette), ` +
    `then commit ${rel}.`
  );
}

function parseFreezeTime(value: string): number {
  const ms = Date.parse(value);
  if (!Number.isFinite(ms)) {
    throw new ReeltapeConfigError(`Invalid freezeTime ${JSON.stringify(value)}: use true or an ISO-8601 time such as '2024-01-31T12:00:00Z'.`);
  }
  return ms;
}

/**
 * Before a recording: its files must not share a name with others on macOS/Windows (`Foo` vs `foo`),
 * and its folder must not be a link out of the cassette dir (never followed to write or delete).
 */
async function assertRecordable(root: string, file: string): Promise<void> {
  await assertNoNameCollision(root, file);
  const rel = relative(root, file);
  if (rel.startsWith('..') || isAbsolute(rel)) return; // a store keeping files elsewhere: not ours to judge
  if (!(await resolvesInside(root, file))) {
    throw new ReeltapeConfigError(
      `Cassette ${file}: its folder is a symbolic link out of the cassette dir ${root}; reeltape never follows a link to write or delete ` +
        'outside it (the code under test did not run). Point the `dir` option at the real folder, or replace the link with a folder.',
    );
  }
}

/** Opens the cassette on disk as the requested mode needs it (`undefined`: none, or passthrough). */
async function openForMode(store: CassetteStore, file: string, requested: string): Promise<ReplayCassette | undefined> {
  if (requested === 'passthrough') return undefined;
  try {
    // modes that may replay leave large responses in the file until they are asked for (decision 0005)
    if ((requested === 'auto' || requested === 'replay') && store.loadForReplay) return await store.loadForReplay(file);
    const cassette = await store.load(file);
    return cassette && replayOf(cassette);
  } catch (error) {
    // re-recording replaces a corrupt cassette; every other mode reports it (and leaves it untouched)
    if (requested === 'record' && error instanceof CassetteFormatError) return undefined;
    throw error;
  }
}

/**
 * Runs `fn` inside a cassette. The first run (mode `auto`, no cassette yet, `CI` unset) records
 * every HTTP exchange `fn` makes into its store (`<dir>/<name>.json`; `.har` with `store: harStore()`); later runs replay it with no network.
 * Requests made by other code running at the same time (another cassette, code outside any
 * cassette) are not affected.
 *
 * Rejects with `CassetteMismatchError` when a request had no recorded match (even if the client
 * swallowed the network error), `CassetteNotFoundError` when replay has no cassette,
 * `CassetteLockedError` when someone else records the same cassette, `SecretLeakError` when a
 * known secret would reach disk, `CassetteWriteError` when the file system refuses the lock or the
 * save, `ReeltapeConfigError` for a name that is not portable (checked before `fn` runs).
 *
 * @example
 * import { withCassette } from 'reeltape';
 *
 * const users = await withCassette('github/users', async () => {
 *   const res = await fetch('https://api.github.com/users?per_page=2');
 *   return res.json();
 * });
 *
 * @example
 * // re-record only what is new, keep the rest
 * await withCassette('github/users', run, { mode: 'update' });
 */
export async function withCassette<T>(
  name: string,
  fn: (cassette: CassetteHandle) => T | Promise<T>,
  options: CassetteOptions = {},
): Promise<T> {
  reportLateRequests(); // the next reeltape event says what came late from an earlier cassette
  const opts = resolveOptions(options);
  const store = opts.store ?? jsonStore();
  const file = store.resolve(opts.dir, name);
  const requested = resolveMode(options);
  const maxAge = opts.maxAge !== undefined ? parseDuration(opts.maxAge) : undefined;
  const frozenAt = typeof opts.freezeTime === 'string' ? parseFreezeTime(opts.freezeTime) : undefined;
  const log = createDebugLog(name, opts);

  const opened = await openForMode(store, file, requested);
  let mode = effectiveMode(requested, opened !== undefined);
  if (mode === 'replay' && !opened) {
    const why = requested === 'auto' ? 'mode auto with CI set replays only' : `mode ${requested}`;
    throw new CassetteNotFoundError(`Cassette "${name}" not found at ${file} (${why}). ${recordHint(file)}`, name, file);
  }
  const expiredRerecord =
    opened !== undefined && mode !== 'record' &&
    checkExpiry({ name, file, recordedAt: opened.meta.recordedAt, maxAge: opts.maxAge, maxAgeMs: maxAge, onExpired: opts.onExpired, requested, log });
  if (expiredRerecord) mode = 'record';
  // anything but replay compares or rewrites the whole cassette: every response is read now
  const existing: Cassette | undefined = opened && mode !== 'replay' ? readAllResponses(opened) : undefined;
  log?.(`opened ${file} in mode ${mode}${requested !== mode ? ` (requested ${requested})` : ''}`);

  const recording = mode === 'record' || mode === 'update';
  if (recording) await assertRecordable(resolve(opts.dir), file);
  const releaseLock = recording ? await store.lock(file) : undefined;
  const startedAt = new Date(realNow()).toISOString();
  const recordedAt = mode === 'replay' || (mode === 'update' && opened) ? opened?.meta.recordedAt : mode === 'passthrough' ? undefined : startedAt;

  let clock: FrozenClock | undefined;
  if (opts.freezeTime !== undefined && opts.freezeTime !== false) {
    const start = frozenAt ?? (mode === 'record' || !recordedAt ? realNow() : Date.parse(recordedAt));
    clock = createClock(start);
  }

  let session: CassetteSession | undefined;
  let tape: CallTape | undefined;
  let written = false;
  let failure: Error | undefined;
  try {
    const sanitizer = buildSanitizer(opts);
    // one set of learned secrets for the whole recording: interactions are sanitized in request
    // order while the recording runs (session), the rest when it is written
    const secrets = new SecretSet(sanitizer.secrets ?? []);
    const base = mode === 'update' && existing ? existing.interactions.length : 0;
    const prepare = (interaction: Interaction, position: number): Interaction =>
      sanitizeInteraction(sanitizer, interaction, { cassette: name, index: base + position, secrets });
    const answers = mode === 'replay' ? opened : existing && replayOf(existing);
    const current = new CassetteSession(name, file, mode, opts, sanitizer, log, answers, recording ? prepare : undefined);
    session = current;
    const callTape = new CallTape({ cassette: name, file, mode, recorded: opened?.calls ? [...opened.calls] : undefined, sanitizer, allowRepeats: opts.allowRepeats });
    tape = callTape;
    const handle: CassetteHandle = {
      name,
      file,
      mode,
      recordedAt,
      stats: () => ({
        replayed: current.replayed,
        recorded: current.recordedCount,
        unmatched: current.unmatched.length,
        unused: current.index ? current.index.unusedIndexes().length : 0,
      }),
      outputDifferences: () => callTape.differences.map(({ alias, call, changes }) => ({ alias, call, changes })),
    };

    const interception = ensureInterception();
    const uninstallDate = clock ? installFrozenDate() : undefined;
    let result: T | undefined;
    let threw = false;
    let thrown: unknown;
    let captured: Awaited<ReturnType<CassetteSession['settle']>> | undefined;
    try {
      try {
        result = await runWithClock(clock, () => runInScope(current, () => runInTape(callTape, async () => fn(handle))));
      } catch (error) {
        threw = true;
        thrown = error;
      }
      current.finish();
      callTape.finish();
      if (recording) captured = await current.settle();
    } finally {
      uninstallDate?.();
    }

    const [internal] = current.errors;
    if (internal !== undefined) throw internal;
    // responses not replayed are checked (not kept): a damaged one still fails the test
    if (mode === 'replay') opened?.responses.close();

    if (recording && captured) {
      reportRecordingGaps({
        name,
        file,
        fresh: mode === 'record',
        recorded: current.recordedCount + callTape.recordedCalls().length,
        unanswered: current.unanswered,
        threw,
        installedBy: interception.by,
        strict: opts.strict === true,
      });
    }

    if (recording && captured) {
      written = await saveRecording({
        store,
        name,
        file,
        mode,
        sanitizer,
        existing,
        recorded: captured.interactions,
        calls: callTape.recordedCalls(),
        prepared: captured.prepared,
        prepare,
        secrets,
        incomplete: captured.incomplete,
        recordedAt: recordedAt ?? startedAt,
        thrown: threw ? { error: thrown } : undefined,
        saveOnError: opts.saveOnError,
        force: expiredRerecord,
        sideFileThreshold: opts.sideFileThreshold,
        log,
      });
    }

    if (current.unmatched.length > 0) {
      const message = mismatchMessage(current.unmatched);
      const [first] = current.unmatched;
      throw new CassetteMismatchError(message, first!.details, current.unmatched.map((u) => u.details));
    }
    callTape.assertAllMatched();
    if (threw) throw thrown;
    callTape.assertOutputsEqual();
    if (mode === 'replay') callTape.reportUnused(opts.strict === true);

    if (mode === 'replay' && current.index && opened) {
      reportUnused({ name, file, unused: current.index.unusedIndexes(), requests: opened.requests, strict: opts.strict === true });
    }
    return result as T;
  } catch (error) {
    failure = error instanceof Error ? error : new Error(String(error));
    throw error;
  } finally {
    session?.cleanup();
    await releaseLock?.();
    emitCassetteEvent({
      type: 'closed',
      name,
      file,
      mode,
      replayed: session?.replayed ?? 0,
      recorded: session?.recordedCount ?? 0,
      unused: session?.index ? session.index.unusedIndexes() : [],
      written,
      ...(tape && tape.unused().length > 0 ? { unusedCalls: tape.unused() } : {}),
      ...(failure ? { error: failure } : {}),
    });
  }
}
