import { Buffer } from 'node:buffer';
import { basename } from 'node:path';

/**
 * What makes a cassette name portable: every file reeltape derives from it (the cassette, its
 * lock, its side-file folder and files, temp files) must fit the file system's limits, and the
 * name must check out on Windows and macOS too. One rule for names given to `withCassette` and for
 * the names the Vitest/Jest adapters make from test titles (which map titles into it first).
 */

/** Names Windows refuses as file names, whatever the extension (`CON`, `nul.txt`, `COM1`…). */
export const WINDOWS_RESERVED = /^(con|prn|aux|nul|com[0-9¹²³]|lpt[0-9¹²³])(\..*)?$/i;
/** Characters invalid in Windows file names (and `:` on macOS), control characters, and `\`. */
const INVALID_CHARACTERS = /[<>:"|?*\\\u0000-\u001f]/;
/** Longest file name (one path segment) most file systems take, in bytes. */
export const MAX_NAME_BYTES = 255;
/** Longest whole path reeltape writes (macOS's PATH_MAX; Linux takes 4096). */
export const MAX_PATH_BYTES = 1024;
/** The longest suffix reeltape adds to a cassette file's name: the lock (`users.json` → `users.json.lock`). */
const LONGEST_SUFFIX = '.lock';
/** The longest path reeltape writes below the side-file folder: a side file is named by its SHA-256. */
const LONGEST_SIDE_FILE = 1 + 64;

/**
 * Why a cassette name is not portable, or `undefined` when it is. `file` is the cassette file the
 * name maps to (its length, and its side files', is checked too).
 *
 * @example
 * portableNameProblem('a:b', '/p/cassettes/a:b.json') // 'segment "a:b" contains ":" …'
 */
export function portableNameProblem(name: string, file: string, bodiesDir: string): string | undefined {
  const segments = name.split('/');
  if (segments[segments.length - 1] === '') return 'ends with "/": name the cassette after its last folder (e.g. "users/list")';
  const inSideFiles = segments.slice(0, -1).find((segment) => segment.endsWith('.bodies'));
  if (inSideFiles !== undefined) return `folder ${JSON.stringify(inSideFiles)} ends in ".bodies", the name of a cassette's side-file folder (reeltape cleans it and skips it when listing cassettes)`;
  for (const segment of segments) {
    const bad = INVALID_CHARACTERS.exec(segment);
    if (bad) {
      const shown = bad[0] < ' ' ? `control character U+${bad[0].charCodeAt(0).toString(16).padStart(4, '0')}` : `"${bad[0]}"`;
      return `segment ${JSON.stringify(segment)} contains ${shown}, which Windows or macOS do not allow in file names (use / only to separate folders)`;
    }
    if (segment === '' || segment === '.' || segment === '..') continue;
    if (/[ .]$/.test(segment)) return `segment ${JSON.stringify(segment)} ends with a dot or a space, which Windows drops (two names would share one file)`;
    if (WINDOWS_RESERVED.test(segment)) return `segment ${JSON.stringify(segment)} is a reserved device name on Windows (CON, PRN, AUX, NUL, COM1-9, LPT1-9)`;
  }
  const last = `${basename(file)}${LONGEST_SUFFIX}`;
  const longest = [...segments.slice(0, -1), last].find((segment) => Buffer.byteLength(segment) > MAX_NAME_BYTES);
  if (longest !== undefined) {
    return `is too long for the file system: ${JSON.stringify(longest.slice(0, 40))}… would be a file name of ${Buffer.byteLength(longest)} bytes (at most ${MAX_NAME_BYTES})`;
  }
  const pathBytes = Math.max(Buffer.byteLength(file) + LONGEST_SUFFIX.length, Buffer.byteLength(bodiesDir) + LONGEST_SIDE_FILE);
  if (pathBytes > MAX_PATH_BYTES) return `is too long: with its side files it would need paths of ${pathBytes} bytes (at most ${MAX_PATH_BYTES})`;
  return undefined;
}
