/**
 * The loopback server every benchmark case talks to. Runs in its own process (started by run.mjs) so its
 * CPU and memory never show up in a case's figures; prints `{"port":N}` once listening on 127.0.0.1.
 *
 *   GET /items/:i    ~1 KiB JSON, distinct per i
 *   GET /big?mb=N    N MiB of CSV text, streamed with backpressure (content-length set)
 *   GET /__hits      how many requests the server has answered (the runner checks replay cases make none)
 */
import http from 'node:http';
import { csvMiB, itemJson } from './lib/payloads.mjs';

const chunk = csvMiB();

let hits = 0;
const server = http.createServer((req, res) => {
  if (req.url === '/__hits') {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ hits }));
    return;
  }
  hits++;
  const url = new URL(req.url ?? '/', 'http://127.0.0.1');
  const item = /^\/items\/(\d+)$/.exec(url.pathname);
  if (req.method === 'GET' && item) {
    const body = Buffer.from(itemJson(Number(item[1])));
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': body.length });
    res.end(body);
    return;
  }
  if (req.method === 'GET' && url.pathname === '/big') {
    const mb = Math.min(1024, Math.max(1, Number(url.searchParams.get('mb') ?? 64)));
    res.writeHead(200, { 'content-type': 'text/csv', 'content-length': mb * chunk.length });
    let sent = 0;
    const pump = () => {
      while (sent < mb) {
        sent++;
        if (!res.write(chunk)) return void res.once('drain', pump);
      }
      res.end();
    };
    pump();
    return;
  }
  res.writeHead(404, { 'content-type': 'text/plain' });
  res.end('not found');
});

server.keepAliveTimeout = 30_000;
server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  process.stdout.write(JSON.stringify({ port: typeof address === 'object' && address ? address.port : 0 }) + '\n');
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
process.on('disconnect', () => process.exit(0));
