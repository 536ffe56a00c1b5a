/**
 * `reeltape/pg`: record and replay PostgreSQL queries made through `pg` (an optional peer), as
 * function-tape calls in the same cassette as the HTTP traffic.
 */
export { recordPg, PG_ALIAS, type PgModule, type PgResult, type PgField } from './record-pg.js';
