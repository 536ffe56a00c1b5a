import { constants as bufferConstants } from 'node:buffer';
import { createWriteStream, lstatSync } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { copyFile, readdir, rename, rmdir, stat, unlink } from 'node:fs/promises';
import { dirname, isAbsolute, relative, resolve, sep } from 'node:path';
import { CassetteFormatError, ReeltapeConfigError } from '../errors/index.js';
import { isProcessAlive } from '../util/process-alive.js';
import { removeDeadTemps, tempPath, TEMP_FILE, writeFileAtomic } from './atomic-write.js';
import { bodyByteLength, bodyToBytes } from './body-codec.js';
import { parseCassette, serializeCassette } from './format.js';
import { callToJson } from './calls.js';
import { decodeCassette, openCassetteBytes, readAllBytes, tooLarge, type CassetteBytes } from './cassette-bytes.js';
import { sameCassetteContent } from './same-content.js';
import { discardSideFileTemp, isEncryptedSideFileTemp, isLiveSideFileTemp, releaseSideFileTemp, SIDE_FILE_TEMP, sideFileReadStream, takeSideFileFailure } from './side-file-writer.js';
import { portableNameProblem } from './portable-name.js';
import { assertOwnSideFileDir, checkSideFiles, sha256Hex, sideFileDir, sideFilePath, writeSideFile } from './side-files.js';
import { asWriteError } from './write-failure.js';
import type { Body, Cassette } from './types.js';

/** Options of {@link loadCassette} and `loadForReplay`. */
export interface LoadCassetteOptions {
  /**
   * Largest cassette file read, in bytes (checked before reading; default 1 GiB, or the
   * `REELTAPE_MAX_CASSETTE_BYTES` environment variable). A larger file is a `CassetteFormatError`.
   */
  maxBytes?: number;
}

/** Default {@link LoadCassetteOptions.maxBytes}: 1 GiB, far above real cassettes. */
export const DEFAULT_MAX_CASSETTE_BYTES = 1024 ** 3;

/**
 * The size limit a cassette file is checked against before it is read: `options.maxBytes`, else
 * `REELTAPE_MAX_CASSETTE_BYTES`, else {@link DEFAULT_MAX_CASSETTE_BYTES}.
 *
 * @example
 * if ((await stat(file)).size > maxCassetteBytes()) console.log('too large to read');
 */
export function maxCassetteBytes(options: LoadCassetteOptions = {}): number {
  if (options.maxBytes !== undefined) return options.maxBytes;
  const fromEnv = process.env.REELTAPE_MAX_CASSETTE_BYTES;
  if (fromEnv === undefined || fromEnv === '') return DEFAULT_MAX_CASSETTE_BYTES;
  const value = Number(fromEnv);
  if (!Number.isSafeInteger(value) || value <= 0) {
    throw new ReeltapeConfigError(`REELTAPE_MAX_CASSETTE_BYTES=${JSON.stringify(fromEnv)} is not a positive whole number of bytes (default ${DEFAULT_MAX_CASSETTE_BYTES}).`);
  }
  return value;
}

/**
 * Reads and validates a cassette file, every response included. Resolves `undefined` when the file
 * does not exist. Every side file a `file` body refers to must exist with the recorded size.
 * (`loadForReplay` leaves large responses in the file until they are asked for.)
 *
 * @throws CassetteFormatError when the file (or a side file) is not a valid cassette; the file is left untouched
 * @example
 * const cassette = await loadCassette('/p/cassettes/users.json')
 * if (!cassette) console.log('not recorded yet')
 */
export async function loadCassette(file: string, options: LoadCassetteOptions = {}): Promise<Cassette | undefined> {
  const bytes = openCassetteBytes(file, maxCassetteBytes(options));
  if (!bytes) return undefined;
  const cassette = parseCassetteBytes(bytes, file);
  const { interactions } = cassette;
  await checkSideFiles(file, interactions.map((i) => i.request), (i) => interactions[i]?.response);
  return cassette;
}

/**
 * Parses all of `bytes` as one text and lets go of them.
 *
 * @throws CassetteFormatError for a file longer than a string can be, invalid UTF-8, JSON or schema
 * @example
 * const cassette = parseCassetteBytes(openCassetteBytes(file, maxCassetteBytes())!, file);
 */
