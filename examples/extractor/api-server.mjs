#!/usr/bin/env node
/**
 * A local stand-in for the remote service the example extractor reads: deterministic data (no randomness,
 * no current time in any body), bearer-token auth, `Link` pagination, a gzip endpoint, a CSV export,
 * incremental loads (`since` / `updated_since`) and an account whose events endpoint fails with HTTP 500.
 *
 *   node api-server.mjs --token <token> [--token <other>] [--port 4010]
 *   (or env EXAMPLE_API_TOKEN=<token>[,<other>] and EXAMPLE_API_PORT; the port defaults to 0 = any free port)
 *
 * The server holds no token of its own: whoever starts it says which tokens it accepts.
 *
 * Listens on 127.0.0.1, prints `API listening on http://127.0.0.1:<port>`, exits cleanly on SIGINT/SIGTERM.
 */
import http from 'node:http';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { gzipSync } from 'node:zlib';

const DAY = 86_400_000;
const BASE = Date.UTC(2024, 0, 1);
const iso = (ms) => new Date(ms).toISOString();

const FIRST = ['Alice', 'Bob', "Pat", 'Ann', 'Jiří', 'Chen', 'Maria', 'Omar', 'Eva', 'Tomás', 'Lena'];
const LAST = ['Smith', 'Novák', "O'Brien, Jr.", 'Lee', 'Müller', 'García', 'Kim'];

function buildUsers() {
  const users = [];
  for (let id = 1; id <= 23; id++) {
    const name = id === 7 ? 'Ann "Annie" Lee' : `${FIRST[id % FIRST.length]} ${LAST[id % LAST.length]}`;
    const note = id === 5 ? 'line one\nline two' : id % 4 === 0 ? 'vip, priority' : '';
    users.push({ id, name, email: `user${id}@example.com`, note, updated_at: iso(BASE + id * 7 * DAY) });
  }
  return users;
}

function buildOrders() {
  const orders = [];
  const currencies = ['USD', 'EUR', 'CZK'];
  for (let i = 0; i < 17; i++) {
    orders.push({
      id: 1001 + i,
      user_id: ((i * 5) % 23) + 1,
      amount: (((i * 37) % 500) + 0.99).toFixed(2),
      currency: currencies[i % currencies.length],
      created_at: iso(BASE + 2 * DAY + i * 9 * DAY + (i % 5) * 3_600_000),
    });
  }
  return orders;
}

function buildEvents() {
  const events = [];
  const types = ['login', 'purchase', 'logout', 'page,view'];
  for (let i = 1; i <= 31; i++) {
    events.push({
      id: `evt-${String(i).padStart(4, '0')}`,
      user_id: ((i * 7) % 23) + 1,
      type: types[i % types.length],
      occurred_at: iso(BASE + DAY + i * 5 * DAY),
      payload: { seq: i, tags: i % 3 === 0 ? ['a', 'b'] : [], source: i % 2 ? 'web' : 'app' },
    });
  }
  return events;
}

/** The whole dataset, built deterministically. */
export const dataset = Object.freeze({ users: buildUsers(), orders: buildOrders(), events: buildEvents() });

/** Accounts the server knows; `broken` fails on the events endpoint with HTTP 500. */
export const ACCOUNTS = ['acme', 'broken'];

function csvField(value) {
  const text = value === null || value === undefined ? '' : String(value);
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

function send(res, status, body, headers = {}) {
  const bytes = Buffer.isBuffer(body) ? body : Buffer.from(typeof body === 'string' ? body : JSON.stringify(body));
  res.writeHead(status, {
    'content-type': typeof body === 'string' ? 'text/plain; charset=utf-8' : 'application/json',
    'content-length': bytes.length,
    ...headers,
  });
  res.end(bytes);
}

function parseSince(value, res) {
  if (value === null || value === '') return -Infinity;
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) {
    send(res, 400, { error: `invalid since: ${value}` });
    return undefined;
  }
  return ms;
}

/**
 * Creates (does not start) the API server.
 * @param {{ tokens: string[] }} options tokens accepted as `Authorization: Bearer <token>`
 */
