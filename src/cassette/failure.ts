/**
 * Recorded failures: a request that got no response (connection refused or reset, DNS failure, a
 * socket timeout) or that its client gave up on (abort, timeout) is an interaction like any other,
 * so replay fails the same request the same way at the same point of the sequence. Plain data:
 * nothing here knows about MSW or a client library.
 */
import type { JsonValue, RecordedResponse } from './types.js';

/** An error as recorded: what a client may look at (`name`, `message`, `code`, its `cause`). */
export interface RecordedError {
  name: string;
  message: string;
  /** Node's or undici's error code (`ECONNREFUSED`, `ECONNRESET`, `ENOTFOUND`, `UND_ERR_SOCKET`, …). */
  code?: string;
  /** System call (`connect`, `getaddrinfo`, `read`) of a system error. */
  syscall?: string;
  cause?: RecordedError;
}

/**
 * Why a request got no response: `error` (the network failed it, replayed as the same error), or
 * `aborted` (the client gave up, replayed by never answering, so the client's own abort or
 * timeout fires again and it sees its own error).
 */
export type RecordedFailure = { error: RecordedError } | { aborted: true };

/**
 * The in-memory `response` of an interaction that has a {@link RecordedFailure} (the file holds no
 * response for it): status 599, never served.
 */
export const NO_RESPONSE: RecordedResponse = Object.freeze({ status: 599, statusText: 'reeltape: no response (recorded failure)', headers: Object.freeze({}), body: null }) as RecordedResponse;

const CODE = /^[A-Za-z0-9_]{1,64}$/;

/**
 * Turns a thrown value into a {@link RecordedError} (own `code` and `syscall`, and the `cause`
 * chain up to 4 deep). Addresses and ports are not kept: only what identifies the failure.
 *
 * @example
 * recordError(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9'), { code: 'ECONNREFUSED' }));
 * // { name: 'Error', message: 'connect ECONNREFUSED 127.0.0.1:9', code: 'ECONNREFUSED' }
 */
export function recordError(error: unknown, depth = 0): RecordedError {
  if (!(error instanceof Error)) return { name: 'Error', message: String(error) };
  const out: RecordedError = { name: error.name, message: error.message };
  const { code, syscall } = error as { code?: unknown; syscall?: unknown };
  if (typeof code === 'string' && CODE.test(code)) out.code = code;
  if (typeof syscall === 'string') out.syscall = syscall;
  if (error.cause !== undefined && depth < 4) out.cause = recordError(error.cause, depth + 1);
  return out;
}

/**
 * Rebuilds a recorded error: an `Error` (a `TypeError` when recorded as one) with the same name,
 * message, `code`, `syscall` and `cause`.
 *
 * @example
 * errorFromRecord({ name: 'Error', message: 'connect ECONNREFUSED 127.0.0.1:9', code: 'ECONNREFUSED' }).code; // 'ECONNREFUSED'
 */
export function errorFromRecord(recorded: RecordedError): Error {
  const cause = recorded.cause && errorFromRecord(recorded.cause);
  const options = cause ? { cause } : undefined;
  const error = recorded.name === 'TypeError' ? new TypeError(recorded.message, options) : new Error(recorded.message, options);
  if (error.name !== recorded.name) Object.defineProperty(error, 'name', { value: recorded.name, configurable: true, writable: true });
  if (recorded.code !== undefined) Object.assign(error, { code: recorded.code });
  if (recorded.syscall !== undefined) Object.assign(error, { syscall: recorded.syscall });
  return error;
}

/**
 * The file form of a failure (`{ aborted: true }` or `{ error: { name, message, code?, syscall?, cause? } }`).
 *
 * @example
 * failureToJson({ aborted: true }); // { aborted: true }
 */
export function failureToJson(failure: RecordedFailure): JsonValue {
  if ('aborted' in failure) return { aborted: true };
  return { error: errorToJson(failure.error) };
}

function errorToJson(error: RecordedError): JsonValue {
  const out: { [key: string]: JsonValue } = { name: error.name, message: error.message };
  if (error.code !== undefined) out.code = error.code;
  if (error.syscall !== undefined) out.syscall = error.syscall;
  if (error.cause) out.cause = errorToJson(error.cause);
  return out;
}

/** How {@link validateFailure} reports a problem: the JSON path and what is wrong (it throws). */
export type Complain = (path: string, message: string) => never;

/**
 * Checks the file form of an interaction's `failure` and builds the model.
 *
 * @example
 * validateFailure({ error: { name: 'Error', message: 'x', code: 'ECONNRESET' } }, 'interactions[2].failure', fail);
 */
export function validateFailure(value: unknown, path: string, fail: Complain): RecordedFailure {
  if (!isObject(value)) return fail(path, 'expected an object { "error": {…} } or { "aborted": true }');
  const keys = Object.keys(value);
  if (keys.length === 1 && value.aborted === true) return { aborted: true };
  if (keys.length !== 1 || keys[0] !== 'error') return fail(path, `expected exactly one of "error" or "aborted": true, got ${keys.map((k) => JSON.stringify(k)).join(', ') || '{}'}`);
  return { error: validateError(value.error, `${path}.error`, fail, 0) };
}

function validateError(value: unknown, path: string, fail: Complain, depth: number): RecordedError {
  if (!isObject(value)) return fail(path, 'expected an object { name, message, code?, syscall?, cause? }');
  for (const key of Object.keys(value)) {
    if (!['name', 'message', 'code', 'syscall', 'cause'].includes(key)) fail(`${path}.${key}`, `unknown field ${JSON.stringify(key)} (allowed: name, message, code, syscall, cause)`);
  }
  if (typeof value.name !== 'string' || value.name === '') fail(`${path}.name`, 'expected a non-empty string');
  if (typeof value.message !== 'string') fail(`${path}.message`, 'expected a string');
  const out: RecordedError = { name: value.name as string, message: value.message as string };
  if (value.code !== undefined) {
    if (typeof value.code !== 'string' || !CODE.test(value.code)) fail(`${path}.code`, 'expected an error code such as "ECONNRESET"');
    out.code = value.code as string;
  }
  if (value.syscall !== undefined) {
    if (typeof value.syscall !== 'string') fail(`${path}.syscall`, 'expected a string');
    out.syscall = value.syscall as string;
  }
  if (value.cause !== undefined) {
    if (depth >= 4) fail(`${path}.cause`, 'causes nest deeper than 4 levels');
    out.cause = validateError(value.cause, `${path}.cause`, fail, depth + 1);
  }
  return out;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/**
 * The code a failure is known by in summaries: the innermost `code` of the error chain, else
 * its name; `aborted` for a client's own abort.
 *
 * @example
 * failureCode({ error: { name: 'TypeError', message: 'fetch failed', cause: { name: 'Error', message: '…', code: 'ECONNREFUSED' } } }); // 'ECONNREFUSED'
 */
export function failureCode(failure: RecordedFailure): string {
  if ('aborted' in failure) return 'aborted';
  let code: string | undefined;
  for (let e: RecordedError | undefined = failure.error; e; e = e.cause) code = e.code ?? code;
  return code ?? failure.error.name;
}
