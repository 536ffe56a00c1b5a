import { createHash } from 'node:crypto';
import { readdir, readFile, stat } from 'node:fs/promises';
import * as path from 'node:path';
import { decodeUtf8, parseCassette } from '../cassette/index.js';
import type { Cassette, JsonValue } from '../cassette/types.js';
import { ReeltapeConfigError } from '../errors/index.js';
import { collectConfigSecrets, searchableSpellings, type SecretSpelling } from '../sanitizers/index.js';
import { visitStrings } from '../sanitizers/leaks.js';
import { allowMatcher, loadAllowList, type AllowEntry } from './allow-list.js';
import { findTokenShapes, isHighEntropySecret, type AuditRule } from './rules.js';

/** One suspected secret in a cassette. The value itself is never included, only masked and hashed. */
export interface AuditFinding {
  /** File, relative to the audited directory, with `/` separators. */
  readonly file: string;
  /** Interaction index; -1 for `meta` or for a file scanned as raw text. */
  readonly interaction: number;
  /** JSON path inside the interaction (`response.body.value.token`), `meta.…`, or `line N` for raw text. */
  readonly path: string;
  /** Which rule flagged it. */
  readonly rule: AuditRule;
  /** The first 4 characters of the value followed by `…`. */
  readonly masked: string;
  /** SHA-256 (hex) of the value, for allow-list entries. */
  readonly sha256: string;
}

/** A file that is not a valid cassette and was scanned as raw text instead. */
export interface UnparsedFile {
  /** File, relative to the audited directory. */
  readonly file: string;
  /** Why it did not parse. */
  readonly reason: string;
}

/** Options of {@link auditCassettes}. */
export interface AuditOptions {
  /** Component config files (JSON) whose `#` values are searched for (raw, URL-encoded, base64). */
  configs?: readonly string[];
  /** More literal secrets to search for. */
  secrets?: readonly string[];
  /** Reviewed findings to silence. */
  allow?: readonly AllowEntry[];
  /** An allow-list file to load (see {@link AllowEntry}). */
  allowFile?: string;
}

/** What {@link auditCassettes} found. */
export interface AuditReport {
  /** The audited directory (absolute). */
  readonly dir: string;
  /** Every file scanned, relative to `dir`. */
  readonly files: readonly string[];
  /** Findings not silenced by the allow-list, sorted by file, interaction and path. */
  readonly findings: readonly AuditFinding[];
  /** How many findings the allow-list silenced. */
  readonly allowed: number;
  /** Files scanned as raw text because they are not valid cassettes. */
  readonly unparsed: readonly UnparsedFile[];
}

/** Masks a value for display: its first 4 characters and `…`. */
export function maskValue(value: string): string {
  return `${[...value].slice(0, 4).join('')}…`;
}

function sha256(value: string): string {
  return createHash('sha256').update(value, 'utf8').digest('hex');
}

async function listFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (current: string, inBodies: boolean): Promise<void> => {
    const entries = await readdir(current, { withFileTypes: true });
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const entry of entries) {
      const full = path.join(current, entry.name);
      if (entry.isDirectory()) {
        if (entry.name === 'node_modules' || entry.name === '.git') continue;
        await walk(full, inBodies || entry.name.endsWith('.bodies'));
      } else if (entry.isFile() && (inBodies || entry.name.endsWith('.json'))) out.push(full);
    }
  };
  await walk(dir, false);
  return out;
}

async function loadConfigSecrets(files: readonly string[]): Promise<string[]> {
  const values: string[] = [];
  for (const file of files) {
    let config: JsonValue;
    try {
      config = JSON.parse(await readFile(file, 'utf8')) as JsonValue;
    } catch (error) {
      throw new ReeltapeConfigError(`Cannot read config file ${file} as JSON: ${(error as Error).message}. Pass a component config.json with --config.`);
    }
    values.push(...collectConfigSecrets(config, { skipShort: true }).map((s) => s.value));
  }
  return values;
}

function lastKey(jsonPath: string): string {
  const bracket = /\["((?:[^"\\]|\\.)*)"\]$/.exec(jsonPath);
  if (bracket) return JSON.parse(`"${bracket[1] ?? ''}"`) as string;
  const dot = /(?:^|\.)([^.[\]]+)$/.exec(jsonPath);
  return dot?.[1] ?? '';
}

type Emit = (interaction: number, where: string, rule: AuditRule, value: string) => void;

