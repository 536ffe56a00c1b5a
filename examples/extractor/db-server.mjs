#!/usr/bin/env node
/**
 * A local stand-in for the PostgreSQL database the example extractor reads its `customers` table from:
 * PGlite (PostgreSQL compiled to WebAssembly, from npm) behind its socket server, seeded with
 * deterministic rows, so the demo needs nothing installed.
 *
 *   node db-server.mjs [--port 5410]   (default 0 = any free port)
 *
 * Listens on 127.0.0.1, prints `DB listening on postgres://postgres@127.0.0.1:<port>/postgres`, exits on SIGINT/SIGTERM.
 */
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';

const COUNTRIES = ['CZ', 'DE', 'US', 'IE'];

/** Starts the database; resolves `{ url, close }`. */
export async function startDbServer({ port = 0 } = {}) {
  const db = await PGlite.create();
  await db.exec(`create table customers (
    id integer primary key, name text not null, country char(2) not null, credit_limit numeric(12,2), since timestamptz not null)`);
  for (let id = 1; id <= 12; id++) {
    const since = new Date(Date.UTC(2024, 0, 1) + id * 13 * 86_400_000).toISOString();
    await db.query('insert into customers values ($1, $2, $3, $4, $5)', [id, `Customer ${id}${id === 3 ? ', "the third"' : ''}`, COUNTRIES[id % 4], id % 5 === 0 ? null : (id * 1250.5).toFixed(2), since]);
  }
  const server = new PGLiteSocketServer({ db, port, host: '127.0.0.1', maxConnections: 8 });
  await server.start();
  return {
    url: `postgres://postgres@${server.getServerConn()}/postgres`,
    close: async () => {
      await server.stop();
      await db.close();
    },
  };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const { values } = parseArgs({ options: { port: { type: 'string' } } });
  const db = await startDbServer({ port: Number(values.port ?? process.env.EXAMPLE_DB_PORT ?? '0') });
  process.stdout.write(`DB listening on ${db.url}\n`);
  const stop = () => db.close().then(() => process.exit(0));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}
