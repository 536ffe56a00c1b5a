import type { RecordedRequest } from '../cassette/types.js';

/** How a live request is matched against recorded ones. */
export interface MatchOptions {
  /** Query parameters left out of the comparison (exact names), e.g. `['_t', 'nonce']`. */
  ignoreQueryParams?: string[];
  /**
   * Leave out the parameters of signed URLs that change on every run (default `true`): AWS SigV4
   * query auth `X-Amz-Date`, `-Expires`, `-Signature`, `-Credential`, `-Security-Token`; GCS V4 the
   * same with `X-Goog-`; Azure SAS `st`, `se`, `sig` (`skt`, `ske`) on URLs with `sv` and `sig`.
   * `false` matches them like any other parameter.
   */
  ignoreSignedUrlParams?: boolean;
  /** Request headers that must match too (names are case-insensitive). Headers are not matched unless listed. */
  headers?: string[];
  /** Headers removed from `headers` (useful when `headers` comes from a shared default). */
  ignoreHeaders?: string[];
  /**
   * JSON body paths left out of the comparison: dotted, `*` matches any key or array index,
   * e.g. `['requestId', 'items.*.timestamp']`. For form-urlencoded bodies, top-level names.
   */
  ignoreBodyPaths?: string[];
  /**
   * A custom matcher. When given, it replaces the default identity: candidates are the recorded
   * requests with the same method, tried in recorded order. This disables the O(1) key index
   * (a linear scan over the same-method interactions).
   */
  custom?: (live: RecordedRequest, recorded: RecordedRequest) => boolean;
}
