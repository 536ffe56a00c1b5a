/**
 * The recording lock under races: 8 processes find the same stale lock at the same moment, many
 * times over; exactly one records each time and the others get CassetteLockedError naming it.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { readdir, readFile, rm, utimes, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CassetteLockedError } from '../../src/errors/index.js';
import { acquireLock } from '../../src/session/lock.js';
import { withCassette } from '../../src/session/index.js';
import { childEnv, makeTempDir, removeTempDirs } from '../helpers/index.js';

const RACER = fileURLToPath(new URL('./fixtures/lock-racer.ts', import.meta.url));
const RACERS = 8;
const ROUNDS = 30;
/** Above Linux's largest pid (2^22): never a running process. */
const DEAD_PID = 2 ** 22 + 7;

type Reply = { round: number; outcome: 'running' | 'done' | 'error'; name?: string; message?: string; holderPid?: number };

describe('8 processes racing for one stale lock', () => {
  let dir: string;
  const racers: ChildProcess[] = [];
  const inbox: Array<Reply & { pid: number }> = [];
  /** What the racers print on stderr (each winner's "recorded no request" warning): shown only when a round fails. */
  let stderr = '';

  beforeAll(async () => {
    dir = await makeTempDir('lock-race');
    for (let i = 0; i < RACERS; i++) {
      const child = fork(RACER, [dir], { execArgv: ['--import', 'tsx'], env: childEnv(), stdio: ['ignore', 'inherit', 'pipe', 'ipc'] });
      child.on('message', (reply: Reply) => inbox.push({ ...reply, pid: child.pid as number }));
      child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      racers.push(child);
    }
    await waitFor(() => inbox.filter((r) => r.round === -1).length === RACERS, 60_000);
  }, 90_000);

  afterAll(async () => {
    await Promise.all(
      racers.map(async (child) => {
        if (child.exitCode !== null) return;
        child.send({ exit: true });
        await once(child, 'exit');
      }),
    );
    await removeTempDirs();
  });

  it(`exactly one runs fn, every round (${ROUNDS} rounds: dead owner, silent owner on another host, empty lock, garbage lock)`, async () => {
    const lockFile = join(dir, 'race.json.lock');
    for (let round = 0; round < ROUNDS; round++) {
      await rm(join(dir, 'race.json'), { force: true });
      const kind = round % 4;
      if (kind === 0) await writeFile(lockFile, JSON.stringify({ token: 'dead', pid: DEAD_PID, hostname: hostname(), time: new Date().toISOString() }));
      if (kind === 1) {
        const old = new Date(Date.now() - 11 * 60_000).toISOString();
        await writeFile(lockFile, JSON.stringify({ token: 'expired', pid: process.pid, hostname: 'elsewhere', time: old }));
        await utimes(lockFile, new Date(old), new Date(old)); // its holder stopped refreshing it 11 minutes ago
      }
      if (kind === 2 || kind === 3) {
        await writeFile(lockFile, kind === 2 ? '' : '{"tok\u0000garbage'); // left empty or garbled by a crash
        const past = new Date(Date.now() - 60_000);
        await utimes(lockFile, past, past);
      }
      const at = Date.now() + 150;
      for (const child of racers) child.send({ round, at });
      await waitFor(() => inbox.filter((r) => r.round === round).length === RACERS, 20_000);
      const replies = inbox.filter((r) => r.round === round);
      const running = replies.filter((r) => r.outcome === 'running');
      expect(running, `round ${round}: ${JSON.stringify(replies)}\n${stderr}`).toHaveLength(1);
      const winner = running[0]!.pid;
      for (const loser of replies.filter((r) => r.outcome !== 'running')) {
        expect(loser.name, loser.message).toBe('CassetteLockedError');
        expect(loser.holderPid).toBe(winner);
        expect(loser.message).toContain(`process ${winner}`);
      }
      // the holder's lock is the one on disk, with its pid and a token
      const held = JSON.parse(await readFile(lockFile, 'utf8')) as { pid: number; token: string };
      expect(held.pid).toBe(winner);
      expect(held.token).toMatch(/^[0-9a-f]{16}$/);
      racers.find((c) => c.pid === winner)!.send({ release: true });
      await waitFor(() => inbox.some((r) => r.round === round && r.pid === winner && r.outcome === 'done'), 20_000);
      // released: no lock, no marker, no temp file left
      expect((await readdir(dir)).sort()).toEqual(['race.json']);
      inbox.splice(0);
    }
  }, 300_000);
});

