import { createCipheriv, createDecipheriv, createHash, randomBytes, type Cipher, type Hash } from 'node:crypto';
import { closeSync, createReadStream, fsyncSync, mkdirSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { pipeline, type Readable } from 'node:stream';
import { join } from 'node:path';
import { assertOwnSideFileDir, sideFileDir } from './side-files.js';
import { asWriteError } from './write-failure.js';

/**
 * Temp side files are encrypted (AES-256-CTR) with a key that exists only in this process's memory
 * and an IV per file, so a temp file left behind by a killed recorder holds nothing readable — not
 * even a secret that was only learned (and redacted) after that body had streamed. The bytes are
 * decrypted when the save moves them into place, after the last leak scan.
 */
const TEMP_KEY = randomBytes(32);
const TEMP_CIPHER = 'aes-256-ctr';
/** The IV of each temp side file of this process. */
const tempIvs = new Map<string, Buffer>();

/**
 * Reads a side file whole: a temp side file of this process is decrypted, any other is read as is.
 *
 * @example
 * const bytes = readSideFileSync(body.path);
 */
export function readSideFileSync(path: string): Uint8Array {
  const bytes = readFileSync(path);
  const iv = tempIvs.get(path);
  if (!iv) return new Uint8Array(bytes);
  const decipher = createDecipheriv(TEMP_CIPHER, TEMP_KEY, iv);
  return new Uint8Array(Buffer.concat([decipher.update(bytes), decipher.final()]));
}

/**
 * Streams a side file: a temp side file of this process is decrypted on the way, any other is read as is.
 *
 * @example
 * for await (const chunk of sideFileReadStream(body.path)) hash.update(chunk);
 */
export function sideFileReadStream(path: string, options: { highWaterMark?: number } = {}): Readable {
  const source = createReadStream(path, options);
  const iv = tempIvs.get(path);
  if (!iv) return source;
  // one pipeline: a reader that gives up (a copy that failed on a full disk) destroys the decipher, which closes the file
  return pipeline(source, createDecipheriv(TEMP_CIPHER, TEMP_KEY, iv), () => undefined);
}

/** Temp files being written by this process (removed on exit if still there). */
const liveTemps = new Set<string>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const path of liveTemps) {
      try {
        unlinkSync(path);
      } catch {
        // already moved into place or removed
      }
    }
  });
}

/** Name pattern of the temp files a recording streams large bodies into (`.rec-<pid>-<random>.tmp`). */
export const SIDE_FILE_TEMP = /^\.rec-(\d+)-[0-9a-f]+\.tmp$/;

/** Whether `path` is a temp side file this process is still writing or holding for a save. */
export function isLiveSideFileTemp(path: string): boolean {
  return liveTemps.has(path);
}

/** Forgets (and deletes, if it still exists) a temp side file of this process. */
export function discardSideFileTemp(path: string): void {
  liveTemps.delete(path);
  tempIvs.delete(path);
  failedTemps.delete(path);
  try {
    unlinkSync(path);
  } catch {
    // gone already
  }
}

/** Temp side files whose writing failed (disk full, permission…), with the error: a save that meets one fails with it. */
const failedTemps = new Map<string, unknown>();

/**
 * The error that stopped writing temp side file `path`, if any (forgotten once asked): the body is
 * incomplete and the recording cannot be saved.
 */
export function takeSideFileFailure(path: string): unknown {
  const error = failedTemps.get(path);
  failedTemps.delete(path);
  return error;
}

/** Marks a temp side file as moved into place (no longer to be deleted on exit). */
export function releaseSideFileTemp(path: string): void {
  liveTemps.delete(path);
  tempIvs.delete(path);
}

/** Whether `path` holds encrypted bytes (a temp side file of this process): moving it into place means decrypting it. */
export function isEncryptedSideFileTemp(path: string): boolean {
  return tempIvs.has(path);
}

/** What a finished {@link SideFileWriter} wrote. */
export interface WrittenSideFile {
  /** Lower-case hex SHA-256 of the bytes. */
  sha256: string;
  /** Number of bytes. */
  size: number;
  /** The temp file holding them (`undefined` when the writer only hashed). */
  path: string | undefined;
}

