import type { JsonValue } from '../cassette/types.js';
import { ReeltapeConfigError } from '../errors/index.js';
import { currentTape } from '../tapes/call-tape.js';
import { interceptInput } from '../tapes/intercept.js';

/** The alias pg queries are stored under in a cassette's `calls`. */
export const PG_ALIAS = 'pg';

/** A field of a query result, as stored. */
export interface PgField {
  name: string;
  dataTypeID: number;
}

/** What is stored of a query result and what replay returns (pg's `QueryResult` without its parsers). */
export interface PgResult {
  command: string;
  rowCount: number | null;
  oid: number | null;
  rows: unknown[];
  fields: PgField[];
  rowAsArray: boolean;
}

/** The parts of `pg`'s `Client` that are taped. */
interface PgClientPrototype {
  query(...args: unknown[]): unknown;
  connect(...args: unknown[]): unknown;
}

/**
 * The `pg` module (or anything with its `Client` class). `Pool` needs no patch of its own: it makes
 * its clients from `Client`.
 */
export interface PgModule {
  Client: { prototype: object };
}

/** What a query is matched by: whitespace-normalized text, values, and the options that change the result. */
interface QueryKey {
  text: string;
  values: unknown[];
  name?: string;
  rowMode?: string;
}

const PATCHED = Symbol.for('reeltape.pg.patched');

function normalizeSql(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

function plainResult(result: unknown): PgResult {
  const r = result as { command?: string; rowCount?: number | null; oid?: number | null; rows?: unknown[]; fields?: Array<{ name: string; dataTypeID: number }>; rowAsArray?: boolean };
  return {
    command: r.command ?? '',
    rowCount: r.rowCount ?? null,
    oid: r.oid ?? null,
    rows: r.rows ?? [],
    fields: (r.fields ?? []).map((f) => ({ name: f.name, dataTypeID: f.dataTypeID })),
    rowAsArray: r.rowAsArray === true,
  };
}

/** The query key of `client.query(...)` arguments, or `undefined` for a submittable (a `Cursor`, a `Query`) that is not taped. */
function queryKey(args: unknown[]): QueryKey | undefined {
  const [config, second] = args;
  if (typeof config === 'string') return { text: normalizeSql(config), values: Array.isArray(second) ? second : [] };
  if (config === null || typeof config !== 'object') return undefined;
  const c = config as { text?: unknown; values?: unknown; name?: unknown; rowMode?: unknown; submit?: unknown };
  if (typeof c.submit === 'function' || typeof c.text !== 'string') return undefined;
  const key: QueryKey = { text: normalizeSql(c.text), values: Array.isArray(second) ? second : Array.isArray(c.values) ? c.values : [] };
  if (typeof c.name === 'string') key.name = c.name;
  if (typeof c.rowMode === 'string') key.rowMode = c.rowMode;
  return key;
}

/** One taped query: the key is the first argument; `run` performs it for real (record, or a call-through). */
const tapedQuery = interceptInput(PG_ALIAS, (_key: QueryKey, run: () => Promise<PgResult | PgResult[]>) => run(), {
  key: ([key]) => key as unknown as JsonValue,
});

/**
 * Instruments the `pg` module: `Client#query`, `Pool#query` and clients from `Pool#connect` are
 * recorded into the current cassette (query text, values, and `rows`, `fields`, `rowCount`,
 * `command`; errors with their SQLSTATE `code` and fields) and replayed with the database down:
 * in a replaying cassette `connect` succeeds without a server and `end` is a no-op. Query text is
 * matched whitespace-normalized, values canonically; prepared statements (`name`) and
 * `rowMode: 'array'` round-trip. Outside a cassette pg behaves as usual. Returns a function that
 * removes the instrumentation.
 *
 * @example
 * import pg from 'pg';
 * import { withCassette } from 'reeltape';
 * import { recordPg } from 'reeltape/pg';
 *
 * recordPg(pg);
 * const rows = await withCassette('orders-db', async () => {
 *   const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL });
 *   const { rows } = await pool.query('select id, total from orders where id = $1', [7]);
 *   await pool.end();
 *   return rows;
 * });
 */
export function recordPg(pg: PgModule): () => void {
  const proto = pg?.Client?.prototype as (PgClientPrototype & { [PATCHED]?: () => void }) | undefined;
  if (!proto || typeof proto.query !== 'function' || typeof proto.connect !== 'function') {
    throw new ReeltapeConfigError('recordPg(pg): pass the `pg` module (import pg from "pg"); it has no Client class with query and connect.');
  }
  const already = proto[PATCHED];
  if (already) return already;
  const { query, connect } = proto;

  proto.query = function (this: unknown, ...args: unknown[]): unknown {
    const tape = currentTape();
    const key = tape?.active ? queryKey(args) : undefined;
    if (!key) return query.apply(this, args);
    const last = args[args.length - 1];
    const callback = typeof last === 'function' ? (last as (error: unknown, result?: unknown) => void) : undefined;
    const forward = callback ? args.slice(0, -1) : args;
    const run = async (): Promise<PgResult | PgResult[]> => {
      const result = await (query.apply(this, forward) as Promise<unknown>);
      return Array.isArray(result) ? result.map(plainResult) : plainResult(result);
    };
    const pending = tapedQuery(key, run);
    if (!callback) return pending;
    pending.then(
      (result) => callback(null, result),
      (error: unknown) => callback(error),
    );
    return undefined;
  };

  proto.connect = function (this: unknown, ...args: unknown[]): unknown {
    if (currentTape()?.active !== true || currentTape()?.mode !== 'replay') return connect.apply(this, args);
    // replay: the database may be gone; queries are answered from the cassette
    const callback = args[0];
    if (typeof callback === 'function') {
      process.nextTick(() => (callback as (error: null) => void)(null));
      return undefined;
    }
    return Promise.resolve();
  };

  const restore = (): void => {
    proto.query = query;
    proto.connect = connect;
    delete proto[PATCHED];
  };
  proto[PATCHED] = restore;
  return restore;
}
