import type { ReplayCassette } from '../cassette/replay-loader.js';
import type { Cassette } from '../cassette/types.js';

/**
 * What {@link CassetteStore.save} is given besides the cassette.
 *
 * @example
 * await store.save(file, cassette, { sideFileThreshold: 1024 * 1024 });
 */
export interface StoreSaveOptions {
  /** Bodies larger than this many bytes may be kept outside the main file (`withCassette`'s `sideFileThreshold`). */
  sideFileThreshold: number;
}

/**
 * Where and how cassettes are kept: the seam between `withCassette` and the file system. A store
 * gets cassettes that are already sanitized and checked for leaks; it only reads and writes them.
 * Every store runs the contract suite in `test/store/contract.ts`.
 *
 * @example
 * import { withCassette, harStore } from 'reeltape';
 *
 * await withCassette('users', run, { store: harStore() }); // cassettes/users.har
 */
export interface CassetteStore {
  /** Short name for messages and logs, e.g. `json` or `har`. */
  readonly name: string;
  /** File extension of this store's cassettes, with the dot (`.json`, `.har`). */
  readonly extension: string;
  /**
   * The absolute file of cassette `name` under `dir`.
   *
   * @throws ReeltapeConfigError for a name that is empty, absolute, climbs out of `dir` or is not portable
   */
  resolve(dir: string, name: string): string;
  /**
   * Reads and validates a whole cassette; `undefined` when it does not exist.
   *
   * @throws CassetteFormatError naming the file (and the place in it) when it is damaged; the file is left untouched
   */
  load(file: string): Promise<Cassette | undefined>;
  /**
   * Optional: opens a cassette only to replay it, every request read and responses asked for one
   * at a time (a store may leave them in the file until then). Without it, `withCassette` replays
   * what {@link load} gives.
   *
   * @throws CassetteFormatError as {@link load} does (a response read later throws then)
   */
  loadForReplay?(file: string): Promise<ReplayCassette | undefined>;
  /**
   * Writes a cassette atomically: a failed save leaves the previous file byte-identical.
   *
   * @throws CassetteWriteError when the file system refuses the write
   */
  save(file: string, cassette: Cassette, options: StoreSaveOptions): Promise<void>;
  /**
   * Takes the recording lock of a cassette; resolves a release function (idempotent).
   *
   * @throws CassetteLockedError when another recorder holds it
   */
  lock(file: string): Promise<() => Promise<void>>;
  /** The cassette files under `dir` (recursively, sorted), absolute. */
  list(dir: string): Promise<string[]>;
  /** Deletes a cassette and anything stored beside it (side files); nothing happens when it does not exist. */
  remove(file: string): Promise<void>;
}
