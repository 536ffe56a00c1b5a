import { formatJson, getHeader, setHeader } from '../cassette/index.js';
import { carryStream } from '../cassette/stream-chunks.js';
import { clonePlain } from '../cassette/clone.js';
import { sameBody } from '../cassette/same-content.js';
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

/** A body's content in a comparable form without encoding it: the replayed text for `json`/`text`, the bytes for `binary`. */
function bodyContent(body: Body | null): string | Uint8Array | undefined {
  if (body === null) return '';
  switch (body.kind) {
    case 'json':
      return formatJson(body.value, body.format);
    case 'text':
      return body.value;
    case 'binary':
      return body.value;
    case 'file':
      return undefined;
  }
}

function byteLengthOf(content: string | Uint8Array): number {
  return typeof content === 'string' ? Buffer.byteLength(content, 'utf8') : content.byteLength;
}

function sameContent(a: string | Uint8Array, b: string | Uint8Array): boolean {
  if (typeof a === 'string' && typeof b === 'string') return a === b;
  const x = typeof a === 'string' ? Buffer.from(a, 'utf8') : a;
  const y = typeof b === 'string' ? Buffer.from(b, 'utf8') : b;
  return x.byteLength === y.byteLength && Buffer.compare(x, y) === 0;
}

/**
 * When the body's bytes changed and a `content-length` is present, sets it to the new byte length.
 * `before` is the body as it was before the hooks ran (an untouched original, read only when a
 * `content-length` is present).
 */
function fixContentLength(message: Message, before: Body | null): void {
  if (getHeader(message.headers, 'content-length') === undefined) return;
  // the usual case, an untouched body, is shown equal without serializing either side
  if (sameBody(before, message.body) === true) return;
  const was = bodyContent(before);
  const now = bodyContent(message.body);
  if (was === undefined || now === undefined || sameContent(was, now)) return;
  setHeader(message.headers, 'content-length', String(byteLengthOf(now)));
}

/** Replaces every literal secret of the set (every spelling) in a message with its marker. */
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
  // the hooks work on a deep copy; `interaction` stays untouched and tells what the bodies were before
  const copy = clonePlain(interaction);

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

  fixContentLength(request, interaction.request.body);
  fixContentLength(response, interaction.response.body);
  carryStream(interaction.response, response);
  return copy.failure ? { request, response, failure: copy.failure } : { request, response };
}

/**
 * Normalizes a live request for matching in replay (the `match` phase): runs only the request
 * hooks, on a deep copy, so a request carrying a dummy token is redacted exactly like the recorded
 * one that carried the real token. Secrets the hooks report are discarded.
 *
 * @throws SanitizerError naming the sanitizer (interaction index -1)
 */
export function sanitizeLiveRequest(sanitizer: Sanitizer, request: RecordedRequest, cassette: string): RecordedRequest {
  const copy = clonePlain(request);
  if (!sanitizer.request) return copy;
  const ctx = makeContext(cassette, -1, 'match', undefined);
  const hook = sanitizer.request.bind(sanitizer);
  const result = runHook(sanitizer, 'request', ctx, () => hook(copy, ctx)) ?? copy;
  fixContentLength(result, request.body);
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

/** Whether replacing known literal secrets would change any string of the message (nothing is changed). */
function hasKnownSecret(message: Message, replace: (text: string) => string): boolean {
  let found = false;
  mapMessageStrings(message, (text) => {
    if (!found && replace(text) !== text) found = true;
    return text;
  });
  return found;
}

/**
 * Replaces every known literal secret in every interaction and in the metadata of an
 * already-sanitized cassette, with the markers recorded in the set. Use it right before the leak
 * scan: a value learned late in a recording (a token first seen in interaction 5) is then also
 * replaced where it appeared earlier. Returns a new cassette; the input is not changed.
 * Only interactions that contain a known secret are copied (deeply) and rewritten; the others
 * are shared with the input, so treat both as read-only.
 */
export function redactKnownSecrets(cassette: Cassette, secrets: SecretSet): Cassette {
  if (secrets.size === 0) return { ...cassette, interactions: [...cassette.interactions] };
  const replace = literalReplacer(secrets.values().map((value) => ({ value, marker: secrets.markerFor(value) })));
  const interactions = cassette.interactions.map((interaction) => {
    if (!hasKnownSecret(interaction.request, replace) && !hasKnownSecret(interaction.response, replace)) return interaction;
    const copy = clonePlain(interaction);
    mapMessageStrings(copy.request, replace);
    mapMessageStrings(copy.response, replace);
    fixContentLength(copy.request, interaction.request.body);
    fixContentLength(copy.response, interaction.response.body);
    carryStream(interaction.response, copy.response);
    return copy;
  });
  return { ...cassette, interactions };
}
