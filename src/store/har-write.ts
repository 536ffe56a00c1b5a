import { bodyByteLength, bodyToBytes, formatJson } from '../cassette/body-codec.js';
import { getHeader, headersToPairs } from '../cassette/headers.js';
import type { Body, Cassette, HeaderMap, Interaction } from '../cassette/types.js';
import { ReeltapeConfigError } from '../errors/index.js';
import { REELTAPE_VERSION } from '../session/version.js';
import type { Har, HarBodyKind, HarContent, HarEntry, HarPair } from './har-types.js';

/**
 * Options of {@link cassetteToHar}.
 *
 * @example
 * cassetteToHar(cassette, { file: 'users.har', maxInlineBytes: DEFAULT_HAR_MAX_INLINE_BYTES })
 */
export interface CassetteToHarOptions {
  /** Largest side-file body (`kind: 'file'`) inlined as base64; a larger one is refused. */
  maxInlineBytes: number;
  /** Path of the HAR file, for error messages. */
  file: string;
}

/** A body as HAR text: readable text, or base64 for bytes; `undefined` for no body. */
function bodyText(body: Body | null, where: string, options: CassetteToHarOptions): { text: string; base64: boolean; kind: HarBodyKind } | undefined {
  if (body === null) return undefined;
  switch (body.kind) {
    case 'json':
      return { text: formatJson(body.value, body.format), base64: false, kind: 'json' };
    case 'text':
      return { text: body.value, base64: false, kind: 'text' };
    case 'binary':
      return { text: Buffer.from(body.value).toString('base64'), base64: true, kind: 'binary' };
    case 'file':
      if (body.size > options.maxInlineBytes) {
        throw new ReeltapeConfigError(
          `Cannot write ${options.file}: ${where} is ${body.size} bytes, more than harStore's maxInlineBytes (${options.maxInlineBytes}). ` +
            'A HAR file holds every body inline (base64); keep this cassette in the JSON store (large bodies go to side files there), ' +
            'or raise `harStore({ maxInlineBytes })`.',
        );
      }
      return { text: Buffer.from(bodyToBytes(body)).toString('base64'), base64: true, kind: 'binary' };
  }
}

function pairs(headers: HeaderMap): HarPair[] {
  return headersToPairs(headers).map(([name, value]) => ({ name, value }));
}

function mimeType(headers: HeaderMap, kind: HarBodyKind | undefined): string {
  return getHeader(headers, 'content-type') ?? (kind === 'json' ? 'application/json' : kind === 'text' ? 'text/plain' : kind ? 'application/octet-stream' : '');
}

function queryString(url: string): HarPair[] {
  try {
    return [...new URL(url).searchParams].map(([name, value]) => ({ name, value }));
  } catch {
    return [];
  }
}

function toEntry(interaction: Interaction, index: number, startedDateTime: string, options: CassetteToHarOptions): HarEntry {
  const { request, response } = interaction;
  const sent = bodyText(request.body, `interactions[${index}] (${request.method} ${request.url}) request body`, options);
  const got = bodyText(response.body, `interactions[${index}] (${request.method} ${request.url}) response body`, options);
  const content: HarContent = { size: bodyByteLength(response.body), mimeType: mimeType(response.headers, got?.kind), text: got?.text ?? '' };
  if (got?.base64) content.encoding = 'base64';
  if (got) content._reeltape = { kind: got.kind };
  return {
    startedDateTime,
    time: 0,
    request: {
      method: request.method,
      url: request.url,
      httpVersion: 'HTTP/1.1',
      cookies: [],
      headers: pairs(request.headers),
      queryString: queryString(request.url),
      ...(sent
        ? { postData: { mimeType: mimeType(request.headers, sent.kind), text: sent.text, ...(sent.base64 ? { encoding: 'base64' as const } : {}), _reeltape: { kind: sent.kind } } }
        : {}),
      headersSize: -1,
      bodySize: bodyByteLength(request.body),
    },
    response: {
      status: response.status,
      statusText: response.statusText,
      httpVersion: 'HTTP/1.1',
      cookies: [],
      headers: pairs(response.headers),
      content,
      redirectURL: getHeader(response.headers, 'location') ?? '',
      headersSize: -1,
      bodySize: content.size,
    },
    cache: {},
    timings: { send: 0, wait: 0, receive: 0 },
  };
}

/**
 * Turns a cassette into a HAR 1.2 log: one entry per interaction, in order; text bodies readable,
 * binary ones base64 (`encoding: "base64"`); the cassette's `meta` and each body's kind kept in
 * `_reeltape` fields. Side-file bodies are inlined as base64 up to `maxInlineBytes`.
 *
 * @throws ReeltapeConfigError naming the interaction whose side-file body is over `maxInlineBytes`
 * @example
 * const har = cassetteToHar(cassette, { file: 'users.har', maxInlineBytes: 64 * 1024 * 1024 });
 * har.log.entries[0].response.status // 200
 */
export function cassetteToHar(cassette: Cassette, options: CassetteToHarOptions): Har {
  const started = cassette.meta.recordedAt;
  return {
    log: {
      version: '1.2',
      creator: { name: 'reeltape', version: REELTAPE_VERSION },
      entries: cassette.interactions.map((interaction, i) => toEntry(interaction, i, started, options)),
      _reeltape: { version: cassette.version, meta: cassette.meta },
    },
  };
}
