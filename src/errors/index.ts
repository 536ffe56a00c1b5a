/**
 * The reeltape error hierarchy. Every error reeltape throws on purpose is a {@link ReeltapeError};
 * each message says what failed, where (file, request or field) and how to fix it.
 */

import { ReeltapeError } from './base.js';

export { ReeltapeError } from './base.js';

/** One recorded request that came close to an unmatched live request, with what differs. */
export interface MismatchCandidate {
  /** Index of the interaction in the cassette. */
  readonly index: number;
  /** `METHOD URL` of the recorded request. */
  readonly request: string;
  /** Human-readable differences, e.g. `query.page: "2" ≠ "3"`. */
  readonly differences: readonly string[];
}

/** Details carried by a {@link CassetteMismatchError}. */
export interface MismatchDetails {
  /** Cassette name as given to `withCassette`. */
  readonly cassette: string;
  /** Absolute path of the cassette file. */
  readonly file: string;
  /** Effective mode when the request arrived. */
  readonly mode: string;
  /** `METHOD URL` of the live request. */
  readonly request: string;
  /** Excerpt of the live request body, if any. */
  readonly bodyExcerpt?: string;
  /** Closest recorded requests, best first. */
  readonly candidates: readonly MismatchCandidate[];
}

/**
 * A live request found no recorded interaction in replay (or its recorded responses were used up).
 * `withCassette` rejects with it even when the client swallowed the network error.
 */
export class CassetteMismatchError extends ReeltapeError {
  /** Structured details: the request, the cassette, the closest candidates. */
  readonly details: MismatchDetails;
  /** Every unmatched request of the run, when there were several (the first is `details`). */
  readonly all: readonly MismatchDetails[];

  /**
   * @param message the full, human-readable explanation
   * @param details structured data for the first unmatched request
   * @param all every unmatched request seen in the run
   */
  constructor(message: string, details: MismatchDetails, all: readonly MismatchDetails[] = [details]) {
    super(message);
    this.name = 'CassetteMismatchError';
    this.details = details;
    this.all = all;
  }
}

/** Replay was asked for (explicitly, or by `auto` with `CI` set) and the cassette file does not exist. */
export class CassetteNotFoundError extends ReeltapeError {
  /** Absolute path of the missing cassette file. */
  readonly file: string;
  /** Cassette name as given to `withCassette`. */
  readonly cassette: string;

  /**
   * @param message explanation including how to record the cassette
   * @param cassette cassette name
   * @param file absolute path that was looked for
   */
  constructor(message: string, cassette: string, file: string) {
    super(message);
    this.name = 'CassetteNotFoundError';
    this.cassette = cassette;
    this.file = file;
  }
}

/** A cassette file (or one of its side files) is not a valid reeltape cassette. The file is left untouched. */
export class CassetteFormatError extends ReeltapeError {
  /** Path of the offending file. */
  readonly file: string;
  /** JSON path inside the file where the problem is (e.g. `interactions[3].response.status`), if known. */
  readonly location: string | undefined;

  /**
   * @param message what is wrong and where
   * @param file path of the offending file
   * @param location JSON path inside the file, if known
   */
  constructor(message: string, file: string, location?: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'CassetteFormatError';
    this.file = file;
    this.location = location;
  }
}

/** Invalid options or environment (unknown mode, unsafe cassette name, bad duration…). */
export class ReeltapeConfigError extends ReeltapeError {
  /** @param message what is invalid and which values are accepted */
  constructor(message: string) {
    super(message);
    this.name = 'ReeltapeConfigError';
  }
}

/** A sanitizer threw while processing an interaction; nothing was written. */
export class SanitizerError extends ReeltapeError {
  /** Name of the sanitizer that threw. */
  readonly sanitizer: string;
  /** Index of the interaction being sanitized (-1 for a live request being matched). */
  readonly interaction: number;

  /**
   * @param message explanation
   * @param sanitizer the sanitizer's name
   * @param interaction interaction index
   */
  constructor(message: string, sanitizer: string, interaction: number, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'SanitizerError';
    this.sanitizer = sanitizer;
    this.interaction = interaction;
  }
}

/** Where a known secret was still found in a cassette about to be written. */
export interface LeakLocation {
  /** Interaction index, or -1 for the cassette's meta. */
  readonly interaction: number;
  /** JSON path inside the interaction, e.g. `response.body.json.token`. */
  readonly path: string;
  /** In which form the secret appeared. */
  readonly form: 'raw' | 'url-encoded' | 'base64' | 'hex' | 'json-escaped';
}

/** The leak scan found a known secret in a cassette about to be written; the write was refused and nothing reached disk. */
export class SecretLeakError extends ReeltapeError {
  /** Target cassette file. */
  readonly file: string;
  /** Every place a secret was found (values are never included). */
  readonly leaks: readonly LeakLocation[];

