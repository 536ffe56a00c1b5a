/**
 * Real temporary directories for tests (under `os.tmpdir()`), removed by {@link removeTempDirs}.
 *
 * @example
 * import { afterEach } from 'vitest';
 * afterEach(removeTempDirs);
 * const dir = await makeTempDir();
 */
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const created: string[] = [];

/** Creates a fresh directory `reeltape-<prefix>-XXXXXX` under the OS temp dir. */
export async function makeTempDir(prefix = 'test'): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), `reeltape-${prefix}-`));
  created.push(dir);
  return dir;
}

/** Removes every directory made by {@link makeTempDir} so far. */
export async function removeTempDirs(): Promise<void> {
  const dirs = created.splice(0);
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
}

/** Lists the files of a directory recursively (relative paths, sorted): handy to assert "no temp file left". */
export async function listFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath ?? e.path, e.name).slice(dir.length + 1))
    .sort();
}
