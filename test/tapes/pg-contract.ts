import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { childEnv, makeTempDir, removeTempDirs } from '../helpers/index.js';

/** A running PostgreSQL engine on 127.0.0.1 for one recording. */
export interface PgEngine {
  /** Connection string (loopback). */
  readonly url: string;
  /** Stops the engine (and waits until it is gone). */
  stop(): Promise<void>;
}

const run = promisify(execFile);
const script = join(import.meta.dirname, '../fixtures/pg/run.mjs');

interface Step { label: string; command?: string; rowCount?: number; rows?: unknown[]; fields?: string[]; error?: { class: string; code: string; message: string } }
interface Outcome { steps?: Step[]; error?: { name: string; message: string } }

async function runQueries(dir: string, env: Record<string, string>): Promise<Outcome> {
  const { stdout } = await run(process.execPath, [script], { env: childEnv({ CASSETTE_DIR: dir, ...env }) });
  return JSON.parse(stdout.trim().split('\n').pop()!) as Outcome;
}

/**
 * The query mix of `test/fixtures/pg/run.mjs` recorded against `start()`'s engine in a child process,
 * the engine stopped, then replayed in fresh processes.
 */
export function pgQueryMixSuite(engine: string, start: () => Promise<PgEngine>): void {
  let dir: string;
  let recorded: Outcome;
  let deadUrl: string;

  beforeAll(async () => {
    dir = await makeTempDir('pg');
    const running = await start();
    deadUrl = running.url;
    try {
      recorded = await runQueries(dir, { REELTAPE_MODE: 'record', PG_URL: deadUrl });
    } finally {
      await running.stop();
    }
  });
  afterAll(removeTempDirs);

  describe(`reeltape/pg with ${engine}`, () => {
    it('records the query mix with real results and SQLSTATE errors', () => {
      expect(recorded.error).toBeUndefined();
      const byLabel = Object.fromEntries((recorded.steps ?? []).map((s) => [s.label, s]));
      expect(byLabel['insert returning']).toMatchObject({ command: 'INSERT', rowCount: 1, rows: [{ id: 1, placed_at: '2024-01-31T12:00:00.000Z' }] });
      expect(byLabel['select params']?.rows).toHaveLength(2);
      expect(byLabel['select params']?.rows?.[0]).toMatchObject({ customer: 'ada', total: '12.50', payload: { items: [1, 2], note: 'first' }, raw: { type: 'Buffer', data: [0, 1, 2, 255] } });
      expect(byLabel.prepared?.rows).toEqual([{ id: 1, total: '12.50' }]);
      expect(byLabel['prepared again']?.rows).toEqual([{ id: 2, total: '7.00' }]);
      expect(byLabel['row mode array']?.rows).toEqual([[1, 'ada'], [2, 'grace']]);
      expect(byLabel['unique violation']?.error).toMatchObject({ class: 'DatabaseError', code: '23505' });
      expect(byLabel['missing table']?.error).toMatchObject({ class: 'DatabaseError', code: '42P01' });
      expect(byLabel['tx update']?.rows).toEqual([{ total: '8.00' }]);
      expect(byLabel['pool query']?.rows).toEqual([{ n: 2, sum: '20.50' }]);
    });

    it('stores the calls readably in the cassette', async () => {
      const cassette = JSON.parse(await readFile(join(dir, 'orders-db.json'), 'utf8')) as { calls: Array<{ alias: string; key: { text: string; values: unknown[] }; result?: { rows: unknown[] } }> };
      expect(cassette.calls.every((c) => c.alias === 'pg')).toBe(true);
      const select = cassette.calls.find((c) => c.key.text.startsWith('select * from orders'));
      expect(select?.key).toEqual({ text: 'select * from orders where total >= $1 order by id', values: [5] });
      expect(JSON.stringify(select?.result)).toContain('{"$buffer":"AAEC/w=="}');
    });

    it('replays with the engine stopped in a fresh process: results deep-equal', async () => {
      const replayed = await runQueries(dir, { REELTAPE_MODE: 'replay', PG_URL: deadUrl });
      expect(replayed.error).toBeUndefined();
      expect(replayed.steps).toEqual(recorded.steps);
    });

    it('a changed query fails with CassetteMismatchError naming the SQL and the closest recorded one', async () => {
      const changed = await runQueries(dir, { REELTAPE_MODE: 'replay', PG_URL: deadUrl, CHANGE: '1' });
      expect(changed.error?.name).toBe('CassetteMismatchError');
      expect(changed.error?.message).toContain('select id, customer from orders where total > $1 order by id');
      expect(changed.error?.message).toContain('"select * from orders where total >= $1 order by id"');
    });
  });
}
