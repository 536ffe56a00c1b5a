/**
 * Replay case: one tool answers GETs from a recording made by a setup step (for `msw`, from one static
 * catch-all handler returning a prebuilt buffer; for `plain`, the live loopback server).
 *   --path items  --warmup W untimed requests (/items/100000+k), then n timed requests /items/0..n-1,
 *                 --concurrency at a time; reports req/s
 *   --path big    one fetch of /big?mb=<mb>; reports peak RSS
 * Prints one JSON line: { case, tool, client, reqPerSec, peakRssMiB, baselineRssMiB, ... }.
 */
import { args, emit, fail, MiB, round, rssMiB, startRssSampler, timeLimit } from '../lib/common.mjs';
import { getter, itemCheck, itemUrl, runAll } from '../lib/clients.mjs';
import { csvMiB, itemJson, WARMUP_OFFSET } from '../lib/payloads.mjs';
import { withTool } from '../lib/tools.mjs';


const a = args(['case', 'tool', 'client', 'base', 'dir', 'name', 'path', 'n', 'warmup', 'concurrency', 'mb', 'limit']);
const base = { case: a.case ?? 'replay', tool: a.tool, client: a.client ?? 'fetch' };
timeLimit(base, Number(a.limit ?? 300));

try {
  const sampler = startRssSampler();
  const get = getter(base.client);
  const path = a.path ?? 'items';
  const n = Number(a.n ?? 1);
  const mb = Number(a.mb ?? 64);
  const concurrency = Number(a.concurrency ?? 1);
  const baselineRssMiB = rssMiB();
  let bodyBytes;
  if (a.tool === 'msw') {
    // The bare-MSW baseline answers every request with one prebuilt buffer held in memory.
    if (path === 'big') {
      const chunk = csvMiB();
      bodyBytes = Buffer.allocUnsafe(mb * MiB);
      for (let k = 0; k < mb; k++) chunk.copy(bodyBytes, k * MiB);
    } else bodyBytes = Buffer.from(itemJson(0));
  }
  const opts = { mode: 'replay', dir: a.dir, name: a.name, bodyBytes, contentType: path === 'big' ? 'text/csv' : undefined };
  let result;
  if (path === 'big') {
    let bytes = 0;
    let t0 = 0;
    await withTool(a.tool, opts, async () => {
      bytes = (await get(`${a.base}/big?mb=${mb}`)).byteLength;
    }, { loaded: () => void (t0 = performance.now()) });
    if (bytes !== mb * MiB) throw new Error(`read ${bytes} bytes, expected ${mb * MiB}`);
    result = { requests: 1, ms: round(performance.now() - t0), bytes };
  } else {
    const warmup = Array.from({ length: Number(a.warmup ?? 0) }, (_, k) => itemUrl(a.base, WARMUP_OFFSET + k));
    const ids = Array.from({ length: n }, (_, k) => k);
    const urls = ids.map((i) => itemUrl(a.base, i));
    const check = a.tool === 'msw' ? undefined : itemCheck(ids);
    let ms = 0;
    await withTool(a.tool, opts, async () => {
      if (warmup.length) await runAll(warmup, concurrency, get);
      const t0 = performance.now();
      await runAll(urls, concurrency, get, check);
      ms = performance.now() - t0;
    });
    result = { requests: n, warmup: warmup.length, concurrency, ms: round(ms), reqPerSec: round((n / ms) * 1000, 0) };
  }
  emit({ ...base, ...result, peakRssMiB: sampler.peakMiB(), baselineRssMiB });
} catch (error) {
  fail(base, error);
}
