import { join } from 'node:path';
import { DEFAULT_SIDE_FILE_THRESHOLD } from '../cassette/storage.js';
import type { CassetteOptions, OnExpired } from './options.js';

/** Options after defaults are applied (`dir` resolved, booleans set). */
export type ResolvedOptions = Required<Pick<CassetteOptions, 'allowRepeats' | 'saveOnError' | 'strict' | 'captureTimeout' | 'sideFileThreshold'>> &
  Omit<CassetteOptions, 'allowRepeats' | 'saveOnError' | 'strict' | 'captureTimeout' | 'sideFileThreshold' | 'dir' | 'onExpired'> & {
    dir: string;
    onExpired: OnExpired;
  };

/**
 * Every reeltape default, in one place. `dir` is computed from the working directory when a
 * cassette opens.
 */
export const DEFAULTS = {
  /** Cassette directory, relative to `process.cwd()`. */
  dir: 'cassettes',
  mode: 'auto',
  allowRepeats: false,
  saveOnError: true,
  onExpired: 'warn',
  strict: false,
  /** ms to wait for response bodies still being captured when `fn` settles. */
  captureTimeout: 5_000,
  /**
   * Bodies larger than this many bytes are streamed to content-addressed side files
   * (`<name>.bodies/<sha256>`) while recording, and streamed from them on replay (1 MiB).
   */
  sideFileThreshold: DEFAULT_SIDE_FILE_THRESHOLD,
  /** A recording lock older than this is stale even if its owner looks alive (ms). */
  lockStaleAfter: 10 * 60_000,
  /** Closest candidates shown in a mismatch error. */
  mismatchCandidates: 3,
  /** Characters of the request body quoted in a mismatch error. */
  bodyExcerptLength: 200,
} as const;

/** Default cassette directory for the current working directory. */
export function defaultDir(): string {
  return join(process.cwd(), DEFAULTS.dir);
}
