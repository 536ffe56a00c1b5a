/**
 * What `reeltape audit` needs to scan a `.har` file structurally: the HAR fields the cassette
 * scan's paths stand for, the strings of the file the cassette view does not hold, and how a
 * finding's place is named (`entry 3` in a HAR, `interaction 3` in a JSON cassette).
 */
import { joinPath } from '../sanitizers/leaks.js';

/** A string of a HAR file outside what `harToCassette` reads (cookies, comments, custom fields…). */
export interface HarExtraString {
  /** `log.entries` index, or -1 outside the entries. */
  readonly entry: number;
  /** Its path, relative to the entry (`request.cookies[0].value`) or to the document (`log.comment`). */
  readonly where: string;
  readonly text: string;
  /** The name it is stored under (a pair's `name`, else the key), for name-based rules. */
  readonly name: string | undefined;
}

/** Entry fields the cassette view holds (and the audit scans through it). */
const READ_AS_CASSETTE = new Set(['request.url', 'request.postData.text', 'response.content.text']);
const HEADERS = new Set(['request.headers', 'response.headers']);

/**
 * The HAR field a cassette-scan path stands for: bodies are `request.postData.text` and
 * `response.content.text`, `meta` is `log._reeltape.meta`; URL and header paths are the same.
 *
 * @example
 * harFieldPath('response.body.value.token') // 'response.content.text.token'
 */
export function harFieldPath(where: string): string {
  return where
    .replace(/^request\.body\.value/, 'request.postData.text')
    .replace(/^response\.body\.value/, 'response.content.text')
    .replace(/^meta\b/, 'log._reeltape.meta');
}

/**
 * Every string of a parsed HAR document the cassette view leaves out, so the audit misses nothing:
 * cookies, `postData.params`, `redirectURL`, comments, pages, custom fields, HTTP/2 pseudo-headers,
 * and query-string pairs that are not in the entry's URL. Skipped: what the cassette view holds
 * (URL, headers, body texts) and reeltape's own `_reeltape` fields.
 *
 * @example
 * harExtraStrings({ log: { entries: [{ request: { cookies: [{ name: 'sid', value: 'abc' }] } }] } })
 * // [{ entry: 0, where: 'request.cookies[0].name', text: 'sid', name: 'name' },
 * //  { entry: 0, where: 'request.cookies[0].value', text: 'abc', name: 'sid' }]
 */
export function harExtraStrings(document: unknown): HarExtraString[] {
  const out: HarExtraString[] = [];
  const walk = (value: unknown, entry: number, where: string, name: string | undefined): void => {
    if (typeof value === 'string') out.push({ entry, where, text: value, name });
    else if (Array.isArray(value)) value.forEach((v, i) => walk(v, entry, joinPath(where, i), name));
    else if (value !== null && typeof value === 'object') {
      const pair = value as Record<string, unknown>;
      const pairName = typeof pair['name'] === 'string' && 'value' in pair ? pair['name'] : undefined;
      for (const [key, v] of Object.entries(pair)) walk(v, entry, joinPath(where, key), key === 'value' && pairName !== undefined ? pairName : key);
    }
  };
  const log = (document as { log?: Record<string, unknown> } | null)?.log;
  if (log === null || typeof log !== 'object') return out;
  for (const [key, value] of Object.entries(log)) {
    if (key !== 'entries' && key !== '_reeltape') walk(value, -1, joinPath('log', key), key);
  }
  const entries = Array.isArray(log['entries']) ? (log['entries'] as unknown[]) : [];
  entries.forEach((entry, index) => {
    if (entry === null || typeof entry !== 'object') return;
    const url = urlParams((entry as { request?: { url?: unknown } }).request?.url);
    for (const [side, message] of Object.entries(entry as Record<string, unknown>)) {
      if (side !== 'request' && side !== 'response') {
        walk(message, index, side, side);
        continue;
      }
      if (message === null || typeof message !== 'object') continue;
      for (const [key, value] of Object.entries(message as Record<string, unknown>)) {
        const at = `${side}.${key}`;
        if (READ_AS_CASSETTE.has(at) || key === '_reeltape') continue;
        if (HEADERS.has(at)) {
          // the cassette keeps every header but HTTP/2 pseudo-headers (`:authority`)
          if (Array.isArray(value)) value.forEach((h, i) => isPseudoHeader(h) && walk(h, index, joinPath(at, i), undefined));
          continue;
        }
        if (at === 'request.queryString' && Array.isArray(value)) {
          value.forEach((p, i) => !inUrl(p, url) && walk(p, index, joinPath(at, i), undefined));
          continue;
        }
        if (key === 'postData' || key === 'content') {
          for (const [k, v] of Object.entries((value ?? {}) as Record<string, unknown>)) {
            if (k !== 'text' && k !== '_reeltape') walk(v, index, joinPath(at, k), k);
          }
          continue;
        }
        walk(value, index, at, key);
      }
    }
  });
  return out;
}

function urlParams(url: unknown): URLSearchParams | undefined {
  try {
    return typeof url === 'string' ? new URL(url).searchParams : undefined;
  } catch {
    return undefined;
  }
}

function isPseudoHeader(header: unknown): boolean {
  const name = (header as { name?: unknown } | null)?.name;
  return typeof name === 'string' && name.startsWith(':');
}

/** Whether a `queryString` pair is in the URL too (then the URL's scan covers it). */
function inUrl(pair: unknown, params: URLSearchParams | undefined): boolean {
  const { name, value } = (pair ?? {}) as { name?: unknown; value?: unknown };
  return params !== undefined && typeof name === 'string' && typeof value === 'string' && params.getAll(name).includes(value);
}

/**
 * Where a finding is, in words: `entry 3` in a HAR file, `interaction 3` in a JSON cassette, nothing
 * for a whole file or `meta`.
 *
 * @example
 * findingPlace({ file: 'users.har', interaction: 3 }) // 'entry 3'
 */
export function findingPlace(finding: { readonly file: string; readonly interaction: number }): string {
  if (finding.interaction < 0) return '';
  return `${finding.file.endsWith('.har') ? 'entry' : 'interaction'} ${finding.interaction}`;
}

/**
 * A finding's fully qualified path in its file: `log.entries[3].request.headers.authorization` in
 * a HAR file, `interactions[3].response.body.value.token` in a JSON cassette.
 *
 * @example
 * qualifiedPath({ file: 'a.json', interaction: 0, path: 'request.url' }) // 'interactions[0].request.url'
 */
export function qualifiedPath(finding: { readonly file: string; readonly interaction: number; readonly path: string }): string {
  if (finding.interaction < 0) return finding.path;
  return `${finding.file.endsWith('.har') ? 'log.entries' : 'interactions'}[${finding.interaction}].${finding.path}`;
}
