import { isUtf8 } from 'node:buffer';
import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';
import { CassetteFormatError } from '../errors/index.js';
import { asReadRefusal } from './write-failure.js';

/**
 * File access for cassette loading: a cassette file opened for positional reads, so the replay
 * loader can scan it through a small window and read deferred responses later from the file it opened.
 */

/** Where a cassette's bytes come from: an open file, or a buffer. */
export interface CassetteBytes {
  /** Length in bytes (the file's size when it was opened). */
  readonly size: number;
  /** Copies up to `length` bytes from `position` into `into` at `at`; returns how many (fewer only at the end). */
  read(into: Buffer, at: number, length: number, position: number): number;
  /** Lets go of the file, if any (idempotent); reading afterwards throws. */
  close(): void;
}

/**
 * Bytes already in memory (nothing to close).
 *
 * @example
 * const bytes = bufferBytes(Buffer.from(serializeCassette(cassette)));
 */
export function bufferBytes(bytes: Buffer): CassetteBytes {
  return {
    size: bytes.length,
    read: (into, at, length, position) => bytes.copy(into, at, position, Math.min(bytes.length, position + length)),
    close: () => undefined,
  };
}

/** Closes the descriptor of file bytes nobody closed (a cassette dropped with responses unread). */
const closeOnCollect = new FinalizationRegistry<number>((fd) => {
  try {
    closeSync(fd);
  } catch {
    // already gone: nothing to release
  }
});

/**
 * The bytes of an open file, read with positional reads (a file renamed over meanwhile does not
 * change them). Owns `fd`: closed by `close()`, or when collected.
 *
 * @example
 * const bytes = fileBytes(openSync(file, 'r'), size);
 */
export function fileBytes(fd: number, size: number): CassetteBytes {
  let open = true;
  const bytes: CassetteBytes = {
    size,
    read(into, at, length, position) {
      if (!open) throw new Error('reeltape: cassette file already closed');
      let total = 0;
      while (total < length) {
        const n = readSync(fd, into, at + total, length - total, position + total);
        if (n === 0) break;
        total += n;
      }
      return total;
    },
    close() {
      if (!open) return;
      open = false;
      closeOnCollect.unregister(bytes);
      closeSync(fd);
    },
  };
  closeOnCollect.register(bytes, fd, bytes);
  return bytes;
}

/**
 * Opens a cassette file (`undefined` when it does not exist, or a part of its folder is a file). Synchronous: the reads are small and
 * many, and a thread-pool round trip each would cost more than the read.
 *
 * @throws CassetteFormatError for a directory, a named pipe or socket, or a file larger than `maxBytes`
 * @throws ReeltapeConfigError when this user may not read it
 * @example
 * const bytes = openCassetteBytes(file, 1024 ** 3);
 */
export function openCassetteBytes(file: string, maxBytes: number): CassetteBytes | undefined {
  let fd: number;
  try {
    // non-blocking: opening a pipe nobody writes to would otherwise wait forever (regular files ignore the flag)
    fd = openSync(file, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined; // ENOTDIR: a part of its folder is a file, so no cassette
    if (code === 'EISDIR') throw notACassetteFile(file);
    throw asReadRefusal(error, file, file);
  }
  try {
    const info = fstatSync(fd);
    if (info.isDirectory()) throw notACassetteFile(file);
    if (info.isFIFO() || info.isSocket()) throw notACassetteFile(file, info.isFIFO() ? 'a named pipe' : 'a socket');
    if (info.isFile()) {
      if (info.size > maxBytes) throw tooLarge(file, info.size, maxBytes, LIMIT);
      return fileBytes(fd, info.size);
    }
    // a device: its size says nothing, read it to the end (at most the limit)
    const all = readAtMost(fd, maxBytes + 1);
    if (all.length > maxBytes) throw tooLarge(file, all.length, maxBytes, LIMIT);
    closeSync(fd);
    return bufferBytes(all);
  } catch (error) {
    closeSync(fd);
    throw error;
  }
}

const LIMIT = 'the limit (option `maxBytes`, or REELTAPE_MAX_CASSETTE_BYTES)';

/** Reads from `fd` until its end or `limit` bytes. */
function readAtMost(fd: number, limit: number): Buffer {
  const chunks: Buffer[] = [];
  let total = 0;
  for (;;) {
    const chunk = Buffer.allocUnsafe(Math.min(64 * 1024, limit - total));
    const n = chunk.length === 0 ? 0 : readSync(fd, chunk, 0, chunk.length, null);
    if (n === 0) break;
    chunks.push(chunk.subarray(0, n));
    total += n;
  }
  return Buffer.concat(chunks, total);
}

/**
 * The error for a cassette larger than a limit (`what` names it); the file was not read.
 *
 * @example
 * throw tooLarge(file, size, limit, 'the longest text this JavaScript engine can parse at once');
 */
export function tooLarge(file: string, size: number, limit: number, what: string): CassetteFormatError {
  return new CassetteFormatError(
    `Cassette ${file} is ${size} bytes, more than ${what} (${limit} bytes); it was not read. ` +
      'Real cassettes are far smaller: check the file (or delete it and record the cassette again), or raise the limit.',
    file,
  );
}

function notACassetteFile(file: string, what = 'a directory'): CassetteFormatError {
  return new CassetteFormatError(`Cassette ${file} is ${what}, not a cassette file. Rename it or pick another cassette name.`, file);
}

/**
 * Reads all of `bytes` into one buffer.
 *
 * @example
 * const text = decodeCassette(readAllBytes(bytes), file);
 */
export function readAllBytes(bytes: CassetteBytes): Buffer {
  const all = Buffer.allocUnsafe(bytes.size);
  const n = bytes.read(all, 0, all.length, 0);
  return n < all.length ? all.subarray(0, n) : all;
}

/**
 * Decodes a whole cassette's bytes (a literal U+FFFD in the file is valid UTF-8 and kept).
 *
 * @throws CassetteFormatError naming the file when they are not valid UTF-8
 * @example
 * const text = decodeCassette(await readFile(file), file);
 */
export function decodeCassette(bytes: Buffer, file: string): string {
  if (!isUtf8(bytes)) {
    throw new CassetteFormatError(`Cassette ${file} is not valid UTF-8 text. Fix the file or delete it and record the cassette again.`, file);
  }
  return bytes.toString('utf8');
}
