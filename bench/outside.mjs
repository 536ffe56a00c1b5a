/**
 * `npm run bench:outside`: what installed interception costs requests made outside any cassette
 * (reeltape keeps its interception for the life of the process). Each tool runs in fresh processes,
 * interleaved over rounds; the median requests per second is reported with the ratio to plain Node.
 * Writes bench/results/outside.md.
 */
import { spawn, spawnSync } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';
import { RESULT_PREFIX } from './lib/common.mjs';

const BENCH = path.dirname(fileURLToPath(import.meta.url));
const ROUNDS = Number(process.env.BENCH_REPEATS ?? 5);
const REQUESTS = process.env.BENCH_QUICK === '1' ? 300 : 2000;
const TOOLS = ['plain', 'reeltape', 'msw', 'nock'];

const server = spawn(process.execPath, [path.join(BENCH, 'server.mjs')], { stdio: ['ignore', 'pipe', 'inherit'] });
const port = await new Promise((resolve) => {
  readline.createInterface({ input: server.stdout }).once('line', (line) => resolve(JSON.parse(line).port));
});
const base = `http://127.0.0.1:${port}`;
const env = { ...process.env };
delete env.CI;

const runs = Object.fromEntries(TOOLS.map((t) => [t, []]));
try {
  for (let round = 0; round < ROUNDS; round++) {
    for (const tool of TOOLS) {
      const child = spawnSync(process.execPath, [path.join(BENCH, 'cases/outside.mjs'), '--tool', tool, '--base', base, '--requests', String(REQUESTS)], { env, encoding: 'utf8' });
      const line = child.stdout.split('\n').find((l) => l.startsWith(RESULT_PREFIX));
      if (!line) throw new Error(`${tool}: no result\n${child.stderr}`);
      runs[tool].push(JSON.parse(line.slice(RESULT_PREFIX.length)));
    }
  }
} finally {
  server.kill();
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const rows = TOOLS.map((tool) => {
  const fetchRps = median(runs[tool].map((r) => r.fetchReqPerSec));
  const httpRps = median(runs[tool].map((r) => r.httpReqPerSec));
  return { tool, fetchRps, httpRps };
});
const plain = rows[0];
const lines = [
  `# Requests outside any cassette (${new Date().toISOString().slice(0, 16)}Z, Node ${process.version}, ${ROUNDS} interleaved rounds of ${REQUESTS} sequential requests, median)`,
  '',
  '| tool installed | fetch req/s | ÷ plain | http.get req/s | ÷ plain |',
  '|---|---|---|---|---|',
  ...rows.map((r) => `| ${r.tool} | ${r.fetchRps} | ${(r.fetchRps / plain.fetchRps).toFixed(2)} | ${r.httpRps} | ${(r.httpRps / plain.httpRps).toFixed(2)} |`),
  '',
];
const text = lines.join('\n');
process.stdout.write(text);
await writeFile(path.join(BENCH, 'results/outside.md'), text);
