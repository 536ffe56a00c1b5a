import { createHash } from 'node:crypto';
import { mkdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from './atomic-write.js';
import type { Body } from './types.js';

/**
 * Directory holding a cassette's large bodies: `<cassette without .json>.bodies`.
 *
 * @example
 * sideFileDir('/p/cassettes/users.json') // '/p/cassettes/users.bodies'
 */
export function sideFileDir(cassetteFile: string): string {
  return `${cassetteFile.endsWith('.json') ? cassetteFile.slice(0, -'.json'.length) : cassetteFile}.bodies`;
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
