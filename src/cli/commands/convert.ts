import { existsSync } from 'node:fs';
import { extname, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { writeFileAtomic } from '../../cassette/atomic-write.js';
import { loadCassette, saveCassette } from '../../cassette/storage.js';
import type { Cassette } from '../../cassette/types.js';
import { ReeltapeConfigError } from '../../errors/index.js';
import { harStore, serializeHar } from '../../store/har-store.js';
import type { Command } from '../command.js';

const USAGE = `Usage: reeltape convert <in> <out> [--force]

Converts a cassette between reeltape JSON (.json) and HAR 1.2 (.har), chosen by extension, in
either direction. A .har input may be any HAR: reeltape's own, a Polly.js recording.har (its
entries replay in recorded order), or a browser's export. Large JSON bodies go to <out>.bodies/
side files; in a HAR every body is inline (text readable, binary as base64).
The cassette is converted as it is: no sanitizer runs. Run \`reeltape audit <out>\` afterwards.

  --force, -f   overwrite <out> if it exists
`;

type Kind = 'json' | 'har';

function kindOf(file: string, role: string): Kind {
  const ext = extname(file).toLowerCase();
  if (ext === '.json') return 'json';
  if (ext === '.har') return 'har';
  throw new ReeltapeConfigError(`${role} ${file} must end in .json (reeltape cassette) or .har (HAR 1.2), got "${ext || 'no extension'}".`);
}

async function read(file: string, kind: Kind): Promise<Cassette> {
  const cassette = kind === 'json' ? await loadCassette(file) : await harStore().load(file);
  if (!cassette) throw new ReeltapeConfigError(`Input ${file} does not exist.`);
  return cassette;
}

/**
 * `reeltape convert <in> <out> [--force]`: reeltape JSON ↔ HAR by extension, and Polly.js
 * `recording.har` → reeltape JSON. Exit codes: 0 converted, 1 `<out>` exists (no `--force`), 2 bad
 * arguments or an unreadable input.
 *
 * @example
 * // reeltape convert recordings/users_123/recording.har cassettes/users.json
 * await convertCommand.run(['recording.har', 'users.json'], processIO());
 */
export const convertCommand: Command = {
  name: 'convert',
  summary: 'convert a cassette between reeltape JSON and HAR (also imports Polly.js recordings)',
  usage: USAGE,
  async run(argv, io) {
    const { values, positionals } = parseArgs({ args: argv, allowPositionals: true, strict: true, options: { force: { type: 'boolean', short: 'f' } } });
    if (positionals.length !== 2) {
      io.stderr(`reeltape convert: expected <in> and <out>, got ${positionals.length} argument(s)\n${USAGE}`);
      return 2;
    }
    const [input, output] = positionals.map((p) => resolve(io.cwd, p)) as [string, string];
    const from = kindOf(input, 'Input');
    const to = kindOf(output, 'Output');
    if (input === output) throw new ReeltapeConfigError(`Input and output are the same file (${input}).`);
    if (existsSync(output) && !values.force) {
      io.stderr(`reeltape convert: ${output} exists; pass --force to overwrite it.\n`);
      return 1;
    }
    const cassette = await read(input, from);
    if (to === 'json') await saveCassette(output, cassette);
    else await writeFileAtomic(output, serializeHar(cassette, output));
    const n = cassette.interactions.length;
    io.stdout(`Converted ${input} (${from}) → ${output} (${to}): ${n} interaction${n === 1 ? '' : 's'}.\n`);
    return 0;
  },
};
