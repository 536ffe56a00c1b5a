import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chown, mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'vitest';
import { pgQueryMixSuite, type PgEngine } from './pg-contract.js';

// reeltape/pg against the machine's PostgreSQL server: a throwaway cluster in a temp dir, started here and
// stopped before replay. PostgreSQL refuses to run as root: as root, the cluster runs as `nobody`. Without
// initdb on the machine this leg is skipped with a message (the PGlite leg always runs).

function findBinary(name: string): string | undefined {
  const fromPath = spawnSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' }).stdout.trim();
  if (fromPath) return fromPath;
  const local = `/usr/local/bin/${name}`;
  return existsSync(local) ? local : undefined;
}

const initdb = findBinary('initdb');
const postgres = findBinary('postgres');
/** As root, the cluster's files and processes belong to `nobody` (uid/gid 65534). */
const runAs = process.getuid?.() === 0 ? { uid: 65534, gid: 65534 } : {};

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

function waitReady(child: ChildProcess): Promise<void> {
  return new Promise((resolve, reject) => {
    let log = '';
    const timer = setTimeout(() => reject(new Error(`postgres did not start in 30 s:\n${log}`)), 30_000);
    child.stderr?.on('data', (chunk: Buffer) => {
      log += chunk.toString();
      if (log.includes('ready to accept connections')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`postgres exited with ${String(code)}:\n${log}`));
    });
  });
}

async function startCluster(): Promise<PgEngine> {
  const dir = await mkdtemp(join(tmpdir(), 'reeltape-pgcluster-'));
  if (runAs.uid !== undefined) await chown(dir, runAs.uid, runAs.gid);
  const data = join(dir, 'data');
  const init = spawnSync(initdb!, ['-D', data, '-U', 'postgres', '-A', 'trust', '--no-sync', '-E', 'UTF8', '--locale', 'C'], { ...runAs, encoding: 'utf8' });
  if (init.status !== 0) throw new Error(`initdb failed (${String(init.status)}): ${init.stderr}`);
  const port = await freePort();
  const server = spawn(postgres!, ['-D', data, '-p', String(port), '-k', dir, '-c', 'listen_addresses=127.0.0.1', '-c', 'fsync=off'], { ...runAs, stdio: ['ignore', 'ignore', 'pipe'] });
  await waitReady(server);
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    stop: async () => {
      if (server.exitCode === null) {
        const exited = new Promise((resolve) => server.once('exit', resolve));
        server.kill('SIGINT'); // fast shutdown
        await exited;
      }
      await rm(dir, { recursive: true, force: true });
    },
  };
}

if (initdb && postgres) {
  pgQueryMixSuite(`PostgreSQL (${postgres})`, startCluster);
} else {
  describe('reeltape/pg with the machine PostgreSQL server', () => {
    it.skip('skipped: no initdb/postgres on this machine (the PGlite leg covers reeltape/pg)', () => undefined);
  });
  console.warn('reeltape test: PostgreSQL leg skipped: initdb/postgres not found on PATH or in /usr/local/bin');
}
