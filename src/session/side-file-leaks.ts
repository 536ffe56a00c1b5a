import { sideFileReadStream } from '../cassette/side-file-writer.js';
import type { Interaction } from '../cassette/types.js';
import { SecretLeakError, type LeakLocation } from '../errors/index.js';
import { isRedactionMarker, MIN_SECRET_LENGTH, searchableSpellings, SECRET_FORMS } from '../sanitizers/index.js';

interface Needle {
  readonly bytes: Buffer;
  readonly form: LeakLocation['form'];
}

function needlesOf(secrets: Iterable<string>): Needle[] {
  const needles: Needle[] = [];
  const seen = new Set<string>();
  for (const secret of secrets) {
    if (typeof secret !== 'string' || secret.length < MIN_SECRET_LENGTH || isRedactionMarker(secret)) continue;
    for (const spelling of searchableSpellings(secret)) {
      if (seen.has(spelling.text)) continue;
      seen.add(spelling.text);
      needles.push({ bytes: Buffer.from(spelling.text, 'utf8'), form: spelling.form });
    }
  }
  return needles;
}

/** Streams a file and reports in which forms any needle occurs (chunk borders are covered by an overlap). */
async function scanFile(path: string, needles: readonly Needle[]): Promise<Set<LeakLocation['form']>> {
  const found = new Set<LeakLocation['form']>();
  const overlap = Math.max(0, ...needles.map((n) => n.bytes.byteLength)) - 1;
  let tail = Buffer.alloc(0);
  for await (const chunk of sideFileReadStream(path, { highWaterMark: 1024 * 1024 })) {
    const data = tail.byteLength > 0 ? Buffer.concat([tail, chunk as Buffer]) : (chunk as Buffer);
    for (const needle of needles) if (!found.has(needle.form) && data.includes(needle.bytes)) found.add(needle.form);
    if (found.size === SECRET_FORMS.length) break;
    tail = overlap > 0 ? Buffer.from(data.subarray(Math.max(0, data.byteLength - overlap))) : Buffer.alloc(0);
  }
  return found;
}

/**
 * The leak scan for side-file bodies (bodies over `sideFileThreshold`, which bypass the
 * sanitizers' body hooks): streams each one and looks for every known secret, in every spelling
 * and base64 (as `findLeaks` does for the cassette JSON). `first` is the cassette index of
 * `interactions[0]`.
 */
export async function findSideFileLeaks(interactions: readonly Interaction[], secrets: Iterable<string>, first = 0): Promise<LeakLocation[]> {
  const needles = needlesOf(secrets);
  if (needles.length === 0) return [];
  const leaks: LeakLocation[] = [];
  for (const [i, interaction] of interactions.entries()) {
    for (const side of ['request', 'response'] as const) {
      const body = interaction[side].body;
      if (body?.kind !== 'file' || !body.path) continue;
      for (const form of await scanFile(body.path, needles)) leaks.push({ interaction: first + i, path: `${side}.body.file`, form });
    }
  }
  return leaks;
}

/**
 * Refuses to write a cassette whose side-file bodies still contain a known secret.
 *
 * @throws SecretLeakError naming each interaction and side (never the value)
 */
export async function assertNoSideFileLeaks(interactions: readonly Interaction[], secrets: Iterable<string>, file: string, first = 0): Promise<void> {
  const leaks = await findSideFileLeaks(interactions, secrets, first);
  if (leaks.length === 0) return;
  const shown = leaks.slice(0, 10).map((l) => `  - interaction ${l.interaction} at ${l.path} (${l.form})`);
  if (leaks.length > shown.length) shown.push(`  - … and ${leaks.length - shown.length} more`);
  throw new SecretLeakError(
    `Refusing to write cassette ${file}: a known secret is present in ${leaks.length} large body/bodies stored as side files:\n${shown.join('\n')}\n` +
      'Nothing was written. Bodies over `sideFileThreshold` bypass the sanitizers\' body hooks, so they cannot be redacted: ' +
      'raise `sideFileThreshold` above the body size so the body stays in the cassette and is sanitized, or keep the secret out of that response.',
    file,
    leaks,
  );
}
