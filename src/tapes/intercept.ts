import type { JsonValue, RecordedCall } from '../cassette/types.js';
import { ReeltapeConfigError } from '../errors/index.js';
import { currentTape, type CallTape } from './call-tape.js';
import { builtinCodec, type TapeCodec } from './codec.js';

/** Options of {@link interceptInput}. */
export interface InputOptions<A extends unknown[]> {
  /** What a call is matched by (default: all its arguments, compared as canonical JSON). */
  key?: (args: A) => unknown;
  /** A call not in the cassette on replay: `error` (default) fails with `CassetteMismatchError`; `call` calls `fn`. */
  onMissing?: 'error' | 'call';
  /** How values are stored (default: the built-in codec). */
  codec?: TapeCodec;
}

/** Options of {@link interceptOutput}. */
export interface OutputOptions {
  /** Paths in the argument list left out of the comparison, e.g. `'$[0].updatedAt'`, `'$..runId'`. */
  ignorePaths?: string[];
  /** `fail` (default): a difference makes `withCassette` reject with `OutputMismatchError`; `collect`: only kept, for `handle.outputDifferences()`. */
  compare?: 'fail' | 'collect';
  /** An output call beyond the recorded ones on replay: `error` (default) fails with `CassetteMismatchError`; `call` calls `fn`. */
  onMissing?: 'error' | 'call';
  /** How values are stored (default: the built-in codec). */
  codec?: TapeCodec;
}

function isPromiseLike(value: unknown): value is PromiseLike<unknown> {
  return value !== null && (typeof value === 'object' || typeof value === 'function') && typeof (value as { then?: unknown }).then === 'function';
}

function checkAlias(alias: string): void {
  if (typeof alias !== 'string' || alias.trim() === '') throw new ReeltapeConfigError(`A function tape needs a non-empty alias, got ${JSON.stringify(alias)}.`);
}

/**
 * Calls `fn` and stores what it returned or threw (directly or through a promise) as `base` plus
 * `result`/`error`/`sync` in the tape's reserved slot.
 */
function callAndRecord<R>(tape: CallTape, codec: TapeCodec, base: RecordedCall, call: () => R): R {
  const slot = tape.reserve();
  const store = (outcome: { result: unknown } | { error: unknown }, sync: boolean): void => {
    const entry: RecordedCall = { ...base };
    if ('error' in outcome) entry.error = codec.encode(outcome.error);
    else if (outcome.result !== undefined) entry.result = codec.encode(outcome.result);
    if (sync) entry.sync = true;
    tape.fill(slot, entry);
  };
  let out: R;
  try {
    out = call();
  } catch (error) {
    store({ error }, true);
    throw error;
  }
  if (!isPromiseLike(out)) {
    store({ result: out }, true);
    return out;
  }
  return Promise.resolve(out).then(
    (result) => {
      store({ result }, false);
      return result;
    },
    (error: unknown) => {
      store({ error }, false);
      throw error;
    },
  ) as R;
}

/** Answers with a recorded call: its result or its error, directly or through a promise as recorded. */
function replay<R>(codec: TapeCodec, call: RecordedCall): R {
  if (call.error !== undefined) {
    const error = codec.decode(call.error);
    if (call.sync) throw error;
    return Promise.reject(error) as R;
  }
  const value = call.result === undefined ? undefined : codec.decode(call.result);
  return (call.sync ? value : Promise.resolve(value)) as R;
}

function fail<R>(tape: CallTape, alias: string, error: Error): R {
  if (tape.wasSync(alias)) throw error;
  return Promise.reject(error) as R;
}

/**
 * Wraps a function whose results feed the code under test (a queue read, a DB lookup, an SDK call
 * over gRPC). In a recording cassette it calls `fn` and stores `{alias, key, result | error}`; in
 * a replaying one it returns (or throws) the recorded value without calling `fn`; outside any
 * cassette it is `fn`. Calls with the same alias and key replay in recorded order.
 *
 * @example
 * import { interceptInput, withCassette } from 'reeltape';
 *
 * const getCustomer = interceptInput('crm.getCustomer', (id: number) => crm.getCustomer(id));
 * await withCassette('sync-orders', async () => {
 *   const customer = await getCustomer(7); // recorded once, replayed afterwards
 * });
 */
