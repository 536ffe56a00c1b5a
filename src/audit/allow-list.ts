import { readFile } from 'node:fs/promises';
import { lazyRequire } from '../util/lazy-require.js';

const picomatch = lazyRequire<typeof import('picomatch')>('picomatch');
import { ReeltapeConfigError } from '../errors/index.js';
import type { AuditFinding } from './audit-cassettes.js';

/**
 * One reviewed finding to silence. Every field given must match; at least one is required.
 * `file` is a path relative to the audited directory (a glob is allowed; a path that ends with
 * it, such as `cassettes/login.json` as printed by the CLI, matches too), `path` the JSON path
 * exactly as reported, `rule` the rule name, `sha256` the SHA-256 (hex) of the flagged value as
 * printed by `reeltape audit --json`.
 */
export interface AllowEntry {
  file?: string;
  path?: string;
  rule?: string;
  sha256?: string;
  /** Why it is safe (for reviewers; not used for matching). */
  reason?: string;
}

/** Default allow-list file name, looked up in the working directory. */
export const DEFAULT_ALLOW_FILE = '.reeltape-audit-allow.json';

/**
 * Validates allow-list data: an array of entries, or `{ "allow": [...] }`.
 *
 * @throws ReeltapeConfigError naming the source and entry
 */
export function parseAllowList(data: unknown, source: string): AllowEntry[] {
  const list = Array.isArray(data) ? data : data !== null && typeof data === 'object' ? (data as { allow?: unknown }).allow : undefined;
  if (!Array.isArray(list)) throw new ReeltapeConfigError(`Allow-list ${source}: expected an array of entries or { "allow": [...] }.`);
  return list.map((entry: unknown, i) => {
    if (entry === null || typeof entry !== 'object' || Array.isArray(entry)) throw new ReeltapeConfigError(`Allow-list ${source}: entry ${i} must be an object { file?, path?, rule?, sha256? }.`);
    const e = entry as Record<string, unknown>;
    for (const key of Object.keys(e)) {
      if (!['file', 'path', 'rule', 'sha256', 'reason'].includes(key)) throw new ReeltapeConfigError(`Allow-list ${source}: entry ${i} has unknown field "${key}" (allowed: file, path, rule, sha256, reason).`);
      if (typeof e[key] !== 'string') throw new ReeltapeConfigError(`Allow-list ${source}: entry ${i}.${key} must be a string.`);
    }
    if (e.file === undefined && e.path === undefined && e.rule === undefined && e.sha256 === undefined) {
      throw new ReeltapeConfigError(`Allow-list ${source}: entry ${i} has none of file, path, rule, sha256; it would silence every finding.`);
    }
    return e as AllowEntry;
  });
}

/** Reads and validates an allow-list file. */
export async function loadAllowList(file: string): Promise<AllowEntry[]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new ReeltapeConfigError(`Cannot read allow-list ${file}: ${(error as Error).message}.`);
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new ReeltapeConfigError(`Allow-list ${file} is not valid JSON: ${(error as Error).message}.`);
  }
  return parseAllowList(data, file);
}

/** Builds a predicate telling whether a finding is silenced by an entry. */
export function allowMatcher(entries: readonly AllowEntry[]): (finding: AuditFinding) => boolean {
  const compiled = entries.map((e) => ({ ...e, fileMatch: e.file === undefined ? undefined : picomatch()(e.file, { dot: true }) }));
  return (finding) =>
    compiled.some(
      (e) =>
        (e.fileMatch === undefined || e.file === finding.file || e.file?.endsWith(`/${finding.file}`) || e.fileMatch(finding.file)) &&
        (e.path === undefined || e.path === finding.path) &&
        (e.rule === undefined || e.rule === finding.rule) &&
        (e.sha256 === undefined || e.sha256.toLowerCase() === finding.sha256),
    );
}
