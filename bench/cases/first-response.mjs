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
 *   closeMs          from the first response until the tool is done (its end-of-replay work: checks, teardown)
 * Prints one JSON line.
 */
import { args, emit, fail, round, startRssSampler, timeLimit } from '../lib/common.mjs';

const bootMs = performance.now();
const a = args(['case', 'tool', 'client', 'base', 'dir', 'name', 'n', 'limit']);
const base = { case: a.case ?? 'first-response', tool: a.tool, client: 'fetch', interactions: Number(a.n) };
timeLimit(base, Number(a.limit ?? 120));

try {
  const sampler = startRssSampler();
  const { preload, withTool } = await import('../lib/tools.mjs');
  await preload(a.tool);
  const importedMs = performance.now();
  const url = `${a.base}/items/${Number(a.n) - 1}`;
  let loadedMs = 0;
  let firstResponseMs = 0;
  let afterError;
  try {
    await withTool(
      a.tool,
      { mode: 'replay', dir: a.dir, name: a.name },
      async () => {
        const res = await fetch(url);
        const body = await res.text();
        if (res.status !== 200 || JSON.parse(body).id !== Number(a.n) - 1) throw new Error(`wrong response for ${url}`);
        firstResponseMs = performance.now();
      },
      { loaded: () => void (loadedMs = performance.now()) },
    );
  } catch (error) {
    // Tools may complain afterwards that most of the recording went unused; the timing is taken by then.
    if (!firstResponseMs) throw error;
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
    closeMs: round(closedMs - firstResponseMs),
    peakRssMiB: sampler.peakMiB(),
    ...(afterError ? { afterError } : {}),
  });
} catch (error) {
  fail(base, error);
}
