import { createHash } from 'node:crypto';
import * as path from 'node:path';
import { WINDOWS_RESERVED } from '../cassette/portable-name.js';

/** Longest a single path segment may be before it is cut (a hash keeps it unique). */
const MAX_SEGMENT = 80;

/** Characters kept as they are in a cassette path segment; everything else becomes `-`. */
const UNSAFE = /[^A-Za-z0-9 ._()+,=@-]+/g;


function shortHash(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 6);
}

/**
 * Makes one title file-safe. Characters outside `A-Z a-z 0-9 space . _ ( ) + , = @ -` become `-`,
 * runs of whitespace collapse, leading/trailing dots and spaces go. When anything was lost
 * (a replaced character, a cut, a reserved name, a title ending in `.bodies`) a 6-hex hash of the original title is appended,
 * so two titles that sanitize alike (`a/b`, `a:b`) never share a cassette — and the result
 * depends only on the title, never on which other tests ran. The result is a portable name
 * segment (the rule `withCassette` checks every name against, see `cassette/portable-name.ts`).
 *
 * @example
 * safeSegment('fetches a user') // 'fetches a user'
 * safeSegment('GET /users/:id') // 'GET -users-id-3f2a1c'
 */
export function safeSegment(title: string): string {
  let safe = title.replace(UNSAFE, '-').replace(/\s+/g, ' ').replace(/^[ .]+|[ .]+$/g, '');
  let lossy = safe !== title.replace(/\s+/g, ' ').trim();
  if (safe.length > MAX_SEGMENT) {
    safe = safe.slice(0, MAX_SEGMENT).replace(/[ .]+$/, '');
    lossy = true;
  }
  if (safe.endsWith('.bodies')) lossy = true; // a folder named so is a cassette's side-file folder: the hash renames it
  if (safe === '' || WINDOWS_RESERVED.test(safe)) {
    safe = safe === '' ? '_' : `_${safe}`;
    lossy = true;
  }
  return lossy ? `${safe}-${shortHash(title)}` : safe;
}

/**
 * The cassette name of a test: the test file's path relative to `root` without its extension,
 * then each describe title, then the test title, each segment made file-safe by {@link safeSegment}.
 * The result is a relative, `/`-separated name for `withCassette` (which adds `.json`).
 *
 * @param testFile absolute path of the test file
 * @param root project root (Vitest `config.root`, Jest `rootDir`, or the working directory)
 * @param titles describe titles from outermost to innermost, then the test title
 * @example
 * cassetteNameFor('/repo/test/users.test.ts', '/repo', ['users', 'lists users'])
 * // 'test/users.test/users/lists users'
 */
export function cassetteNameFor(testFile: string, root: string, titles: readonly string[]): string {
  let relative = path.relative(root, testFile);
  if (relative.startsWith('..') || path.isAbsolute(relative)) relative = path.basename(testFile);
  const parsed = path.parse(relative);
  const fileSegments = [...parsed.dir.split(path.sep).filter(Boolean), parsed.name].map(safeSegment);
  return [...fileSegments, ...titles.map(safeSegment)].join('/');
}

/**
 * The cassette names of every test of one file, in declaration order: {@link cassetteNameFor} of
 * each, except that a test whose name an earlier test of the file already took (same titles, or
 * titles differing only in case, which share a file on macOS and Windows) gets ` (2)`, ` (3)`…
 * appended, so two tests never share a cassette. Declaration order decides, not which tests ran:
 * a filtered run names every test the same.
 *
 * @param tests each test's titles (describe titles outermost first, then the test title), in declaration order
 * @example
 * cassetteNamesFor('/repo/a.test.ts', '/repo', [['t'], ['t']]) // ['a.test/t', 'a.test/t (2)']
 */
export function cassetteNamesFor(testFile: string, root: string, tests: ReadonlyArray<readonly string[]>): string[] {
  const taken = new Set<string>();
  return tests.map((titles) => {
    const base = cassetteNameFor(testFile, root, titles);
    let name = base;
    for (let n = 2; taken.has(name.toLowerCase()); n++) name = `${base} (${n})`;
    taken.add(name.toLowerCase());
    return name;
  });
}
