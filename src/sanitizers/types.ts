import type { CassetteMeta, RecordedRequest, RecordedResponse } from '../cassette/types.js';

/** What a sanitizer hook knows about where it runs. */
export interface SanitizeContext {
  /** Cassette name (as given to `withCassette`). */
  readonly cassette: string;
  /** Index of the interaction in the cassette; -1 for a live request being matched in replay. */
  readonly index: number;
  /** `record`: the interaction is about to be stored. `match`: a live request is being normalized for matching. */
  readonly phase: 'record' | 'match';
  /** For `response` hooks: the (already sanitized) request the response answers. */
  readonly request?: RecordedRequest;
  /**
   * Tell the recorder about a literal secret value this hook redacted. Before the cassette is
   * written its serialized bytes are scanned for every such value (raw, URL-encoded, base64, hex, JSON-escaped);
   * a hit refuses the write.
   */
  addSecret(value: string): void;
  /**
   * Like {@link SanitizeContext.addSecret}, also naming the marker that replaced the value, so later
   * literal occurrences of it (a token from a login response echoed in a URL path) are replaced with
   * the same marker. Optional: contexts that only collect values may leave it out; call it as
   * `ctx.addRedaction?.(value, marker) ?? ctx.addSecret(value)`.
   */
  addRedaction?(value: string, marker: string): void;
}

/**
 * A sanitizer rewrites what is stored, never what the code under test sees. Each hook gets a
 * private deep copy; it may mutate it and return nothing, or return a replacement.
 * Request hooks must be deterministic: in replay they run on the live request before matching,
 * so a redacted request still matches.
 */
export interface Sanitizer {
  /** Name used in error messages and debug logs. */
  readonly name: string;
  /** Rewrite a request (record and match phases). */
  request?(request: RecordedRequest, ctx: SanitizeContext): RecordedRequest | void;
  /** Rewrite a response (record phase only). */
  response?(response: RecordedResponse, ctx: SanitizeContext): RecordedResponse | void;
  /** Rewrite the cassette metadata before it is written. */
  meta?(meta: CassetteMeta, ctx: SanitizeContext): CassetteMeta | void;
  /** Literal secret values known up front (e.g. `#` config values); always part of the leak scan. */
  readonly secrets?: readonly string[];
}
