/**
 * The parts of HAR 1.2 (http://www.softwareishard.com/blog/har-12-spec/) reeltape reads and writes.
 * HAR allows custom fields whose names start with `_`: reeltape keeps what HAR has no place for in `_reeltape`.
 */
import type { CassetteMeta } from '../cassette/types.js';

/** A HAR name/value pair (headers, query string). */
export interface HarPair {
  name: string;
  value: string;
}

/** How a body was held in the cassette, so loading gives the same `Body` kind back. */
export type HarBodyKind = 'json' | 'text' | 'binary';

/** reeltape's own fields of a body (`postData._reeltape`, `content._reeltape`). */
export interface HarBodyExtra {
  kind: HarBodyKind;
}

/** A request body. */
export interface HarPostData {
  mimeType: string;
  text: string;
  /** `base64` for bytes that are not text (a reeltape extension HAR readers accept, as on `content`). */
  encoding?: 'base64';
  params?: unknown[];
  _reeltape?: HarBodyExtra;
}

/** A response body. */
export interface HarContent {
  size: number;
  mimeType: string;
  text?: string;
  encoding?: string;
  _reeltape?: HarBodyExtra;
}

/** A HAR request. */
export interface HarRequest {
  method: string;
  url: string;
  httpVersion: string;
  cookies: unknown[];
  headers: HarPair[];
  queryString: HarPair[];
  postData?: HarPostData;
  headersSize: number;
  bodySize: number;
}

/** A HAR response. */
export interface HarResponse {
  status: number;
  statusText: string;
  httpVersion: string;
  cookies: unknown[];
  headers: HarPair[];
  content: HarContent;
  redirectURL: string;
  headersSize: number;
  bodySize: number;
}

/**
 * One exchange. Polly.js adds `_id` (request hash) and `_order` (its repeat count).
 *
 * @example
 * const statuses = har.log.entries.map((entry: HarEntry) => entry.response.status);
 */
export interface HarEntry {
  startedDateTime: string;
  time: number;
  request: HarRequest;
  response: HarResponse;
  cache: Record<string, never>;
  timings: { send: number; wait: number; receive: number };
  _id?: string;
  _order?: number;
}

/**
 * A whole HAR file. `log._reeltape` keeps the cassette's format version and `meta`.
 *
 * @example
 * const har = JSON.parse(await readFile('users.har', 'utf8')) as Har;
 */
export interface Har {
  log: {
    version: '1.2';
    creator: { name: string; version: string };
    entries: HarEntry[];
    _reeltape?: { version: number; meta: CassetteMeta };
  };
}
