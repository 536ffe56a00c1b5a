import { relative } from 'node:path';
import { cassettesEqual, deleteHeader, materializeResponses, verifyUnreadResponses } from '../cassette/index.js';
import { CASSETTE_VERSION, type Cassette, type CassetteMeta, type Interaction, type JsonValue } from '../cassette/types.js';
import {
  CassetteExpiredError,
  CassetteFormatError,
  CassetteMismatchError,
  CassetteNotFoundError,
  ReeltapeConfigError,
  UnusedInteractionsError,
} from '../errors/index.js';
import { ensureInterception, runInScope } from '../interception/index.js';
import {
  assertNoLeaks,
  chain,
  defaultSanitizer,
  redactKnownSecrets,
  sanitizeInteraction,
  sanitizeMeta,
  SecretSet,
} from '../sanitizers/index.js';
import type { Sanitizer } from '../sanitizers/types.js';
import { jsonStore, type CassetteStore } from '../store/index.js';
import { CassetteSession } from './cassette-session.js';
import { resolveOptions } from './configuration.js';
import { createDebugLog } from './debug-log.js';
import type { ResolvedOptions } from './defaults.js';
import { formatDuration, parseDuration } from './duration.js';
import { emitCassetteEvent } from './events.js';
import { createClock, installFrozenDate, realNow, runWithClock, type FrozenClock } from './freeze-time.js';
import { reportLateRequests } from './late-requests.js';
import { reportRecordingGaps } from './recording-notices.js';
import { assertNoSideFileLeaks } from './side-file-leaks.js';
import { mismatchMessage } from './mismatch-message.js';
import { effectiveMode, isCI, resolveMode } from './mode.js';
import type { CassetteOptions, EffectiveMode } from './options.js';
import { REELTAPE_VERSION } from './version.js';

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
}

