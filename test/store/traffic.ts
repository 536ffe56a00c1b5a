import http from 'node:http';

/** What a client saw: comparable between a recording and its replay. */
export type Observed = Array<{ path: string; status: number; body: string; cookies?: string[] }>;

function httpGet(url: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    http
      .get(url, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('hex') }));
        res.on('error', reject);
      })
      .on('error', reject);
  });
}

/**
 * Traffic covering every body kind against the loopback test server: JSON, text, binary (fetch and
 * node:http), gzip, repeated Set-Cookie, a JSON POST, a large POST (over a 1 KiB side-file
 * threshold), a polled endpoint (a sequence of responses to one request) and a 404.
 *
 * @example
 * const seen = await withCassette('t', () => traffic(server.url), { dir, mode: 'record', store: harStore() });
 */
export async function traffic(base: string): Promise<Observed> {
  const seen: Observed = [];
  const get = async (path: string, init?: RequestInit): Promise<void> => {
    const res = await fetch(`${base}${path}`, init);
    const body = Buffer.from(await res.arrayBuffer()).toString('hex');
    const cookies = res.headers.getSetCookie();
    seen.push({ path, status: res.status, body, ...(cookies.length > 0 ? { cookies } : {}) });
  };
  for (const path of ['/json', '/text', '/binary', '/gzip', '/cookies', '/poll', '/poll', '/poll', '/status/404']) await get(path);
  await get('/echo?kind=json', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ a: [1, 2] }) });
  await get('/echo?kind=large', { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'x'.repeat(3000) });
  const viaHttp = await httpGet(`${base}/binary`);
  seen.push({ path: 'http.get /binary', ...viaHttp });
  return seen;
}

/** What a replay of `observed` shows: the default sanitizer redacted the cookie values before saving. */
export function asReplayed(observed: Observed): Observed {
  return observed.map((o) => (o.cookies ? { ...o, cookies: o.cookies.map((c) => c.replace(/^(\w+)=[^;]*/, '$1=[REDACTED:set-cookie]')) } : o));
}
