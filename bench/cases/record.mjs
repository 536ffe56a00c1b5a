/**
 * Record case: one tool records GETs against the loopback server into a fresh recording.
 *   --path items  requests /items/<offset>..<offset+n-1> (after --warmup W items /items/100000+k) (--concurrency at a time) and reports req/s
 *   --path big    requests /big?mb=<mb> once (fetch) and reports peak RSS
 * Also used by the runner's setup steps to produce the recordings the replay cases read.
 * Prints one JSON line: { case, tool, client, reqPerSec, peakRssMiB, baselineRssMiB, ... }.
 */
import { args, emit, fail, round, rssMiB, startRssSampler, timeLimit } from '../lib/common.mjs';
import { getter, itemUrl, runAll } from '../lib/clients.mjs';
import { withTool } from '../lib/tools.mjs';
import { WARMUP_OFFSET } from '../lib/payloads.mjs';

const a = args(['case', 'tool', 'client', 'base', 'dir', 'name', 'path', 'n', 'offset', 'warmup', 'concurrency', 'mb', 'limit']);
const base = { case: a.case ?? 'record', tool: a.tool, client: a.client ?? 'fetch' };
timeLimit(base, Number(a.limit ?? 300));

try {
  const sampler = startRssSampler();
  const get = getter(base.client);
  const path = a.path ?? 'items';
  const n = Number(a.n ?? 1);
  const offset = Number(a.offset ?? 0);
  const urls =
    path === 'big'
      ? [`${a.base}/big?mb=${Number(a.mb ?? 64)}`]
      : [
          // setup steps also record the replay cases' warm-up items, first
          ...Array.from({ length: Number(a.warmup ?? 0) }, (_, k) => itemUrl(a.base, WARMUP_OFFSET + k)),
          ...Array.from({ length: n }, (_, k) => itemUrl(a.base, offset + k)),
        ];
  const baselineRssMiB = rssMiB();
  let bytes = 0;
  let t0 = 0;
  // Timed from the moment the tool is set up (module import excluded) until it has saved the recording.
  const loaded = () => void (t0 = performance.now());
  await withTool(a.tool, { mode: 'record', dir: a.dir, name: a.name }, async () => {
    bytes = await runAll(urls, Number(a.concurrency ?? 1), get);
  }, { loaded });
  const ms = performance.now() - t0;
  const expected = path === 'big' ? Number(a.mb ?? 64) * 1024 * 1024 : undefined;
  if (expected !== undefined && bytes !== expected) throw new Error(`read ${bytes} bytes, expected ${expected}`);
  emit({
    ...base,
    requests: urls.length,
    concurrency: Number(a.concurrency ?? 1),
    ms: round(ms),
    reqPerSec: round((urls.length / ms) * 1000, 0),
    bytes,
    peakRssMiB: sampler.peakMiB(),
    baselineRssMiB,
  });
} catch (error) {
  fail(base, error);
}
