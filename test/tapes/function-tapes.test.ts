import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { childEnv, makeTempDir, removeTempDirs } from '../helpers/index.js';
// @ts-expect-error a plain .mjs fixture without types
import { startLineServer } from '../fixtures/tapes/line-protocol.mjs';

// An operation with inputs (an SDK-like client over a TCP line protocol, taped with interceptMethods) and
// outputs (a store, taped with interceptOutput): recorded in one process, replayed in fresh ones with the
// server stopped.

const run = promisify(execFile);
const script = join(import.meta.dirname, '../fixtures/tapes/run.mjs');

interface Row { id: number; name: string; since: string; balance: string; tags: string[]; bytes: number; loadedAt: string }
interface Outcome {
  result?: { rows: Row[]; failures: Array<{ id: number; code: string; class: string; message: string }>; ack: { inserted: number } };
  differences?: Array<{ alias: string; call: number; changes: Array<{ path: string; before: unknown; after: unknown }> }>;
  error?: { name: string; message: string; differences?: Outcome['differences']; candidates?: Array<{ request: string }> };
  storedCalls: number;
}
type LineServer = { port: number; hits: number[]; close(): Promise<void> };

async function runOperation(dir: string, env: Record<string, string>): Promise<Outcome> {
  const { stdout } = await run(process.execPath, [script], { env: childEnv({ CASSETTE_DIR: dir, ...env }) });
  return JSON.parse(stdout.trim().split('\n').pop()!) as Outcome;
}

const withoutLoadedAt = (rows: Row[] | undefined) => rows?.map(({ loadedAt: _, ...rest }) => rest);

let dir: string;
let recorded: Outcome;
let deadPort: number;

beforeAll(async () => {
  dir = await makeTempDir('tapes');
  const server = (await startLineServer()) as LineServer;
  recorded = await runOperation(dir, { REELTAPE_MODE: 'record', PORT: String(server.port) });
  expect(server.hits).toEqual([1, 2, 404]);
  deadPort = server.port;
  await server.close();
});
afterAll(removeTempDirs);

describe('function tapes over a non-HTTP transport', () => {
  it('records inputs and outputs readably in the cassette', async () => {
    expect(recorded.error).toBeUndefined();
    expect(recorded.storedCalls).toBe(1);
    const cassette = JSON.parse(await readFile(join(dir, 'crm-sync.json'), 'utf8')) as { calls: Array<Record<string, unknown>>; interactions: unknown[] };
    expect(cassette.interactions).toEqual([]);
    expect(cassette.calls.map((c) => `${String(c.kind)} ${String(c.alias)}`)).toEqual(['input crm.customer', 'input crm.customer', 'input crm.customer', 'output warehouse.store']);
    expect(cassette.calls[0]).toMatchObject({
      key: [1],
      result: { id: 1, name: 'Ada', since: { $date: '2020-01-02T03:04:05.000Z' }, balance: { $bigint: '9007199254740993' }, tags: { $set: ['vip', 'eu'] }, avatar: { $buffer: 'AAEC/w==' }, note: { $undefined: true } },
    });
    expect(cassette.calls[2]).toMatchObject({ key: [404], error: { $error: { class: 'CrmError', message: 'no customer 404', fields: { code: 'NOT_FOUND' } } } });
    expect(cassette.calls[3]).toMatchObject({ args: ['customers', [{ id: 1 }, { id: 2 }]], result: { inserted: 2 } });
  });

  it('replays with the server stopped: same result, no output difference, the store not called', async () => {
    const replayed = await runOperation(dir, { REELTAPE_MODE: 'replay', PORT: String(deadPort) });
    expect(replayed.error).toBeUndefined();
    expect(replayed.differences).toEqual([]);
    expect(replayed.storedCalls).toBe(0);
    expect(withoutLoadedAt(replayed.result?.rows)).toEqual(withoutLoadedAt(recorded.result?.rows));
    expect(replayed.result?.rows[0]).toMatchObject({ balance: '9007199254740993n', since: '2020-01-02T03:04:05.000Z', tags: ['vip', 'eu'], bytes: 4 });
    expect(replayed.result?.failures).toEqual([{ id: 404, code: 'NOT_FOUND', class: 'CrmError', message: 'no customer 404' }]);
    expect(replayed.result?.ack).toEqual({ inserted: 2 });
  });

  it('fails with OutputMismatchError naming the path when one output differs', async () => {
    const changed = await runOperation(dir, { REELTAPE_MODE: 'replay', PORT: String(deadPort), CHANGE: '1' });
    expect(changed.error?.name).toBe('OutputMismatchError');
    expect(changed.error?.differences).toEqual([
      { alias: 'warehouse.store', call: 1, changes: [
        { path: '$[1][0].name', change: 'changed', before: 'Ada', after: 'ADA' },
        { path: '$[1][1].name', change: 'changed', before: 'Grace', after: 'GRACE' },
      ] },
    ]);
    expect(changed.error?.message).toContain('$[1][0].name: "Ada" → "ADA"');
  });

  it("collects differences instead of failing with compare: 'collect'", async () => {
    const collected = await runOperation(dir, { REELTAPE_MODE: 'replay', PORT: String(deadPort), CHANGE: '1', COLLECT: '1' });
    expect(collected.error).toBeUndefined();
    expect(collected.differences?.[0]?.changes.map((c) => c.path)).toEqual(['$[1][0].name', '$[1][1].name']);
  });

  it('a key not recorded fails with CassetteMismatchError naming the alias and the closest keys', async () => {
    const missing = await runOperation(dir, { REELTAPE_MODE: 'replay', PORT: String(deadPort), IDS: '1,2,404,3' });
    expect(missing.error?.name).toBe('CassetteMismatchError');
    expect(missing.error?.message).toContain('no recorded input call crm.customer([3])');
    expect(missing.error?.message).toContain('$[0]: 2 → 3');
    expect(missing.error?.candidates?.map((c) => c.request)).toEqual(['crm.customer([1])', 'crm.customer([2])', 'crm.customer([404])']);
  });

  it("onMissing: 'call' calls through for a key not recorded, and only for it", async () => {
    const server = (await startLineServer()) as LineServer;
    try {
      const through = await runOperation(dir, { REELTAPE_MODE: 'replay', PORT: String(server.port), IDS: '1,2,404,9', ON_MISSING: 'call' });
      expect(server.hits).toEqual([9]);
      // the store got one more row than recorded: that is an output difference
      expect(through.error?.name).toBe('OutputMismatchError');
      expect(through.error?.differences?.[0]?.changes).toEqual([{ path: '$[1][2]', change: 'added', after: expect.objectContaining({ id: 9, name: 'Linus' }) }]);
    } finally {
      await server.close();
    }
  });
});
