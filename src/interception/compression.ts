import * as zlib from 'node:zlib';
import * as stream from 'node:stream';

/** `stream.compose` (Node ≥ 16.9; missing from the installed type definitions). */
const compose = (stream as unknown as { compose: (...streams: NodeJS.ReadWriteStream[]) => NodeJS.ReadWriteStream }).compose;

/** Content codings reeltape decodes for storage and re-encodes on replay. */
const SUPPORTED = new Set(['gzip', 'x-gzip', 'deflate', 'br', 'identity']);

/** Parses a `content-encoding` value into its codings, in the order they were applied. */
export function parseContentEncoding(value: string | undefined): string[] {
  if (!value) return [];
  return value
    .split(',')
    .map((s) => s.trim().toLowerCase())
    .filter((s) => s.length > 0 && s !== 'identity');
}

/** Whether every coding in the list is one reeltape can decode and re-encode. */
export function isSupportedEncoding(codings: readonly string[]): boolean {
  return codings.every((c) => SUPPORTED.has(c));
}

function decodeOne(coding: string, bytes: Uint8Array): Uint8Array | undefined {
  try {
    if (coding === 'gzip' || coding === 'x-gzip') {
      if (bytes[0] !== 0x1f || bytes[1] !== 0x8b) return undefined;
      return zlib.gunzipSync(bytes);
    }
    if (coding === 'deflate') {
      // RFC 9110 deflate is zlib-wrapped; some servers send raw deflate
      const cmf = bytes[0] ?? 0;
      const flg = bytes[1] ?? 0;
      return (cmf & 0x0f) === 0x08 && ((cmf << 8) | flg) % 31 === 0
        ? zlib.inflateSync(bytes)
        : zlib.inflateRawSync(bytes);
    }
    if (coding === 'br') return zlib.brotliDecompressSync(bytes);
  } catch {
    return undefined;
  }
  return undefined;
}

/**
 * Decodes a captured body whose headers say `content-encoding: <codings>`, *if it is actually
 * encoded*: fetch (undici) hands MSW an already decoded body that still carries the header, while
 * the `node:http` clients hand over the bytes as sent. Returns the input when it does not decode.
 *
 * @example
 * decodeBody(['gzip'], gzippedBytes) // the plain bytes
 * decodeBody(['gzip'], plainBytes)   // plainBytes, unchanged
 */
export function decodeBody(codings: readonly string[], bytes: Uint8Array): Uint8Array {
  if (bytes.byteLength === 0 || codings.length === 0 || !isSupportedEncoding(codings)) return bytes;
  let current = bytes;
  for (const coding of [...codings].reverse()) {
    const decoded = decodeOne(coding, current);
    if (!decoded) return bytes;
    current = new Uint8Array(decoded.buffer, decoded.byteOffset, decoded.byteLength);
  }
  return current;
}

/**
 * Encodes decoded bytes with the given codings (in order), for replay.
 *
 * @example
 * encodeBody(['gzip'], new TextEncoder().encode('{"a":1}'))
 */
export function encodeBody(codings: readonly string[], bytes: Uint8Array): Uint8Array {
  let current = bytes;
  for (const coding of codings) {
    const out =
      coding === 'gzip' || coding === 'x-gzip'
        ? zlib.gzipSync(current)
        : coding === 'deflate'
          ? zlib.deflateSync(current)
          : coding === 'br'
            ? zlib.brotliCompressSync(current)
            : current;
    current = new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
  }
  return current;
}

function flushDecodeOne(coding: string, bytes: Uint8Array): Uint8Array {
  if (coding === 'gzip' || coding === 'x-gzip') {
    if (bytes[0] !== 0x1f || bytes[1] !== 0x8b) throw new Error('not gzip');
    return zlib.gunzipSync(bytes, { finishFlush: zlib.constants.Z_SYNC_FLUSH });
  }
  if (coding === 'deflate') {
    const cmf = bytes[0] ?? 0;
    const flg = bytes[1] ?? 0;
    return (cmf & 0x0f) === 0x08 && ((cmf << 8) | flg) % 31 === 0
      ? zlib.inflateSync(bytes, { finishFlush: zlib.constants.Z_SYNC_FLUSH })
      : zlib.inflateRawSync(bytes, { finishFlush: zlib.constants.Z_SYNC_FLUSH });
  }
  if (coding === 'br') return zlib.brotliDecompressSync(bytes, { finishFlush: zlib.constants.BROTLI_OPERATION_FLUSH });
  throw new Error(`unsupported coding ${coding}`);
}

/**
 * Whether the first bytes of a body really are encoded with `codings` (a prefix decodes without
 * error). Used to decide, while a large body streams in, whether to decode it on the way to disk.
 *
 * @example
 * looksEncoded(['gzip'], firstMegabyte) // true for node:http captures, false for fetch's
 */
export function looksEncoded(codings: readonly string[], prefix: Uint8Array): boolean {
  if (prefix.byteLength === 0 || codings.length === 0 || !isSupportedEncoding(codings)) return false;
  let current = prefix.subarray(0, Math.min(prefix.byteLength, 64 * 1024));
  try {
    for (const coding of [...codings].reverse()) {
      const out = flushDecodeOne(coding, current);
      current = new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
    }
    return true;
  } catch {
    return false;
  }
}

function deflateDecoder(first: Uint8Array | undefined): zlib.Inflate | zlib.InflateRaw {
  const cmf = first?.[0] ?? 0;
  const flg = first?.[1] ?? 0;
  return (cmf & 0x0f) === 0x08 && ((cmf << 8) | flg) % 31 === 0 ? zlib.createInflate() : zlib.createInflateRaw();
}

/**
 * A streaming decoder for `codings` (applied in order, so decoded in reverse), as one Node
 * stream: write encoded chunks, read decoded ones. `first` (the body's first bytes) picks
 * zlib-wrapped or raw deflate. `undefined` when a coding is not supported.
 */
export function createDecoder(codings: readonly string[], first?: Uint8Array): NodeJS.ReadWriteStream | undefined {
  if (codings.length === 0 || !isSupportedEncoding(codings)) return undefined;
  const stages = [...codings].reverse().map((coding, i) =>
    coding === 'gzip' || coding === 'x-gzip'
      ? zlib.createGunzip()
      : coding === 'deflate'
        ? deflateDecoder(i === 0 ? first : undefined)
        : zlib.createBrotliDecompress(),
  );
  return chainStages(stages);
}

/** A streaming encoder for `codings` (applied in order); `undefined` when one is not supported. */
export function createEncoder(codings: readonly string[]): NodeJS.ReadWriteStream | undefined {
  if (codings.length === 0 || !isSupportedEncoding(codings)) return undefined;
  const stages = codings.map((coding) =>
    coding === 'gzip' || coding === 'x-gzip' ? zlib.createGzip() : coding === 'deflate' ? zlib.createDeflate() : zlib.createBrotliCompress(),
  );
  return chainStages(stages);
}

function chainStages(stages: Array<zlib.Gzip | zlib.Gunzip | zlib.Inflate | zlib.InflateRaw | zlib.BrotliDecompress | zlib.Deflate | zlib.BrotliCompress>): NodeJS.ReadWriteStream {
  const [first] = stages;
  if (stages.length === 1 && first) return first;
  return compose(...stages);
}
