import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { configure } from 'reeltape';
import { recordPg } from 'reeltape/pg';

// Cassettes of this example live next to it, whatever directory Vitest was started from.
configure({ dir: fileURLToPath(new URL('./cassettes', import.meta.url)) });

// The customers table is read from PostgreSQL through pg: its queries go into the same cassettes.
recordPg(pg);