describe('acquireLock', () => {
  let dir: string;
  afterEach(removeTempDirs);

  it('releases only its own lock: a lock taken over meanwhile is left to its new holder', async () => {
    dir = await makeTempDir('lock');
    const file = join(dir, 'own.json');
    const release = await acquireLock(file);
    const other = JSON.stringify({ token: 'someone-else', pid: process.pid, hostname: hostname(), time: new Date().toISOString() });
    await writeFile(`${file}.lock`, other); // as if ours had been judged stale and replaced
    await release();
    expect(await readFile(`${file}.lock`, 'utf8')).toBe(other);
  });

  it('a young unreadable lock is reported at once (not waited on); an old one is replaced', async () => {
    dir = await makeTempDir('lock');
    const file = join(dir, 'empty.json');
    await writeFile(`${file}.lock`, '');
    const started = Date.now();
    const error = await acquireLock(file).catch((e: unknown) => e);
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(error).toBeInstanceOf(CassetteLockedError);
    expect((error as CassetteLockedError).lockFile).toBe(`${file}.lock`);
    const past = new Date(Date.now() - 10_000);
    await utimes(`${file}.lock`, past, past);
    const release = await acquireLock(file);
    expect(JSON.parse(await readFile(`${file}.lock`, 'utf8'))).toMatchObject({ pid: process.pid });
    await release();
    expect(await readdir(dir)).toEqual([]);
  });

  it("the next save removes a dead recorder's temp files and old takeover markers, and nothing else", async () => {
    dir = await makeTempDir('lock');
    const past = new Date(Date.now() - 120_000);
    const leftovers = [`.rt-${DEAD_PID}-0123456789ab.tmp`, '.rt-0123456789abcdef-0.brk', `.users.json.${DEAD_PID}.0123456789ab.tmp`];
    for (const name of leftovers) {
      await writeFile(join(dir, name), 'x');
      await utimes(join(dir, name), past, past);
    }
    const kept = ['.rt-fedcba9876543210-0.brk', `.rt-${process.pid}-0123456789ab.tmp`, 'notes.tmp'];
    for (const name of kept) await writeFile(join(dir, name), 'x'); // a fresh marker, a live process's temp, a user's file
    await withCassette('c', () => undefined, { dir, mode: 'record' });
    expect((await readdir(dir)).sort()).toEqual([...kept, 'c.json'].sort());
  });

  it('a takeover whose winner died (its marker left behind) is passed: the next contender takes the lock', async () => {
    dir = await makeTempDir('lock');
    const file = join(dir, 'm.json');
    const dead = { pid: DEAD_PID, hostname: hostname(), time: new Date().toISOString() };
    await writeFile(`${file}.lock`, JSON.stringify({ token: '00dead00', ...dead }));
    await writeFile(join(dir, '.rt-00dead00-0.brk'), JSON.stringify({ token: '11dead11', ...dead }));
    const started = Date.now();
    const release = await acquireLock(file);
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(JSON.parse(await readFile(`${file}.lock`, 'utf8'))).toMatchObject({ pid: process.pid });
    expect(await readdir(dir)).toEqual(['m.json.lock']);
    await release();
  });

  it('a live holder is named in the error, with its pid, host and start', async () => {
    dir = await makeTempDir('lock');
    const file = join(dir, 'live.json');
    const release = await acquireLock(file);
    const error = (await acquireLock(file).catch((e: unknown) => e)) as CassetteLockedError;
    await release();
    expect(error).toBeInstanceOf(CassetteLockedError);
    expect(error.holder).toMatchObject({ pid: process.pid, hostname: hostname() });
    expect(error.message).toContain(`${file}.lock`);
  });
});

async function waitFor(condition: () => boolean, timeout: number): Promise<void> {
  const until = Date.now() + timeout;
  while (!condition()) {
    if (Date.now() > until) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 10));
  }
}
