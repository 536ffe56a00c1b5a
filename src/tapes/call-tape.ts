import { AsyncLocalStorage } from 'node:async_hooks';
import { relative } from 'node:path';
import type { JsonValue, RecordedCall } from '../cassette/types.js';
import { CassetteMismatchError, OutputMismatchError, UnusedInteractionsError, type MismatchCandidate, type OutputDifference } from '../errors/index.js';
import { SecretSet } from '../sanitizers/index.js';
import type { Sanitizer } from '../sanitizers/types.js';
import { diffJsonValues } from '../snapshots/json-diff.js';
import { liveCallPart } from './sanitize-calls.js';

/** How the open cassette treats calls (the cassette's effective mode). */
export type TapeMode = 'record' | 'replay' | 'update' | 'passthrough';

/** What a {@link CallTape} is opened with. */
export interface CallTapeOptions {
  readonly cassette: string;
  readonly file: string;
  readonly mode: TapeMode;
  /** The cassette's calls (replay, update). */
  readonly recorded: readonly RecordedCall[] | undefined;
  readonly sanitizer: Sanitizer;
  /** A used-up input key replays its last recorded call again. */
  readonly allowRepeats?: boolean;
}

/** A recorded call found for a live one, with its position in the cassette's `calls`. */
export interface CallHit {
  readonly index: number;
  readonly call: RecordedCall;
}

const short = (value: JsonValue | undefined): string => {
  const text = JSON.stringify(value) ?? 'undefined';
  return text.length > 200 ? `${text.slice(0, 197)}...` : text;
};

function describeChanges(changes: OutputDifference['changes']): string[] {
  return changes.map((c) =>
    c.change === 'changed'
      ? `${c.path}: ${short(c.before as JsonValue)} → ${short(c.after as JsonValue)}`
      : c.change === 'added'
        ? `${c.path}: added ${short(c.after as JsonValue)}`
        : `${c.path}: removed (was ${short(c.before as JsonValue)})`,
  );
}

/**
 * The function-tape state of one open cassette: the calls recorded so far (raw, in call order),
 * which recorded calls were replayed, and what did not match. One per `withCassette`, found by
 * the tapes through {@link currentTape}.
 */
export class CallTape {
  readonly mode: TapeMode;
  /** New calls in call order; a slot stays empty while its call runs (and is dropped if it never ends). */
  private readonly slots: Array<RecordedCall | undefined> = [];
  private readonly used = new Set<number>();
  private readonly outputsSeen = new Map<string, number>();
  /** Calls that found no recording (thrown from the tape, and again by `withCassette`). */
  readonly mismatches: CassetteMismatchError[] = [];
  /** Output calls that differ; `fail` ones make `withCassette` reject. */
  readonly differences: Array<OutputDifference & { readonly fail: boolean }> = [];
  private finished = false;

  /** Secrets the sanitizers reported while live calls were sanitized for matching (replaced in later calls too). */
  private readonly secrets: SecretSet;

  constructor(private readonly options: CallTapeOptions) {
    this.mode = options.mode;
    this.secrets = new SecretSet(options.sanitizer.secrets ?? []);
  }

  /** A live call's key or args as they would be stored (see {@link liveCallPart}). */
  private live(call: RecordedCall): JsonValue | undefined {
    return liveCallPart(this.options.sanitizer, call, { cassette: this.options.cassette, secrets: this.secrets });
  }

  /** Whether tapes should act (record or replay); false after the code under test returned. */
  get active(): boolean {
    return !this.finished && this.mode !== 'passthrough';
  }

  /** Whether calls are answered from the cassette first. */
  get replays(): boolean {
    return this.mode === 'replay' || this.mode === 'update';
  }

  /** Whether calls not found in the cassette are recorded. */
  get records(): boolean {
    return this.mode === 'record' || this.mode === 'update';
  }

  /** The code under test is done: later calls go straight to the function. */
  finish(): void {
    this.finished = true;
  }

  /** Reserves the next position for a call that is starting. */
  reserve(): number {
    this.slots.push(undefined);
    return this.slots.length - 1;
  }

