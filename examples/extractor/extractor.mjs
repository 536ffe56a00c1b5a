/**
 * The example extractor: reads users (paginated JSON, `Link` header), orders (CSV export, read with
 * `node:http`) and events (gzip-compressed JSON) from the API, and customers from PostgreSQL through `pg`
 * (when `databaseUrl` is set), and writes `users.csv`, `orders.csv`, `events.csv` and `customers.csv`
 * into `outDir`. Called as `run(config, { outDir })`.
 */
import http from 'node:http';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parse } from 'csv-parse/sync';

/** Columns of each output table, in order. */
export const TABLES = Object.freeze({
  users: ['id', 'name', 'email', 'note', 'updated_at'],
  orders: ['id', 'user_id', 'amount', 'currency', 'created_at'],
  events: ['id', 'user_id', 'type', 'occurred_at', 'payload'],
  customers: ['id', 'name', 'country', 'credit_limit', 'since'],
});

/** Tables read from the API (the default when no `databaseUrl` is configured). */
const API_TABLES = ['users', 'orders', 'events'];

const DAY = 86_400_000;

function readConfig(config) {
  const fail = (field, why) => {
    throw new Error(`extractor config: "${field}" ${why}`);
  };
  if (!config || typeof config !== 'object') fail('(root)', 'must be an object');
  const token = config['#api_token'];
  if (typeof token !== 'string' || token === '') fail('#api_token', 'must be a non-empty string');
  if (typeof config.baseUrl !== 'string' || !/^https?:\/\//.test(config.baseUrl)) fail('baseUrl', 'must be an http(s) URL');
  if (typeof config.account !== 'string' || config.account === '') fail('account', 'must be a non-empty string');
  const databaseUrl = config.databaseUrl;
  if (databaseUrl !== undefined && (typeof databaseUrl !== 'string' || !/^postgres(ql)?:\/\//.test(databaseUrl))) fail('databaseUrl', 'must be a postgres:// URL');
  const tables = config.tables ?? (databaseUrl ? Object.keys(TABLES) : API_TABLES);
  if (!Array.isArray(tables) || tables.some((t) => !(t in TABLES))) fail('tables', `must list tables out of ${Object.keys(TABLES).join(', ')}`);
  if (tables.includes('customers') && !databaseUrl) fail('databaseUrl', 'is required for the customers table');
  const pageSize = config.pageSize ?? 50;
  if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > 100) fail('pageSize', 'must be an integer 1..100');
  let since;
  if (config.since !== undefined) {
    if (Number.isNaN(Date.parse(config.since))) fail('since', 'must be an ISO-8601 time');
    since = new Date(config.since).toISOString();
  } else if (config.lookbackDays !== undefined) {
    if (!Number.isInteger(config.lookbackDays) || config.lookbackDays < 1) fail('lookbackDays', 'must be a positive integer');
    since = new Date(Date.now() - config.lookbackDays * DAY).toISOString();
  }
  return { token, baseUrl: config.baseUrl.replace(/\/$/, ''), account: config.account, tables, pageSize, since, databaseUrl };
}

function endpointUrl(settings, pathname, params) {
  const url = new URL(settings.baseUrl + pathname);
  url.searchParams.set('account', settings.account);
  for (const [key, value] of Object.entries(params)) if (value !== undefined) url.searchParams.set(key, String(value));
  return url;
}

async function apiError(method, url, status, statusText, bodyText) {
  let detail = '';
  try {
    const body = JSON.parse(bodyText);
    if (body && typeof body.error === 'string') detail = ` (${body.error})`;
  } catch {
    // not JSON: no detail
  }
  return new Error(`${method} ${new URL(url).pathname} failed: HTTP ${status} ${statusText}${detail}`);
}

async function fetchJson(settings, url) {
  const response = await fetch(url, { headers: { authorization: `Bearer ${settings.token}`, accept: 'application/json', 'accept-encoding': 'gzip' } });
  if (!response.ok) throw await apiError('GET', url, response.status, response.statusText, await response.text());
  return { body: await response.json(), headers: response.headers };
}

function nextLink(header) {
  if (!header) return undefined;
  for (const part of header.split(',')) {
    const match = /<([^>]+)>\s*;\s*rel="?next"?/.exec(part);
    if (match) return match[1];
  }
  return undefined;
}

/** Users: paginated JSON, following `Link: <…>; rel="next"`. */
async function extractUsers(settings) {
  const rows = [];
  let url = endpointUrl(settings, '/v1/users', { per_page: settings.pageSize, updated_since: settings.since }).href;
  for (let page = 0; url; page++) {
    if (page > 1000) throw new Error(`GET /v1/users: more than 1000 pages, giving up`);
    const { body, headers } = await fetchJson(settings, url);
    rows.push(...body);
    url = nextLink(headers.get('link'));
  }
  return rows;
}

/** Events: gzip-compressed JSON (fetch decodes it). */
async function extractEvents(settings) {
  const { body } = await fetchJson(settings, endpointUrl(settings, '/v1/events', { since: settings.since }).href);
  return body.data.map((event) => ({ ...event, payload: JSON.stringify(event.payload) }));
}

/** Orders: a CSV export, read with node:http. */
function extractOrders(settings) {
  const url = endpointUrl(settings, '/v1/orders/export.csv', { since: settings.since });
  return new Promise((resolve, reject) => {
    const request = http.get(url, { headers: { authorization: `Bearer ${settings.token}`, accept: 'text/csv' } }, (response) => {
      const chunks = [];
      response.on('data', (chunk) => chunks.push(chunk));
      response.on('error', reject);
      response.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        const status = response.statusCode ?? 0;
        if (status < 200 || status >= 300) {
          apiError('GET', url.href, status, response.statusMessage ?? '', text).then(reject, reject);
          return;
        }
        try {
          resolve(parse(text, { columns: true, skip_empty_lines: true }));
        } catch (error) {
          reject(new Error(`GET ${url.pathname}: malformed CSV export (${error.message})`));
        }
      });
    });
    request.on('error', (error) => reject(new Error(`GET ${url.pathname} failed: ${error.message}`, { cause: error })));
  });
}