export function parseCassetteBytes(bytes: CassetteBytes, file: string): Cassette {
  return parseCassette(cassetteText(bytes, file), file);
}

/**
 * All of `bytes` as one text (strict UTF-8), letting go of them: the one way a whole cassette file
 * (JSON or HAR) becomes a string.
 *
 * @throws CassetteFormatError for a file longer than a string can be (refused before it is read), or invalid UTF-8
 * @example
 * const text = cassetteText(openCassetteBytes(file, maxCassetteBytes())!, file);
 */
export function cassetteText(bytes: CassetteBytes, file: string): string {
  let whole: Buffer;
  try {
    if (bytes.size > bufferConstants.MAX_STRING_LENGTH) throw tooLarge(file, bytes.size, bufferConstants.MAX_STRING_LENGTH, 'the longest text this JavaScript engine can parse at once');
    whole = readAllBytes(bytes);
  } finally {
    bytes.close();
  }
  return decodeCassette(whole, file);
}

/** Options of {@link saveCassette}. */
export interface SaveCassetteOptions {
  /** Bodies larger than this many bytes go to content-addressed side files. Default 1 MiB; `Infinity` disables. */
  sideFileThreshold?: number;
}

/** Default {@link SaveCassetteOptions.sideFileThreshold}: 1 MiB. */
export const DEFAULT_SIDE_FILE_THRESHOLD = 1024 * 1024;

type FileBody = Extract<Body, { kind: 'file' }>;

/** Moves a `file` body's data to `<name>.bodies/<sha256>` (rename; dropped when that file already exists). */
async function placeSideFile(file: string, body: FileBody): Promise<FileBody> {
  const failure = takeSideFileFailure(body.path);
  if (failure !== undefined) throw failure; // the recording could not store this body: it is incomplete
  const target = sideFilePath(file, body.sha256);
  if (body.path === target) return body;
  const existing = await stat(target).catch(() => undefined);
  if (existing?.isFile() && existing.size === body.size) {
    // deduplicated: identical content is already stored
    if (isLiveSideFileTemp(body.path)) discardSideFileTemp(body.path);
  } else if (isEncryptedSideFileTemp(body.path)) {
    // a recording's temp side file is encrypted: decrypted into a temp file beside the target, then renamed
    const temp = tempPath(sideFileDir(file));
    try {
      await pipeline(sideFileReadStream(body.path), createWriteStream(temp, { flags: 'wx' }));
      await rename(temp, target);
    } catch (error) {
      await unlink(temp).catch(() => undefined);
      throw error;
    }
    discardSideFileTemp(body.path);
  } else if (isLiveSideFileTemp(body.path) || dirname(body.path) === sideFileDir(file)) {
    await rename(body.path, target);
    releaseSideFileTemp(body.path);
  } else {
    // a side file of another cassette (e.g. a cassette saved under a new name): copy it, atomically
    const temp = tempPath(sideFileDir(file));
    try {
      await copyFile(body.path, temp);
      await rename(temp, target);
    } catch (error) {
      await unlink(temp).catch(() => undefined);
      throw error;
    }
  }
  return { kind: 'file', sha256: body.sha256, size: body.size, path: target };
}

/**
 * Removes side files of a cassette that it no longer references (after a re-record), temp files
 * left by a recording process that died, and the bodies dir when it ends up empty.
 */
async function pruneSideFiles(file: string, referenced: ReadonlySet<string>): Promise<void> {
  const dir = sideFileDir(file);
  if (!lstatSync(dir, { throwIfNoEntry: false })?.isDirectory()) return; // absent, or a link: never followed
  const names = await readdir(dir).catch(() => undefined);
  if (!names) return;
  let left = names.length;
  for (const name of names) {
    const path = `${dir}${sep}${name}`;
    const temp = SIDE_FILE_TEMP.exec(name) ?? TEMP_FILE.exec(name) ?? /^\.[0-9a-f]{64}\.(\d+)\.[0-9a-f]+\.tmp$/.exec(name);
    const pid = Number(temp?.[1]);
    const stale = temp
      ? !isLiveSideFileTemp(path) && (pid === process.pid || !isProcessAlive(pid))
      : /^[0-9a-f]{64}$/.test(name) && !referenced.has(name);
    if (stale && (await unlink(path).then(() => true, () => false))) left -= 1;
  }
  if (left === 0) await rmdir(dir).catch(() => undefined);
}