  /** Stores a finished call at its reserved position. */
  fill(slot: number, call: RecordedCall): void {
    if (!this.finished) this.slots[slot] = call;
  }

  /** The new calls that finished, in call order (raw: not sanitized yet). */
  recordedCalls(): RecordedCall[] {
    return this.slots.filter((c): c is RecordedCall => c !== undefined);
  }

  private get recorded(): readonly RecordedCall[] {
    return this.options.recorded ?? [];
  }

  /** Whether some recorded call of `alias` returned synchronously (how a miss is thrown). */
  wasSync(alias: string): boolean {
    return this.recorded.some((c) => c.alias === alias && c.sync === true);
  }

  /** The first unused recorded input of `alias` whose key equals the live (sanitized) key. */
  takeInput(alias: string, key: JsonValue): CallHit | undefined {
    const live = JSON.stringify(this.live({ alias, kind: 'input', key }));
    let last: CallHit | undefined;
    for (let index = 0; index < this.recorded.length; index++) {
      const call = this.recorded[index] as RecordedCall;
      if (call.kind !== 'input' || call.alias !== alias || JSON.stringify(call.key) !== live) continue;
      if (!this.used.has(index)) {
        this.used.add(index);
        return { index, call };
      }
      last = { index, call };
    }
    return this.options.allowRepeats ? last : undefined;
  }

  /** The n-th recorded output call of `alias` for its n-th live call, and the live args as stored. */
  takeOutput(alias: string, args: JsonValue): { hit: CallHit | undefined; ordinal: number; live: JsonValue | undefined } {
    const ordinal = (this.outputsSeen.get(alias) ?? 0) + 1;
    this.outputsSeen.set(alias, ordinal);
    const live = this.live({ alias, kind: 'output', args });
    let n = 0;
    for (let index = 0; index < this.recorded.length; index++) {
      const call = this.recorded[index] as RecordedCall;
      if (call.kind !== 'output' || call.alias !== alias || ++n !== ordinal) continue;
      this.used.add(index);
      return { hit: { index, call }, ordinal, live };
    }
    return { hit: undefined, ordinal, live };
  }

  /** Compares a replayed output call with its recording; a difference is kept (and fails the cassette unless `collect`). */
  compareOutput(alias: string, ordinal: number, recorded: JsonValue | undefined, live: JsonValue | undefined, ignorePaths: string[] | undefined, fail: boolean): void {
    const diff = diffJsonValues(recorded, live, { ignorePaths: ignorePaths ?? [] });
    if (!diff.equal) this.differences.push({ alias, call: ordinal, changes: diff.changes, fail });
  }

  /** Remembers (and returns, to be thrown) the error for a call with no recording. */
  missing(alias: string, kind: 'input' | 'output', what: JsonValue | undefined, ordinal?: number): CassetteMismatchError {
    const { cassette, file } = this.options;
    const label = kind === 'input' ? `${alias}(${short(what)})` : `${alias} output call #${ordinal ?? 0}`;
    const candidates = kind === 'input' ? this.closestInputs(alias, what) : [];
    const rel = relative(process.cwd(), file) || file;
    const lines = [
      `reeltape: cassette "${cassette}" (${rel}, mode ${this.mode}) has no recorded ${kind} call ${label}${kind === 'input' ? ' (key shown)' : ''}.`,
      ...(candidates.length > 0
        ? ['Closest recorded calls:', ...candidates.flatMap((c) => [`  calls[${c.index}] ${c.request}`, ...c.differences.map((d) => `      ${d}`)])]
        : [`No recorded ${kind} call of ${alias} ${kind === 'input' ? 'to compare with' : 'is left'} (${this.recorded.filter((c) => c.alias === alias).length} recorded).`]),
      `Re-record the cassette with REELTAPE_MODE=record if the code changed, or pass \`onMissing: 'call'\` to call through for calls that were not recorded.`,
    ];
    const error = new CassetteMismatchError(lines.join('\n'), { cassette, file, mode: this.mode, request: label, candidates });
    this.mismatches.push(error);
    return error;
  }

