import { constants as bufferConstants } from 'node:buffer';
import { createHash } from 'node:crypto';
import { readdir, readFile, stat } from 'node:fs/promises';
import * as path from 'node:path';
import { boundaryOf, decodeUtf8, getHeader, maxCassetteBytes, parseCassette } from '../cassette/index.js';
import type { Cassette, HeaderMap, JsonValue } from '../cassette/types.js';
import { ReeltapeConfigError } from '../errors/index.js';
import { collectConfigSecrets, defaultSecretRules, searchableSpellings, type DefaultSanitizerOptions, type SecretSpelling } from '../sanitizers/index.js';
import { joinPath, visitStrings } from '../sanitizers/leaks.js';
import { jsonInString, mapMultipart } from '../sanitizers/rules-redactor.js';
import type { SecretRules } from '../secrets/index.js';
import { harToCassette } from '../store/index.js';
import { allowMatcher, loadAllowList, type AllowEntry } from './allow-list.js';
import { filePieces } from './file-pieces.js';
import { CONFIG_SECRET_RULE, UNREADABLE_RULE } from './rule-docs.js';
import { harExtraStrings, harFieldPath } from './har-scan.js';

/** One suspected secret in a cassette, or a file that could not be audited. The value itself is never included, only masked and hashed. */
export interface AuditFinding {
  /** File, relative to the audited directory, with `/` separators. */
  readonly file: string;
  /** Interaction index (in a `.har` file, the `log.entries` index); -1 for `meta`, for a file scanned as raw text, or for a whole file. */
  readonly interaction: number;
  /**
   * JSON path inside the interaction (`response.body.value.token`; in a `.har` entry its HAR field, `response.content.text.token`),
   * `meta.…`, `line N` for raw text, `(file)` for a whole file.
   */
  readonly path: string;
  /** Which rule flagged it (a secrets-engine rule, `config-secret`, or `unreadable-file`). */
  readonly rule: string;
  /** The value masked: its first 4 characters (only for values of 16 or more) and its length. */
  readonly masked: string;
  /** SHA-256 (hex) of the value, for allow-list entries (of the reason, for `unreadable-file`). */
  readonly sha256: string;
  /** 1-based line of the file where the value is, when known (SARIF regions). */
  readonly line?: number;
  /** For `unreadable-file`: why the file could not be read or parsed. */
  readonly reason?: string;
}

/** Options of {@link auditCassettes}. */
export interface AuditOptions {
  /** Component config files (JSON) whose `#` values are searched for (every spelling). */
  configs?: readonly string[];
  /** More literal secrets to search for. */
  secrets?: readonly string[];
  /** Reviewed findings to silence. */
  allow?: readonly AllowEntry[];
  /** An allow-list file to load (see {@link AllowEntry}). */
  allowFile?: string;
  /** The default sanitizer's options used when recording (extra names, rules): audit then uses the very same rules. */
  sanitizer?: DefaultSanitizerOptions;
}

/** What {@link auditCassettes} found. */
export interface AuditReport {
  /** The audited directory (absolute). */
  readonly dir: string;
  /** Every file scanned, relative to `dir`. */
  readonly files: readonly string[];
  /** Findings not silenced by the allow-list, in file order. */
  readonly findings: readonly AuditFinding[];
  /** How many findings the allow-list silenced. */
  readonly allowed: number;
}

/**
 * Masks a value for display: the first 4 characters of a value of 16 or more, then `…` and the
 * length. Shorter values show nothing of themselves.
 *
 * @example
 * maskValue('ghp_0123456789abcdefghij') // 'ghp_…(24)'
 */
export function maskValue(value: string): string {
  const chars = [...value];
  return `${chars.length >= 16 ? chars.slice(0, 4).join('') : ''}…(${chars.length})`;
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
      } else if (inBodies || entry.name.endsWith('.json') || entry.name.endsWith('.har')) out.push(full);
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

type Emit = (interaction: number, where: string, rule: string, value: string) => void;

/** Files scanned as raw text are read in pieces of this many bytes when larger (bounded memory). */
const RAW_PIECE_BYTES = 16 * 1024 * 1024;

/** The audit's walk over one cassette: the same places, names and rules the default sanitizer redacts. */
class CassetteScanner {
  constructor(
    private readonly rules: SecretRules,
    private readonly literals: readonly SecretSpelling[],
    private readonly emit: Emit,
  ) {}

  /** Engine findings in a text (by `name` when it is a credential name), and literal secrets. */
  text(text: string, interaction: number, where: string, name?: string): void {
    for (const m of this.rules.find(text, name)) this.emit(interaction, m.name !== undefined && name === undefined ? `${where}{${m.name}}` : where, m.rule, m.value);
    this.literalsIn(text, interaction, where);
  }