export function createApiServer({ tokens }) {
  if (!Array.isArray(tokens) || tokens.length === 0 || tokens.some((t) => typeof t !== 'string' || t === '')) {
    throw new Error('api-server: give at least one accepted bearer token (--token <token> or EXAMPLE_API_TOKEN)');
  }
  const accepted = new Set(tokens);
  return http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', `http://${req.headers.host ?? '127.0.0.1'}`);
    if (req.method !== 'GET') return send(res, 405, { error: 'only GET is supported' });
    if (url.pathname === '/health') return send(res, 200, { ok: true });
    const auth = req.headers.authorization ?? '';
    if (!auth.startsWith('Bearer ') || !accepted.has(auth.slice('Bearer '.length))) {
      return send(res, 401, { error: 'missing or invalid bearer token' }, { 'www-authenticate': 'Bearer realm="example"' });
    }
    const account = url.searchParams.get('account');
    if (!ACCOUNTS.includes(account ?? '')) return send(res, 404, { error: `unknown account: ${account}` });

    if (url.pathname === '/v1/users') {
      const since = parseSince(url.searchParams.get('updated_since'), res);
      if (since === undefined) return;
      const perPage = Number(url.searchParams.get('per_page') ?? '10');
      const page = Number(url.searchParams.get('page') ?? '1');
      if (!Number.isInteger(perPage) || perPage < 1 || perPage > 100) return send(res, 400, { error: 'per_page must be 1..100' });
      if (!Number.isInteger(page) || page < 1) return send(res, 400, { error: 'page must be >= 1' });
      const matching = dataset.users.filter((u) => Date.parse(u.updated_at) >= since);
      const slice = matching.slice((page - 1) * perPage, page * perPage);
      const headers = { 'x-total-count': String(matching.length) };
      if (page * perPage < matching.length) {
        const next = new URL(url);
        next.searchParams.set('page', String(page + 1));
        headers.link = `<${next.href}>; rel="next"`;
      }
      return send(res, 200, slice, headers);
    }

    if (url.pathname === '/v1/events') {
      if (account === 'broken') return send(res, 500, { error: 'events store unavailable' });
      const since = parseSince(url.searchParams.get('since'), res);
      if (since === undefined) return;
      const body = Buffer.from(JSON.stringify({ data: dataset.events.filter((e) => Date.parse(e.occurred_at) >= since) }));
      if (/\bgzip\b/.test(req.headers['accept-encoding'] ?? '')) {
        return send(res, 200, gzipSync(body, { level: 9 }), { 'content-type': 'application/json', 'content-encoding': 'gzip', vary: 'accept-encoding' });
      }
      return send(res, 200, body, { 'content-type': 'application/json' });
    }

    if (url.pathname === '/v1/orders/export.csv') {
      const since = parseSince(url.searchParams.get('since'), res);
      if (since === undefined) return;
      const columns = ['id', 'user_id', 'amount', 'currency', 'created_at'];
      const rows = dataset.orders.filter((o) => Date.parse(o.created_at) >= since);
      const csv = [columns.join(','), ...rows.map((o) => columns.map((c) => csvField(o[c])).join(','))].join('\r\n') + '\r\n';
      return send(res, 200, Buffer.from(csv), { 'content-type': 'text/csv; charset=utf-8' });
    }

    return send(res, 404, { error: `no such endpoint: ${url.pathname}` });
  });
}

/**
 * Starts the API server on 127.0.0.1.
 * @param {{ port?: number, tokens: string[] }} options
 * @returns {Promise<{ url: string, port: number, server: import('node:http').Server, close: () => Promise<void> }>}
 */
export async function startApiServer({ port = 0, tokens }) {
  const server = createApiServer({ tokens });
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve(undefined));
  });
  const address = server.address();
  const actual = typeof address === 'object' && address ? address.port : port;
  return {
    url: `http://127.0.0.1:${actual}`,
    port: actual,
    server,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const { values } = parseArgs({ options: { port: { type: 'string' }, token: { type: 'string', multiple: true } } });
  const port = Number(values.port ?? process.env.EXAMPLE_API_PORT ?? '0');
  const tokens = values.token ?? (process.env.EXAMPLE_API_TOKEN ?? '').split(',').filter(Boolean);
  let api;
  try {
    api = await startApiServer({ port, tokens });
  } catch (error) {
    process.stderr.write(`${error.message}\n`);
    process.exit(2);
  }
  process.stdout.write(`API listening on ${api.url}\n`);
  const stop = () => api.close().then(() => process.exit(0));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}
