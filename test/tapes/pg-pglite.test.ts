import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import { pgQueryMixSuite } from './pg-contract.js';

// reeltape/pg against PGlite (PostgreSQL compiled to WASM, from npm) behind its socket server on 127.0.0.1.
pgQueryMixSuite('PGlite', async () => {
  const db = await PGlite.create();
  const server = new PGLiteSocketServer({ db, port: 0, host: '127.0.0.1', maxConnections: 4 });
  await server.start();
  return {
    url: `postgres://postgres@${server.getServerConn()}/postgres`,
    stop: async () => {
      await server.stop();
      await db.close();
    },
  };
});
