/**
 * Per-row hashing and the canonical row encoding shared by the fast path and the csv-parse path.
 *
 * A row's canonical bytes are its fields (ignored columns removed) joined by the delimiter, each field quoted
 * RFC 4180-style only when it must be (it contains the delimiter, a quote, CR or LF), and a lone empty field
 * written `""`. A line without quotes is therefore its own canonical form, which is what makes the fast path
 * possible: the bytes of unquoted lines go straight into the hash.
 */

const C1 = 0x239b961b;
const C2 = 0xab0e9789;
const C3 = 0x38b34ae5;
const C4 = 0xa1e38b93;

function rotl(x: number, r: number): number {
  return (x << r) | (x >>> (32 - r));
}

function fmix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h;
}

/**
 * 128-bit MurmurHash3 (x86_128 layout, seed 0) of `buf[start, end)`, written into `out` as four uint32 lanes.
 * Not cryptographic: it identifies rows (accidental collisions ~2^-128), it does not resist forgery, which a test
 * snapshot does not need. Runs in plain JS at several hundred MB/s, where one `crypto.hash` call per row would cap
 * throughput near 90 MB/s.
 */
export function rowHash128(buf: Uint8Array, start: number, end: number, out: Uint32Array): void {
  let h1 = 0;
  let h2 = 0;
  let h3 = 0;
  let h4 = 0;
  const len = end - start;
  const blocksEnd = start + (len & ~15);
  let i = start;
  for (; i < blocksEnd; i += 16) {
    let k1 = buf[i]! | (buf[i + 1]! << 8) | (buf[i + 2]! << 16) | (buf[i + 3]! << 24);
    let k2 = buf[i + 4]! | (buf[i + 5]! << 8) | (buf[i + 6]! << 16) | (buf[i + 7]! << 24);
    let k3 = buf[i + 8]! | (buf[i + 9]! << 8) | (buf[i + 10]! << 16) | (buf[i + 11]! << 24);
    let k4 = buf[i + 12]! | (buf[i + 13]! << 8) | (buf[i + 14]! << 16) | (buf[i + 15]! << 24);
    k1 = Math.imul(rotl(Math.imul(k1, C1), 15), C2);
    h1 ^= k1;
    h1 = (Math.imul(rotl(h1, 19) + h2, 5) + 0x561ccd1b) | 0;
    k2 = Math.imul(rotl(Math.imul(k2, C2), 16), C3);
    h2 ^= k2;
    h2 = (Math.imul(rotl(h2, 17) + h3, 5) + 0x0bcaa747) | 0;
    k3 = Math.imul(rotl(Math.imul(k3, C3), 17), C4);
    h3 ^= k3;
    h3 = (Math.imul(rotl(h3, 15) + h4, 5) + 0x96cd1c35) | 0;
    k4 = Math.imul(rotl(Math.imul(k4, C4), 18), C1);
    h4 ^= k4;
    h4 = (Math.imul(rotl(h4, 13) + h1, 5) + 0x32ac3b17) | 0;
  }
  const rest = end - i;
  if (rest > 0) {
    let k1 = 0;
    let k2 = 0;
    let k3 = 0;
    let k4 = 0;
    for (let j = rest - 1; j >= 0; j--) {
      const b = buf[i + j]!;
      if (j >= 12) k4 |= b << ((j - 12) * 8);
      else if (j >= 8) k3 |= b << ((j - 8) * 8);
      else if (j >= 4) k2 |= b << ((j - 4) * 8);
      else k1 |= b << (j * 8);
    }
    if (rest > 12) h4 ^= Math.imul(rotl(Math.imul(k4, C4), 18), C1);
    if (rest > 8) h3 ^= Math.imul(rotl(Math.imul(k3, C3), 17), C4);
    if (rest > 4) h2 ^= Math.imul(rotl(Math.imul(k2, C2), 16), C3);
    h1 ^= Math.imul(rotl(Math.imul(k1, C1), 15), C2);
  }
  h1 ^= len;
  h2 ^= len;
  h3 ^= len;
  h4 ^= len;
  h1 = (h1 + h2 + h3 + h4) | 0;
  h2 = (h2 + h1) | 0;
  h3 = (h3 + h1) | 0;
  h4 = (h4 + h1) | 0;
  h1 = fmix(h1);
  h2 = fmix(h2);
  h3 = fmix(h3);
  h4 = fmix(h4);
  h1 = (h1 + h2 + h3 + h4) | 0;
  h2 = (h2 + h1) | 0;
  h3 = (h3 + h1) | 0;
  h4 = (h4 + h1) | 0;
  out[0] = h1;
  out[1] = h2;
  out[2] = h3;
  out[3] = h4;
}

/** The 48-bit row digest kept in snapshots: lane 0 and the top 16 bits of lane 1 of {@link rowHash128}. */
export function digest48(lanes: Uint32Array): number {
  return lanes[0]! * 65536 + (lanes[1]! >>> 16);
}

/** Encodes 48-bit digests as base64 of 6 big-endian bytes each. */
export function encodeDigests(digests: readonly number[]): string {
  const buf = Buffer.alloc(digests.length * 6);
  digests.forEach((d, i) => buf.writeUIntBE(d, i * 6, 6));
  return buf.toString('base64');
}

/** Decodes {@link encodeDigests}. */
export function decodeDigests(text: string): number[] {
  const buf = Buffer.from(text, 'base64');
  const out: number[] = [];
  for (let i = 0; i + 6 <= buf.length; i += 6) out.push(buf.readUIntBE(i, 6));
  return out;
}

/** Canonical text of one row (see the module comment). */
export function encodeRow(fields: readonly string[], delimiter: string): string {
  if (fields.length === 1 && fields[0] === '') return '""';
  return fields
    .map((f) => (f.includes(delimiter) || /["\r\n]/.test(f) ? `"${f.replaceAll('"', '""')}"` : f))
    .join(delimiter);
}
