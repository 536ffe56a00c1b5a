/**
 * Lists the files of an output directory that match include/exclude globs (picomatch), sorted, `/`-separated.
 */
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { lazyRequire } from '../util/lazy-require.js';

const picomatch = lazyRequire<typeof import('picomatch')>('picomatch');

/**
 * Relative paths (posix separators, sorted) of the regular files under `root` matching `include` and not `exclude`.
 * Symbolic links are followed to decide whether they are files; a dangling link that matches is still listed, so
 * reading it later reports it as unreadable instead of silently dropping it. Resolves `undefined` when `root`
 * does not exist.
 *
 * @example
 * ```ts
 * await listOutputFiles('out', ['**\/*.csv'], ['tmp/**']); // ['a.csv', 'nested/b.csv']
 * ```
 */
export async function listOutputFiles(
  root: string,
  include: readonly string[],
  exclude: readonly string[],
): Promise<string[] | undefined> {
  let entries;
  try {
    entries = await readdir(root, { recursive: true, withFileTypes: true });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  const isIncluded = picomatch()([...include], { dot: true });
  const isExcluded = exclude.length > 0 ? picomatch()([...exclude], { dot: true }) : () => false;
  const out: string[] = [];
  for (const entry of entries) {
    const dir = (entry as { parentPath?: string; path?: string }).parentPath ?? (entry as { path?: string }).path ?? root;
    const abs = path.join(dir, entry.name);
    const rel = path.relative(root, abs).split(path.sep).join('/');
    if (!isIncluded(rel) || isExcluded(rel)) continue;
    if (entry.isFile()) out.push(rel);
    else if (entry.isSymbolicLink()) {
      const target = await stat(abs).catch(() => undefined);
      if (target === undefined || target.isFile()) out.push(rel);
    }
  }
  return out.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}