/** Customers: a PostgreSQL table read through `pg` (loaded only when this table is asked for). */
async function extractCustomers(settings) {
  const { default: pg } = await import('pg');
  const client = new pg.Client({ connectionString: settings.databaseUrl });
  await client.connect();
  try {
    const { rows } = await client.query(
      'select id, name, country, credit_limit, since from customers where since >= $1 order by id',
      [settings.since ?? '1970-01-01T00:00:00.000Z'],
    );
    return rows.map((row) => ({ ...row, since: row.since.toISOString() }));
  } finally {
    await client.end();
  }
}

const EXTRACTORS = { users: extractUsers, orders: extractOrders, events: extractEvents, customers: extractCustomers };

function csvField(value) {
  const text = value === null || value === undefined ? '' : String(value);
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** Serializes rows as RFC 4180 CSV (header row, LF line ends, quoting only where needed). */
export function toCsv(columns, rows) {
  const lines = [columns.map(csvField).join(',')];
  for (const row of rows) lines.push(columns.map((c) => csvField(row[c])).join(','));
  return `${lines.join('\n')}\n`;
}

/**
 * Runs the extractor.
 * @param {import('./extractor.d.mts').ExtractorConfig} config
 * @param {{ outDir: string }} options
 * @returns {Promise<{ tables: Record<string, number> }>} row count per written table
 */
export async function run(config, { outDir }) {
  const settings = readConfig(config);
  await mkdir(outDir, { recursive: true });
  const tables = {};
  for (const table of settings.tables) {
    const rows = await EXTRACTORS[table](settings);
    await writeFile(path.join(outDir, `${table}.csv`), toCsv(TABLES[table], rows));
    tables[table] = rows.length;
  }
  return { tables };
}
