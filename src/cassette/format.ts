import { sortedHeadersForOutput } from './headers.js';
import { parseJsonText } from './json-text.js';
import { isCompactFormat } from './body-codec.js';
import { callToJson } from './calls.js';
import { failureToJson } from './failure.js';
import { streamToJson } from './stream-chunks.js';
import { CASSETTE_INDENT } from './layout.js';
import { CassetteValidator } from './validate.js';
import type { Body, Cassette, CassetteMeta, Interaction, JsonValue } from './types.js';

export { SUPPORTED_CASSETTE_VERSIONS, MAX_JSON_DEPTH } from './validate.js';

type Json = JsonValue;
type JsonObject = { [key: string]: JsonValue };

/**
 * Serializes a cassette to the v1 file format, stably: envelope keys in a fixed order
 * (`version, meta, interactions`; `request: method, url, headers, body`; `response: status,
 * statusText, headers, body`), headers sorted by name, `meta.extra` keys sorted, JSON body values
 * in their own key order (so they replay byte-exactly), {@link CASSETTE_INDENT}-space indent, trailing newline
 * (the layout the replay loader scans: `layout.ts`).
 * The same traffic always gives the same bytes. `file` bodies are written as references only;
 * their side files must already exist (see `writeSideFile`).
 *
 * @example
 * await writeFileAtomic(file, serializeCassette(cassette))
 */
export function serializeCassette(cassette: Cassette): string {
  return `${JSON.stringify(cassetteToJson(cassette), null, CASSETTE_INDENT)}\n`;
}

function cassetteToJson(cassette: Cassette): JsonObject {
  return {
    version: cassette.version,
    meta: metaToJson(cassette.meta),
    // before `interactions`: the layout reader parses everything ahead of them as the envelope
    ...(cassette.calls && cassette.calls.length > 0 ? { calls: cassette.calls.map(callToJson) } : {}),
    interactions: cassette.interactions.map(interactionToJson),
  };
}

function metaToJson(meta: CassetteMeta): JsonObject {
  const out: JsonObject = { reeltape: meta.reeltape, node: meta.node, recordedAt: meta.recordedAt };
  if (meta.error) out.error = { name: meta.error.name, message: meta.error.message };
  if (meta.extra) out.extra = sortKeysDeep(meta.extra);
  return out;
}

function sortKeysDeep(value: Json): Json {
  if (Array.isArray(value)) return value.map(sortKeysDeep);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((k) => [k, sortKeysDeep(value[k] as Json)]),
    );
  }
  return value;
}

function interactionToJson(interaction: Interaction): JsonObject {
  const { request, response } = interaction;
  const failure = interaction.failure ? { failure: failureToJson(interaction.failure) } : undefined;
  return {
    request: {
      method: request.method,
      url: request.url,
      headers: sortedHeadersForOutput(request.headers) as JsonObject,
      body: bodyToJson(request.body),
    },
    ...(failure ?? {
      response: {
        status: response.status,
        statusText: response.statusText,
        headers: sortedHeadersForOutput(response.headers) as JsonObject,
        body: bodyToJson(response.body),
        ...(response.stream ? { stream: streamToJson(response.stream) } : {}),
      },
    }),
  };
}

function bodyToJson(body: Body | null): Json {
  if (body === null) return null;
  switch (body.kind) {
    case 'json': {
      const out: JsonObject = { json: body.value };
      if (!isCompactFormat(body.format) && body.format) {
        out.format = body.format.trailingNewline
          ? { indent: body.format.indent, trailingNewline: true }
          : { indent: body.format.indent };
      }
      return out;
    }
    case 'text':
      return { text: body.value };
    case 'binary':
      return { base64: Buffer.from(body.value.buffer, body.value.byteOffset, body.value.byteLength).toString('base64') };
    case 'file':
      return { file: body.sha256, size: body.size };
  }
}

/**
 * Parses and validates cassette file text. Unknown fields are rejected (a typo such as `"staus"`
 * would otherwise be silently dropped on the next re-record); extension data belongs in
 * `meta.extra`. `file` bodies get their side-file `path` resolved next to `file` (their existence
 * is checked by `loadCassette`, not here). Header names are lower-cased (repeats merged).
 *
 * @param text the file's content
 * @param file the file's path, used in error messages and to resolve side files
 * @throws CassetteFormatError naming the file and the JSON path of the first problem, e.g.
 *   `interactions[3].response.status: expected an integer 100-599, got "abc"`
 * @example
 * const cassette = parseCassette(await readFile(file, 'utf8'), file);
 */
export function parseCassette(text: string, file: string): Cassette {
  return new CassetteValidator(file).cassette(parseJsonText(text, file, 'Cassette'));
}
