import { cassettesEqual, deleteHeader } from '../cassette/index.js';
import { CASSETTE_VERSION, type Cassette, type CassetteMeta, type Interaction, type JsonValue, type RecordedCall } from '../cassette/types.js';
import { assertNoLeaks, redactKnownSecrets, sanitizeMeta, type SecretSet } from '../sanitizers/index.js';
import type { Sanitizer } from '../sanitizers/types.js';
import type { CassetteStore } from '../store/index.js';
import type { DebugLog } from './debug-log.js';
import type { EffectiveMode } from './options.js';
import { assertNoCallLeaks, redactCallSecrets, sanitizeCalls } from '../tapes/index.js';
import { assertNoSideFileLeaks } from './side-file-leaks.js';
import { REELTAPE_VERSION } from './version.js';

/**
 * The save policy of a recording: what is written (sanitized, secrets learned late redacted
 * everywhere, refused when a known secret survived), when (also after the code under test threw,
 * with `saveOnError`, the error kept in `meta.error`), and not at all when the traffic did not change.
 */

/** What {@link saveRecording} writes. */
export interface RecordingToSave {
  store: CassetteStore;
  name: string;
  file: string;
  mode: EffectiveMode;
  sanitizer: Sanitizer;
  /** The cassette on disk, every response read (update and re-record compare with it). */
  existing: Cassette | undefined;
  recorded: Interaction[];
  /** Function tape calls recorded (raw), in call order. */
  calls: RecordedCall[];
  /** How many of the first `recorded` are already sanitized (by `prepare`). */
  prepared: number;
  /** Sanitizes one recorded interaction (with `secrets`), given its position among `recorded`. */
  prepare: (interaction: Interaction, position: number) => Interaction;
  secrets: SecretSet;
  incomplete: number[];
  recordedAt: string;
  /** What the code under test threw, if it did. */
  thrown: { error: unknown } | undefined;
  saveOnError: boolean;
  /** Write even when the traffic equals what is on disk (an expired cassette is refreshed). */
  force: boolean;
  sideFileThreshold: number;
  log: DebugLog;
}

/**
 * Saves a recording under the policy above; resolves whether a file was written. When the code
 * under test threw, a failed save is reported beside its error (which stays the one thrown).
 *
 * @throws CassetteWriteError or SecretLeakError when the code under test did not throw
 * @example
 * const written = await saveRecording({ ...recording, thrown: undefined, saveOnError: true });
 */
export async function saveRecording(input: RecordingToSave): Promise<boolean> {
  if (input.thrown && !input.saveOnError) return false;
  let written = false;
  try {
    written = await writeCassette(input);
  } catch (saveError) {
    if (!input.thrown) throw saveError;
    const why = describeError(saveError);
    console.error(`reeltape: cassette "${input.name}" (${input.file}) was not saved after the code under test threw: ${why.name}: ${why.message}`);
  }
  input.log?.(written ? `wrote ${input.file}` : `unchanged, not written: ${input.file}`);
  return written;
}

/**
 * Sanitizes the new interactions (in memory), assembles the cassette, refuses it when a known
 * secret survived, and writes it atomically unless it equals what is on disk. Resolves whether it wrote.
 */
async function writeCassette(input: RecordingToSave): Promise<boolean> {
  const { name, file, sanitizer, existing, prepared, prepare, secrets } = input;
  const base = input.mode === 'update' && existing ? existing.interactions : [];
  const sanitized = input.recorded.map((interaction, i) => (i < prepared ? interaction : prepare(interaction, i)));
  const calls = [...(input.mode === 'update' && existing ? (existing.calls ?? []) : []), ...sanitizeCalls(sanitizer, input.calls, { cassette: name, secrets })];
  const extra: { [key: string]: JsonValue } = { ...(existing && input.mode === 'update' ? (existing.meta.extra ?? {}) : {}) };
  if (input.incomplete.length > 0) extra.incompleteResponses = input.incomplete.map((i) => base.length + i);
  let meta: CassetteMeta = {
    reeltape: REELTAPE_VERSION,
    node: process.version,
    recordedAt: input.recordedAt,
    ...(input.thrown ? { error: describeError(input.thrown.error) } : {}),
    ...(Object.keys(extra).length > 0 ? { extra } : {}),
  };
  meta = sanitizeMeta(sanitizer, meta, { cassette: name, secrets });
  // a secret learned late (a token first seen in a later response) is replaced where it appeared earlier too
  const cassette = redactKnownSecrets({ version: CASSETTE_VERSION, meta, interactions: [...base, ...sanitized] }, secrets);
  if (calls.length > 0) cassette.calls = redactCallSecrets(calls, secrets);
  assertNoLeaks(cassette, secrets.values(), file);
  assertNoCallLeaks(cassette.calls ?? [], secrets.values(), file);
  // large bodies bypass the body hooks: their side files are scanned for the known secrets too
  await assertNoSideFileLeaks(cassette.interactions.slice(base.length), secrets.values(), file, base.length);
  if (existing && !input.force && sameTraffic(existing, cassette, input.sideFileThreshold)) return false;
  await input.store.save(file, cassette, { sideFileThreshold: input.sideFileThreshold });
  return true;
}

/**
 * An error as `meta.error` keeps it (name and the first 1,000 characters of the message).
 *
 * @example
 * describeError(new TypeError('boom')) // { name: 'TypeError', message: 'boom' }
 */
export function describeError(error: unknown): { name: string; message: string } {
  return error instanceof Error ? { name: error.name, message: error.message.slice(0, 1000) } : { name: 'NonError', message: String(error).slice(0, 1000) };
}

/** Response headers that change on every request without the traffic changing (`date`). */
const VOLATILE_RESPONSE_HEADERS = ['date'];

function withoutVolatileHeaders(cassette: Cassette): Cassette {
  return {
    ...cassette,
    interactions: cassette.interactions.map((interaction) => {
      const headers = { ...interaction.response.headers };
      for (const name of VOLATILE_RESPONSE_HEADERS) deleteHeader(headers, name);
      return { ...interaction, response: { ...interaction.response, headers } };
    }),
  };
}

/**
 * Whether a new recording equals the cassette on disk, ignoring `meta` times/versions and the
 * response `date` header, so re-recording unchanged traffic leaves the file (and git) untouched.
 */
function sameTraffic(existing: Cassette, next: Cassette, sideFileThreshold: number): boolean {
  return cassettesEqual(withoutVolatileHeaders(existing), withoutVolatileHeaders(next), { sideFileThreshold });
}
