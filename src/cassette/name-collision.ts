import { lstat, readdir } from 'node:fs/promises';
import { basename, isAbsolute, join, relative, sep } from 'node:path';
import { ReeltapeConfigError } from '../errors/index.js';
import { sideFileDir } from './side-files.js';

/**
 * Cassette names that would share one file on macOS or Windows: those file systems ignore letter
 * case, and macOS ignores Unicode normalization (NFC `é` and NFD `e` + U+0301 are one name). Two
 * such names work on Linux and break the checkout elsewhere, so a recording that would add one is refused.
 */

/** A name as a case- and normalization-insensitive file system compares it. */
function fold(name: string): string {
  return name.normalize('NFC').toLowerCase();
}

/** Whether `a` and `b` in `dir` are one file (a normalizing file system lists it under its stored spelling). */
async function sameFile(dir: string, a: string, b: string): Promise<boolean> {
  const [x, y] = await Promise.all([lstat(join(dir, a)).catch(() => undefined), lstat(join(dir, b)).catch(() => undefined)]);
  return x !== undefined && y !== undefined && x.ino === y.ino && x.dev === y.dev;
}

/** The entry of `dir` that `name` would collide with, or `undefined`. */
async function collisionIn(dir: string, names: readonly string[]): Promise<string | undefined> {
  const entries = await readdir(dir).catch(() => undefined);
  if (!entries) return undefined; // not there yet: nothing below it to collide with
  const wanted = new Map(names.map((name) => [fold(name), name]));
  for (const entry of entries) {
    const ours = wanted.get(fold(entry));
    if (ours === undefined || ours === entry) continue;
    // the same name in another normalization, listed by a file system that stores one form: no second file
    if (entry.normalize('NFC') === ours.normalize('NFC') && (await sameFile(dir, entry, ours))) continue;
    return entry;
  }
  return undefined;
}

/**
 * Refuses a recording of `file` (under the cassette dir `root`) when a file or folder it would
 * create differs from an existing one only in letter case or Unicode normalization: each folder of
 * the name, the cassette file, its lock and its side-file folder. Files outside `root` are not checked.
 *
 * @throws ReeltapeConfigError naming both spellings
 * @example
 * await assertNoNameCollision('/p/cassettes', '/p/cassettes/Users/list.json') // throws if /p/cassettes/users exists
 */
export async function assertNoNameCollision(root: string, file: string): Promise<void> {
  const rel = relative(root, file);
  if (rel === '' || rel.startsWith('..') || isAbsolute(rel)) return;
  const segments = rel.split(sep);
  let dir = root;
  for (let i = 0; i < segments.length; i++) {
    const segment = segments[i] as string;
    const last = i === segments.length - 1;
    const names = last ? [segment, `${segment}.lock`, basename(sideFileDir(file))] : [segment];
    const other = await collisionIn(dir, names);
    if (other !== undefined) {
      throw new ReeltapeConfigError(
        `Cassette ${file}: ${join(dir, other)} already exists, and the two names differ only in letter case or Unicode form. ` +
          'macOS and Windows keep them as one file, so the repository would not check out there (the code under test did not run). ' +
          'Use the existing spelling, or rename one of them.',
      );
    }
    dir = join(dir, segment);
  }
}
