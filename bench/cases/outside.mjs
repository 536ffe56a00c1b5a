/**
 * One process of the "outside any cassette" case: with a tool's interception installed (and no cassette,
 * scope or recording open), N sequential requests with `fetch` and with `http.get` to the loopback server.
 * Prints one result line: requests per second for each client.
 *
 *   node bench/cases/outside.mjs --tool plain|reeltape|msw|nock --base http://127.0.0.1:N --requests 2000
 */
import { fetchGet, httpGet, itemUrl } from '../lib/clients.mjs';
import { args, emit, round } from '../lib/common.mjs';
import { REELTAPE_DIST } from '../lib/tools.mjs';

const { tool, base, requests } = args(['tool', 'base', 'requests']);
const n = Number(requests ?? 2000);

if (tool === 'reeltape') (await import(REELTAPE_DIST)).installInterception();
else if (tool === 'msw') {
  const { setupServer } = await import('msw/node');
  setupServer().listen({ onUnhandledRequest: 'bypass' });
} else if (tool === 'nock') {
  const { default: nock } = await import('nock');
  nock.enableNetConnect();
  nock.activate();
} else if (tool !== 'plain') throw new Error(`unknown tool ${tool}`);

const result = { case: 'outside', tool };
for (const [client, get] of [['fetch', fetchGet], ['http', httpGet]]) {
  for (let i = 0; i < 100; i++) await get(itemUrl(base, i)); // warm-up
  const start = performance.now();
  for (let i = 0; i < n; i++) await get(itemUrl(base, i));
  result[`${client}ReqPerSec`] = round((n / (performance.now() - start)) * 1000, 0);
}
emit(result);
process.exit(0);
