import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { sideFileDir } from '../cassette/side-files.js';

/**
 * The files ending in `extension` under `dir`, recursively and sorted; hidden files (temps, locks)
 * and `.bodies` side-file folders are skipped. A missing `dir` lists nothing.
 *
 * @example
 * await listFiles('/p/cassettes', '.har') // ['/p/cassettes/a.har', '/p/cassettes/sub/b.har']
 */
export async function listFiles(dir: string, extension: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  const out: string[] = [];
  for (const entry of entries) {
    if (entry.name.startsWith('.')) continue;
    const full = join(dir, entry.name);
    if (entry.isDirectory() && !entry.name.endsWith('.bodies')) out.push(...(await listFiles(full, extension)));
    else if (entry.isFile() && entry.name.endsWith(extension)) out.push(full);
  }
  return out.sort();
}

/**
 * Deletes a cassette file and its side-file folder (`<name>.bodies`), if any.
 *
 * @example
 * await removeWithSideFiles('/p/cassettes/users.json')
 */
export async function removeWithSideFiles(file: string): Promise<void> {
  await rm(file, { force: true });
  await rm(sideFileDir(file), { recursive: true, force: true });
}
