/**
 * Calls go through the same sanitizers as HTTP: each call is shown to the chain as a JSON
 * request (`key`/`args`) and a JSON response (`result`/`error`), so body-field rules, secret
 * shapes, learned secrets and the leak scan apply to calls exactly as to HTTP bodies.
 */
import type { Cassette, Interaction, JsonValue, RecordedCall, RecordedRequest } from '../cassette/types.js';
import { CASSETTE_VERSION } from '../cassette/types.js';
import { SecretLeakError } from '../errors/index.js';
import { findLeaks, redactKnownSecrets, sanitizeInteraction, type SecretSet } from '../sanitizers/index.js';
import type { Sanitizer } from '../sanitizers/types.js';

type JsonObject = { [key: string]: JsonValue };

function pick(call: RecordedCall, keys: readonly ('key' | 'args' | 'result' | 'error')[]): JsonObject {
  const out: JsonObject = {};
  for (const k of keys) if (call[k] !== undefined) out[k] = call[k] as JsonValue;
  return out;
}

function callRequest(call: RecordedCall): RecordedRequest {
  return {
    method: 'CALL',
    url: `tape://reeltape/${call.kind}/${encodeURIComponent(call.alias)}`,
    headers: { 'content-type': 'application/json' },
    body: { kind: 'json', value: pick(call, ['key', 'args']) },
  };
}

function asInteraction(call: RecordedCall): Interaction {
  return {
    request: callRequest(call),
    response: { status: 200, statusText: 'OK', headers: { 'content-type': 'application/json' }, body: { kind: 'json', value: pick(call, ['result', 'error']) } },
  };
}

function jsonOf(body: Interaction['request']['body']): JsonObject {
  if (body?.kind === 'json' && body.value !== null && typeof body.value === 'object' && !Array.isArray(body.value)) return body.value;
  if (body?.kind === 'text') return JSON.parse(body.value) as JsonObject;
  return {};
}

function fromInteraction(call: RecordedCall, interaction: Interaction): RecordedCall {
  const out: RecordedCall = { alias: call.alias, kind: call.kind, ...jsonOf(interaction.request.body), ...jsonOf(interaction.response.body) };
  if (call.sync) out.sync = true;
  return out;
}

/**
 * Sanitizes recorded calls for storage (request hooks on `key`/`args`, response hooks on
 * `result`/`error`), learning secrets into `secrets` like HTTP interactions do.
 *
 * @example
 * const stored = sanitizeCalls(sanitizer, calls, { cassette: 'orders', secrets });
 */
export function sanitizeCalls(sanitizer: Sanitizer, calls: readonly RecordedCall[], ctx: { cassette: string; secrets: SecretSet }): RecordedCall[] {
  return calls.map((call, index) => fromInteraction(call, sanitizeInteraction(sanitizer, asInteraction(call), { ...ctx, index })));
}

/**
 * A live call's `key` (or `args`) as it would be stored: the same sanitizing as at recording, with
 * the secrets this replay learned so far, so a call matches (or compares with) its sanitized recording.
 *
 * @example
 * const key = liveCallPart(sanitizer, { alias: 'crm.get', kind: 'input', key: [7] }, { cassette: 'orders', secrets }); // [7]
 */
export function liveCallPart(sanitizer: Sanitizer, call: RecordedCall, ctx: { cassette: string; secrets: SecretSet }): JsonValue | undefined {
  const [stored] = sanitizeCalls(sanitizer, [call], ctx);
  return call.kind === 'input' ? stored?.key : stored?.args;
}

const NO_META = { reeltape: '', node: '', recordedAt: '1970-01-01T00:00:00.000Z' };

function asCassette(calls: readonly RecordedCall[]): Cassette {
  return { version: CASSETTE_VERSION, meta: NO_META, interactions: calls.map(asInteraction) };
}

/**
 * Replaces every known secret left in the calls (learned anywhere in the recording) with its marker.
 *
 * @example
 * cassette.calls = redactCallSecrets(calls, secrets);
 */
export function redactCallSecrets(calls: readonly RecordedCall[], secrets: SecretSet): RecordedCall[] {
  const redacted = redactKnownSecrets(asCassette(calls), secrets).interactions;
  return calls.map((call, i) => fromInteraction(call, redacted[i] as Interaction));
}

/**
 * Refuses calls that still contain a known secret, naming each place as `calls[i].…` (never the value).
 *
 * @throws SecretLeakError
 * @example
 * assertNoCallLeaks(cassette.calls ?? [], secrets.values(), file);
 */
export function assertNoCallLeaks(calls: readonly RecordedCall[], secrets: Iterable<string>, file: string): void {
  const leaks = findLeaks(asCassette(calls), secrets).map((leak) => ({
    ...leak,
    path: `calls[${leak.interaction}]${leak.path.replace(/^(request|response)\.body\.json/, '')}`,
    interaction: -1,
  }));
  if (leaks.length === 0) return;
  throw new SecretLeakError(
    `Refusing to write cassette ${file}: a known secret is still present in function tape calls at ${leaks.map((l) => `${l.path} (${l.form})`).join(', ')}. ` +
      'Redact it with a sanitizer (body field rules apply to call arguments and results) or leave it out of the tape `key`.',
    file,
    leaks,
  );
}
