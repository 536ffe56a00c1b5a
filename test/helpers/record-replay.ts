/**
 * The record → stop server → replay round trip every client test makes.
 *
 * @example
 * const server = await startTestServer();
 * const { recorded, replayed } = await recordThenReplay({ dir, name: 'x', server, run: (url) => getJson(url) });
 * expect(replayed).toEqual(recorded);
 */
import { withCassette, type CassetteOptions } from '../../src/session/index.js';
import type { TestServer } from './test-server.js';

/** What a client saw: status, headers (lower-case names; repeated ones as arrays) and body bytes. */
export interface Observed {
  status: number;
  headers: Record<string, string | string[]>;
  body: Buffer;
}

/** Headers that legitimately differ between a live and a replayed response (connection management, time). */
const VOLATILE = new Set(['date', 'connection', 'keep-alive', 'transfer-encoding']);

/** Lower-cases names and drops {@link VOLATILE} headers, so live and replayed headers compare. */
export function comparableHeaders(headers: Record<string, string | string[] | number | undefined>): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(headers)) {
    const lower = name.toLowerCase();
    if (value === undefined || VOLATILE.has(lower)) continue;
    out[lower] = Array.isArray(value) ? value.map(String) : String(value);
  }
  return out;
}

/** Options of {@link recordThenReplay}. */
export interface RecordThenReplayOptions<T> {
  dir: string;
  name: string;
  server: TestServer;
  /** The client code under test, given the server's base URL. */
  run: (baseUrl: string) => Promise<T>;
  /** Extra cassette options for both runs. */
  options?: CassetteOptions;
}

/**
 * Records `run` in mode `record` with the server up, closes the server, then replays `run` in
 * mode `replay` (no server: any request that reached the network would fail with ECONNREFUSED).
 */
export async function recordThenReplay<T>(input: RecordThenReplayOptions<T>): Promise<{ recorded: T; replayed: T }> {
  const { dir, name, server, run } = input;
  const baseUrl = server.url;
  const recorded = await withCassette(name, () => run(baseUrl), { ...input.options, dir, mode: 'record' });
  const hitsAfterRecording = server.hits.length;
  await server.close();
  const replayed = await withCassette(name, () => run(baseUrl), { ...input.options, dir, mode: 'replay' });
  if (server.hits.length !== hitsAfterRecording) throw new Error('replay reached the server');
  return { recorded, replayed };
}