  literalsIn(text: string, interaction: number, where: string): void {
    for (const s of this.literals) if (text.includes(s.text)) this.emit(interaction, where, CONFIG_SECRET_RULE, s.text);
  }

  /** A string as the recorder reads it: JSON it holds is walked as JSON (unless its name is a credential), else text. */
  string(value: string, interaction: number, where: string, key: string | undefined): void {
    const inner = key !== undefined && this.rules.nameRule(key, value) !== undefined ? undefined : jsonInString(value);
    if (inner === undefined) this.text(value, interaction, where, key);
    else {
      this.json(inner, interaction, where, undefined);
      this.literalsIn(value, interaction, where);
    }
  }

  json(value: JsonValue, interaction: number, where: string, key: string | undefined): void {
    if (typeof value === 'string') this.string(value, interaction, where, key);
    else if (typeof value === 'number') {
      if (key !== undefined && this.rules.nameRule(key, String(value)) !== undefined) this.emit(interaction, where, this.rules.nameRule(key, String(value)) as string, String(value));
    } else if (Array.isArray(value)) value.forEach((v, i) => this.json(v, interaction, joinPath(where, i), key));
    else if (value !== null) {
      for (const [k, v] of Object.entries(value)) {
        // a map keyed by token: the recorder redacts shapes in keys too; the path shows the key masked
        const shapes = this.rules.findShapes(k);
        const here = joinPath(where, shapes.length > 0 ? maskValue(k) : k);
        for (const m of shapes) this.emit(interaction, `${here}{key}`, m.rule, m.value);
        this.json(v, interaction, here, k);
      }
    }
  }

  headers(headers: HeaderMap, interaction: number, where: string): void {
    for (const [name, value] of Object.entries(headers)) {
      const values = Array.isArray(value) ? value : [value];
      values.forEach((v, i) => this.text(v, interaction, Array.isArray(value) ? joinPath(joinPath(where, name), i) : joinPath(where, name), name));
    }
  }

  cassette(cassette: Cassette): void {
    visitStrings(cassette.meta, 'meta', (text, where) => this.text(text, -1, where));
    cassette.interactions.forEach((interaction, index) => {
      for (const side of ['request', 'response'] as const) {
        const message = interaction[side];
        if (side === 'request') this.text(interaction.request.url, index, 'request.url');
        this.headers(message.headers, index, `${side}.headers`);
        const body = message.body;
        const at = `${side}.body.value`;
        if (body === null || body.kind === 'file') continue;
        if (body.kind === 'json') {
          this.json(body.value, index, at, undefined);
          continue;
        }
        const latin1 = body.kind === 'text' ? Buffer.from(body.value, 'utf8').toString('latin1') : Buffer.from(body.value).toString('latin1');
        const boundary = boundaryOf(getHeader(message.headers, 'content-type'));
        if (boundary !== undefined) {
          mapMultipart(latin1, boundary, (content, name) => {
            this.text(content, index, name === undefined ? at : `${at}{${name}}`, name);
            return content;
          });
        } else if (body.kind === 'text') this.string(body.value, index, at, undefined);
        else this.text(latin1, index, at);
      }
    });
  }

  /**
   * Raw text (a side file, a damaged cassette, or one piece of a large file starting at `firstLine`): the
   * rules over the whole text, as the stream redactor reads it (a multipart part spans lines), findings by line.
   */
  raw(text: string, firstLine = 1): void {
    let line = firstLine;
    let at = 0;
    for (const m of this.rules.find(text)) {
      for (let nl = text.indexOf('\n', at); nl !== -1 && nl < m.start; nl = text.indexOf('\n', nl + 1)) line++, (at = nl + 1);
      this.emit(-1, m.name !== undefined ? `line ${line}{${m.name}}` : `line ${line}`, m.rule, m.value);
    }
    text.split('\n').forEach((l, i) => this.literalsIn(l, -1, `line ${i + firstLine}`));
  }
}

/** A HAR file: its entries as a cassette, then the strings that view leaves out; raw text when it is not a HAR. */
function scanHar(scanner: CassetteScanner, text: string, file: string, unreadable: (reason: string) => void): void {
  let document: unknown;
  let cassette: Cassette;
  try {
    document = JSON.parse(text);
    cassette = harToCassette(document, file);
  } catch (error) {
    unreadable(`not a valid HAR file, scanned as raw text: ${(error as Error).message.split('\n')[0] ?? ''}`);
    scanner.raw(text);
    return;
  }
  scanner.cassette(cassette);
  for (const s of harExtraStrings(document)) scanner.text(s.text, s.entry, s.where, s.name);
}

