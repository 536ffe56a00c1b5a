import { realpath } from 'node:fs/promises';
import { dirname, sep } from 'node:path';

/**
 * Whether the folder of `file` (its deepest folder that exists), with every link on the way
 * resolved, is `root` or inside it: writing or deleting `file` then stays inside `root`.
 * `true` when `root` does not exist yet (nothing below it can be a link).
 *
 * @example
 * if (!(await resolvesInside('/p/cassettes', '/p/cassettes/sub/x.json'))) throw new Error('sub is a link out');
 */
export async function resolvesInside(root: string, file: string): Promise<boolean> {
  const realRoot = await realpath(root).catch(() => undefined);
  if (realRoot === undefined) return true;
  for (let folder = dirname(file); ; folder = dirname(folder)) {
    const real = await realpath(folder).catch(() => undefined);
    if (real !== undefined) return real === realRoot || real.startsWith(`${realRoot}${sep}`);
    if (dirname(folder) === folder) return true;
  }
}