export function interceptInput<A extends unknown[], R>(alias: string, fn: (...args: A) => R, options: InputOptions<A> = {}): (...args: A) => R {
  checkAlias(alias);
  const codec = options.codec ?? builtinCodec;
  return function tapedInput(this: unknown, ...args: A): R {
    const tape = currentTape();
    if (!tape?.active) return fn.apply(this, args);
    const key: JsonValue = codec.encode(options.key ? options.key(args) : args);
    if (tape.replays) {
      const hit = tape.takeInput(alias, key);
      if (hit) return replay<R>(codec, hit.call);
      if (!tape.records) {
        if (options.onMissing === 'call') return fn.apply(this, args);
        return fail<R>(tape, alias, tape.missing(alias, 'input', key));
      }
    }
    return callAndRecord(tape, codec, { alias, kind: 'input', key }, () => fn.apply(this, args));
  };
}

/**
 * Wraps a function the code under test emits its results through (a store, a publish). Recording
 * stores its arguments and return value; replay does not call `fn`: it captures the arguments
 * again, returns the recorded return value, and compares the arguments with the recorded ones
 * (the n-th call of the alias with the n-th recorded one). A difference makes `withCassette`
 * reject with `OutputMismatchError` (a diff with JSON paths), unless `compare: 'collect'`.
 *
 * @example
 * import { interceptOutput, withCassette } from 'reeltape';
 *
 * const save = interceptOutput('warehouse.save', (rows: Row[]) => db.insert(rows), { ignorePaths: ['$[0][*].loadedAt'] });
 * await withCassette('sync-orders', () => syncOrders({ save }));
 */
export function interceptOutput<A extends unknown[], R>(alias: string, fn: (...args: A) => R, options: OutputOptions = {}): (...args: A) => R {
  checkAlias(alias);
  const codec = options.codec ?? builtinCodec;
  return function tapedOutput(this: unknown, ...args: A): R {
    const tape = currentTape();
    if (!tape?.active) return fn.apply(this, args);
    const encoded = codec.encode(args);
    if (tape.replays) {
      const { hit, ordinal, live } = tape.takeOutput(alias, encoded);
      if (hit) {
        tape.compareOutput(alias, ordinal, hit.call.args, live, options.ignorePaths, options.compare !== 'collect');
        return replay<R>(codec, hit.call);
      }
      if (!tape.records) {
        if (options.onMissing === 'call') return fn.apply(this, args);
        return fail<R>(tape, alias, tape.missing(alias, 'output', encoded, ordinal));
      }
    }
    return callAndRecord(tape, codec, { alias, kind: 'output', args: encoded }, () => fn.apply(this, args));
  };
}

/** How {@link interceptMethods} tapes one method: its kind, or its kind with options. */
export type MethodTape = 'input' | 'output' | ({ kind: 'input' } & InputOptions<unknown[]>) | ({ kind: 'output' } & OutputOptions);

/** Methods of `T` (own or inherited) that are functions. */
type MethodNames<T> = { [K in keyof T]: T[K] extends (...args: never[]) => unknown ? K : never }[keyof T] & string;

/**
 * Tapes methods of an object or a class prototype in place, so call sites stay as they are: each
 * method becomes {@link interceptInput} or {@link interceptOutput} with the alias
 * `<alias>.<method>` (default alias: the constructor's name). Returns a function that restores the
 * original methods.
 *
 * @example
 * import { interceptMethods } from 'reeltape';
 *
 * const restore = interceptMethods(QueueClient.prototype, { receive: 'input', ack: 'output' }, { alias: 'queue' });
 * // … withCassette(…) as usual; restore() when done
 */
export function interceptMethods<T extends object>(target: T, methods: { [K in MethodNames<T>]?: MethodTape }, options: { alias?: string } = {}): () => void {
  const base = options.alias ?? (typeof target === 'function' ? (target as { name: string }).name : (target.constructor?.name ?? 'object'));
  const record = target as Record<string, unknown>;
  const restores: Array<() => void> = [];
  for (const [name, spec] of Object.entries(methods as Record<string, MethodTape | undefined>)) {
    if (spec === undefined) continue;
    const original = record[name];
    if (typeof original !== 'function') throw new ReeltapeConfigError(`interceptMethods: ${base}.${name} is not a method (got ${typeof original}).`);
    const own = Object.hasOwn(target, name);
    const kind = typeof spec === 'string' ? spec : spec.kind;
    const opts = typeof spec === 'string' ? {} : spec;
    const fn = original as (...args: unknown[]) => unknown;
    record[name] = kind === 'input' ? interceptInput(`${base}.${name}`, fn, opts as InputOptions<unknown[]>) : interceptOutput(`${base}.${name}`, fn, opts as OutputOptions);
    restores.push(() => {
      if (own) record[name] = original;
      else delete record[name];
    });
  }
  return () => {
    for (const restore of restores.reverse()) restore();
  };
}