  /** Recorded inputs closest to a live key: the same alias first, then the fewest differences, unused first. */
  private closestInputs(alias: string, key: JsonValue | undefined): MismatchCandidate[] {
    const live = this.live({ alias, kind: 'input', key: key ?? null });
    const scored = this.recorded.flatMap((call, index) => {
      if (call.kind !== 'input') return [];
      const diff = diffJsonValues(call.key, live, { maxDiffs: 3 });
      const score = (call.alias === alias ? 0 : 1000) + diff.count + (this.used.has(index) ? 0.5 : 0);
      const differences = call.alias === alias ? describeChanges(diff.changes) : [`alias: ${call.alias} ≠ ${alias}`];
      return [{ index, request: `${call.alias}(${short(call.key)})`, differences, score }];
    });
    return scored
      .sort((a, b) => a.score - b.score)
      .slice(0, 3)
      .map(({ index, request, differences }) => ({ index, request, differences }));
  }

  /**
   * Throws what the code under test may have swallowed: the first call with no recording
   * (`CassetteMismatchError`).
   */
  assertAllMatched(): void {
    const [first] = this.mismatches;
    if (first) throw first;
  }

  /** Throws an {@link OutputMismatchError} for every differing output call (not those compared with `collect`). */
  assertOutputsEqual(): void {
    const failing = this.differences.filter((d) => d.fail);
    if (failing.length === 0) return;
    const { cassette, file } = this.options;
    const rel = relative(process.cwd(), file) || file;
    const lines = [
      `reeltape: cassette "${cassette}" (${rel}): ${failing.length} output call(s) differ from the recording (recorded → now):`,
      ...failing.flatMap((d) => [`  ${d.alias} call #${d.call}:`, ...describeChanges(d.changes).map((l) => `    ${l}`)]),
      "Re-record the cassette with REELTAPE_MODE=record if the change is intended; leave volatile fields out with `ignorePaths` (e.g. '$[0].updatedAt').",
    ];
    throw new OutputMismatchError(lines.join('\n'), file, failing.map(({ alias, call, changes }) => ({ alias, call, changes })));
  }

  /** Recorded calls never replayed (replay mode), as `calls[i] alias(…)`. */
  unused(): string[] {
    if (this.mode !== 'replay') return [];
    return this.recorded.flatMap((call, index) =>
      this.used.has(index) ? [] : [`calls[${index}] ${call.alias}${call.kind === 'input' ? `(${short(call.key)})` : ' output'}`],
    );
  }

  /**
   * Warns about (or, with `strict`, throws {@link UnusedInteractionsError} for) recorded calls the
   * code under test did not make in replay.
   */
  reportUnused(strict: boolean): void {
    const unused = this.unused();
    if (unused.length === 0) return;
    const { cassette, file } = this.options;
    const message =
      `reeltape: cassette "${cassette}" (${file}) has ${unused.length} recorded function call(s) that were never made: ` +
      `${unused.slice(0, 10).join(', ')}${unused.length > 10 ? `, … and ${unused.length - 10} more` : ''}. ` +
      'The code under test probably changed: re-record the cassette with REELTAPE_MODE=record' +
      (strict ? '.' : ', or set `strict: true` to make this an error.');
    if (strict) throw new UnusedInteractionsError(message, file, []);
    console.warn(message);
  }
}

/** Shared by every copy of this module (the ESM and CJS builds, `reeltape/pg`): one store per process. */
const STORAGE_KEY = Symbol.for('reeltape.tapes.scope');
const globals = globalThis as { [STORAGE_KEY]?: AsyncLocalStorage<CallTape> };
const storage = (globals[STORAGE_KEY] ??= new AsyncLocalStorage<CallTape>());

/**
 * Runs `fn` with `tape` as the receiver of every function-tape call it makes (and async work it starts).
 *
 * @example
 * await runInTape(tape, () => operation());
 */
export function runInTape<T>(tape: CallTape, fn: () => T): T {
  return storage.run(tape, fn);
}

/**
 * The function tape of the cassette the calling code runs in, if any.
 *
 * @example
 * if (currentTape()?.replays) console.log('answered from the cassette');
 */
export function currentTape(): CallTape | undefined {
  return storage.getStore();
}