/**
 * Streams a large body to a temp file in a cassette's bodies dir (encrypted, see `TEMP_KEY`) while hashing it (SHA-256),
 * synchronously per chunk, so no copy of the body is kept in memory and the reader is never
 * outpaced (a slower async writer would let a tee'd response stream buffer the whole body).
 * `saveCassette` later moves the temp file to `<name>.bodies/<sha256>`. With `persist: false` it
 * only hashes (matching a large live request body in replay).
 *
 * @example
 * const writer = new SideFileWriter('/p/cassettes/big.json');
 * for await (const chunk of stream) writer.write(chunk);
 * const { sha256, size, path } = writer.finish();
 */
export class SideFileWriter {
  private readonly hash: Hash = createHash('sha256');
  private cipher: Cipher | undefined;
  private fd: number | undefined;
  private size = 0;
  private result: WrittenSideFile | undefined;
  /** The temp file (`undefined` when only hashing). */
  readonly path: string | undefined;

  /**
   * @param cassetteFile the cassette the body belongs to (the temp file goes into its bodies dir)
   * @param options `persist: false` to hash only
   */
  constructor(
    private readonly cassetteFile: string,
    options: { persist?: boolean } = {},
  ) {
    if (options.persist === false) return;
    assertOwnSideFileDir(cassetteFile);
    const dir = sideFileDir(cassetteFile);
    installExitHook();
    const path = join(dir, `.rec-${process.pid}-${randomBytes(6).toString('hex')}.tmp`);
    try {
      mkdirSync(dir, { recursive: true });
      this.fd = openSync(path, 'wx');
    } catch (error) {
      this.fail(error); // no file was made: nothing to remove, nothing a save could meet
    }
    this.path = path;
    liveTemps.add(path);
    const iv = randomBytes(16);
    tempIvs.set(path, iv);
    this.cipher = createCipheriv(TEMP_CIPHER, TEMP_KEY, iv);
  }

  /**
   * Stops writing and throws `error` (a `CassetteWriteError` for a full disk, a read-only folder…).
   * The partial temp file stays until the save, which fails with the error and removes it (or until
   * the recording is dropped, or the process exits).
   */
  private fail(error: unknown): never {
    if (this.fd !== undefined) {
      try {
        closeSync(this.fd);
      } catch {
        // already closed
      }
      this.fd = undefined;
    }
    if (this.path) failedTemps.set(this.path, error);
    this.result = { sha256: '', size: this.size, path: this.path };
    throw asWriteError(error, {
      file: this.cassetteFile,
      kept: 'the previous cassette, byte-identical (nothing is written after a failed recording)',
      lost: 'this recording: a response body could not be stored (its partial side file was removed)',
    });
  }

  /** Bytes written so far. */
  get bytesWritten(): number {
    return this.size;
  }

  /** Appends a chunk (synchronously). Ignored after {@link finish}. */
  write(chunk: Uint8Array): void {
    if (this.result) return;
    this.hash.update(chunk);
    this.size += chunk.byteLength;
    if (this.fd === undefined || !this.cipher) return;
    try {
      const encrypted = this.cipher.update(chunk); // CTR: as many bytes out as in
      let offset = 0;
      while (offset < encrypted.byteLength) offset += writeSync(this.fd, encrypted, offset);
    } catch (error) {
      this.fail(error);
    }
  }

  /** Flushes the file to disk, closes it and returns its hash, size and path. Idempotent. */
  finish(): WrittenSideFile {
    if (this.result) return this.result;
    if (this.fd !== undefined) {
      try {
        fsyncSync(this.fd);
        closeSync(this.fd);
      } catch (error) {
        this.fail(error);
      }
      this.fd = undefined;
    }
    this.result = { sha256: this.hash.digest('hex'), size: this.size, path: this.path };
    return this.result;
  }

  /** Closes and deletes the temp file. */
  discard(): void {
    if (this.fd !== undefined) {
      try {
        closeSync(this.fd);
      } catch {
        // already closed
      }
      this.fd = undefined;
    }
    if (!this.result) this.result = { sha256: '', size: 0, path: undefined };
    if (this.path) discardSideFileTemp(this.path);
  }
}
