/**
 * What a recording says about traffic it could not keep, so nothing is lost in silence: requests that
 * got no response, and a recording that captured no request at all (usually a client that kept
 * `fetch` before reeltape's interception was installed).
 */
import { EmptyRecordingError } from '../errors/index.js';

/** What {@link reportRecordingGaps} looks at once a recording's captures have settled. */
export interface RecordingOutcome {
  readonly name: string;
  readonly file: string;
  /** Mode `record` (empty recordings are reported only there; `update` keeps what it had). */
  readonly fresh: boolean;
  /** Exchanges kept. */
  readonly recorded: number;
  /** `METHOD URL` of recorded requests that got no response. */
  readonly unanswered: readonly string[];
  /** Whether the code under test threw (an empty recording is then not the news). */
  readonly threw: boolean;
  /** Who installed interception: the cassette itself (lazily) or an early install. */
  readonly installedBy: 'early' | 'cassette';
  readonly strict: boolean;
}

/**
 * Warns about requests that got no response, and about a recording that captured nothing (with
 * `strict`, that is an {@link EmptyRecordingError} and nothing is written).
 *
 * @example
 * reportRecordingGaps({ name, file, fresh: true, recorded: 0, unanswered: [], threw: false, installedBy: 'cassette', strict: false });
 */
export function reportRecordingGaps(outcome: RecordingOutcome): void {
  const { name, file, unanswered } = outcome;
  if (unanswered.length > 0) {
    const list = unanswered.slice(0, 10).join(', ') + (unanswered.length > 10 ? `, … and ${unanswered.length - 10} more` : '');
    console.warn(
      `reeltape: cassette "${name}" (${file}): ${unanswered.length} recorded request(s) got no response ` +
        `(a network error: refused, reset or timed out) and are not stored: ${list}. In replay such a request is unmatched.`,
    );
  }
  if (!outcome.fresh || outcome.recorded > 0 || unanswered.length > 0 || outcome.threw) return;
  const message = emptyRecordingMessage(name, file, outcome.installedBy, outcome.strict);
  if (outcome.strict) throw new EmptyRecordingError(message, file);
  console.warn(message);
}

/** Why a recording may have captured nothing, and the fix (the likeliest cause first). */
function emptyRecordingMessage(name: string, file: string, installedBy: 'early' | 'cassette', strict: boolean): string {
  const early =
    'install interception before such clients are built: the reeltape Vitest plugin and Jest setup do it, ' +
    "elsewhere `import 'reeltape/register'` first (or `node --import reeltape/register`)";
  const perCall = 'or give the client a fetch that reads the global at call time: `fetch: (...args) => globalThis.fetch(...args)`';
  const cause =
    installedBy === 'cassette'
      ? "reeltape's interception was installed by this cassette, so a client that kept `fetch` or `http.request` " +
        'before that (an SDK client built at module scope: OpenAI, Anthropic, AWS) talked to the network unseen. Fix: ' +
        `${early}, ${perCall}.`
      : 'if the code under test made requests, its client was given a `fetch` or agent captured before interception ' +
        `was installed, or it used a transport reeltape does not see. Fix: ${perCall}.`;
  return (
    `reeltape: cassette "${name}" (${file}) recorded no request. ${cause} ` +
    (strict ? 'Nothing was written (strict).' : 'Set `strict: true` to make this an error.')
  );
}
