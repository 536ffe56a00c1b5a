import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { request } from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { parse } from 'csv-parse/sync';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
// @ts-expect-error -- plain ESM JavaScript without declarations
import { startApiServer } from '../../examples/extractor/api-server.mjs';
import { run } from '../../examples/extractor/extractor.mjs';

const TOKEN = 'test-token-4b1d9e2f7a';
let api: { url: string; close(): Promise<void> };
let out: string;

beforeAll(async () => {
  api = await startApiServer({ port: 0, tokens: [TOKEN] });
});
afterAll(async () => {
  await api.close();
});
beforeEach(async () => {
  out = await mkdtemp(path.join(os.tmpdir(), 'reeltape-extractor-'));
});
afterEach(async () => {
  vi.useRealTimers();
  await rm(out, { recursive: true, force: true });
});

const config = () => ({ '#api_token': TOKEN, baseUrl: api.url, account: 'acme', pageSize: 10 });
const table = async (name: string) => parse(await readFile(path.join(out, `${name}.csv`), 'utf8'), { columns: true }) as Array<Record<string, string>>;

function get(pathname: string, headers: Record<string, string> = {}): Promise<{ status: number; headers: Record<string, unknown>; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = request(`${api.url}${pathname}`, { headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('api-server', () => {
  it('checks the bearer token, paginates with Link, gzips events, exports CSV, fails for the broken account', async () => {
    expect((await get('/v1/users?account=acme')).status).toBe(401);
    expect((await get('/v1/users?account=acme', { authorization: 'Bearer wrong-token' })).status).toBe(401);
    const auth = { authorization: `Bearer ${TOKEN}` };
    const page1 = await get('/v1/users?account=acme&per_page=10', auth);
    expect(page1.status).toBe(200);
    expect(page1.headers.link).toBe(`<${api.url}/v1/users?account=acme&per_page=10&page=2>; rel="next"`);
    const page3 = await get('/v1/users?account=acme&per_page=10&page=3', auth);
    expect(page3.headers.link).toBeUndefined();
    expect(JSON.parse(page3.body.toString())).toHaveLength(3);

    const events = await get('/v1/events?account=acme', { ...auth, 'accept-encoding': 'gzip' });
    expect(events.headers['content-encoding']).toBe('gzip');
    expect(JSON.parse(gunzipSync(events.body).toString()).data).toHaveLength(31);

    const csv = await get('/v1/orders/export.csv?account=acme&since=2024-05-01T00:00:00Z', auth);
    expect(csv.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(csv.body.toString().split('\r\n')[0]).toBe('id,user_id,amount,currency,created_at');

    expect((await get('/v1/events?account=broken', auth)).status).toBe(500);
    expect((await get('/v1/users?account=acme&since=x&updated_since=x', auth)).status).toBe(400);
  });

  it('serves the same bytes every time (deterministic data)', async () => {
    const auth = { authorization: `Bearer ${TOKEN}` };
    const a = await get('/v1/users?account=acme&per_page=100', auth);
    const b = await get('/v1/users?account=acme&per_page=100', auth);
    expect(a.body.equals(b.body)).toBe(true);
  });
});

describe('example extractor against the real API', () => {
  it('full load writes three CSV tables, quoting commas, quotes and newlines', async () => {
    expect(await run(config(), { outDir: out })).toEqual({ tables: { users: 23, orders: 17, events: 31 } });
    expect((await readdir(out)).sort()).toEqual(['events.csv', 'orders.csv', 'users.csv']);
    const usersText = await readFile(path.join(out, 'users.csv'), 'utf8');
    expect(usersText.split('\n')[0]).toBe('id,name,email,note,updated_at');
    expect(usersText).toContain('7,"Ann ""Annie"" Lee",user7@example.com,,2024-02-19T00:00:00.000Z\n');
    expect(usersText).toContain('"line one\nline two"');
    const users = await table('users');
    expect(users).toHaveLength(23);
    expect(users[1]?.name).toBe("Pat O'Brien, Jr.");
    expect(users[4]?.note).toBe('line one\nline two');
    const events = await table('events');
    expect(events[2]).toEqual({ id: 'evt-0003', user_id: '22', type: 'page,view', occurred_at: '2024-01-17T00:00:00.000Z', payload: '{"seq":3,"tags":["a","b"],"source":"web"}' });
    expect((await table('orders'))[0]).toEqual({ id: '1001', user_id: '1', amount: '0.99', currency: 'USD', created_at: '2024-01-03T00:00:00.000Z' });
  });

  it('incremental load with lookbackDays follows the (frozen) clock and pages of 2', async () => {
    vi.useFakeTimers({ toFake: ['Date'], now: new Date('2024-06-01T00:00:00Z') });
    const result = await run({ ...config(), pageSize: 2, lookbackDays: 20 }, { outDir: out });
    expect(result.tables).toEqual({ users: 5, orders: 2, events: 5 });
    expect((await table('users')).map((u) => u.id)).toEqual(['19', '20', '21', '22', '23']);
  });

  it('an empty result writes header-only tables', async () => {
    await run({ ...config(), since: '2030-01-01T00:00:00Z' }, { outDir: out });
    for (const name of ['users', 'orders', 'events']) {
      expect((await readFile(path.join(out, `${name}.csv`), 'utf8')).split('\n')).toHaveLength(2);
    }
  });

  it('API errors reject with the endpoint and status (fetch and node:http paths)', async () => {
    await expect(run({ ...config(), account: 'broken' }, { outDir: out })).rejects.toThrow(
      'GET /v1/events failed: HTTP 500 Internal Server Error (events store unavailable)',
    );
    await expect(run({ ...config(), '#api_token': 'wrong-token-123', tables: ['orders'] }, { outDir: out })).rejects.toThrow(
      'GET /v1/orders/export.csv failed: HTTP 401 Unauthorized',
    );
    await expect(run({ ...config(), '#api_token': 'wrong-token-123', tables: ['users'] }, { outDir: out })).rejects.toThrow(
      'GET /v1/users failed: HTTP 401 Unauthorized',
    );
    await expect(run({ ...config(), tables: ['nope' as 'users'] }, { outDir: out })).rejects.toThrow('extractor config: "tables"');
  });
});
