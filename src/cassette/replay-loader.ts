import { bufferBytes, openCassetteBytes, type CassetteBytes } from './cassette-bytes.js';
import { DeferredResponses, responsesInMemory, type ResponseSource } from './deferred-responses.js';
import { scanLayout, type ScanOptions } from './replay-scan.js';
import { checkSideFiles } from './side-files.js';
import { maxCassetteBytes, parseCassetteBytes, type LoadCassetteOptions } from './storage.js';
import type { RecordedFailure } from './failure.js';
import { CASSETTE_VERSION, type Cassette, type CassetteMeta, type Interaction, type RecordedCall, type RecordedRequest } from './types.js';
import { CassetteValidator } from './validate.js';

/**
 * A cassette opened for replay: every request parsed and validated (matching needs them all),
 * responses asked for one at a time from {@link ReplayCassette.responses}. Large responses of a file
 * in the writer's layout stay in the file until asked for (decision 0005: lower peak memory).
 */
export interface ReplayCassette {
  readonly version: typeof CASSETTE_VERSION;
  readonly meta: CassetteMeta;
  /** Function tape calls (`interceptInput`/`interceptOutput`, `reeltape/pg`), when the cassette has any. */
  readonly calls?: readonly RecordedCall[];
  /** The recorded requests, in order: what the index matches against. */
  readonly requests: readonly RecordedRequest[];
  /** Response `i` answers request `i`. */
  readonly responses: ResponseSource;
  /** Requests that got no response when recorded, by index: how they failed (they have no response `i`). */
  readonly failures: ReadonlyMap<number, RecordedFailure>;
}

function failuresOf(interactions: readonly Interaction[]): Map<number, RecordedFailure> {
  const failures = new Map<number, RecordedFailure>();
  interactions.forEach((interaction, i) => interaction.failure && failures.set(i, interaction.failure));
  return failures;
}

/**
 * A cassette already in memory, as a {@link ReplayCassette}.
 *
 * @example
 * const replay = replayOf(await harStore().load(file));
 */
export function replayOf(cassette: Cassette): ReplayCassette {
  return {
    version: cassette.version,
    meta: cassette.meta,
    ...(cassette.calls ? { calls: cassette.calls } : {}),
    requests: cassette.interactions.map((i) => i.request),
    responses: responsesInMemory(cassette.interactions.map((i) => i.response)),
    failures: failuresOf(cassette.interactions),
  };
}

/**
 * Reads every response of a replay cassette into a plain {@link Cassette} (for modes that compare
 * or rewrite it).
 *
 * @throws CassetteFormatError for the first damaged response
 * @example
 * const cassette = readAllResponses(await loadForReplay(file));
 */
export function readAllResponses(replay: ReplayCassette): Cassette {
  const interactions = replay.requests.map((request, i): Interaction => {
    const failure = replay.failures.get(i);
    return { request, response: replay.responses.response(i), ...(failure ? { failure } : {}) };
  });
  return { version: replay.version, meta: replay.meta, ...(replay.calls ? { calls: [...replay.calls] } : {}), interactions };
}

/**
 * Opens a cassette file for replay; `undefined` when it does not exist. A file in the writer's
 * layout is scanned (large responses left in it, read on first use); any other is parsed whole.
 *
 * @throws CassetteFormatError naming the file and the place of the first problem in the envelope, a request, a parsed response or a side file
 * @example
 * const replay = await loadForReplay('/p/cassettes/users.json');
 */
export async function loadForReplay(file: string, options: LoadCassetteOptions = {}): Promise<ReplayCassette | undefined> {
  const bytes = openCassetteBytes(file, maxCassetteBytes(options));
  if (!bytes) return undefined;
  let replay: ReplayCassette;
  try {
    replay = readReplayCassette(bytes, file) ?? replayOf(parseCassetteBytes(bytes, file));
  } catch (error) {
    bytes.close();
    throw error;
  }
  try {
    await checkSideFiles(file, replay.requests, (i) => replay.responses.parsedAt(i));
  } catch (error) {
    replay.responses.close();
    throw error;
  }
  return replay;
}

/**
 * Reads cassette bytes in the writer's layout (`layout.ts`), leaving large responses in them.
 * `undefined` when they are not in that layout (`bytes` stay open: the caller parses them whole).
 * On success the result owns `bytes` (let go of when every response was read, or at `responses.close()`).
 *
 * @throws CassetteFormatError for an invalid envelope, request or parsed response of a file in the layout
 * @example
 * const replay = readReplayCassette(bufferBytes(Buffer.from(text)), file) ?? replayOf(parseCassette(text, file));
 */
export function readReplayCassette(input: Buffer | CassetteBytes, file: string, options: ScanOptions = {}): ReplayCassette | undefined {
  const bytes = Buffer.isBuffer(input) ? bufferBytes(input) : input;
  const validator = new CassetteValidator(file);
  const responses = new DeferredResponses(bytes, file, validator);
  const requests: RecordedRequest[] = [];
  const failures = new Map<number, RecordedFailure>();
  let envelope: object = {};
  // the first invalid interaction is reported once the whole file is known to be in the layout
  let invalid: { error: unknown } | undefined;
  const inLayout = scanLayout(
    bytes,
    options,
    (root) => void (envelope = root),
    ({ elements, responseStart, responseEnd }) => {
      if (invalid) return;
      try {
        for (let k = 0; k < elements.length; k++) {
          const i = requests.length;
          const start = responseStart[k] as number;
          if (start < 0) {
            const { request, response, failure } = validator.interaction(elements[k], i);
            requests.push(request);
            responses.addParsed(response);
            if (failure) failures.set(i, failure);
          } else {
            requests.push(validator.request((elements[k] as { request: unknown }).request, `interactions[${i}].request`));
            responses.addDeferred(start, responseEnd[k] as number);
          }
        }
      } catch (error) {
        invalid = { error };
      }
    },
  );
  if (!inLayout) return undefined;
  const { meta, calls } = validator.envelope({ ...envelope, interactions: [] });
  if (invalid) throw invalid.error;
  responses.loaded();
  return { version: CASSETTE_VERSION, meta, ...(calls ? { calls } : {}), requests, responses, failures };
}
