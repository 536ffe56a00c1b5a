import { readdir, stat } from 'node:fs/promises';
import { relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { bodyByteLength } from '../../cassette/body-codec.js';
import { loadCassette } from '../../cassette/storage.js';
import { summarizeCalls } from '../../cassette/calls.js';
import { harStore } from '../../store/index.js';
import type { Body } from '../../cassette/types.js';
import { CassetteFormatError } from '../../errors/index.js';
import { summarizeStreamsAndFailures, type StreamsAndFailures } from '../../cassette/streams-summary.js';
import type { CliIO, Command } from '../command.js';

/** What `reeltape info --json` prints for one readable cassette. */
export interface CassetteInfo {
  file: string;
  ok: true;
  interactions: number;
  recordedAt: string;
  /** Age in whole seconds at the time of the report. */
  ageSeconds: number;
  reeltape: string;
  node: string;
  hosts: string[];
  /** Interaction count per method. */
  methods: Record<string, number>;
  /** Total decoded body bytes, requests and responses. */
  bodyBytes: number;
  /** Distinct side files and their total size. */
  sideFiles: { count: number; bytes: number };
  error?: { name: string; message: string };
  /** Function tape calls (`interceptInput`/`interceptOutput`, `reeltape/pg`): total, and count per `kind alias`. */
  calls?: { count: number; aliases: Record<string, number> };
  /** Streamed responses stored with their chunks (only when there are any). */
  streams?: StreamsAndFailures['streams'];
  /** Recorded failures and their codes (only when there are any). */
  failures?: StreamsAndFailures['failures'];
}

/** What `reeltape info --json` prints for a file that could not be read as a cassette. */
export interface CassetteInfoProblem {
  file: string;
  ok: false;
  reason: string;
}

const USAGE = `Usage: reeltape info [--json] [dir|file…]

Summarizes cassettes: interactions, recording time and age, reeltape/Node versions, hosts, methods,
body bytes, side files, function tape calls, a recorded error, streamed responses (chunk counts) and recorded
failures (codes). Directories are searched recursively for *.json and *.har
(default: ./cassettes). Corrupt cassettes are listed with the reason and make the exit code 1.

Options:
  --json   print a JSON array (one object per cassette) instead of text
`;

/** Finds cassette files under a path (a file is taken as is; `*.bodies` side-file folders are skipped). */
async function findCassettes(path: string): Promise<string[]> {
  const info = await stat(path);
  if (!info.isDirectory()) return [path];
  const out: string[] = [];
  const entries = await readdir(path, { withFileTypes: true });
  for (const entry of entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    const full = resolve(path, entry.name);
    if (entry.isDirectory()) {
      if (!entry.name.endsWith('.bodies') && entry.name !== 'node_modules') out.push(...(await findCassettes(full)));
    } else if ((entry.name.endsWith('.json') || entry.name.endsWith('.har')) && !entry.name.startsWith('.')) out.push(full);
  }
  return out;
}

/** Reads one cassette and summarizes it; a file that cannot be read or summarized is a problem, never a crash. */
export async function describeCassette(file: string, now = Date.now()): Promise<CassetteInfo | CassetteInfoProblem> {
  try {
    return await summarize(file, now);
  } catch (error) {
    if (error instanceof CassetteFormatError) return { file, ok: false, reason: error.message };
    return { file, ok: false, reason: error instanceof Error ? `${error.name}: ${error.message}` : String(error) };
  }
}

async function summarize(file: string, now: number): Promise<CassetteInfo | CassetteInfoProblem> {
  // a `.har` cassette (harStore, or one `reeltape convert` wrote) is read by the HAR store
  const cassette = file.endsWith('.har') ? await harStore().load(file) : await loadCassette(file);
  if (!cassette) return { file, ok: false, reason: 'file not found' };
  const hosts = new Set<string>();
  const methods: Record<string, number> = {};
  const sides = new Map<string, number>();
  let bodyBytes = 0;
  const count = (body: Body | null) => {
    bodyBytes += bodyByteLength(body);
    if (body?.kind === 'file') sides.set(body.sha256, body.size);
  };
  for (const { request, response } of cassette.interactions) {
    try {
      hosts.add(new URL(request.url).host);
    } catch {
      hosts.add(request.url);
    }
    const method = request.method.toUpperCase();
    methods[method] = (methods[method] ?? 0) + 1;
    count(request.body);
    count(response.body);
  }
  const recorded = Date.parse(cassette.meta.recordedAt);
  const result: CassetteInfo = {
    file,
    ok: true,
    interactions: cassette.interactions.length,
    recordedAt: cassette.meta.recordedAt,
    ageSeconds: Math.max(0, Math.floor((now - recorded) / 1000)),
    reeltape: cassette.meta.reeltape,
    node: cassette.meta.node,
    hosts: [...hosts].sort(),
    methods: Object.fromEntries(Object.entries(methods).sort(([a], [b]) => (a < b ? -1 : 1))),
    bodyBytes,
    sideFiles: { count: sides.size, bytes: [...sides.values()].reduce((a, b) => a + b, 0) },
  };
  if (cassette.meta.error) result.error = cassette.meta.error;
  if (cassette.calls && cassette.calls.length > 0) result.calls = summarizeCalls(cassette.calls);
  const { streams, failures } = summarizeStreamsAndFailures(cassette.interactions);
  if (streams.responses > 0) result.streams = streams;
  if (failures.count > 0) result.failures = failures;
  return result;
}

/** Human age: `45s`, `12m`, `3h 5m`, `4d 2h`. */
export function formatAge(seconds: number): string {
  if (seconds < 60) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes}m`;
  const hours = Math.floor(minutes / 60);
  if (hours < 24) return `${hours}h ${minutes % 60}m`;
  return `${Math.floor(hours / 24)}d ${hours % 24}h`;
}

function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

function printText(results: Array<CassetteInfo | CassetteInfoProblem>, io: CliIO): void {
  for (const r of results) {
    const name = relative(io.cwd, r.file) || r.file;
    if (!r.ok) {
      io.stdout(`${name}\n  CORRUPT: ${r.reason}\n`);
      continue;
    }
    const lines = [
      `${name}`,
      `  interactions: ${r.interactions}`,
      `  recorded:     ${r.recordedAt} (${formatAge(r.ageSeconds)} ago)`,
      `  versions:     reeltape ${r.reeltape}, node ${r.node}`,
      `  hosts:        ${r.hosts.join(', ') || '-'}`,
      `  methods:      ${Object.entries(r.methods).map(([m, n]) => `${m} ×${n}`).join(', ') || '-'}`,
      `  body bytes:   ${formatBytes(r.bodyBytes)}`,
      `  side files:   ${r.sideFiles.count}${r.sideFiles.count ? ` (${formatBytes(r.sideFiles.bytes)})` : ''}`,
    ];
    if (r.calls) lines.push(`  calls:        ${r.calls.count} (${Object.entries(r.calls.aliases).map(([a, n]) => `${a} ×${n}`).join(', ')})`);
    if (r.error) lines.push(`  error:        ${r.error.name}: ${r.error.message}`);
    if (r.streams) lines.push(`  streamed:     ${r.streams.responses} response${r.streams.responses === 1 ? '' : 's'} (${r.streams.chunks} chunks)`);
    if (r.failures) lines.push(`  failures:     ${r.failures.count} (${Object.entries(r.failures.codes).map(([code, n]) => `${code} ×${n}`).join(', ')})`);
    io.stdout(`${lines.join('\n')}\n`);
  }
}

/** `reeltape info [--json] [dir|file…]` — summarizes cassettes; exit code 1 when any is corrupt. */
export const infoCommand: Command = {
  name: 'info',
  summary: 'summarize cassettes (interactions, age, hosts, sizes); flags corrupt ones',
  usage: USAGE,
  async run(argv, io) {
    const { values, positionals } = parseArgs({ args: argv, options: { json: { type: 'boolean', default: false } }, allowPositionals: true, strict: true });
    const targets = positionals.length > 0 ? positionals.map((p) => resolve(io.cwd, p)) : [resolve(io.cwd, 'cassettes')];
    const results: Array<CassetteInfo | CassetteInfoProblem> = [];
    let failed = false;
    for (const target of targets) {
      let files: string[];
      try {
        files = await findCassettes(target);
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if (code === 'ENOENT' && positionals.length === 0) continue;
        io.stderr(`reeltape info: cannot read ${target}: ${error instanceof Error ? error.message : String(error)}\n`);
        failed = true;
        continue;
      }
      for (const file of files) results.push(await describeCassette(file));
    }
    if (values.json) io.stdout(`${JSON.stringify(results, null, 2)}\n`);
    else if (results.length === 0 && !failed) io.stdout(`No cassettes found in ${targets.join(', ')}.\n`);
    else printText(results, io);
    const corrupt = results.filter((r) => !r.ok).length;
    if (corrupt > 0 && !values.json) io.stderr(`reeltape info: ${corrupt} corrupt cassette${corrupt === 1 ? '' : 's'}\n`);
    return failed || corrupt > 0 ? 1 : 0;
  },
};
