import { readFile, stat } from 'node:fs/promises';
import { isAbsolute, relative, resolve, sep } from 'node:path';
import { CassetteFormatError, ReeltapeConfigError } from '../errors/index.js';
import { writeFileAtomic } from './atomic-write.js';
import { bodyToBytes } from './body-codec.js';
import { parseCassette, serializeCassette } from './format.js';
import { writeSideFile } from './side-files.js';
import type { Body, Cassette } from './types.js';

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Reads and validates a cassette file. Resolves `undefined` when the file does not exist.
 * Every side file a `file` body refers to must exist with the recorded size.
 *
 * @throws CassetteFormatError when the file (or a side file) is not a valid cassette; the file is left untouched
 * @example
 * const cassette = await loadCassette('/p/cassettes/users.json')
 * if (!cassette) console.log('not recorded yet')
 */
export async function loadCassette(file: string): Promise<Cassette | undefined> {
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return undefined;
    if (code === 'EISDIR') {
      throw new CassetteFormatError(`Cassette ${file} is a directory, not a cassette file. Rename it or pick another cassette name.`, file);
    }
    throw error;
  }
  let text: string;
  try {
    text = strictUtf8.decode(bytes);
  } catch (error) {
    throw new CassetteFormatError(
      `Cassette ${file} is not valid UTF-8 text. Fix the file or delete it and record the cassette again.`,
      file,
      undefined,
      { cause: error },
    );
  }
  const cassette = parseCassette(text, file);
  await checkSideFiles(cassette, file);
  return cassette;
}

async function checkSideFiles(cassette: Cassette, file: string): Promise<void> {
  for (const [i, interaction] of cassette.interactions.entries()) {
    for (const side of ['request', 'response'] as const) {
      const body = interaction[side].body;
      if (body?.kind !== 'file') continue;
      const info = await stat(body.path).catch(() => undefined);
      const location = `interactions[${i}].${side}.body.file`;
      if (!info?.isFile()) {
        throw new CassetteFormatError(
          `Cassette ${file}: ${location} refers to side file ${body.path}, which is missing. ` +
            'Restore it (side files must be committed with the cassette) or delete the cassette and record it again.',
          body.path,
          location,
        );
      }
      if (info.size !== body.size) {
        throw new CassetteFormatError(
          `Cassette ${file}: side file ${body.path} has ${info.size} bytes but ${location} records ${body.size}. ` +
            'Restore the original side file or delete the cassette and record it again.',
          body.path,
          location,
        );
      }
    }
  }
}

/** Options of {@link saveCassette}. */
export interface SaveCassetteOptions {
  /** Bodies larger than this many bytes go to content-addressed side files. Default 1 MiB; `Infinity` disables. */
  sideFileThreshold?: number;
}

/**
 * Writes a cassette atomically, moving bodies over `sideFileThreshold` into side files first.
 * Resolves the cassette as written (large bodies replaced by `file` bodies).
 *
 * @example
 * await saveCassette(resolveCassettePath(dir, 'users'), cassette)
 */
export async function saveCassette(file: string, cassette: Cassette, options: SaveCassetteOptions = {}): Promise<Cassette> {
  const threshold = options.sideFileThreshold ?? 1024 * 1024;
  const externalize = async (body: Body | null): Promise<Body | null> => {
    if (body === null || body.kind === 'file') return body;
    const bytes = bodyToBytes(body);
    return bytes.byteLength > threshold ? writeSideFile(file, bytes) : body;
  };
  const interactions = [];
  for (const { request, response } of cassette.interactions) {
    interactions.push({
      request: { ...request, body: await externalize(request.body) },
      response: { ...response, body: await externalize(response.body) },
    });
  }
  const written: Cassette = { ...cassette, interactions };
  await writeFileAtomic(file, serializeCassette(written));
  return written;
}

/**
 * Maps a cassette name to its file: `<dir>/<name>.json` (absolute). A name already ending in
 * `.json` is used as is. Names may contain `/` for sub-folders.
 *
 * @throws ReeltapeConfigError for an empty name, a NUL byte, an absolute name, or one that climbs out of `dir`
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
  return file;
}

/**
 * Whether two cassettes would be written identically, ignoring `meta.recordedAt`, `meta.reeltape`
 * and `meta.node`. Lets a re-record skip the write when the traffic did not change.
 */
export function cassettesEqual(a: Cassette, b: Cassette): boolean {
  const neutral = { reeltape: '', node: '', recordedAt: '' };
  return serializeCassette({ ...a, meta: { ...a.meta, ...neutral } }) === serializeCassette({ ...b, meta: { ...b.meta, ...neutral } });
}
