import { createHash } from 'node:crypto';
import { constants, lstatSync } from 'node:fs';
import { access, mkdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { CassetteFormatError, ReeltapeConfigError } from '../errors/index.js';
import { writeFileAtomic } from './atomic-write.js';
import { asReadRefusal } from './write-failure.js';
import type { Body, RecordedRequest, RecordedResponse } from './types.js';

/**
 * Directory holding a cassette's large bodies: `<cassette without .json>.bodies`.
 *
 * @example
 * sideFileDir('/p/cassettes/users.json') // '/p/cassettes/users.bodies'
 */
export function sideFileDir(cassetteFile: string): string {
  return `${cassetteFile.endsWith('.json') ? cassetteFile.slice(0, -'.json'.length) : cassetteFile}.bodies`;
}

/**
 * Refuses a cassette whose bodies dir is a symbolic link (or not a folder): reeltape writes and
 * deletes side files there and never follows a link to do it outside the cassette dir.
 *
 * @throws ReeltapeConfigError naming the link
 * @example
 * assertOwnSideFileDir('/p/cassettes/users.json') // fine when users.bodies is absent or a real folder
 */
export function assertOwnSideFileDir(cassetteFile: string): void {
  const dir = sideFileDir(cassetteFile);
  let info;
  try {
    info = lstatSync(dir);
  } catch {
    return; // absent (or unreadable: the write reports it)
  }
  if (info.isDirectory()) return;
  const what = info.isSymbolicLink() ? 'a symbolic link' : 'not a folder';
  throw new ReeltapeConfigError(
    `Cassette ${cassetteFile}: its side-file folder ${dir} is ${what}. reeltape writes and deletes side files there and ` +
      'never follows a link out of the cassette dir: replace it with a real folder (or remove it), then record again.',
  );
}

/** Path of the side file holding the body with this SHA-256 (hex) for a cassette. */
export function sideFilePath(cassetteFile: string, sha256: string): string {
  return join(sideFileDir(cassetteFile), sha256);
}

/** Lower-case hex SHA-256 of some bytes. */
export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/**
 * Stores bytes as a content-addressed side file of a cassette (written atomically; skipped when
 * a file with that hash and size already exists) and returns the `file` body pointing to it.
 *
 * @example
 * const body = await writeSideFile('/p/cassettes/big.json', bytes) // { kind: 'file', sha256, size, path }
 */
export async function writeSideFile(cassetteFile: string, bytes: Uint8Array): Promise<Extract<Body, { kind: 'file' }>> {
  const sha256 = sha256Hex(bytes);
  const path = sideFilePath(cassetteFile, sha256);
  const existing = await stat(path).catch(() => undefined);
  if (!existing || existing.size !== bytes.byteLength) {
    await mkdir(sideFileDir(cassetteFile), { recursive: true });
    await writeFileAtomic(path, bytes);
  }
  return { kind: 'file', sha256, size: bytes.byteLength, path };
}

/**
 * The error for a `file` body (at `location` in cassette `cassetteFile`) whose side file is missing
 * (`size` undefined) or holds another number of bytes than recorded; `undefined` when it is in place.
 *
 * @example
 * const problem = sideFileProblem(file, body, 'interactions[2].response.body.file', info?.isFile() ? info.size : undefined)
 * if (problem) throw problem
 */
export function sideFileProblem(
  cassetteFile: string,
  body: Extract<Body, { kind: 'file' }>,
  location: string,
  size: number | undefined,
): CassetteFormatError | undefined {
  if (size === undefined) {
    return new CassetteFormatError(
      `Cassette ${cassetteFile}: ${location} refers to side file ${body.path}, which is missing. ` +
        'Restore it (side files must be committed with the cassette) or delete the cassette and record it again.',
      body.path,
      location,
    );
  }
  if (size === body.size) return undefined;
  return new CassetteFormatError(
    `Cassette ${cassetteFile}: side file ${body.path} has ${size} bytes but ${location} records ${body.size}. ` +
      'Restore the original side file or delete the cassette and record it again.',
    body.path,
    location,
  );
}

/**
 * Checks that every side file the cassette refers to exists with its recorded size: the `file`
 * bodies of `requests` and of the responses already in memory (`responseAt(i)`, `undefined` for one
 * still in the file: it is checked when read). The `stat` calls run in parallel; the first problem in
 * cassette order is reported.
 *
 * @throws CassetteFormatError naming the cassette, the place in it and the side file
 * @throws ReeltapeConfigError when this user may not read a side file
 * @example
 * await checkSideFiles(file, cassette.interactions.map((i) => i.request), (i) => cassette.interactions[i]?.response);
 */
export async function checkSideFiles(
  file: string,
  requests: readonly RecordedRequest[],
  responseAt: (index: number) => RecordedResponse | undefined,
): Promise<void> {
  const found: Array<{ body: Extract<Body, { kind: 'file' }>; location: string }> = [];
  for (let i = 0; i < requests.length; i++) {
    const request = (requests[i] as RecordedRequest).body;
    const response = responseAt(i)?.body ?? null;
    if (request?.kind === 'file') found.push({ body: request, location: `interactions[${i}].request.body.file` });
    if (response?.kind === 'file') found.push({ body: response, location: `interactions[${i}].response.body.file` });
  }
  if (found.length === 0) return;
  const infos = await Promise.all(found.map(({ body }) => stat(body.path).catch(() => undefined)));
  // a side file this user may not read would fail only when replayed, after the code under test ran
  const refusals = await Promise.all(found.map(({ body }) => access(body.path, constants.R_OK).then(() => undefined, (error: unknown) => error)));
  for (let k = 0; k < found.length; k++) {
    const { body, location } = found[k] as (typeof found)[number];
    const refusal = asReadRefusal(refusals[k], file, body.path);
    if (refusal instanceof ReeltapeConfigError) throw refusal;
    const info = infos[k];
    const problem = sideFileProblem(file, body, location, info?.isFile() ? info.size : undefined);
    if (problem) throw problem;
  }
}
