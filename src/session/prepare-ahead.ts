import type { ResponseSource } from '../cassette/deferred-responses.js';
import { prepareResponsesInBackground } from '../interception/index.js';

/**
 * Prepares replay responses before they are asked for: one batch per event-loop turn, each read from
 * `responses` (parsing those left in the file) and handed to the interception's preparation. Stops
 * at the first damaged response (it fails when asked for). Resolves a function that stops it.
 *
 * @example
 * const stop = prepareAhead(replay.responses, 64); // the replay is under way
 */
export function prepareAhead(responses: ResponseSource, batch: number): () => void {
  let next = 0;
  let stopBatch: (() => void) | undefined;
  let timer: NodeJS.Immediate | undefined;
  const step = (): void => {
    timer = undefined;
    const end = Math.min(next + batch, responses.length);
    const chunk: Array<{ response: ReturnType<ResponseSource['response']> }> = [];
    try {
      for (; next < end; next++) chunk.push({ response: responses.response(next) });
    } catch {
      return;
    }
    stopBatch = prepareResponsesInBackground(chunk, batch);
    if (next < responses.length) timer = setImmediate(step).unref();
  };
  timer = setImmediate(step).unref();
  return () => {
    if (timer) clearImmediate(timer);
    timer = undefined;
    stopBatch?.();
  };
}
