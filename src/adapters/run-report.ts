import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { resolveCassettePath, writeFileAtomic } from '../cassette/index.js';
import type { RunEvent } from './run-events.js';

/** What the adapters leave behind after a full run, read by `reeltape prune`. */
export interface RunRecord {
  /** Record format version. */
  version: 1;
  /** `vitest` or `jest`. */
  framework: string;
  /** ISO-8601 end of the run. */
  finishedAt: string;
  /** Absolute cassette directory that was scanned. */
  dir: string;
  /** Cassette files (relative to `dir`, `/`-separated) that no test touched in that run. */
  unused: string[];
}

/** Everything the end-of-run report says. */
export interface RunSummary {
  /** Cassettes written in this run. */
  recorded: RunEvent[];
  /** Cassettes answered from disk. */
  replayed: RunEvent[];
  /** Replayed cassettes with recorded interactions nobody requested. */
  unusedInteractions: RunEvent[];
  /** Cassettes that closed with an error. */
  failed: RunEvent[];
  /** Absolute cassette files no test touched; `undefined` when the run was partial. */
  unusedFiles: string[] | undefined;
  /** Why unused files were not computed (file filter, `--shard`, `-t`…), when partial. */
  partialReason: string | undefined;
  /** Cassette directory scanned. */
  dir: string;
}

/** `<root>/node_modules/.cache/reeltape/last-run.json`: per machine, never committed. */
export function runRecordPath(root: string): string {
  return path.join(root, 'node_modules', '.cache', 'reeltape', 'last-run.json');
}

/**
 * Every cassette file under `dir` (absolute paths, sorted): `*.json` and `*.har`, skipping dot-files, lock and
 * temp files and `.bodies/` side-file directories.
 */
export function listCassetteFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    let entries;
    try {
      entries = readdirSync(d, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      if (e.name.startsWith('.')) continue;
      const full = path.join(d, e.name);
      if (e.isDirectory()) {
        if (!e.name.endsWith('.bodies')) walk(full);
      } else if (e.isFile() && (e.name.endsWith('.json') || e.name.endsWith('.har'))) out.push(full);
    }
  };
  walk(dir);
  return out.sort();
}

/**
 * Builds the end-of-run summary.
 *
 * @param input.events what every test's cassette did
 * @param input.dir the project's cassette directory (absolute)
 * @param input.partialReason set when the run did not include every test; unused files are then not computed
 * @param input.keepNames cassette names of tests that were skipped/todo (their cassettes are not "unused")
 */
export function summarizeRun(input: {
  events: readonly RunEvent[];
  dir: string;
  partialReason?: string | undefined;
  keepNames?: readonly string[];
}): RunSummary {
  const byFile = new Map<string, RunEvent>();
  for (const e of input.events) byFile.set(e.file, e);
  const events = [...byFile.values()].sort((a, b) => a.file.localeCompare(b.file));
  let unusedFiles: string[] | undefined;
  if (!input.partialReason) {
    const touched = new Set(events.map((e) => path.resolve(e.file)));
    for (const name of input.keepNames ?? []) {
      try {
        touched.add(path.resolve(resolveCassettePath(input.dir, name)));
      } catch {
        // a name that cannot be a cassette keeps nothing
      }
    }
    unusedFiles = listCassetteFiles(input.dir).filter((f) => !touched.has(path.resolve(f)));
  }
  return {
    recorded: events.filter((e) => e.mode === 'record' || (e.mode === 'update' && e.recorded > 0)),
    replayed: events.filter((e) => e.mode === 'replay' || (e.mode === 'update' && e.recorded === 0)),
    unusedInteractions: events.filter((e) => (e.unused.length > 0 || (e.unusedCalls?.length ?? 0) > 0) && e.mode !== 'record'),
    failed: events.filter((e) => e.error),
    unusedFiles,
    partialReason: input.partialReason,
    dir: input.dir,
  };
}

/**
 * Formats the summary printed at the end of a run. `full` lists every replayed cassette too;
 * otherwise replayed cassettes are only counted.
 */
export function formatRunReport(summary: RunSummary, root: string, options: { full?: boolean } = {}): string {
  const rel = (f: string): string => path.relative(root, f).split(path.sep).join('/');
  const lines: string[] = [];
  const unusedCount = summary.unusedFiles ? `, ${summary.unusedFiles.length} unused` : '';
  lines.push(`reeltape: ${summary.recorded.length} recorded, ${summary.replayed.length} replayed${unusedCount}`);
  for (const e of summary.recorded) lines.push(`  recorded  ${rel(e.file)} (${e.recorded} interaction${e.recorded === 1 ? '' : 's'})`);
  if (options.full) for (const e of summary.replayed) lines.push(`  replayed  ${rel(e.file)}`);
  for (const e of summary.unusedInteractions) {
    if (e.unusedCalls?.length) lines.push(`  warning   ${rel(e.file)}: ${e.unusedCalls.length} recorded function call(s) never made (${e.unusedCalls.slice(0, 5).join(', ')}${e.unusedCalls.length > 5 ? ', …' : ''}) — re-record with REELTAPE_MODE=record`);
    if (e.unused.length === 0) continue;
    lines.push(`  warning   ${rel(e.file)}: ${e.unused.length} recorded interaction(s) never requested (#${e.unused.join(', #')}) — the code under test may have changed; re-record with REELTAPE_MODE=record`);
  }
  for (const e of summary.failed) lines.push(`  failed    ${rel(e.file)}: ${e.error?.name ?? 'Error'}`);
  if (summary.unusedFiles) {
    for (const f of summary.unusedFiles) lines.push(`  unused    ${rel(f)}`);
    if (summary.unusedFiles.length > 0) lines.push(`  No test touched the unused cassettes above; delete them with: npx reeltape prune`);
  } else {
    lines.push(`  (unused cassettes not listed: ${summary.partialReason ?? 'partial run'} — only a full run can tell)`);
  }
  return `${lines.join('\n')}\n`;
}

/** Writes the run record `reeltape prune` reads (only after a full run). */
export async function writeRunRecord(root: string, summary: RunSummary, framework: string): Promise<void> {
  if (!summary.unusedFiles) return;
  const record: RunRecord = {
    version: 1,
    framework,
    finishedAt: new Date().toISOString(),
    dir: summary.dir,
    unused: summary.unusedFiles.map((f) => path.relative(summary.dir, f).split(path.sep).join('/')),
  };
  const file = runRecordPath(root);
  mkdirSync(path.dirname(file), { recursive: true });
  await writeFileAtomic(file, `${JSON.stringify(record, null, 2)}\n`);
}

/** Reads the last run record, or `undefined` when there is none (or it is unreadable). */
export function readRunRecord(root: string): RunRecord | undefined {
  try {
    const parsed = JSON.parse(readFileSync(runRecordPath(root), 'utf8')) as Partial<RunRecord>;
    if (parsed.version !== 1 || typeof parsed.dir !== 'string' || !Array.isArray(parsed.unused)) return undefined;
    return parsed as RunRecord;
  } catch {
    return undefined;
  }
}
