import type { RecordedRequest } from '../cassette/types.js';
import { UnusedInteractionsError } from '../errors/index.js';

/**
 * The end of a replay: recorded interactions never requested are reported — a warning, or with
 * `strict` an `UnusedInteractionsError` — naming the first ten.
 *
 * @throws UnusedInteractionsError with `strict: true` when any was not requested
 * @example
 * reportUnused({ name, file, unused: index.unusedIndexes(), requests: replay.requests, strict: false });
 */
export function reportUnused(input: { name: string; file: string; unused: readonly number[]; requests: readonly RecordedRequest[]; strict: boolean }): void {
  const { name, file, unused, requests, strict } = input;
  if (unused.length === 0) return;
  const shown = unused
    .slice(0, 10)
    .map((i) => `#${i} ${describeRequest(requests[i])}`)
    .join(', ');
  const message =
    `reeltape: cassette "${name}" (${file}) has ${unused.length} recorded interaction(s) that were never requested: ` +
    `${shown}${unused.length > 10 ? `, … and ${unused.length - 10} more` : ''}. ` +
    'The code under test probably changed: re-record the cassette with REELTAPE_MODE=record' +
    (strict ? '.' : ', or set `strict: true` to make this an error.');
  if (strict) throw new UnusedInteractionsError(message, file, [...unused]);
  console.warn(message);
}

function describeRequest(request: RecordedRequest | undefined): string {
  return request ? `${request.method} ${request.url}` : '?';
}
