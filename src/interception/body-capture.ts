import { SideFileWriter } from '../cassette/side-file-writer.js';
import type { ChunkTimeline } from '../cassette/stream-chunks.js';
import { createDecoder, looksEncoded } from './compression.js';

/** Where and when a captured body goes to disk instead of memory. */
export interface SpillOptions {
  /** Bodies growing past this many bytes (as captured) are streamed to a temp side file. */
  readonly threshold: number;
  /** The cassette file: temp side files go into its `<name>.bodies` dir. */
  readonly cassetteFile: string;
  /** `false`: only hash a large body (matching in replay), write nothing. Default `true`. */
  readonly persist?: boolean;
  /**
   * Content codings of the message (`content-encoding`). When the captured bytes really are
   * encoded (the `node:http` clients; fetch hands over decoded bytes), a large body is decoded
   * while it streams to disk, so side files always hold decoded bytes.
   */
  readonly codings?: readonly string[];
  /**
   * Makes the redactor a large body streams through before any byte of it is written or hashed
   * (see `StreamRedactor`), so no temp file ever holds a secret the rules or the known values
   * catch. Without it, bytes are written as they come.
   */
  readonly redactor?: () => ChunkRedactor;
}

/** A stream transform that redacts secrets, holding back what it cannot judge yet. */
export interface ChunkRedactor {
  /** Takes a chunk; returns the bytes now safe to write. */
  push(chunk: Uint8Array): Uint8Array;
  /** The body is complete: returns the rest. */
  end(): Uint8Array;
}

/** A captured body: in memory (small), or in a temp side file (large). */
export type CapturedBody =
  | { readonly kind: 'memory'; readonly bytes: Uint8Array }
  | {
      readonly kind: 'file';
      /** SHA-256 (hex) of the stored (decoded) bytes. */
      readonly sha256: string;
      /** Stored (decoded) byte count. */
      readonly size: number;
      /** Temp file holding them (`undefined` with `persist: false`). */
      readonly path: string | undefined;
      /** Whether the captured bytes were decoded on the way (so they are not to be decoded again). */
      readonly decoded: boolean;
    };

/**
 * Collects a body chunk by chunk: in memory up to `threshold` bytes, then (spilling what it holds)
 * straight to a temp side file with an incremental SHA-256, decoding gzip/deflate/br on the way
 * when the bytes are encoded. Memory stays flat however large the body is.
 *
 * @example
 * const capture = new BodyCapture({ threshold: 1 << 20, cassetteFile });
 * for await (const chunk of body) capture.push(chunk);
 * await capture.end();
 * const body = capture.result();
 */
export class BodyCapture {
  private chunks: Uint8Array[] = [];
  private size = 0;
  private writer: SideFileWriter | undefined;
  private redactor: ChunkRedactor | undefined;
  private decoder: NodeJS.ReadWriteStream | undefined;
  private decoderDone: Promise<void> | undefined;
  private decodeFailed = false;
  private finished: CapturedBody | undefined;

  /** @param spill spill options; without them every body stays in memory */
  constructor(private readonly spill: SpillOptions | undefined) {}

  /** Whether decoding a large body failed (the body is then incomplete). */
  get failed(): boolean {
    return this.decodeFailed;
  }

  /** Adds a chunk. Synchronous: a large body's chunk is hashed and written before this returns. */
  push(chunk: Uint8Array): void {
    if (this.finished || chunk.byteLength === 0) return;
    this.size += chunk.byteLength;
    if (this.writer) {
      this.forward(chunk);
      return;
    }
    this.chunks.push(chunk);
    if (this.spill && this.size > this.spill.threshold) this.startSpilling(this.spill);
  }

  private startSpilling(spill: SpillOptions): void {
    this.writer = new SideFileWriter(spill.cassetteFile, { persist: spill.persist !== false });
    this.redactor = spill.redactor?.();
    const held = concat(this.chunks);
    this.chunks = [];
    const codings = spill.codings ?? [];
    if (codings.length > 0 && looksEncoded(codings, held)) {
      const decoder = createDecoder(codings, held);
      if (decoder) {
        this.decoder = decoder;
        this.decoderDone = new Promise<void>((resolve) => {
          decoder.on('data', (data: Uint8Array) => this.write(data));
          decoder.on('end', () => resolve());
          decoder.on('error', () => {
            this.decodeFailed = true;
            resolve();
          });
        });
      }
    }
    this.forward(held);
  }

  private forward(chunk: Uint8Array): void {
    if (this.decoder) {
      if (!this.decodeFailed) this.decoder.write(chunk);
    } else this.write(chunk);
  }

  /** Writes (decoded) bytes to the side file, through the redactor when there is one. */
  private write(bytes: Uint8Array): void {
    const safe = this.redactor ? this.redactor.push(bytes) : bytes;
    if (safe.byteLength > 0) this.writer?.write(safe);
  }

  /** The body is complete: flushes the decoder (if any) and finishes the side file. */
  async end(): Promise<void> {
    if (this.decoder && this.decoderDone) {
      if (!this.decodeFailed) this.decoder.end();
      await this.decoderDone;
    }
  }

  /**
   * The body as captured so far (after {@link end}: the whole body). A large body's side file is
   * finished (closed) by the first call; later chunks are ignored.
   */
  result(): CapturedBody {
    if (this.finished) return this.finished;
    if (!this.writer) return { kind: 'memory', bytes: concat(this.chunks) };
    if (this.redactor) {
      const rest = this.redactor.end();
      this.redactor = undefined;
      if (rest.byteLength > 0) this.writer.write(rest);
    }
    const written = this.writer.finish();
    this.finished = { kind: 'file', sha256: written.sha256, size: written.size, path: written.path, decoded: this.decoder !== undefined };
    return this.finished;
  }

  /** Drops the body (deletes a temp side file). */
  discard(): void {
    this.chunks = [];
    this.writer?.discard();
    this.decoder?.removeAllListeners('data');
  }
}

function concat(chunks: readonly Uint8Array[]): Uint8Array {
  if (chunks.length === 1) return chunks[0] as Uint8Array;
  const size = chunks.reduce((n, c) => n + c.byteLength, 0);
  const bytes = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return bytes;
}

/**
 * Reads a whole body stream through a {@link BodyCapture}. Never rejects: a failed stream
 * resolves with `complete: false` and what arrived. With `timeline`, each chunk's arrival (and the
 * stream's error) is noted there too.
 */
export async function captureStream(
  stream: ReadableStream<Uint8Array> | null,
  capture: BodyCapture,
  onReader?: (reader: ReadableStreamDefaultReader<Uint8Array>) => void,
  timeline?: ChunkTimeline,
): Promise<boolean> {
  if (!stream) return true;
  const reader = stream.getReader();
  onReader?.(reader);
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      if (value) {
        capture.push(value);
        timeline?.push(value.byteLength);
      }
    }
  } catch (error) {
    timeline?.fail(error);
    return false;
  }
  await capture.end();
  return !capture.failed;
}