/** 1-based line of the first occurrence of `value` (as written in JSON, or raw) in `text`. */
function lineOf(text: string, value: string): number | undefined {
  let at = text.indexOf(JSON.stringify(value).slice(1, -1));
  if (at === -1) at = text.indexOf(value);
  if (at === -1) return undefined;
  let line = 1;
  for (let i = text.indexOf('\n'); i !== -1 && i < at; i = text.indexOf('\n', i + 1)) line++;
  return line;
}

/**
 * Scans every cassette (`*.json`, `*.har`) and side-file body (`*.bodies/*`) under `dir` for secrets that
 * slipped through, with the secrets engine the default sanitizer uses (value shapes, credential
 * names, entropy) and the literal `#` values of the given config files (every spelling). Markers
 * are never reported. A file that cannot be read, or a `.json` file the cassette loader rejects,
 * is itself a finding (`unreadable-file`; a rejected file is then also scanned as raw text), so
 * a damaged directory never reads as clean. A `.har` file is read structurally, like a JSON cassette:
 * each entry's URL, headers and bodies (base64 ones decoded) through the same rules, findings naming
 * the entry and its HAR field, then the strings the cassette view leaves out (cookies, comments…).
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
  const rules = defaultSecretRules(options.sanitizer);

  const files = await listFiles(root);
  const findings: AuditFinding[] = [];
  let allowed = 0;
  for (const full of files) {
    const file = path.relative(root, full).split(path.sep).join('/');
    const seen = new Set<string>();
    let text = '';
    const add = (finding: AuditFinding): void => {
      const id = `${finding.interaction}\u0000${finding.path}\u0000${finding.rule}\u0000${finding.sha256}`;
      if (seen.has(id)) return;
      seen.add(id);
      if (isAllowed(finding)) allowed++;
      else findings.push(finding);
    };
    const emit: Emit = (interaction, where, rule, value) => {
      const line = where.startsWith('line ') ? Number.parseInt(where.slice(5), 10) : lineOf(text, value); // 'line 3{password}'
      add({ file, interaction, path: where, rule, masked: maskValue(value), sha256: sha256(value), ...(line !== undefined ? { line } : {}) });
    };
    const unreadable = (reason: string): void => add({ file, interaction: -1, path: '(file)', rule: UNREADABLE_RULE, masked: '', sha256: sha256(reason), reason });
    const isHar = full.endsWith('.har') && !full.includes(`.bodies${path.sep}`);
    const scanner = new CassetteScanner(rules, literals, isHar ? (i, where, rule, value) => emit(i, harFieldPath(where), rule, value) : emit);

    const isCassette = isHar || (full.endsWith('.json') && !full.includes(`.bodies${path.sep}`));
    let bytes: Buffer;
    try {
      const info = await stat(full);
      const { size } = info;
      if (!info.isFile()) {
        unreadable('not a regular file (a named pipe, a socket or a device); not scanned'); // reading a pipe could wait forever
        continue;
      }
      const limit = maxCassetteBytes();
      if (size > limit) {
        unreadable(`${size} bytes, over the ${limit}-byte limit of what reeltape reads (REELTAPE_MAX_CASSETTE_BYTES); not scanned`);
        continue;
      }
      if (size > RAW_PIECE_BYTES && (!isCassette || size > bufferConstants.MAX_STRING_LENGTH)) {
        // a large side file, or a cassette longer than a string can be: raw text in pieces, bounded memory
        if (isCassette) unreadable(`${size} bytes, longer than the longest text reeltape can parse at once; scanned as raw text`);
        for (const piece of filePieces(full, RAW_PIECE_BYTES)) {
          text = decodeUtf8(piece.bytes) ?? piece.bytes.toString('latin1');
          scanner.raw(text, piece.firstLine);
        }
        continue;
      }
      bytes = await readFile(full);
    } catch (error) {
      unreadable(`cannot be read: ${(error as Error).message}`);
      continue;
    }
    const utf8 = decodeUtf8(bytes);
    if (isCassette && utf8 === undefined) unreadable('not valid UTF-8, scanned as raw bytes');
    if (utf8 === undefined || !isCassette) {
      // a side file (or a binary one): lines of text, byte for byte
      text = utf8 ?? bytes.toString('latin1');
      scanner.raw(text);
      continue;
    }
    text = utf8;
    if (isHar) {
      scanHar(scanner, text, full, unreadable);
      continue;
    }
    let cassette: Cassette;
    try {
      cassette = parseCassette(text, full);
    } catch (error) {
      unreadable(`not a valid cassette, scanned as raw text: ${(error as Error).message.split('\n')[0] ?? ''}`);
      scanner.raw(text);
      continue;
    }
    scanner.cassette(cassette);
  }
  return { dir: root, files: files.map((f) => path.relative(root, f).split(path.sep).join('/')), findings, allowed };
}
