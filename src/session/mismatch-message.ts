import { bodyByteLength, bodyToBytes, decodeUtf8 } from '../cassette/index.js';
import type { RecordedRequest } from '../cassette/types.js';
import type { MismatchCandidate, MismatchDetails } from '../errors/index.js';
import { DEFAULTS } from './defaults.js';

/** Everything known about one unmatched request, for the error message. */
export interface Unmatched {
  readonly details: MismatchDetails;
  /** Interactions not used when the request arrived. */
  readonly unused: readonly number[];
  /** Number of interactions in the cassette. */
  readonly total: number;
  /** Whether `allowRepeats` was on. */
  readonly allowRepeats: boolean;
  /** Host (`host:port`) of the request. */
  readonly host: string;
}

/** A short, safe excerpt of a request body for messages. */
export function bodyExcerpt(request: RecordedRequest, max: number = DEFAULTS.bodyExcerptLength): string | undefined {
  const body = request.body;
  if (body === null) return undefined;
  if (body.kind === 'binary' || body.kind === 'file') return `<${bodyByteLength(body)} bytes of binary data>`;
  const text = decodeUtf8(bodyToBytes(body)) ?? '';
  return text.length > max ? `${text.slice(0, max)}… (${text.length} chars)` : text;
}

function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}

/** Builds the {@link Unmatched} record of a live request. */
export function describeUnmatched(
  cassette: string,
  file: string,
  mode: string,
  request: RecordedRequest,
  candidates: readonly MismatchCandidate[],
  unused: readonly number[],
  total: number,
  allowRepeats: boolean,
): Unmatched {
  const excerpt = bodyExcerpt(request);
  return {
    details: {
      cassette,
      file,
      mode,
      request: `${request.method} ${request.url}`,
      ...(excerpt !== undefined ? { bodyExcerpt: excerpt } : {}),
      candidates,
    },
    unused,
    total,
    allowRepeats,
    host: hostOf(request.url),
  };
}

function formatOne(u: Unmatched): string[] {
  const { details } = u;
  const lines = [`  ${details.request}`];
  if (details.bodyExcerpt !== undefined) lines.push(`    body: ${details.bodyExcerpt}`);
  if (u.total === 0) {
    lines.push('    The cassette has no recorded interactions.');
  } else if (details.candidates.length === 0) {
    lines.push('    No recorded request has this method.');
  } else {
    lines.push('    Closest recorded requests:');
    for (const c of details.candidates) {
      const what = c.differences.length === 0 ? 'no difference found' : c.differences.join('; ');
      lines.push(`      #${c.index} ${c.request}`);
      lines.push(`         ${what}`);
    }
  }
  return lines;
}

/**
 * The full message of a `CassetteMismatchError`: the unmatched requests (with body excerpt), the
 * cassette file and mode, the closest candidates with their differences, and suggestions chosen
 * for the situation (re-record, update, allowRepeats, unused interactions, ignoreHosts).
 *
 * @example
 * throw new CassetteMismatchError(mismatchMessage(all), all[0].details, all.map((u) => u.details));
 */
export function mismatchMessage(all: readonly Unmatched[]): string {
  const first = all[0];
  if (!first) return 'No request was unmatched.';
  const { details } = first;
  const lines = [
    `reeltape: ${all.length === 1 ? 'a request has' : `${all.length} requests have`} no recorded interaction in cassette "${details.cassette}" (mode: ${details.mode}).`,
    `Cassette file: ${details.file}`,
    '',
    'Unmatched:',
  ];
  for (const u of all.slice(0, 5)) lines.push(...formatOne(u));
  if (all.length > 5) lines.push(`  … and ${all.length - 5} more`);
  lines.push('', 'What you can do:');
  lines.push(
    '  - If the code under test now makes this request on purpose, record it: run the test with',
    '    REELTAPE_MODE=update (or `mode: \'update\'`) to add the new request and keep the rest, or',
    '    REELTAPE_MODE=record to re-record the whole cassette (deleting the file also re-records it in `auto` mode without CI).',
  );
  const usedUp = all.some((u) => u.details.candidates.some((c) => c.differences.some((d) => d.startsWith('already used'))));
  if (usedUp && !first.allowRepeats) {
    lines.push(
      '  - The matching interaction was already used: the code repeats the request more often than when it was recorded.',
      '    If it should get the same answer again, set `allowRepeats: true`; if the answers differ (polling), re-record.',
    );
  }
  const unused = first.unused;
  if (unused.length > 0) {
    const shown = unused.slice(0, 10).map((i) => `#${i}`).join(', ');
    lines.push(
      `  - ${unused.length} of ${first.total} recorded interaction(s) have not been played (${shown}${unused.length > 10 ? ', …' : ''}):`,
      '    compare them with the request above to see what changed (see the differences listed).',
    );
  }
  const hosts = [...new Set(all.map((u) => u.host))];
  lines.push(
    `  - If requests to ${hosts.join(', ')} should not be recorded at all (e.g. a local service), add \`ignoreHosts: [${hosts.map((h) => `'${h}'`).join(', ')}]\`.`,
    '  - Set REELTAPE_DEBUG=1 to log every request\'s fate and each matcher\'s verdict.',
  );
  return lines.join('\n');
}