function describeError(error: unknown): { name: string; message: string } {
  return error instanceof Error ? { name: error.name, message: error.message.slice(0, 1000) } : { name: 'NonError', message: String(error).slice(0, 1000) };
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

async function loadForMode(store: CassetteStore, file: string, requested: string): Promise<Cassette | undefined> {
  if (requested === 'passthrough') return undefined;
  try {
    // modes that may replay may leave large responses unparsed until first read (decision 0005)
    return await store.load(file, { forReplay: requested === 'auto' || requested === 'replay' });
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

  const existing = await loadForMode(store, file, requested);
  let mode = effectiveMode(requested, existing !== undefined);
  if (mode === 'replay' && !existing) {
    const why = requested === 'auto' ? 'mode auto with CI set replays only' : `mode ${requested}`;
    throw new CassetteNotFoundError(`Cassette "${name}" not found at ${file} (${why}). ${recordHint(file)}`, name, file);
  }

  let expiredRerecord = false;
  if (existing && maxAge !== undefined && mode !== 'record') {
    const age = realNow() - Date.parse(existing.meta.recordedAt);
    if (age > maxAge) {
      const what = `Cassette "${name}" (${file}) was recorded ${formatDuration(age)} ago (${existing.meta.recordedAt}), more than maxAge ${String(opts.maxAge)}.`;
      const fix = 'Re-record it with REELTAPE_MODE=record to refresh it.';
      if (opts.onExpired === 'error') throw new CassetteExpiredError(`${what} ${fix}`, file);
      if (opts.onExpired === 'record' && requested === 'auto' && !isCI()) {
        mode = 'record';
        expiredRerecord = true;
        log?.('expired: re-recording');
      } else if (opts.onExpired === 'record') {
        console.warn(`reeltape: ${what} Not re-recorded automatically (${isCI() ? 'CI is set' : `mode ${requested}`}). ${fix}`);
      } else {
        console.warn(`reeltape: ${what} ${fix}`);
      }
    }
  }
  // anything but replay compares or rewrites the whole cassette: parse what was deferred now
  if (existing && mode !== 'replay') materializeResponses(existing);
  log?.(`opened ${file} in mode ${mode}${requested !== mode ? ` (requested ${requested})` : ''}`);

  const recording = mode === 'record' || mode === 'update';
  const releaseLock = recording ? await store.lock(file) : undefined;
  const startedAt = new Date(realNow()).toISOString();
  const recordedAt = mode === 'replay' || (mode === 'update' && existing) ? existing?.meta.recordedAt : mode === 'passthrough' ? undefined : startedAt;

  let clock: FrozenClock | undefined;
  if (opts.freezeTime !== undefined && opts.freezeTime !== false) {
    const start = frozenAt ?? (mode === 'record' || !recordedAt ? realNow() : Date.parse(recordedAt));
    clock = createClock(start);
  }

  let session: CassetteSession | undefined;
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
    const current = new CassetteSession(name, file, mode, opts, sanitizer, log, existing, recording ? prepare : undefined);
    session = current;
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
    };

    const interception = ensureInterception();
    const uninstallDate = clock ? installFrozenDate() : undefined;
    let result: T | undefined;
    let threw = false;
    let thrown: unknown;
    let captured: Awaited<ReturnType<CassetteSession['settle']>> | undefined;
    try {
      try {
        result = await runWithClock(clock, () => runInScope(current, async () => fn(handle)));
      } catch (error) {
        threw = true;
        thrown = error;
      }
      current.finish();
      if (recording) captured = await current.settle();
    } finally {
      uninstallDate?.();
    }

    const [internal] = current.errors;
    if (internal !== undefined) throw internal;
    // responses not replayed were not parsed yet: a damaged one still fails the test (checked, not kept)
    if (mode === 'replay' && existing) verifyUnreadResponses(existing);

    if (recording && captured) {
      reportRecordingGaps({
        name,
        file,
        fresh: mode === 'record',
        recorded: current.recordedCount,
        unanswered: current.unanswered,
        threw,
        installedBy: interception.by,
        strict: opts.strict === true,
      });
    }

    if (recording && captured && (!threw || opts.saveOnError)) {
      try {
        written = await writeCassette({
          store,
          name,
          file,
          mode,
          sanitizer,
          existing,
          recorded: captured.interactions,
          prepared: captured.prepared,
          prepare,
          secrets,
          incomplete: captured.incomplete,
          recordedAt: recordedAt ?? startedAt,
          error: threw ? describeError(thrown) : undefined,
          force: expiredRerecord,
          sideFileThreshold: opts.sideFileThreshold,
        });
      } catch (saveError) {
        if (!threw) throw saveError;
        // the code under test failed first: its error stays the one thrown (it is what the test is about),
        // and the failed save (nothing was written) is reported beside it, not instead of it
        const why = describeError(saveError);
        console.error(`reeltape: cassette "${name}" (${file}) was not saved after the code under test threw: ${why.name}: ${why.message}`);
      }
      log?.(written ? `wrote ${file}` : `unchanged, not written: ${file}`);
    }

    if (current.unmatched.length > 0) {
      const message = mismatchMessage(current.unmatched);
      const [first] = current.unmatched;
      throw new CassetteMismatchError(message, first!.details, current.unmatched.map((u) => u.details));
    }
    if (threw) throw thrown;

    if (mode === 'replay' && current.index) {
      const unused = current.index.unusedIndexes();
      if (unused.length > 0) {
        const message =
          `reeltape: cassette "${name}" (${file}) has ${unused.length} recorded interaction(s) that were never requested: ` +
          `${unused
            .slice(0, 10)
            .map((i) => `#${i} ${describeInteraction(existing!.interactions[i])}`)
            .join(', ')}${unused.length > 10 ? `, … and ${unused.length - 10} more` : ''}. ` +
          'The code under test probably changed: re-record the cassette with REELTAPE_MODE=record' +
          (opts.strict ? '.' : ', or set `strict: true` to make this an error.');
        if (opts.strict) throw new UnusedInteractionsError(message, file, unused);
        console.warn(message);
      }
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
      ...(failure ? { error: failure } : {}),
    });
  }
}

function describeInteraction(interaction: Interaction | undefined): string {
  return interaction ? `${interaction.request.method} ${interaction.request.url}` : '?';
}

/** Response headers that change on every request without the traffic changing (`date`). */
const VOLATILE_RESPONSE_HEADERS = ['date'];

function withoutVolatileHeaders(cassette: Cassette): Cassette {
  return {
    ...cassette,
    interactions: cassette.interactions.map((interaction) => {
      const headers = { ...interaction.response.headers };
      for (const name of VOLATILE_RESPONSE_HEADERS) deleteHeader(headers, name);
      return { ...interaction, response: { ...interaction.response, headers } };
    }),
  };
}

/**
 * Whether a new recording equals the cassette on disk, ignoring `meta` times/versions and the
 * response `date` header, so re-recording unchanged traffic leaves the file (and git) untouched.
 */
function sameTraffic(existing: Cassette, next: Cassette, sideFileThreshold: number): boolean {
  return cassettesEqual(withoutVolatileHeaders(existing), withoutVolatileHeaders(next), { sideFileThreshold });
}

interface WriteInput {
  store: CassetteStore;
  name: string;
  file: string;
  mode: EffectiveMode;
  sanitizer: Sanitizer;
  existing: Cassette | undefined;
  recorded: Interaction[];
  /** How many of the first `recorded` are already sanitized (by `prepare`). */
  prepared: number;
  /** Sanitizes one recorded interaction (with `secrets`), given its position among `recorded`. */
  prepare: (interaction: Interaction, position: number) => Interaction;
  secrets: SecretSet;
  incomplete: number[];
  recordedAt: string;
  error: { name: string; message: string } | undefined;
  force: boolean;
  sideFileThreshold: number;
}

/**
 * Sanitizes the new interactions (in memory), assembles the cassette, refuses it when a known
 * secret survived, and writes it atomically unless it equals what is on disk. Resolves whether it wrote.
 */
async function writeCassette(input: WriteInput): Promise<boolean> {
  const { name, file, sanitizer, existing, prepared, prepare, secrets } = input;
  const base = input.mode === 'update' && existing ? existing.interactions : [];
  const sanitized = input.recorded.map((interaction, i) => (i < prepared ? interaction : prepare(interaction, i)));
  const extra: { [key: string]: JsonValue } = { ...(existing && input.mode === 'update' ? (existing.meta.extra ?? {}) : {}) };
  if (input.incomplete.length > 0) extra.incompleteResponses = input.incomplete.map((i) => base.length + i);
  let meta: CassetteMeta = {
    reeltape: REELTAPE_VERSION,
    node: process.version,
    recordedAt: input.recordedAt,
    ...(input.error ? { error: input.error } : {}),
    ...(Object.keys(extra).length > 0 ? { extra } : {}),
  };
  meta = sanitizeMeta(sanitizer, meta, { cassette: name, secrets });
  // a secret learned late (a token first seen in a later response) is replaced where it appeared earlier too
  const cassette = redactKnownSecrets({ version: CASSETTE_VERSION, meta, interactions: [...base, ...sanitized] }, secrets);
  assertNoLeaks(cassette, secrets.values(), file);
  // large bodies bypass the body hooks: their side files are scanned for the known secrets too
  await assertNoSideFileLeaks(cassette.interactions.slice(base.length), secrets.values(), file, base.length);
  if (existing && !input.force && sameTraffic(existing, cassette, input.sideFileThreshold)) return false;
  await input.store.save(file, cassette, { sideFileThreshold: input.sideFileThreshold });
  return true;
}