function scanString(text: string, where: string, interaction: number, literals: readonly SecretSpelling[], emit: Emit): void {
  for (const m of findTokenShapes(text)) emit(interaction, where, m.rule, m.value);
  if (where.endsWith('{key}')) return;
  const key = lastKey(where);
  if (isHighEntropySecret(key, text)) emit(interaction, where, 'high-entropy', text);
  if ((key === 'url' || key === 'location' || key === 'content-location') && text.includes('?')) {
    const query = text.slice(text.indexOf('?') + 1).split('#')[0] ?? '';
    for (const [name, value] of new URLSearchParams(query)) {
      if (isHighEntropySecret(name, value)) emit(interaction, `${where}?${name}`, 'high-entropy', value);
    }
  }
  for (const s of literals) if (text.includes(s.text)) emit(interaction, where, 'config-secret', s.text);
}

function scanCassette(cassette: Cassette, literals: readonly SecretSpelling[], emit: Emit): void {
  visitStrings(cassette.meta, 'meta', (text, where) => scanString(text, where, -1, literals, emit));
  cassette.interactions.forEach((interaction, index) => {
    visitStrings(interaction.request, 'request', (text, where) => scanString(text, where, index, literals, emit));
    visitStrings(interaction.response, 'response', (text, where) => scanString(text, where, index, literals, emit));
  });
}

function scanRawText(text: string, literals: readonly SecretSpelling[], emit: Emit): void {
  const lines = text.split('\n');
  lines.forEach((line, i) => {
    for (const m of findTokenShapes(line)) emit(-1, `line ${i + 1}`, m.rule, m.value);
    for (const s of literals) if (line.includes(s.text)) emit(-1, `line ${i + 1}`, 'config-secret', s.text);
  });
}

/**
 * Scans every cassette under `dir` (recursively: `*.json` files and `*.bodies/` side files) for
 * secrets that slipped through: JWTs, bearer tokens, AWS access key ids, GitHub and Slack tokens,
 * private-key blocks, long high-entropy values under credential-looking names, and the literal
 * `#` values of the given config files (raw, URL-encoded, base64). Redaction markers are never
 * reported. Files that are not valid cassettes are scanned as raw text and listed in `unparsed`.
 *
 * @throws ReeltapeConfigError when `dir`, a config file or the allow-list cannot be read
 * @example
 * const report = await auditCassettes('cassettes', { configs: ['config.json'] });
 * if (report.findings.length > 0) process.exitCode = 1;
 */
export async function auditCassettes(dir: string, options: AuditOptions = {}): Promise<AuditReport> {
  const root = path.resolve(dir);
  const info = await stat(root).catch(() => undefined);
  if (!info?.isDirectory()) throw new ReeltapeConfigError(`Cannot audit ${root}: not a directory. Pass the cassettes directory (default: ./cassettes).`);

  const literalValues = [...(await loadConfigSecrets(options.configs ?? [])), ...(options.secrets ?? [])];
  const literals = [...new Set(literalValues)].flatMap((v) => (v.length >= 6 ? searchableSpellings(v) : []));
  const allow = [...(options.allow ?? []), ...(options.allowFile ? await loadAllowList(options.allowFile) : [])];
  const isAllowed = allowMatcher(allow);

  const files = await listFiles(root);
  const findings: AuditFinding[] = [];
  const unparsed: UnparsedFile[] = [];
  let allowed = 0;
  for (const full of files) {
    const file = path.relative(root, full).split(path.sep).join('/');
    const seen = new Set<string>();
    const emit: Emit = (interaction, where, rule, value) => {
      const finding: AuditFinding = { file, interaction, path: where, rule, masked: maskValue(value), sha256: sha256(value) };
      const id = `${interaction}\u0000${where}\u0000${rule}\u0000${finding.sha256}`;
      if (seen.has(id)) return;
      seen.add(id);
      if (isAllowed(finding)) allowed++;
      else findings.push(finding);
    };
    const bytes = await readFile(full);
    const text = decodeUtf8(bytes);
    if (text === undefined) {
      // A binary side file: only literal secrets can be looked for.
      const buffer = Buffer.from(bytes);
      for (const s of literals) if (s.form === 'raw' && buffer.includes(s.text)) emit(-1, '(binary)', 'config-secret', s.text);
      continue;
    }
    if (!full.endsWith('.json') || full.includes(`.bodies${path.sep}`)) {
      scanRawText(text, literals, emit);
      continue;
    }
    let cassette: Cassette;
    try {
      cassette = parseCassette(text, full);
    } catch (error) {
      unparsed.push({ file, reason: (error as Error).message });
      scanRawText(text, literals, emit);
      continue;
    }
    scanCassette(cassette, literals, emit);
  }
  return {
    dir: root,
    files: files.map((f) => path.relative(root, f).split(path.sep).join('/')),
    findings,
    allowed,
    unparsed,
  };
}