  /**
   * @param message explanation (never includes the secret itself)
   * @param file the cassette file that was not written
   * @param leaks where the secrets were found
   */
  constructor(message: string, file: string, leaks: readonly LeakLocation[]) {
    super(message);
    this.name = 'SecretLeakError';
    this.file = file;
    this.leaks = leaks;
  }
}

/** Who holds a cassette's recording lock, as its lock file says. */
export interface LockHolder {
  /** Process id of the recorder. */
  readonly pid: number;
  /** Host the recorder runs on. */
  readonly hostname: string;
  /** When it took the lock (ISO-8601). */
  readonly since: string;
}

/**
 * Another recorder holds the recording lock of the same cassette. Thrown before the code under
 * test runs: nothing was recorded and nothing was written.
 *
 * @example
 * try { await withCassette('users', run, { mode: 'record' }) }
 * catch (e) { if (e instanceof CassetteLockedError) console.log(e.lockFile, e.holder?.pid) }
 */
export class CassetteLockedError extends ReeltapeError {
  /** The cassette file being recorded by someone else. */
  readonly file: string;
  /** The lock file (`<file>.lock`). */
  readonly lockFile: string;
  /** The holder, when the lock file could be read. */
  readonly holder: LockHolder | undefined;

  /**
   * @param message explanation, naming the lock owner
   * @param file cassette file
   * @param holder the lock's holder, if known
   */
  constructor(message: string, file: string, holder?: LockHolder) {
    super(message);
    this.name = 'CassetteLockedError';
    this.file = file;
    this.lockFile = `${file}.lock`;
    this.holder = holder;
  }
}

/**
 * Writing a cassette (or its lock or side files) failed on the file system: no permission,
 * read-only file system, disk full or quota exceeded. The previous cassette is kept
 * byte-identical (or there is still none) and no temp or side file of the failed save is left;
 * what this run recorded is lost. `code` is the system error code (`EACCES`, `EROFS`, `ENOSPC`…).
 *
 * @example
 * try { await withCassette('users', run) }
 * catch (e) { if (e instanceof CassetteWriteError) console.log(e.code, e.path, e.kept, e.lost) }
 */
export class CassetteWriteError extends ReeltapeError {
  /** The cassette file. */
  readonly file: string;
  /** The path the failed operation was on (the cassette, its lock, a temp or side file, a directory). */
  readonly path: string;
  /** System error code, e.g. `ENOSPC`. */
  readonly code: string;
  /** What is still on disk, in words (e.g. `the previous cassette, byte-identical`). */
  readonly kept: string;
  /** What is lost, in words (e.g. `the 12 interactions recorded by this run`). */
  readonly lost: string;

  /**
   * @param message what failed, where, what was kept and lost, and how to fix it
   * @param details the file, the failing path, the code, and what was kept and lost
   */
  constructor(
    message: string,
    details: { file: string; path: string; code: string; kept: string; lost: string },
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'CassetteWriteError';
    this.file = details.file;
    this.path = details.path;
    this.code = details.code;
    this.kept = details.kept;
    this.lost = details.lost;
  }
}

/** A cassette is older than `maxAge` and `onExpired` is `'error'`. */
export class CassetteExpiredError extends ReeltapeError {
  /** The expired cassette file. */
  readonly file: string;

  /**
   * @param message explanation with the age and how to re-record
   * @param file cassette file
   */
  constructor(message: string, file: string) {
    super(message);
    this.name = 'CassetteExpiredError';
    this.file = file;
  }
}

/**
 * With `strict: true`, a replayed cassette had recorded interactions that no request used
 * (usually the code under test changed). Without `strict`, the same finding is a warning.
 */
export class UnusedInteractionsError extends ReeltapeError {
  /** The cassette file. */
  readonly file: string;
  /** Indexes of the interactions never requested. */
  readonly unused: readonly number[];

  /**
   * @param message explanation listing the unused interactions and how to fix it
   * @param file cassette file
   * @param unused indexes of the unused interactions
   */
  constructor(message: string, file: string, unused: readonly number[]) {
    super(message);
    this.name = 'UnusedInteractionsError';
    this.file = file;
    this.unused = unused;
  }
}

/**
 * With `strict: true`, a recording cassette captured no request at all; nothing was written. The
 * usual cause is a client that kept the `fetch` (or `http.request`) it found before reeltape's
 * interception was installed, such as an SDK client built at module scope.
 *
 * @example
 * try { await withCassette('users', run, { mode: 'record', strict: true }); }
 * catch (error) { if (error instanceof EmptyRecordingError) console.log(error.file); }
 */
export class EmptyRecordingError extends ReeltapeError {
  /** The cassette file that was not written. */
  readonly file: string;

  /**
   * @param message what happened, the likely cause and the fix
   * @param file cassette file (not written)
   */
  constructor(message: string, file: string) {
    super(message);
    this.name = 'EmptyRecordingError';
    this.file = file;
  }
}

export * from './output-errors.js';
