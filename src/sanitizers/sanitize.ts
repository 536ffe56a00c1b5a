import { bodyToBytes, getHeader, setHeader } from '../cassette/index.js';
import type { Body, Cassette, CassetteMeta, Interaction, RecordedRequest } from '../cassette/types.js';
import { runHook } from './chain.js';
import { literalReplacer } from './literal-replacer.js';
import { mapMessageStrings, type Message } from './message.js';
import { SecretSet } from './secret-set.js';
import type { SanitizeContext, Sanitizer } from './types.js';

/** Where an interaction is being sanitized, and the secrets of this recording. */
export interface SanitizeInteractionContext {
  /** Cassette name (as given to `withCassette`). */
  readonly cassette: string;
  /** Index of the interaction in the cassette. */
  readonly index: number;
  /** The secrets known for this recording; hooks add to it, and it is used to replace literals. */
  readonly secrets: SecretSet;
}

function makeContext(cassette: string, index: number, phase: 'record' | 'match', secrets: SecretSet | undefined, request?: RecordedRequest): SanitizeContext {
  const ctx: SanitizeContext = {
    cassette,
    index,
    phase,
    addSecret: (value: string) => secrets?.add(value),
    addRedaction: (value: string, marker: string) => secrets?.add(value, marker),
  };
  return request ? { ...ctx, request } : ctx;
}

function bodyBytes(body: Body | null): Uint8Array | undefined {
  return body?.kind === 'file' ? undefined : bodyToBytes(body);
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.byteLength === b.byteLength && Buffer.compare(a, b) === 0;
}

/** When the body's bytes changed and a `content-length` is present, sets it to the new byte length. */
function fixContentLength(message: Message, before: Uint8Array | undefined): void {
  if (before === undefined || getHeader(message.headers, 'content-length') === undefined) return;
  const after = bodyBytes(message.body);
  if (after === undefined || sameBytes(before, after)) return;
  setHeader(message.headers, 'content-length', String(after.byteLength));
}

/** Replaces every literal secret of the set (raw, URL-encoded, base64) in a message with its marker. */
function replaceKnownSecrets(message: Message, secrets: SecretSet): void {
  if (secrets.size === 0) return;
  const replace = literalReplacer(secrets.values().map((value) => ({ value, marker: secrets.markerFor(value) })));
  mapMessageStrings(message, replace);
}

/**
 * Sanitizes one interaction before it is stored, on a deep copy (the code under test keeps the
 * real values): runs the request hooks, then the response hooks (with `ctx.request` = the
 * sanitized request), then replaces every literal secret known so far (the sanitizer's `secrets`
 * and values hooks redacted in this or earlier interactions) wherever it still appears, with the
 * same marker. When a body's bytes changed, a present `content-length` is set to the new length.
 *
 * @throws SanitizerError naming the sanitizer and the interaction when a hook throws
 * @example
 * const secrets = new SecretSet();
 * const stored = sanitizeInteraction(chain(defaultSanitizer()), interaction, { cassette: 'login', index: 0, secrets });
 */
export function sanitizeInteraction(sanitizer: Sanitizer, interaction: Interaction, ctx: SanitizeInteractionContext): Interaction {
  const { secrets } = ctx;
  for (const value of sanitizer.secrets ?? []) secrets.add(value);
  const copy = structuredClone(interaction);
  const requestBefore = bodyBytes(copy.request.body);
  const responseBefore = bodyBytes(copy.response.body);

  const requestCtx = makeContext(ctx.cassette, ctx.index, 'record', secrets);
  let request = copy.request;
  if (sanitizer.request) {
    const hook = sanitizer.request.bind(sanitizer);
    request = runHook(sanitizer, 'request', requestCtx, () => hook(request, requestCtx)) ?? request;
  }
  replaceKnownSecrets(request, secrets);

  const responseCtx = makeContext(ctx.cassette, ctx.index, 'record', secrets, request);
  let response = copy.response;
  if (sanitizer.response) {
    const hook = sanitizer.response.bind(sanitizer);
    response = runHook(sanitizer, 'response', responseCtx, () => hook(response, responseCtx)) ?? response;
  }
  // Values learned from the response (a token) may also sit in this request.
  replaceKnownSecrets(request, secrets);
  replaceKnownSecrets(response, secrets);

  fixContentLength(request, requestBefore);
  fixContentLength(response, responseBefore);
  return { request, response };
}

/**
 * Normalizes a live request for matching in replay (the `match` phase): runs only the request
 * hooks, on a deep copy, so a request carrying a dummy token is redacted exactly like the recorded
 * one that carried the real token. Secrets the hooks report are discarded.
 *
 * @throws SanitizerError naming the sanitizer (interaction index -1)
 */
export function sanitizeLiveRequest(sanitizer: Sanitizer, request: RecordedRequest, cassette: string): RecordedRequest {
  const copy = structuredClone(request);
  const before = bodyBytes(copy.body);
  if (!sanitizer.request) return copy;
  const ctx = makeContext(cassette, -1, 'match', undefined);
  const hook = sanitizer.request.bind(sanitizer);
  const result = runHook(sanitizer, 'request', ctx, () => hook(copy, ctx)) ?? copy;
  fixContentLength(result, before);
  return result;
}

/**
 * Runs the `meta` hooks on a deep copy of the cassette metadata, then replaces known literal
 * secrets in its free-form `extra` and `error` texts.
 *
 * @throws SanitizerError naming the sanitizer (interaction index -1)
 */
export function sanitizeMeta(sanitizer: Sanitizer, meta: CassetteMeta, ctx: { cassette: string; secrets: SecretSet }): CassetteMeta {
  for (const value of sanitizer.secrets ?? []) ctx.secrets.add(value);
  let copy = structuredClone(meta);
  if (sanitizer.meta) {
    const hookCtx = makeContext(ctx.cassette, -1, 'record', ctx.secrets);
    const hook = sanitizer.meta.bind(sanitizer);
    const current = copy;
    copy = runHook(sanitizer, 'meta', hookCtx, () => hook(current, hookCtx)) ?? copy;
  }
  if (ctx.secrets.size > 0) {
    const replace = literalReplacer(ctx.secrets.values().map((value) => ({ value, marker: ctx.secrets.markerFor(value) })));
    if (copy.error) copy.error = { name: replace(copy.error.name), message: replace(copy.error.message) };
    if (copy.extra) {
      const text = JSON.stringify(copy.extra);
      const replaced = replace(text);
      if (replaced !== text) copy.extra = JSON.parse(replaced) as NonNullable<CassetteMeta['extra']>;
    }
  }
  return copy;
}

/**
 * Replaces every known literal secret in every interaction and in the metadata of an
 * already-sanitized cassette, with the markers recorded in the set. Use it right before the leak
 * scan: a value learned late in a recording (a token first seen in interaction 5) is then also
 * replaced where it appeared earlier. Returns a new cassette; the input is not changed.
 */
export function redactKnownSecrets(cassette: Cassette, secrets: SecretSet): Cassette {
  const copy = structuredClone(cassette);
  if (secrets.size === 0) return copy;
  for (const interaction of copy.interactions) {
    const requestBefore = bodyBytes(interaction.request.body);
    const responseBefore = bodyBytes(interaction.response.body);
    replaceKnownSecrets(interaction.request, secrets);
    replaceKnownSecrets(interaction.response, secrets);
    fixContentLength(interaction.request, requestBefore);
    fixContentLength(interaction.response, responseBefore);
  }
  return copy;
}
