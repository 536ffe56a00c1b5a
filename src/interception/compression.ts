import * as zlib from 'node:zlib';

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