/**
 * Writes a cassette atomically together with its side files: first every large body goes to
 * `<name>.bodies/<sha256>` (temp files streamed during recording are renamed into place; bodies
 * over `sideFileThreshold` held in memory are written atomically; identical bodies are stored
 * once), then the cassette JSON (temp + rename). Only after that rename are side files the
 * cassette no longer references removed, along with temp files of dead recorders. A crash at any
 * point leaves the previous cassette and every side file it references intact.
 * Resolves the cassette as written (large bodies replaced by `file` bodies).
 *
 * @throws CassetteWriteError when the file system refuses (permission, read-only, full, quota): the
 *   previous cassette is byte-identical, and no side or temp file of this save is left
 * @throws ReeltapeConfigError when the cassette's `.bodies` folder is a symbolic link (it is never followed)
 * @example
 * await saveCassette(resolveCassettePath(dir, 'users'), cassette)
 */
export async function saveCassette(file: string, cassette: Cassette, options: SaveCassetteOptions = {}): Promise<Cassette> {
  const threshold = options.sideFileThreshold ?? DEFAULT_SIDE_FILE_THRESHOLD;
  assertOwnSideFileDir(file);
  const hadCassette = lstatSync(file, { throwIfNoEntry: false }) !== undefined;
  const sideFilesBefore = await readdir(sideFileDir(file)).catch(() => undefined);
  const referenced = new Set<string>();
  const externalize = async (body: Body | null): Promise<Body | null> => {
    if (body === null) return body;
    let placed: Body;
    if (body.kind === 'file') placed = await placeSideFile(file, body);
    else {
      if (body.kind !== 'binary' && body.kind !== 'text' && body.kind !== 'json') return body;
      if (body.kind === 'binary' ? body.value.byteLength <= threshold : bodyByteLength(body) <= threshold) return body;
      placed = await writeSideFile(file, bodyToBytes(body));
    }
    if (placed.kind === 'file') referenced.add(placed.sha256);
    return placed;
  };
  let written: Cassette;
  try {
    const interactions = [];
    for (const interaction of cassette.interactions) {
      const { request, response } = interaction;
      interactions.push({
        ...interaction, // a recorded failure stays
        request: { ...request, body: await externalize(request.body) },
        response: { ...response, body: await externalize(response.body) },
      });
    }
    written = { ...cassette, interactions };
    await writeFileAtomic(file, serializeCassette(written));
  } catch (error) {
    await undoSideFiles(file, cassette, sideFilesBefore);
    const n = cassette.interactions.length;
    throw asWriteError(error, {
      file,
      kept: hadCassette ? 'the previous cassette, byte-identical, and its side files' : 'nothing (there was no cassette before)',
      lost: `the ${n} interaction${n === 1 ? '' : 's'} of this recording (not written; no temp or side file of it is left)`,
    });
  }
  await pruneSideFiles(file, referenced);
  await removeDeadTemps(dirname(file));
  return written;
}

/**
 * After a failed save: removes the side files it added (those not in `before`), the temp files
 * the recording streamed its bodies into, and the side-file folder when that leaves it empty.
 */
async function undoSideFiles(file: string, cassette: Cassette, before: readonly string[] | undefined): Promise<void> {
  for (const { request, response } of cassette.interactions) {
    for (const body of [request.body, response.body]) if (body?.kind === 'file' && isLiveSideFileTemp(body.path)) discardSideFileTemp(body.path);
  }
  const dir = sideFileDir(file);
  if (!lstatSync(dir, { throwIfNoEntry: false })?.isDirectory()) return;
  const kept = new Set(before ?? []);
  const names = await readdir(dir).catch(() => [] as string[]);
  for (const name of names) {
    if (!kept.has(name) && (/^[0-9a-f]{64}$/.test(name) || TEMP_FILE.test(name))) await unlink(`${dir}${sep}${name}`).catch(() => undefined);
  }
  if (before === undefined) await rmdir(dir).catch(() => undefined);
}

