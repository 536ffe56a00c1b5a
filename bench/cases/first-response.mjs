/**
 * First-response case, in a fresh process: a tool replays one request (the LAST recorded item, /items/<n-1>,
 * so a linear scan pays in full) from an n-interaction recording made by a setup step.
 * All times are milliseconds since process start (performance.timeOrigin):
 *   bootMs           this script starts running (Node's own start-up)
 *   importedMs       the tool's modules are imported (nothing started yet)
 *   loadedMs         the tool is imported and set up (recording loaded if the tool loads eagerly) and fn runs
 *   firstResponseMs  the first response's body has been read
 *   loadMs           firstResponseMs minus bootMs: the tool's own cost (import + load + index + first lookup)
 *   afterImportMs    firstResponseMs minus importedMs: loading the recording + the first lookup and response
 *   closeMs          from the last response until the tool is done (its end-of-replay work: checks, teardown)
 *   lifetimeMs       from the tool's import to the tool being done: the whole cassette lifetime (open, requests, close)
 * With `--all 1` every recorded item is replayed (/items/0 … /items/<n-1>, in order) instead of the last one.
 * Prints one JSON line.
 */
import { args, emit, fail, round, startRssSampler, timeLimit } from '../lib/common.mjs';

const bootMs = performance.now();
const a = args(['case', 'tool', 'client', 'base', 'dir', 'name', 'n', 'limit', 'all']);
const all = a.all === '1';
const base = { case: a.case ?? 'first-response', tool: a.tool, client: 'fetch', interactions: Number(a.n) };
timeLimit(base, Number(a.limit ?? 120));

try {
  const sampler = startRssSampler();
  const { preload, withTool } = await import('../lib/tools.mjs');
  await preload(a.tool);
  const importedMs = performance.now();
  const ids = all ? Array.from({ length: Number(a.n) }, (_, i) => i) : [Number(a.n) - 1];
  let loadedMs = 0;
  let firstResponseMs = 0;
  let lastResponseMs = 0;
  let afterError;
  try {
    await withTool(
      a.tool,
      { mode: 'replay', dir: a.dir, name: a.name },
      async () => {
        for (const id of ids) {
          const url = `${a.base}/items/${id}`;
          const res = await fetch(url);
          const body = await res.text();
          if (res.status !== 200 || JSON.parse(body).id !== id) throw new Error(`wrong response for ${url}`);
          if (!firstResponseMs) firstResponseMs = performance.now();
        }
        lastResponseMs = performance.now();
      },
      { loaded: () => void (loadedMs = performance.now()) },
    );
  } catch (error) {
    // Tools may complain afterwards that most of the recording went unused; the timing is taken by then.
    if (!lastResponseMs) throw error;
    afterError = String(error instanceof Error ? error.message : error).slice(0, 200);
  }
  const closedMs = performance.now();
  emit({
    ...base,
    bootMs: round(bootMs),
    importedMs: round(importedMs),
    loadedMs: round(loadedMs),
    firstResponseMs: round(firstResponseMs),
    loadMs: round(firstResponseMs - bootMs),
    afterImportMs: round(firstResponseMs - importedMs),
    closeMs: round(closedMs - lastResponseMs),
    lifetimeMs: round(closedMs - importedMs),
    requests: ids.length,
    peakRssMiB: sampler.peakMiB(),
    ...(afterError ? { afterError } : {}),
  });
} catch (error) {
  fail(base, error);
}
