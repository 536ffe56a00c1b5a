import { existsSync, readdirSync, rmdirSync, rmSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { sideFileDir } from '../../cassette/index.js';
import { resolvesInside } from '../../util/resolves-inside.js';
import { readRunRecord, runRecordPath, writeRunRecord } from '../../adapters/run-report.js';
import { parseCommandArgs } from '../args.js';
import type { Command } from '../command.js';

const USAGE = `Usage: reeltape prune [dir] [--yes] [--dry-run]

Deletes cassettes that no test touched in the last full test run (as recorded by the reeltape
Vitest plugin or Jest reporter in node_modules/.cache/reeltape/last-run.json), with their .bodies/
side-file directories. Asks for confirmation unless --yes is given.

  dir          cassette directory (default: the one the last run scanned)
  --yes, -y    delete without asking (for CI)
  --dry-run    only list what would be deleted
`;

/** Removes now-empty directories from `start` up to (not including) `stop`. */
function removeEmptyParents(start: string, stop: string): void {
  for (let d = start; d.startsWith(stop + path.sep); d = path.dirname(d)) {
    try {
      if (readdirSync(d).length > 0) return;
      rmdirSync(d);
    } catch {
      return;
    }
  }
}

/**
 * `reeltape prune [dir] [--yes] [--dry-run]`: deletes the cassettes the last full run left unused.
 * Exit codes: 0 done (or nothing to do), 1 no run record / not confirmed, 2 bad arguments.
 */
export const pruneCommand: Command = {
  name: 'prune',
  summary: 'delete cassettes no test touched in the last full run',
  usage: USAGE,
  async run(argv, io) {
    const options = { yes: { type: 'boolean', short: 'y' }, 'dry-run': { type: 'boolean' } } as const;
    const { values, positionals } = parseCommandArgs('prune', argv, options, { max: 1, what: 'directory' }, USAGE);
    const record = readRunRecord(io.cwd);
    if (!record) {
      io.stderr(
        `reeltape prune: no run record at ${runRecordPath(io.cwd)}, so it is unknown which cassettes are unused; nothing was deleted.\n` +
          `Run the whole test suite once with the reeltape() Vitest plugin or the 'reeltape/jest' reporter, then prune.\n`,
      );
      return 1;
    }
    const dir = positionals[0] ? path.resolve(io.cwd, positionals[0]) : record.dir;
    if (path.resolve(dir) !== path.resolve(record.dir)) {
      io.stderr(`reeltape prune: the last run scanned ${record.dir}, not ${dir}; run the full suite with that cassette dir first.\n`);
      return 1;
    }
    const listed = record.unused
      .map((rel) => path.resolve(dir, rel))
      .filter((f) => f.startsWith(dir + path.sep) && (f.endsWith('.json') || f.endsWith('.har')) && existsSync(f) && statSync(f).isFile());
    // a folder replaced by a link since the run is not followed out of the cassette dir
    const inside = await Promise.all(listed.map((f) => resolvesInside(dir, f)));
    const files = listed.filter((_, i) => inside[i]);
    if (files.length === 0) {
      io.stdout(`No unused cassettes in ${path.relative(io.cwd, dir) || '.'} (last full run: ${record.finishedAt}).\n`);
      return 0;
    }
    const rel = (f: string): string => path.relative(io.cwd, f).split(path.sep).join('/');
    io.stdout(`Unused cassettes (no test touched them in the last full run, ${record.finishedAt}):\n`);
    for (const f of files) io.stdout(`  ${rel(f)}${existsSync(sideFileDir(f)) ? ` (+ ${rel(sideFileDir(f))}/)` : ''}\n`);
    if (values['dry-run']) {
      io.stdout(`Dry run: nothing deleted.\n`);
      return 0;
    }
    if (!values.yes) {
      const ok = io.confirm ? await io.confirm(`Delete ${files.length} cassette file(s)?`) : false;
      if (!ok) {
        io.stderr(`Nothing deleted. Pass --yes to delete without asking.\n`);
        return 1;
      }
    }
    for (const f of files) {
      rmSync(f, { force: true });
      rmSync(sideFileDir(f), { recursive: true, force: true });
      removeEmptyParents(path.dirname(f), dir);
    }
    const deleted = new Set(files.map((f) => path.relative(dir, f).split(path.sep).join('/')));
    await writeRunRecord(io.cwd, {
      recorded: [],
      replayed: [],
      unusedInteractions: [],
      failed: [],
      partialReason: undefined,
      dir,
      unusedFiles: record.unused.filter((u) => !deleted.has(u)).map((u) => path.resolve(dir, u)),
    }, record.framework);
    io.stdout(`Deleted ${files.length} cassette file(s).\n`);
    return 0;
  },
};