/**
 * Maps a cassette name to its file: `<dir>/<name>.json` (absolute). A name already ending in
 * `.json` is used as is. Names may contain `/` for sub-folders. The name must be portable (see
 * `portable-name.ts`): no `< > : " | ? * \` or control characters, no segment ending in a dot or
 * space, no Windows device name (`CON`, `NUL`, `COM1`…), no trailing `/`, no folder ending in
 * `.bodies`, and short enough that the cassette's lock and side files fit the file system (file
 * names up to 255 bytes, paths up to 1024). (Names differing only in case or Unicode form are
 * refused when recording: `name-collision.ts`.)
 *
 * @throws ReeltapeConfigError for an empty, absolute, climbing (`..`), non-portable or too long name
 * @example
 * resolveCassettePath('/p/cassettes', 'github/users') // '/p/cassettes/github/users.json'
 */
export function resolveCassettePath(dir: string, name: string): string {
  const problem =
    typeof name !== 'string' || name.trim() === ''
      ? 'is empty'
      : name.includes('\0')
        ? 'contains a NUL byte'
        : isAbsolute(name) || /^[A-Za-z]:[\\/]/.test(name) || name.startsWith('\\')
          ? 'is absolute'
          : undefined;
  if (problem) {
    throw new ReeltapeConfigError(
      `Cassette name ${JSON.stringify(name)} ${problem}. Use a relative name such as "users/list"; it is stored under the cassette dir ${dir}.`,
    );
  }
  const root = resolve(dir);
  const file = resolve(root, name.endsWith('.json') ? name : `${name}.json`);
  const rel = relative(root, file);
  if (rel === '' || rel === '..' || rel.startsWith(`..${sep}`) || isAbsolute(rel) || name.split(/[\\/]/).includes('..')) {
    throw new ReeltapeConfigError(
      `Cassette name ${JSON.stringify(name)} uses ".." segments; cassette names must stay inside the cassette dir ${root}. ` +
        'Use a relative name without "..", or change the `dir` option.',
    );
  }
  const notPortable = portableNameProblem(name, file, sideFileDir(file));
  if (notPortable) {
    throw new ReeltapeConfigError(
      `Cassette name ${JSON.stringify(name.length > 80 ? `${name.slice(0, 77)}…` : name)}: ${notPortable}. ` +
        'Cassettes are committed and checked out on every system: use letters, digits, spaces and - _ . ( ) + , = @, with / between folders.',
    );
  }
  return file;
}

/** A body as it compares for equality: large bodies (side files, or in memory over the threshold) by SHA-256. */
function comparableBody(body: Body | null, threshold: number): Body | null {
  if (body === null || body.kind === 'file') return body;
  const size = body.kind === 'binary' ? body.value.byteLength : bodyByteLength(body);
  if (size <= threshold) return body;
  return { kind: 'file', sha256: sha256Hex(bodyToBytes(body)), size, path: '' };
}

/**
 * Whether two cassettes would be written identically, ignoring `meta.recordedAt`, `meta.reeltape`
 * and `meta.node`. Lets a re-record skip the write when the traffic did not change. Large bodies
 * compare by SHA-256, whether they are side files or (over `sideFileThreshold`, default 1 MiB) still in memory.
 *
 * @example
 * if (!cassettesEqual(onDisk, recorded)) await saveCassette(file, recorded)
 */
export function cassettesEqual(a: Cassette, b: Cassette, options: SaveCassetteOptions = {}): boolean {
  const threshold = options.sideFileThreshold ?? DEFAULT_SIDE_FILE_THRESHOLD;
  const neutral = { reeltape: '', node: '', recordedAt: '' };
  const normalize = (c: Cassette): Cassette => ({
    ...c,
    meta: { ...c.meta, ...neutral },
    interactions: c.interactions.map(({ request, response, ...rest }) => ({
      ...rest,
      request: { ...request, body: comparableBody(request.body, threshold) },
      response: { ...response, body: comparableBody(response.body, threshold) },
    })),
  });
  if (a.interactions.length !== b.interactions.length) return false;
  if (JSON.stringify((a.calls ?? []).map(callToJson)) !== JSON.stringify((b.calls ?? []).map(callToJson))) return false;
  const x = normalize(a);
  const y = normalize(b);
  // a structural walk stops at the first difference and builds no text; serializing decides only unusual values
  return sameCassetteContent(x, y) ?? serializeCassette(x) === serializeCassette(y);
}
