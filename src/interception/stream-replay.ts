/**
 * Replays a streamed response chunk by chunk: one recorded chunk per read, in order, without delay
 * or at the recorded pace, ending as the recorded stream ended.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { chunkSlices, errorFromRecord, type ResponseStream } from '../cassette/index.js';

/**
 * How a streamed response is paced on replay: `immediate` (default: each chunk as soon as it is
 * read), `recorded` (at the recorded offsets), or a speed factor (`2`: twice as fast as recorded).
 */
export type ReplayTiming = 'immediate' | 'recorded' | number;

/** The speed factor of a timing; 0 for no delays. */
function speedOf(timing: ReplayTiming | undefined): number {
  if (timing === 'recorded') return 1;
  return typeof timing === 'number' && Number.isFinite(timing) && timing > 0 ? timing : 0;
}

/**
 * A body stream serving `bytes` cut into the recorded chunks. It is pulled (high-water mark 0), so
 * each read gets exactly one chunk. After the last one it closes, fails with the recorded error
 * (a reset), or, for a stream the client cancelled, stays open until the client cancels again.
 * Timers come from `node:timers` (fake timers of a test do not stall it).
 *
 * @example
 * new Response(replayChunks(bytes, recorded.stream, 'recorded'), init);
 */
export function replayChunks(bytes: Uint8Array, stream: ResponseStream, timing?: ReplayTiming): ReadableStream<Uint8Array> {
  const slices = chunkSlices(bytes, stream);
  const speed = speedOf(timing);
  // offsets count from the first read (the recording's from the head's arrival, when the client starts reading)
  let start: number | undefined;
  const cancelled = new AbortController();
  let next = 0;
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        start ??= performance.now();
        if (next < slices.length) {
          const at = stream.chunks[next]?.at ?? 0;
          const wait = speed > 0 ? start + at / speed - performance.now() : 0;
          if (wait >= 1) await sleep(wait, undefined, { signal: cancelled.signal }).catch(() => undefined);
          if (cancelled.signal.aborted) return;
          // a copy: the client may transfer or detach what it reads
          controller.enqueue(new Uint8Array(slices[next++] as Uint8Array));
          return;
        }
        const end = stream.end;
        if (end === 'cancelled') return new Promise<void>((resolve) => cancelled.signal.addEventListener('abort', () => resolve(), { once: true }));
        if (end) {
          // what was sent reaches the client before the reset: on Node 24 a `node:http` client whose
          // mock socket fails in the same turn as its last chunk never sees the response head
          await new Promise<void>((resolve) => setImmediate(resolve));
          controller.error(errorFromRecord(end.error));
        } else controller.close();
        return;
      },
      cancel() {
        cancelled.abort();
      },
    },
    { highWaterMark: 0 },
  );
}
