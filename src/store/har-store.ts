import { rmdir } from 'node:fs/promises';
import { cassetteText, maxCassetteBytes, resolveCassettePath } from '../cassette/storage.js';
import { openCassetteBytes } from '../cassette/cassette-bytes.js';
import { writeFileAtomic } from '../cassette/atomic-write.js';
import { parseJsonText } from '../cassette/json-text.js';
import { discardSideFileTemp, isLiveSideFileTemp, takeSideFileFailure } from '../cassette/side-file-writer.js';
import { sideFileDir } from '../cassette/side-files.js';
import { asWriteError } from '../cassette/write-failure.js';
import type { Cassette } from '../cassette/types.js';
import { ReeltapeConfigError } from '../errors/index.js';
import { acquireLock } from '../session/lock.js';
import { harToCassette } from './har-read.js';
import { cassetteToHar } from './har-write.js';
import { listFiles, removeWithSideFiles } from './files.js';
import type { CassetteStore } from './types.js';

/**
 * Options of {@link harStore}.
 *
 * @example
 * harStore({ maxInlineBytes: 16 * 1024 * 1024 })
 */
export interface HarStoreOptions {
  /**
   * Largest body (in bytes) that was streamed to a side file while recording (over
   * `sideFileThreshold`) and is still inlined into the HAR as base64. A larger body makes the save
   * fail with a `ReeltapeConfigError` naming the interaction. Default 64 MiB.
   */
  maxInlineBytes?: number;
}

/**
 * Default {@link HarStoreOptions.maxInlineBytes}: 64 MiB.
 *
 * @example
 * harStore({ maxInlineBytes: DEFAULT_HAR_MAX_INLINE_BYTES * 2 })
 */
export const DEFAULT_HAR_MAX_INLINE_BYTES = 64 * 1024 * 1024;

/**
 * Reads a HAR file as text with the checks of `loadCassette` (size limit before reading, the
 * longest string, strict UTF-8); `undefined` when absent.
 *
 * @throws CassetteFormatError when it is a directory, too large or not UTF-8
 */
function readText(file: string): string | undefined {
  const bytes = openCassetteBytes(file, maxCassetteBytes());
  return bytes && cassetteText(bytes, file);
}

/**
 * Parses HAR text (reeltape's, Polly.js's, a browser's) as a cassette.
 *
 * @throws CassetteFormatError naming the file and where (line and column, or the JSON path)
 * @example
 * const cassette = parseHar(await readFile('recording.har', 'utf8'), 'recording.har');
 */
export function parseHar(text: string, file: string): Cassette {
  return harToCassette(parseJsonText(text, file, 'HAR file'), file);
}

/**
 * Renders a cassette as HAR text (2-space indent, trailing newline).
 *
 * @throws ReeltapeConfigError when a side-file body is over `maxInlineBytes`
 * @example
 * await writeFile('users.har', serializeHar(cassette, 'users.har'));
 */
export function serializeHar(cassette: Cassette, file: string, maxInlineBytes: number = DEFAULT_HAR_MAX_INLINE_BYTES): string {
  return `${JSON.stringify(cassetteToHar(cassette, { file, maxInlineBytes }), null, 2)}\n`;
}

/**
 * A store that keeps each cassette as one HAR 1.2 file, `<dir>/<name>.har`, which Chrome
 * DevTools, Playwright's `routeFromHAR` and Polly.js read. Text bodies stay readable, binary ones
 * are base64 (`encoding: "base64"`); reeltape's own data (body kinds, `meta`) sits in `_reeltape`
 * fields. Every body is inline: bodies recorded to side files are inlined as base64 up to
 * `maxInlineBytes`. Saves are atomic (temp file + rename) and get the same sanitized cassette the
 * JSON store gets; the recording lock is the same `<file>.lock`.
 *
 * @example
 * import { withCassette, harStore } from 'reeltape';
 *
 * await withCassette('github/users', async () => {
 *   await fetch('https://api.github.com/users?per_page=2');
 * }, { store: harStore() }); // cassettes/github/users.har
 */
export function harStore(options: HarStoreOptions = {}): CassetteStore {
  const maxInlineBytes = options.maxInlineBytes ?? DEFAULT_HAR_MAX_INLINE_BYTES;
  return {
    name: 'har',
    extension: '.har',
    resolve: (dir, name) => `${resolveCassettePath(dir, name).replace(/\.json$/, '')}.har`,
    load: async (file) => {
      const text = readText(file);
      return text === undefined ? undefined : parseHar(text, file);
    },
    save: async (file, cassette) => {
      const streamed = cassette.interactions.flatMap(({ request, response }) => [request.body, response.body]).flatMap((b) => (b?.kind === 'file' ? [b.path] : []));
      try {
        const calls = cassette.calls?.length ?? 0;
        if (calls > 0) {
          throw new ReeltapeConfigError(
            `Cassette ${file} was not written: harStore() does not store function tape calls (${calls} recorded by interceptInput/interceptOutput or reeltape/pg). Use the default jsonStore() for this cassette.`,
          );
        }
        for (const path of streamed) {
          const failure = takeSideFileFailure(path);
          if (failure !== undefined) throw failure; // the recording could not store this body: it is incomplete
        }
        await writeFileAtomic(file, serializeHar(cassette, file, maxInlineBytes));
      } catch (error) {
        const n = cassette.interactions.length;
        throw asWriteError(error, { file, kept: 'the previous HAR file, byte-identical', lost: `the ${n} interaction${n === 1 ? '' : 's'} of this recording` });
      } finally {
        // bodies streamed to temp files while recording are inline now (or the save failed): drop them
        for (const path of streamed) if (isLiveSideFileTemp(path)) discardSideFileTemp(path);
        await rmdir(sideFileDir(file)).catch(() => undefined);
      }
    },
    lock: (file) => acquireLock(file),
    list: (dir) => listFiles(dir, '.har'),
    remove: removeWithSideFiles,
  };
}
