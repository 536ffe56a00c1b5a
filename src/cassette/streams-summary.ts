import { failureCode } from './failure.js';
import type { Interaction } from './types.js';

/** Streamed responses and recorded failures of a cassette, for summaries (`reeltape info`). */
export interface StreamsAndFailures {
  /** Responses stored with their chunks, and the chunks in all. */
  streams: { responses: number; chunks: number };
  /** Interactions that are recorded failures, and their count per code (`ECONNREFUSED`, `aborted`, …). */
  failures: { count: number; codes: Record<string, number> };
}

/**
 * Counts a cassette's streamed responses (with their chunks) and recorded failures (per code).
 *
 * @example
 * summarizeStreamsAndFailures(cassette.interactions);
 * // { streams: { responses: 1, chunks: 4 }, failures: { count: 2, codes: { ECONNREFUSED: 2 } } }
 */
export function summarizeStreamsAndFailures(interactions: readonly Interaction[]): StreamsAndFailures {
  const out: StreamsAndFailures = { streams: { responses: 0, chunks: 0 }, failures: { count: 0, codes: {} } };
  for (const interaction of interactions) {
    if (interaction.failure) {
      const code = failureCode(interaction.failure);
      out.failures.count += 1;
      out.failures.codes[code] = (out.failures.codes[code] ?? 0) + 1;
      continue;
    }
    const stream = interaction.response.stream;
    if (stream) {
      out.streams.responses += 1;
      out.streams.chunks += stream.chunks.length;
    }
  }
  return out;
}
