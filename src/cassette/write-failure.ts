import { CassetteWriteError, ReeltapeConfigError } from '../errors/index.js';

/** File-system failures that mean "this cannot be written here", with their words and fix. */
const WRITE_FAILURES: Readonly<Record<string, { what: string; fix: string }>> = {
  EACCES: { what: 'permission denied', fix: 'Make the cassette folder writable for this user, or choose another `dir`.' },
  EPERM: { what: 'operation not permitted', fix: 'Make the cassette folder writable for this user, or choose another `dir`.' },
  EROFS: { what: 'read-only file system', fix: 'Record on a writable file system (choose another `dir`).' },
  ENOSPC: { what: 'no space left on the device', fix: 'Free some disk space, then record again.' },
  EDQUOT: { what: 'disk quota exceeded', fix: 'Free some space or raise the quota, then record again.' },
  EFBIG: { what: 'file too large for this file system', fix: 'Record to a file system that takes larger files.' },
};

/** What a failed write leaves: the words for {@link CassetteWriteError.kept} and `lost`. */
export interface WriteOutcome {
  /** The cassette file. */
  file: string;
  /** What is still on disk. */
  kept: string;
  /** What is lost. */
  lost: string;
}

/**
 * `error` as a {@link CassetteWriteError} when it is a permission, read-only, full-disk or quota
 * failure; any other error is returned as it is.
 *
 * @example
 * try { await writeFileAtomic(file, text) } catch (e) { throw asWriteError(e, { file, kept: 'the previous cassette', lost: 'this recording' }) }
 */
export function asWriteError(error: unknown, outcome: WriteOutcome): unknown {
  if (error instanceof CassetteWriteError) return error;
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  const failure = code === undefined ? undefined : WRITE_FAILURES[code];
  if (!failure || code === undefined) return error;
  const path = (error as NodeJS.ErrnoException).path ?? outcome.file;
  return new CassetteWriteError(
    `Cassette ${outcome.file} was not written: ${failure.what} (${code}) on ${path}. ` +
      `Kept: ${outcome.kept}. Lost: ${outcome.lost}. ${failure.fix}`,
    { file: outcome.file, path, code, kept: outcome.kept, lost: outcome.lost },
    { cause: error },
  );
}

/**
 * `error` as a {@link ReeltapeConfigError} when it says this user may not read `path` (`EACCES`,
 * `EPERM`); any other error is returned as it is. `file` is the cassette.
 *
 * @example
 * try { openSync(file, 'r') } catch (e) { throw asReadRefusal(e, file, file) }
 */
export function asReadRefusal(error: unknown, file: string, path: string): unknown {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (code !== 'EACCES' && code !== 'EPERM') return error;
  return new ReeltapeConfigError(
    `Cassette ${file}: ${path === file ? 'the file' : `its side file ${path}`} cannot be read by this user (${code}); it was left as it is and the code under test did not run. ` +
      'Make the cassette files readable for the user running the tests (a checkout or a recording made by another user, e.g. root in a container?).',
  );
}
