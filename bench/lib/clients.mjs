/**
 * The two clients the benchmarks drive: global `fetch` (undici) and `http.get` (node:http, default import so
 * every interceptor sees it). Both read the whole body into memory, as a test typically does.
 */
import http from 'node:http';

/**
 * GET with global fetch; resolves to the body length. Throws on a non-200 status.
 * @param {string} url
 */
export async function fetchGet(url) {
  const res = await fetch(url);
  const body = await res.arrayBuffer();
  if (res.status !== 200) throw new Error(`GET ${url}: status ${res.status}`);
  return new Uint8Array(body);
}

/**
 * GET with `http.get`; resolves to the body bytes. Throws on a non-200 status or a network error.
 * @param {string} url
 */
export function httpGet(url) {
  return new Promise((resolve, reject) => {
    const req = http.get(url, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('error', reject);
      res.on('end', () => {
        if (res.statusCode !== 200) reject(new Error(`GET ${url}: status ${res.statusCode}`));
        else resolve(Buffer.concat(chunks));
      });
    });
    req.on('error', reject);
  });
}

/** @param {'fetch' | 'http'} client */
export function getter(client) {
  if (client === 'fetch') return fetchGet;
  if (client === 'http') return httpGet;
  throw new Error(`unknown client ${client} (use fetch or http)`);
}

/** URL of item `i` on the loopback server. */
export function itemUrl(base, i) {
  return `${base}/items/${i}`;
}

/**
 * Run `get` over `urls` with at most `concurrency` requests in flight; checks that every body is
 * non-empty and, when `check` is given, calls it with (index, body).
 * @param {string[]} urls
 * @param {number} concurrency
 * @param {(url: string) => Promise<Uint8Array>} get
 * @param {(i: number, body: Uint8Array) => void} [check]
 */
export async function runAll(urls, concurrency, get, check) {
  let next = 0;
  let bytes = 0;
  async function worker() {
    while (next < urls.length) {
      const i = next++;
      const body = await get(urls[i]);
      if (body.byteLength === 0) throw new Error(`empty body for ${urls[i]}`);
      bytes += body.byteLength;
      if (check) check(i, body);
    }
  }
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, urls.length)) }, worker));
  return bytes;
}

/** A cheap spot check that a replayed item body is the right one: every 97th body must parse and carry its id. */
export function itemCheck(ids) {
  return (i, body) => {
    if (i % 97 !== 0) return;
    const parsed = JSON.parse(Buffer.from(body).toString('utf8'));
    if (parsed.id !== ids[i]) throw new Error(`body of request ${i} has id ${parsed.id}, expected ${ids[i]}`);
  };
}
